"""Scenario tests with fixed times: roster + punches → attendance days → violations, once per person and day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from attendance.domain.errors import Forbidden, NotFound
from attendance.extensions import db
from attendance.models import AttendanceDay, Punch, RosterEntry, Violation
from attendance.services import attendance, meetings, punches, roster, shift_types
from tests.conftest import make_person, make_team

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 2)  # a Monday, long over


def at(hh, mm, day=DAY, ss=0):
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SH)


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    person = make_person(["staff"], team)
    hr = make_person(["hr"])
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00",
                                      "breaks": [{"start": "12:00", "end": "14:00"}]})
    shift_types.save_shift_type(None, {"code": "E", "name": "晚班", "start": "18:30", "end": "24:00"})
    return {"team": team, "lead": lead, "person": person, "hr": hr}


def punch(person, moment, direction=None):
    db.session.add(Punch(employee_id=person.id, at=moment, direction=direction, source="import",
                         dedupe_key=punches.dedupe_key(person.id, moment)))
    db.session.commit()


def rostered(world, code="D8", day=DAY, person=None):
    return roster.set_roster_day(world["lead"], (person or world["person"]).employee_no, day, code)


def day_of(person, day=DAY) -> AttendanceDay:
    return db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == person.id,
                                                         AttendanceDay.day == day))


def counted(person, rule=None):
    stmt = select(Violation).where(Violation.employee_id == person.id, Violation.reversed_at.is_(None))
    if rule:
        stmt = stmt.where(Violation.rule_code == rule)
    return list(db.session.scalars(stmt))


def test_in_at_08_04_for_an_08_00_shift_is_present_and_raises_nothing(world):
    rostered(world)
    punch(world["person"], at(8, 4), "in")
    punch(world["person"], at(18, 2), "out")
    report = attendance.evaluate(world["hr"], DAY)
    row = day_of(world["person"])
    assert (row.status, row.late_minutes, report.days) == ("present", 0, 1)
    assert counted(world["person"]) == []


def test_in_at_08_06_is_late_by_six_minutes_with_one_late_violation(world):
    rostered(world)
    punch(world["person"], at(8, 6), "in")
    punch(world["person"], at(18, 0), "out")
    attendance.evaluate(world["hr"], DAY)
    row = day_of(world["person"])
    assert (row.status, row.late_minutes) == ("late", 6)
    [violation] = counted(world["person"])
    assert violation.rule_code == "LATE" and violation.source == "attendance"
    assert violation.source_ref == f"attendance:{world['person'].employee_no}:2026-11-02:late"
    assert violation.occurred_at == at(8, 6)


def test_in_at_08_31_is_half_a_day_absent(world):
    rostered(world)
    punch(world["person"], at(8, 31), "in")
    punch(world["person"], at(18, 0), "out")
    attendance.evaluate(world["hr"], DAY)
    assert day_of(world["person"]).status == "half_absent"
    assert [(v.rule_code, str(v.fine)) for v in counted(world["person"])] == [("HALF_ABSENT", "20.00")]


def test_a_policy_with_no_half_absent_rule_raises_its_absent_rule_for_half_a_day():
    from attendance.domain.policy.model import AttendancePolicy

    old = AttendancePolicy(rules={"late": "LATE", "early": "EARLY", "absent": "ABSENT"})
    assert (old.rule_for("half_absent"), old.rule_for("late")) == ("ABSENT", "LATE")
    new = AttendancePolicy(rules={**old.rules, "half_absent": "HALF_ABSENT"})
    assert new.rule_for("half_absent") == "HALF_ABSENT"


def test_no_punch_on_a_working_day_is_absent_and_raises_absent(world):
    rostered(world)
    attendance.evaluate(world["hr"], DAY)
    assert day_of(world["person"]).status == "absent"
    assert [v.rule_code for v in counted(world["person"])] == ["ABSENT"]


def test_an_evening_shift_to_midnight_with_the_out_punch_at_00_02_is_present(world):
    rostered(world, "E")
    rostered(world, "D8", DAY + timedelta(days=1))
    punch(world["person"], at(18, 27))
    punch(world["person"], at(0, 2, DAY + timedelta(days=1)))
    attendance.evaluate(world["hr"], DAY)
    row = day_of(world["person"])
    assert row.status == "present" and not row.missing_out
    assert counted(world["person"]) == []


def test_a_rest_day_with_no_punch_is_rest_and_raises_nothing(world):
    rostered(world, "REST")
    attendance.evaluate(world["hr"], DAY)
    assert day_of(world["person"]).status == "rest"
    assert counted(world["person"]) == []


def test_evaluating_the_same_day_twice_raises_nothing_new(world):
    rostered(world)
    punch(world["person"], at(8, 20), "in")
    punch(world["person"], at(17, 50), "out")
    first = attendance.evaluate(world["hr"], DAY)
    second = attendance.evaluate(world["hr"], DAY)
    assert len(first.raised) == 2 and second.raised == [] and second.reversed == 0
    assert sorted(v.rule_code for v in counted(world["person"])) == ["EARLY", "LATE"]
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 2


def test_a_missing_out_punch_is_flagged_for_the_lead_not_guessed(world):
    rostered(world)
    punch(world["person"], at(7, 58), "in")
    attendance.evaluate(world["hr"], DAY)
    row = day_of(world["person"])
    assert row.missing_out and row.status == "present" and row.early_minutes == 0
    assert counted(world["person"]) == []


def test_a_correction_reverses_what_the_day_no_longer_supports(world):
    rostered(world)
    attendance.evaluate(world["hr"], DAY)
    [absent] = counted(world["person"], "ABSENT")
    # The lead enters the punches the clock lost: the day is re-judged at once.
    punches.add_punch(world["lead"], {"employee_no": world["person"].employee_no, "at": "2026-11-02T08:03:00",
                                         "direction": "in"})
    punches.add_punch(world["lead"], {"employee_no": world["person"].employee_no, "at": "2026-11-02 18:01",
                                         "direction": "out"})
    db.session.refresh(absent)
    assert absent.reversed_at is not None and absent.reversed_reason.startswith("re-evaluated")
    assert day_of(world["person"]).status == "present"
    assert counted(world["person"]) == []


def test_a_day_made_bad_again_after_a_correction_is_raised_again(world):
    rostered(world)
    punch(world["person"], at(8, 10), "in")
    punch(world["person"], at(18, 0), "out")
    attendance.evaluate(world["hr"], DAY)
    rostered(world, "REST")  # the lead says it was a rest day after all
    assert counted(world["person"]) == []
    rostered(world, "D8")
    assert [v.rule_code for v in counted(world["person"])] == ["LATE"]


def test_a_violation_reversed_by_someone_else_is_not_raised_again(world):
    from attendance.services import discipline

    rostered(world)
    attendance.evaluate(world["hr"], DAY)
    [absent] = counted(world["person"])
    discipline.reverse_violation(world["hr"], absent, "the clock was broken that day")
    attendance.evaluate(world["hr"], DAY)
    assert counted(world["person"]) == []


def test_voiding_a_wrong_punch_re_judges_the_day(world):
    rostered(world)
    punch(world["person"], at(8, 0), "in")
    punch(world["person"], at(15, 0), "out")
    punch(world["person"], at(18, 0), "out")
    attendance.evaluate(world["hr"], DAY)
    assert day_of(world["person"]).status == "present"
    wrong = db.session.scalar(select(Punch).where(Punch.at == at(18, 0)))
    punches.void_punch(world["lead"], wrong.id, "tapped a colleague's card")
    assert day_of(world["person"]).status == "half_absent"
    assert [v.rule_code for v in counted(world["person"])] == ["HALF_ABSENT"]


def test_days_not_over_are_left_for_later(world, monkeypatch):
    rostered(world)
    monkeypatch.setattr("attendance.clock.now", lambda: at(12, 0))
    report = attendance.evaluate(world["hr"], DAY)
    assert (report.days, report.not_over) == (0, 1)
    assert day_of(world["person"]) is None


def test_the_cli_evaluates_a_date(world, runner):
    rostered(world)
    result = runner.invoke(args=["attendance", "evaluate", "--date", "2026-11-02"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert day_of(world["person"]).status == "absent"
    again = runner.invoke(args=["attendance", "evaluate", "--date", "2026-11-02"])
    assert again.exit_code == 0
    assert len(counted(world["person"], "ABSENT")) == 1
    bad = runner.invoke(args=["attendance", "evaluate", "--date", "2026-13-01"])
    assert bad.exit_code != 0


def test_a_nightly_job_evaluates_yesterday(world, runner, monkeypatch):
    rostered(world)
    monkeypatch.setattr("attendance.clock.now", lambda: at(9, 0, DAY + timedelta(days=1)))
    result = runner.invoke(args=["attendance", "evaluate", "--date", "yesterday"])
    assert result.exit_code == 0, result.output
    assert day_of(world["person"]).status == "absent"


def test_people_who_left_are_not_judged(world):
    rostered(world)
    world["person"].active = False
    db.session.commit()
    assert attendance.evaluate(world["hr"], DAY).days == 0


def test_listing_a_teams_month_runs_a_bounded_number_of_queries(app):
    team = make_team("T9", "大组")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    hr = make_person(["hr"])

    def count_queries(size):
        for _ in range(size):
            person = make_person(["staff"], team, login=False)
            for d in range(1, 32):
                day = date(2026, 10, d)
                db.session.add(RosterEntry(employee_id=person.id, day=day,
                                                      shift_type_id=shift_types.get_shift_type("D8").id))
                db.session.add(Punch(employee_id=person.id, at=at(8, d % 10, day), source="import",
                                     dedupe_key=punches.dedupe_key(person.id, at(8, d % 10, day))))
        db.session.commit()
        db.session.expire_all()
        statements = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            page = attendance.list_attendance(hr, start="2026-10-01", end="2026-10-31", team="T9", limit=500)
            sheet = attendance.month_sheet(hr, "2026-10", "T9")
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return len(statements), page, sheet

    small, page, _ = count_queries(2)
    large, page, sheet = count_queries(10)
    assert large == small, (small, large)
    assert small <= 23  # 20, the stand-down days and the leave (one query each), the extra shifts' hours (加班)
    assert len(page.items) == 12 * 31 and len(sheet.rows) == 12
    assert {row["status"] for row in page.items} == {"present", "late"}


def test_the_month_sheet_counts_days_and_marks(world):
    rostered(world)
    rostered(world, "REST", DAY + timedelta(days=1))
    punch(world["person"], at(8, 10), "in")
    punch(world["person"], at(18, 0), "out")
    attendance.evaluate(world["hr"], DAY, DAY + timedelta(days=1))
    sheet = attendance.month_sheet(world["hr"], "2026-11", "T1")
    row = next(r for r in sheet.rows if r.person.id == world["person"].id)
    assert row.cells[DAY].status == "late" and row.cells[DAY].late_minutes == 10
    assert row.cells[DAY + timedelta(days=1)].status == "rest"
    assert (row.totals.worked, row.totals.late_count, row.totals.rest_days, row.totals.scheduled) == (1, 1, 1, 1)


def test_staff_list_only_their_own_attendance(world):
    rostered(world)
    rostered(world, person=world["lead"])
    page = attendance.list_attendance(world["person"], start=DAY, end=DAY)
    assert {r["employee_no"] for r in page.items} == {world["person"].employee_no}
    with pytest.raises(NotFound):
        attendance.list_attendance(world["person"], start=DAY, end=DAY, employee_no=world["lead"].employee_no)


def test_the_day_board_shows_who_is_in_late_and_missing(world, monkeypatch):
    mate = make_person(["staff"], world["team"])
    for p in (world["person"], mate, world["lead"]):
        rostered(world, person=p)
    punch(world["person"], at(8, 12), "in")
    monkeypatch.setattr("attendance.clock.now", lambda: at(9, 0))
    board = attendance.day_board(world["lead"], "T1", DAY)
    states = {r.person.employee_no: r for r in board.rows}
    assert states[world["person"].employee_no].state == "in"
    assert states[world["person"].employee_no].result.late_minutes == 12
    assert states[mate.employee_no].state == "missing"
    assert board.count("missing") == 2


def test_meeting_attendance_raises_meeting_violations_once_and_reverses_on_a_new_mark(world):
    meeting = meetings.create_meeting(world["lead"], {"kind": "morning", "date": "2026-11-02", "team": "T1"})
    report = meetings.record_attendance(world["lead"], meeting.id, {world["person"].employee_no: "late"})
    assert [v.rule_code for v in report.raised] == ["MEETING_LATE"]
    again = meetings.record_attendance(world["lead"], meeting.id, {world["person"].employee_no: "late"})
    assert again.raised == []
    changed = meetings.record_attendance(world["lead"], meeting.id, {world["person"].employee_no: "absent"})
    assert [v.rule_code for v in changed.raised] == ["MEETING_ABSENT"] and changed.reversed == 1
    assert [v.rule_code for v in counted(world["person"])] == ["MEETING_ABSENT"]


def test_a_lead_cannot_hold_a_meeting_for_another_team(world):
    make_team("T2", "投诉组")
    with pytest.raises(Forbidden):
        meetings.create_meeting(world["lead"], {"kind": "morning", "date": "2026-11-02", "team": "T2"})


# --------------------------------------------------------------------------- the roster grid: no silent fines


def test_a_roster_change_to_a_judged_day_is_previewed_with_its_fine_and_nothing_is_saved(world):
    person = world["person"]
    rostered(world, "REST")
    attendance.evaluate(world["hr"], DAY)
    preview = roster.preview_cells(world["lead"], [(person.employee_no, DAY, "D8")])
    assert preview.needs_confirmation and preview.changed == 1 and not preview.reversed
    [effect] = preview.raised
    assert (effect.action, effect.employee_no, effect.day) == ("raised", person.employee_no, DAY)
    assert effect.rule_code and effect.sanction
    # Nothing saved: still a rest day, nothing counted, no audit of the would-be change.
    assert db.session.scalar(select(RosterEntry.shift_type_id).where(RosterEntry.employee_id == person.id)) is None
    assert counted(person) == [] and day_of(person).status == "rest"
    done = roster.apply_cells(world["lead"], [(person.employee_no, DAY, "D8")])
    assert [(e.rule_code, e.fine) for e in done.raised] == [(effect.rule_code, effect.fine)]
    assert len(counted(person)) == 1


def test_a_roster_change_that_clears_an_absence_previews_its_reversal(world):
    person = world["person"]
    rostered(world)
    attendance.evaluate(world["hr"], DAY)
    [absent] = counted(person)
    preview = roster.preview_cells(world["lead"], [(person.employee_no, DAY, "REST")])
    assert [(e.action, e.rule_code) for e in preview.reversed] == [("reversed", absent.rule_code)]
    assert counted(person) == [absent]


def test_a_change_to_a_day_not_judged_needs_no_confirmation(world):
    preview = roster.preview_cells(world["lead"], [(world["person"].employee_no, DAY + timedelta(days=400), "D8")])
    assert preview.changed == 1 and not preview.needs_confirmation and not preview.effects
