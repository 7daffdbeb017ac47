"""Approved leave shows and counts everywhere (issue 11, item 9): the grooming roll, the lead's day board, the
roster grid and the person's months, the 考勤表 and the monthly scores. Fixed dates: see tests/leave_world.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from attendance.domain.errors import RuleRefused
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import RosterEntry
from attendance.services import attendance, calendar, grooming, leave, roster, scores
from tests.leave_world import MONDAY, approved, ask, build, worked
from tests.policies import add_published
from tests.queries import statements

TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in range(1, 5))
NOVEMBER = date(2026, 11, 1)



@pytest.fixture
def world(app, moving_clock):
    return build()


def work_the_week(world, *, but: dict | None = None) -> None:
    """Everyone in the crew punches in and out Monday to Thursday, except the days ``but`` names
    (person → {day: (in, out)} to punch other times, or None to punch nothing)."""
    for person in world["crew"]:
        for day in (MONDAY, TUESDAY, WEDNESDAY, THURSDAY):
            special = (but or {}).get(person, {})
            if day in special:
                if special[day] is not None:
                    worked(person, day, *special[day])
                continue
            worked(person, day)


# --- 1. the grooming roll --------------------------------------------------------------------------


def test_someone_on_leave_at_the_check_leaves_the_roll_and_is_never_counted_absent(world, moving_clock):
    a, b, c, d = world["crew"]
    approved(world, a, "sick", MONDAY)  # the whole day
    approved(world, b, "personal", MONDAY, half_day="am")  # away when the shift starts
    approved(world, c, "personal", MONDAY, half_day="pm")  # there when the shift starts
    ask(world, d, "personal", MONDAY)  # asked, not approved: still checked
    moving_clock.on(MONDAY, "07:30")
    roll = grooming.roll(world["lead"], "T1", MONDAY)
    assert [p.name for p in roll.people] == [c.name, d.name]
    assert [(p.name, mark.leave_type, mark.half_day) for p, mark in roll.on_leave] == [
        (a.name, "sick", None), (b.name, "personal", "am")]

    grooming.submit_team(world["lead"], "T1", MONDAY, "D8", [grooming.Entry(p.employee_no) for p in roll.people])
    insight = grooming.month_insight(world["lead"], "T1", "2026-11")
    assert (insight.checks, insight.absent) == (2, 0)
    assert {p.employee.name for p in insight.people} == {c.name, d.name}

    # the next day nobody is on leave: everyone is on the roll again
    assert len(grooming.roll(world["lead"], "T1", TUESDAY).people) == 4


def test_someone_on_leave_cannot_be_checked_even_as_absent(world, moving_clock):
    a, b = world["crew"][:2]
    approved(world, a, "sick", MONDAY)
    moving_clock.on(MONDAY, "07:30")
    with pytest.raises(RuleRefused) as refused:
        grooming.submit_team(world["lead"], "T1", MONDAY, "D8", [grooming.Entry(a.employee_no, absent=True),
                                                               grooming.Entry(b.employee_no)])
    assert refused.value.code == "on_leave" and list(refused.value.fields) == [f"people.{a.employee_no}"]
    with pytest.raises(RuleRefused):
        grooming.submit_check(world["lead"], {"employee_no": a.employee_no, "date": MONDAY.isoformat(),
                                              "status": "absent"})
    assert grooming.month_insight(world["lead"], "T1", "2026-11").checks == 0  # nothing stored


# --- 2. the lead's day board -----------------------------------------------------------------------


def test_the_day_board_shows_leave_with_its_type_and_half_days_and_never_as_missing(world, moving_clock):
    a, b, c, d = world["crew"]
    approved(world, a, "sick", MONDAY)
    approved(world, b, "personal", MONDAY, half_day="am")
    approved(world, c, "personal", MONDAY, half_day="pm")
    ask(world, d, "personal", MONDAY)
    moving_clock.on(MONDAY, "10:00")
    board = attendance.day_board(world["lead"], "T1", MONDAY)
    rows = {r.person.name: r for r in board.rows if r.person in world["crew"]}
    assert (rows[a.name].state, rows[a.name].leave.leave_type, rows[a.name].leave.half_day) == ("leave", "sick", None)
    assert (rows[b.name].state, rows[b.name].leave.half_day) == ("due", "am")  # due at 13:00, not missing
    assert (rows[c.name].state, rows[c.name].leave.half_day) == ("missing", "pm")  # due at 08:00
    assert rows[d.name].state == "missing" and rows[d.name].leave.pending  # pending leave excuses nothing
    assert board.on_leave == 3 and board.count("missing", "absent") == 2 and board.count("leave") == 1

    moving_clock.on(MONDAY, "13:20")  # past the middle of the shift and its grace: the morning off is over
    later = {r.person.name: r.state for r in attendance.day_board(world["lead"], "T1", MONDAY).rows}
    assert (later[a.name], later[b.name]) == ("leave", "missing")


def test_a_whole_day_of_leave_is_leave_on_the_board_even_with_no_roster_that_day(world, moving_clock):
    a = world["crew"][0]
    approved(world, a, "personal", MONDAY)
    db.session.execute(delete(RosterEntry).where(RosterEntry.employee_id == a.id, RosterEntry.day == MONDAY))
    db.session.commit()
    row = next(r for r in attendance.day_board(world["lead"], "T1", MONDAY).rows if r.person.id == a.id)
    assert (row.state, row.code, row.leave.leave_type) == ("leave", None, "personal")


# --- 3. the roster grid and the person's months ---------------------------------------------------


def test_the_roster_grid_and_the_months_show_approved_and_pending_leave(world):
    a, b, *_ = world["crew"]
    approved(world, a, "sick", MONDAY, TUESDAY)
    ask(world, b, "annual", WEDNESDAY, half_day="pm")
    grid = roster.roster_grid(world["lead"], "T1", MONDAY, MONDAY + timedelta(days=6))
    assert {key: (mark.leave_type, mark.pending, mark.half_day) for key, mark in grid.leave.items()} == {
        (a.id, MONDAY): ("sick", False, None), (a.id, TUESDAY): ("sick", False, None),
        (b.id, WEDNESDAY): ("annual", True, "pm")}

    month = calendar.my_month(a, "2026-11")
    assert sorted(month.leave) == [MONDAY, TUESDAY] and not month.leave[MONDAY].pending
    _person, days = attendance.my_calendar(b, "2026-11")
    assert [(c.day, c.leave.leave_type, c.leave.pending) for c in days if c.leave] == [(WEDNESDAY, "annual", True)]
    _person, days = attendance.my_calendar(a, "2026-11")
    assert [c.day for c in days if c.leave] == [MONDAY, TUESDAY]


def test_rejected_and_cancelled_leave_shows_nowhere(world):
    a, b, *_ = world["crew"]
    from attendance.services import requests

    rejected = ask(world, a, "personal", MONDAY)
    requests.decide(world["lead"], rejected.id, "reject")
    cancelled = ask(world, b, "personal", MONDAY)
    leave.cancel(b, cancelled.id)
    grid = roster.roster_grid(world["lead"], "T1", MONDAY, MONDAY + timedelta(days=6))
    assert grid.leave == {}
    assert calendar.my_month(a, "2026-11").leave == {}


# --- 4. the 考勤表 ----------------------------------------------------------------------------------


def test_the_sheet_marks_each_leave_day_with_its_type_and_sums_leave_by_type(world, moving_clock):
    a, b, c, d = world["crew"]
    approved(world, a, "sick", MONDAY, TUESDAY)
    approved(world, b, "annual", WEDNESDAY)
    approved(world, c, "personal", MONDAY, half_day="am")  # comes in at the middle of the shift
    approved(world, d, "annual", date(2026, 11, 20))  # not over yet
    work_the_week(world, but={a: {MONDAY: None, TUESDAY: None}, b: {WEDNESDAY: None},
                              c: {MONDAY: ("12:58", "18:01")}})
    moving_clock.on(FRIDAY, "09:00")
    attendance.evaluate(None, MONDAY, THURSDAY)
    rows = {r.person.id: r for r in attendance.month_sheet(world["hr"], "2026-11", "T1").rows}

    def cell(person, day):
        got = rows[person.id].cells[day]
        return got.status, got.leave_type, got.half

    assert cell(a, MONDAY) == cell(a, TUESDAY) == ("leave", "sick", False)
    assert cell(b, WEDNESDAY) == ("leave", "annual", False)
    assert cell(c, MONDAY) == ("present", "personal", True)
    assert cell(d, date(2026, 11, 20)) == (None, "annual", False)  # shown as planned, counted once over
    totals = {p: rows[p.id].totals for p in (a, b, c, d)}
    assert {p.name: (t.leave_days, t.leave_by_type) for p, t in totals.items()} == {
        a.name: (2, {"sick": 2}), b.name: (1, {"annual": 1}), c.name: (0.5, {"personal": 0.5}), d.name: (0, {})}
    # the half day off is not also a day worked: half worked, half on leave (2–7 November: absent, no punches)
    assert (totals[c].worked, totals[c].absent_days) == (3.5, 6)
    assert (totals[a].worked, totals[b].worked, totals[d].worked) == (2, 3, 4)
    assert {t.absent_days for t in totals.values()} == {6}


def test_the_day_of_an_early_return_is_worked_not_leave_as_in_the_balance(world, moving_clock):
    a = world["crew"][0]
    request = approved(world, a, "annual", MONDAY, WEDNESDAY)
    moving_clock.on(TUESDAY, "09:05")
    leave.report_back(a, request.id, "2026-11-10T09:00")
    work_the_week(world, but={a: {MONDAY: None, TUESDAY: ("09:00", "18:02")}})
    moving_clock.on(FRIDAY, "09:00")
    attendance.evaluate(None, MONDAY, THURSDAY)
    row = next(r for r in attendance.month_sheet(world["hr"], "2026-11", "T1").rows if r.person.id == a.id)
    assert (row.cells[MONDAY].status, row.cells[MONDAY].leave_type) == ("leave", "annual")
    assert (row.cells[TUESDAY].status, row.cells[TUESDAY].leave_type) == ("present", None)
    assert row.cells[WEDNESDAY].leave_type is None
    annual = {b.leave_type: b for b in leave.balance_rows(a, 2026)}["annual"]
    assert row.totals.leave_by_type == {"annual": 1} and annual.used == 1


# --- 5. the monthly scores -------------------------------------------------------------------------


def _figures(person):
    return scores.month_figures(NOVEMBER).people.loc[person.id]


def test_annual_leave_keeps_full_attendance_and_personal_leave_breaks_it_a_half_day_too(world, moving_clock):
    a, b, c, d = world["crew"]
    approved(world, a, "annual", MONDAY)
    approved(world, b, "personal", MONDAY)
    approved(world, c, "personal", MONDAY, half_day="pm")  # leaves at the middle of the shift
    work_the_week(world, but={a: {MONDAY: None}, b: {MONDAY: None}, c: {MONDAY: ("07:58", "13:01")}})
    moving_clock.on(FRIDAY, "09:00")
    attendance.evaluate(None, MONDAY, THURSDAY)
    got = {p.name: _figures(p) for p in (a, b, c, d)}
    assert {name: (int(f["leave_days"]), bool(f["full_attendance"])) for name, f in got.items()} == {
        a.name: (1, True), b.name: (1, False), c.name: (0, False), d.name: (0, True)}
    assert {name: int(f["absent_days"]) for name, f in got.items()} == dict.fromkeys(got, 0)


def _sick_leave_keeps_full_attendance() -> None:
    doc = default_policy_document()
    doc["version"] = "sick-keeps-full-attendance"
    doc.setdefault("leave", {})["types"] = {"sick": {"full_attendance": True, "certificate": True}}
    add_published(doc)


def test_sick_leave_keeps_full_attendance_where_the_policy_says_so_until_it_counts_as_personal(world, moving_clock):
    _sick_leave_keeps_full_attendance()
    a, b, *_ = world["crew"]
    with_certificate = approved(world, a, "sick", MONDAY)
    leave.add_certificate(a, with_certificate.id, ("note.pdf", b"%PDF-1.4 hospital note", "application/pdf"))
    approved(world, b, "sick", MONDAY)
    work_the_week(world, but={a: {MONDAY: None}, b: {MONDAY: None}})
    moving_clock.on(FRIDAY, "09:00")
    attendance.evaluate(None, MONDAY, THURSDAY)
    assert bool(_figures(a)["full_attendance"]) and bool(_figures(b)["full_attendance"])

    assert leave.apply_missing_certificates(None, FRIDAY) == 1  # b brought none: counted as personal now
    db.session.commit()
    assert bool(_figures(a)["full_attendance"]) and not bool(_figures(b)["full_attendance"])
    assert int(_figures(b)["leave_days"]) == 1
    row = next(r for r in attendance.month_sheet(world["hr"], "2026-11", "T1").rows if r.person.id == b.id)
    assert row.totals.leave_by_type == {"personal": 1}  # the sheet counts it as what it counts as


# --- reading leave once per page ------------------------------------------------------------------


def test_the_pages_read_leave_once_however_many_people_are_on_leave(world, moving_clock):
    a, b, c, d = world["crew"]
    lead, hr = world["lead"], world["hr"]
    approved(world, a, "sick", MONDAY)
    approved(world, b, "personal", MONDAY, half_day="am")
    moving_clock.on(MONDAY, "07:30")

    def queries() -> int:
        db.session.commit()
        with statements() as seen:
            attendance.day_board(lead, "T1", MONDAY)
            roster.roster_grid(lead, "T1", MONDAY, MONDAY + timedelta(days=6))
            attendance.my_calendar(a, "2026-11")
            attendance.month_sheet(hr, "2026-11", "T1")
            grooming.roll(lead, "T1", MONDAY)
        return len(seen)

    few = queries()
    moving_clock.on(date(2026, 11, 5), "10:00")
    approved(world, c, "annual", MONDAY)
    approved(world, d, "personal", MONDAY, half_day="pm")
    ask(world, a, "personal", date(2026, 11, 20))
    moving_clock.on(MONDAY, "07:30")
    assert queries() == few
