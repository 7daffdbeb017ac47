"""Scenario tests: weekly and monthly reports handed in on time, late, or not at all, and the nightly run that
raises REPORT_LATE once per report — not before the deadline, not twice, not for one handed in after."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from attendance.domain.errors import Conflict, Forbidden, InvalidInput
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import Violation, WorkReport
from attendance.services import discipline, work_reports
from tests.conftest import make_person, make_team
from tests.policies import add_published

SH = ZoneInfo("Asia/Shanghai")

WEEK = date(2026, 11, 2)  # a Monday: this week's report is due Monday 2026-11-09 09:00


@pytest.fixture
def world(app, moving_clock):
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    person = make_person(["staff"], team)
    for p in (lead, person):
        p.hire_date = WEEK  # owes nothing from before: one report per scenario
    hr = make_person(["hr"])
    db.session.commit()
    return {"team": team, "lead": lead, "person": person, "hr": hr, "clock": moving_clock}


def late(person):
    return list(db.session.scalars(select(Violation).where(Violation.employee_id == person.id,
                                                           Violation.rule_code == "REPORT_LATE")))


def test_a_missing_weekly_report_raises_one_report_late_after_its_deadline_and_none_before(world):
    clock, person = world["clock"], world["person"]
    clock.on(date(2026, 11, 9), "08:59")
    work_reports.raise_late(None)
    assert late(person) == []
    clock.on(date(2026, 11, 9), "23:30")
    first = work_reports.raise_late(None)
    again = work_reports.raise_late(None)
    found = late(person)
    assert len(found) == 1 and len(again.raised) == 0 and len(first.raised) == 2  # the lead owes one too
    v = found[0]
    assert v.source == "report" and v.fine == 10 and v.occurred_on == date(2026, 11, 9)
    row = db.session.scalar(select(WorkReport).where(WorkReport.employee_id == person.id))
    assert row.handed_in_at is None and row.violation_id == v.id and row.late_raised_at is not None
    # the person is told, and the explanation gives the deadline and that nothing had come in
    explained = discipline.explain(person, v.id).as_data()["source"]
    assert explained["kind"] == "report" and explained["due_at"].startswith("2026-11-09T09:00")
    assert explained["handed_in_at"] is None


def test_handed_in_after_it_was_raised_is_recorded_and_raises_nothing_more(world):
    clock, person = world["clock"], world["person"]
    clock.on(date(2026, 11, 10), "01:00")
    work_reports.raise_late(None)
    clock.on(date(2026, 11, 10), "10:00")
    row = work_reports.hand_in(person, {"kind": "weekly", "period": "2026-11-02", "text": "本周接线 312 通"})
    assert row.handed_in_at is not None and work_reports.is_late(row)
    clock.on(date(2026, 11, 11), "01:00")
    assert work_reports.raise_late(None).raised == []
    assert len(late(person)) == 1
    explained = discipline.explain(person, late(person)[0].id).as_data()["source"]
    assert explained["handed_in_at"].startswith("2026-11-10T10:00")


def test_on_time_raises_nothing_and_late_before_the_run_raises_once(world):
    clock, person, lead = world["clock"], world["person"], world["lead"]
    clock.on(date(2026, 11, 9), "08:30")
    work_reports.hand_in(person, {"kind": "weekly", "text": "on time"})  # the default period: last week
    clock.on(date(2026, 11, 9), "11:00")
    work_reports.hand_in(lead, {"kind": "weekly", "period": "2026-11-06", "text": "two hours late"})
    clock.on(date(2026, 11, 10), "01:00")
    work_reports.raise_late(None)
    assert late(person) == []
    assert len(late(lead)) == 1 and "handed in 2026-11-09 11:00" in late(lead)[0].note


def test_a_reversed_report_late_is_not_raised_again(world):
    clock, person = world["clock"], world["person"]
    clock.on(date(2026, 11, 10), "01:00")
    work_reports.raise_late(None)
    discipline.reverse_violation(world["hr"], late(person)[0], "the report was emailed on time")
    clock.on(date(2026, 11, 11), "01:00")
    work_reports.raise_late(None)
    assert [v.reversed_at is not None for v in late(person)] == [True]


def test_the_team_list_shows_who_has_and_who_has_not(world):
    clock = world["clock"]
    clock.on(date(2026, 11, 9), "08:00")
    work_reports.hand_in(world["person"], {"kind": "weekly", "text": "done"})
    team, start, due, rows = work_reports.team_status(world["lead"], "T1", "weekly", "2026-11-02")
    assert start == WEEK and due.hour == 9
    assert {r.person.employee_no: r.status for r in rows} == {world["person"].employee_no: "on_time",
                                                              world["lead"].employee_no: "not_due"}
    clock.on(date(2026, 11, 9), "10:00")
    _, _, _, rows = work_reports.team_status(world["lead"], "T1", "weekly", "2026-11-02")
    assert {r.status for r in rows} == {"on_time", "missing"}
    with pytest.raises(Forbidden):
        work_reports.team_status(world["person"], "T1", "weekly")


def test_bad_input_changes_nothing(world):
    person = world["person"]
    with pytest.raises(InvalidInput) as err:
        work_reports.hand_in(person, {"kind": "daily", "text": "x"})
    assert "kind" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        work_reports.hand_in(person, {"kind": "weekly", "text": ""})
    assert "text" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        work_reports.hand_in(person, {"kind": "weekly", "text": "x", "period": "2027-01-04"})
    assert "period" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        work_reports.hand_in(person, {"kind": "weekly"}, ("r.exe", b"MZ\x90\x00", "application/pdf"))
    assert "file" in err.value.fields
    with pytest.raises(Forbidden):
        work_reports.hand_in(world["hr"], {"kind": "weekly", "text": "x"})
    assert db.session.scalars(select(WorkReport)).all() == []
    work_reports.hand_in(person, {"kind": "weekly", "text": "x"})
    with pytest.raises(Conflict):
        work_reports.hand_in(person, {"kind": "weekly", "text": "again"})


def test_a_file_is_kept_by_its_content(world, app):
    row = work_reports.hand_in(world["person"], {"kind": "monthly"}, ("月报.pdf", b"%PDF-1.4 test", "x/y"))
    path, mime, name = work_reports.report_file(world["lead"], row.id)
    assert path.read_bytes() == b"%PDF-1.4 test" and mime == "application/pdf" and name == "月报.pdf"


def test_the_monthly_report_is_due_the_day_before_the_last_saturday(world):
    clock, person = world["clock"], world["person"]
    person.hire_date = date(2026, 11, 1)  # owes November's monthly report (one hired mid-month does not)
    db.session.commit()
    clock.on(date(2026, 11, 27), "17:59")  # November's meeting is Saturday the 28th: due Friday 18:00
    work_reports.raise_late(None)
    assert [v for v in late(person) if "monthly" in v.note] == []
    clock.on(date(2026, 11, 27), "18:01")
    work_reports.raise_late(None)
    assert len([v for v in late(person) if "monthly" in v.note]) == 1


def test_two_nightly_runs_at_once_raise_each_report_once(app, world):
    from tests.concurrency import run_together

    world["clock"].on(date(2026, 11, 10), "01:00")
    results = run_together(app, [lambda: len(work_reports.raise_late(None).raised)] * 2)
    assert sorted(results)[-1] >= 1 and sum(results) == 2  # two people, one report each, whoever ran first
    db.session.expire_all()
    assert len(late(world["person"])) == 1 and len(late(world["lead"])) == 1
    assert len(db.session.scalars(select(WorkReport)).all()) == 2


def test_the_nightly_evaluate_raises_the_reports_due_on_the_days_it_judges(world, runner):
    clock, person = world["clock"], world["person"]
    clock.on(date(2026, 11, 10), "01:00")
    before = runner.invoke(args=["attendance", "evaluate", "--date", "2026-11-08"])
    assert before.exit_code == 0, before.output
    assert late(person) == [] and "late raised 0" in before.output
    night = runner.invoke(args=["attendance", "evaluate", "--date", "yesterday"])
    assert night.exit_code == 0 and "late raised 2" in night.output, night.output
    again = runner.invoke(args=["attendance", "evaluate", "--date", "2026-11-09"])
    assert "late raised 0" in again.output and len(late(person)) == 1


# --- a deadline on a public holiday moves to the next working day (issue 18) --------------------------------

BEFORE_NATIONAL_DAY = date(2026, 9, 28)  # its report is due Monday 5 October 09:00: National Day → Thursday the 8th


@pytest.fixture
def holiday_world(world):
    for p in (world["lead"], world["person"]):
        p.hire_date = BEFORE_NATIONAL_DAY
    db.session.commit()
    return world


def test_the_nightly_run_judges_a_report_due_on_national_day_by_the_next_working_day(app, holiday_world, runner):
    clock, person, lead = holiday_world["clock"], holiday_world["person"], holiday_world["lead"]
    clock.on(date(2026, 10, 6), "01:00")
    night = runner.invoke(args=["attendance", "evaluate", "--date", "2026-10-05"])
    assert night.exit_code == 0 and "late raised 0" in night.output, night.output
    assert late(person) == []
    clock.on(date(2026, 10, 7), "20:00")  # still a holiday: handed in on time
    row = work_reports.hand_in(lead, {"kind": "weekly", "period": "2026-09-28", "text": "国庆前一周小结"})
    assert row.due_at == datetime(2026, 10, 8, 9, 0, tzinfo=SH) and not work_reports.is_late(row)
    assert row.nominal_due_at == datetime(2026, 10, 5, 9, 0, tzinfo=SH)
    clock.on(date(2026, 10, 8), "08:59")
    assert work_reports.raise_late(None).raised == []
    clock.on(date(2026, 10, 9), "01:00")
    night = runner.invoke(args=["attendance", "evaluate", "--date", "2026-10-08"])
    assert "late raised 1" in night.output, night.output
    assert late(lead) == [] and len(late(person)) == 1
    v = late(person)[0]
    assert v.occurred_at == datetime(2026, 10, 8, 9, 0, tzinfo=SH)
    assert "due 2026-10-08 09:00 (moved from 2026-10-05 09:00" in v.note
    explained = discipline.explain(person, v.id).as_data()
    assert explained["source"]["due_at"].startswith("2026-10-08T09:00")
    assert explained["source"]["nominal_due_at"].startswith("2026-10-05T09:00")
    from attendance.reporting.explanation import explanation_sections

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        said = "\n".join(line for _, lines in explanation_sections(explained) for line in lines)
    assert "2026-10-05 09:00" in said and "顺延至下一个工作日" in said and "2026-10-08 09:00" in said


def test_the_team_list_and_the_default_period_use_the_moved_deadline(holiday_world):
    clock = holiday_world["clock"]
    clock.on(date(2026, 10, 6), "10:00")  # the week before National Day is still the one to hand in
    assert work_reports.current_period(work_reports.report_policy(), "weekly") == BEFORE_NATIONAL_DAY
    _, start, due, rows = work_reports.team_status(holiday_world["lead"], "T1", "weekly")
    assert start == BEFORE_NATIONAL_DAY and due == datetime(2026, 10, 8, 9, 0, tzinfo=SH)
    assert {r.status for r in rows} == {"not_due"}


def test_keep_in_the_policy_leaves_the_deadline_on_the_holiday(holiday_world):
    doc = default_policy_document()
    doc["version"] = "deadline-kept"
    doc["settings"]["work_reports"]["deadline_on_holiday"] = "keep"
    add_published(doc)
    clock, person = holiday_world["clock"], holiday_world["person"]
    clock.on(date(2026, 10, 5), "09:30")
    work_reports.raise_late(None)
    assert len(late(person)) == 1 and late(person)[0].occurred_at == datetime(2026, 10, 5, 9, 0, tzinfo=SH)
    assert "moved" not in late(person)[0].note
