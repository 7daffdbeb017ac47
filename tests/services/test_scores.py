"""Monthly scores and payroll deductions computed for everyone at once (docs/rules.md §8)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, insert

from attendance import clock
from attendance.domain.policy import default_policy_document
from attendance.domain.scoring import add_months, month_end, month_label
from attendance.extensions import db
from attendance.models import AttendanceDay, ShiftType
from attendance.services import discipline, scores
from tests.conftest import make_person, make_team
from tests.policies import add_published
from tests.rewards import confirm_reward


def last_month() -> date:
    return add_months(scores.open_month(), -1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.site_zone())


def working_days(month: date) -> list[date]:
    day, out = month, []
    while day <= month_end(month):
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def attend(person, month: date, exceptions: dict[int, tuple[str, int] | str] | None = None,
           shift: ShiftType | None = None) -> None:
    """Rostered on every weekday, present unless ``exceptions`` (day of month → status or (status, late))."""
    rows = []
    for day in working_days(month):
        status, late = "present", 0
        special = (exceptions or {}).get(day.day)
        if isinstance(special, tuple):
            status, late = special
        elif special:
            status = special
        rows.append({"employee_id": person.id, "day": day, "status": status, "late_minutes": late,
                     "early_minutes": 0, "missing_in": False, "missing_out": False,
                     "shift_type_id": shift.id if shift else None,
                     "leave_type": "personal" if status == "leave" else None,
                     "evaluated_at": clock.now()})
    db.session.execute(insert(AttendanceDay), rows)
    db.session.commit()


def violation(person, rule: str, day: date, **kwargs):
    return discipline.record_violation(None, employee=person, rule_code=rule, occurred_at=at(day), **kwargs)


def row(figures, person) -> dict:
    return next(r for r in scores.score_rows(figures) if r["employee_no"] == person.employee_no)


@pytest.fixture
def teams(app):
    return make_team("T1", "热线一组"), make_team("T2", "投诉组")


def test_a_warning_and_a_twenty_yuan_fine_make_ninety_five(teams):
    month = last_month()
    person = make_person(["staff"], teams[0], name="张丽")
    attend(person, month)
    violation(person, "GENERAL", month + timedelta(days=2))  # 1st: a warning, 1 point
    violation(person, "GENERAL", month + timedelta(days=9))  # 2nd: 20 yuan, 4 points
    got = row(scores.month_figures(month), person)
    assert got["score"] == 95
    assert got["fines_total"] == Decimal("20.00")
    assert got["violations"] == 2
    assert got["deductions"] == [{"rule": "GENERAL", "points": 5, "adjustment": False}]
    assert got["full_attendance"] is True and got["reward_eligible"] is False


def test_a_clean_month_with_full_attendance_scores_a_hundred_and_earns_the_reward(teams):
    month = last_month()
    person = make_person(["staff"], teams[0])
    attend(person, month)
    confirm_reward(person, month)  # 工作突出: nominated and confirmed (000 §5 奖励1)
    got = row(scores.month_figures(month), person)
    assert got["score"] == 100
    assert got["full_attendance"] is True and got["reward_eligible"] is True
    assert got["reward"] == Decimal("200.00")
    assert got["worked_days"] == len(working_days(month))


def test_late_early_absent_and_leave_days_are_counted(teams):
    month = last_month()
    person = make_person(["staff"], teams[0])
    days = [d.day for d in working_days(month)]
    attend(person, month, {days[0]: ("late", 12), days[1]: "early", days[2]: "late_early",
                           days[3]: "absent", days[4]: ("half_absent", 45), days[5]: "leave"})
    got = row(scores.month_figures(month), person)
    assert (got["late_count"], got["early_count"], got["absent_days"], got["leave_days"]) == (2, 2, 1.5, 1)
    assert got["worked_days"] == len(days) - 3 + 0.5
    assert got["full_attendance"] is False and got["reward_eligible"] is False


def test_annual_leave_keeps_full_attendance_but_personal_leave_does_not(teams):
    month = last_month()
    annual, personal = make_person(["staff"], teams[0]), make_person(["staff"], teams[0])
    attend(personal, month, {working_days(month)[0].day: "leave"})
    attend(annual, month, {working_days(month)[0].day: "leave"})
    db.session.query(AttendanceDay).filter_by(employee_id=annual.id, status="leave").update(
        {"leave_type": "annual"})
    db.session.commit()
    figures = scores.month_figures(month)
    assert row(figures, annual)["full_attendance"] is True
    assert row(figures, personal)["full_attendance"] is False


def test_people_are_ranked_in_the_department_and_in_their_team(teams):
    month = last_month()
    t1, t2 = teams
    a, b, c, d = (make_person(["staff"], t) for t in (t1, t1, t2, t2))
    for p in (a, b, c, d):
        attend(p, month)
    violation(b, "COMPLAINT", month + timedelta(days=3))  # 6 points → 94
    violation(c, "GENERAL", month + timedelta(days=3))  # warning → 99
    figures = scores.month_figures(month)
    ranks = {r["employee_no"]: (r["score"], r["rank"], r["team_rank"]) for r in scores.score_rows(figures)}
    assert ranks[a.employee_no] == (100, 1, 1)
    assert ranks[d.employee_no] == (100, 1, 1)
    assert ranks[c.employee_no] == (99, 3, 2)
    assert ranks[b.employee_no] == (94, 4, 2)


def test_a_reversed_violation_gives_its_points_back_and_no_longer_counts(teams):
    month = last_month()
    person = make_person(["staff"], teams[0])
    attend(person, month)
    v = violation(person, "COMPLAINT", month + timedelta(days=3))
    discipline.reverse_violation(None, v, "overturned on appeal")
    confirm_reward(person, month)
    got = row(scores.month_figures(month), person)
    assert (got["score"], got["fines_total"], got["violations"], got["reward_eligible"]) == (
        100, Decimal("0.00"), 0, True)


def test_a_lead_sees_their_team_and_staff_only_themselves(teams):
    month = last_month()
    lead = make_person(["lead", "staff"], teams[0])
    mate, other = make_person(["staff"], teams[0]), make_person(["staff"], teams[1])
    seen_by_lead = {r["employee_no"] for r in scores.score_rows(scores.scores_for(lead, month_label(month)))}
    assert seen_by_lead == {lead.employee_no, mate.employee_no}
    seen_by_staff = {r["employee_no"] for r in scores.score_rows(scores.scores_for(other, month_label(month)))}
    assert seen_by_staff == {other.employee_no}
    hr = make_person(["hr"])
    in_t2 = {r["employee_no"] for r in scores.score_rows(scores.scores_for(hr, month_label(month), "T2"))}
    assert in_t2 == {other.employee_no}


def _use_minimum_wage(minimum: str) -> None:
    doc = default_policy_document()
    doc["version"] = f"min-{minimum}"
    doc["deductions"] = {"cap_percent_of_wage": 20, "minimum_wage": minimum}
    add_published(doc)


def test_wage_3000_with_700_of_fines_and_a_20_percent_cap_deducts_600_and_carries_100(teams):
    _use_minimum_wage("2000.00")
    month = last_month()
    person = make_person(["staff"], teams[0], wage="3000.00")
    violation(person, "KEEP_FOUND", month + timedelta(days=2), amount=Decimal("500.00"))
    violation(person, "KEEP_FOUND", month + timedelta(days=5), amount=Decimal("200.00"))
    payroll = scores.payroll_rows(scores.payroll_for(month))
    got = next(r for r in payroll if r["employee_no"] == person.employee_no)
    assert (got["fines_due"], got["deducted"], got["carried_over"], got["cap"]) == (
        Decimal("700.00"), Decimal("600.00"), Decimal("100.00"), Decimal("600.00"))
    this_month = scores.payroll_rows(scores.payroll_for(scores.open_month()))
    got = next(r for r in this_month if r["employee_no"] == person.employee_no)
    assert (got["carried_in"], got["fines_due"], got["deducted"], got["carried_over"]) == (
        Decimal("100.00"), Decimal("100.00"), Decimal("100.00"), Decimal("0.00"))


def test_the_minimum_wage_leaves_less_room_than_the_percentage(teams):
    month = last_month()  # the default policy: minimum wage 2690.00
    person = make_person(["staff"], teams[0], wage="3000.00")
    violation(person, "KEEP_FOUND", month + timedelta(days=2), amount=Decimal("500.00"))
    violation(person, "KEEP_FOUND", month + timedelta(days=5), amount=Decimal("200.00"))
    got = next(r for r in scores.payroll_rows(scores.payroll_for(month)) if r["employee_no"] == person.employee_no)
    assert (got["cap"], got["deducted"], got["carried_over"]) == (
        Decimal("310.00"), Decimal("310.00"), Decimal("390.00"))


def test_the_score_computation_runs_the_same_few_queries_for_3_or_30_people(teams):
    month = last_month()

    def queries_for(n: int) -> int:
        for i in range(n):
            person = make_person(["staff"], teams[i % 2])
            attend(person, month)
            violation(person, "GENERAL", month + timedelta(days=3))
        statements = []

        def count(*args):
            statements.append(args[2])

        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            figures = scores.month_figures(month)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(figures.people) >= n
        return len(statements)

    few = queries_for(3)
    many = queries_for(27)
    # 6, and one query each for the nominations, forfeited rewards, stand-down days and extra-shift hours
    assert few == many <= 10


def test_lateness_is_counted_by_weekday_and_shift_start_hour(teams):
    month = last_month()
    shift = ShiftType(code="D8", name="早班", start_minute=8 * 60, end_minute=17 * 60, breaks=[])
    db.session.add(shift)
    db.session.commit()
    person = make_person(["staff"], teams[0])
    first = working_days(month)[0]
    attend(person, month, {first.day: ("late", 20)}, shift=shift)
    matrix = scores.lateness_matrix(month)
    assert matrix.loc[first.weekday(), 8] == 1
    assert int(matrix.to_numpy().sum()) == 1


def test_violations_are_grouped_by_the_category_of_their_rule(teams):
    month = last_month()
    person = make_person(["staff"], teams[0])
    violation(person, "COMPLAINT", month + timedelta(days=1))
    violation(person, "GENERAL", month + timedelta(days=1))
    violation(person, "GENERAL", month + timedelta(days=2))
    table = scores.violations_by_category([add_months(month, -1), month])
    assert table.loc[month_label(month), "service"] == 1
    assert table.loc[month_label(month), "conduct"] == 2
    assert table.loc[month_label(add_months(month, -1))].sum() == 0


def test_team_summary_gives_average_scores_and_attendance_rates(teams):
    month = last_month()
    a, b = make_person(["staff"], teams[0]), make_person(["staff"], teams[0])
    attend(a, month)
    attend(b, month, {working_days(month)[0].day: "absent"})
    violation(a, "COMPLAINT", month + timedelta(days=1))
    summary = scores.team_summary(scores.month_figures(month)).set_index("team_code")
    days = len(working_days(month))
    assert summary.loc["T1", "average_score"] == 97
    assert summary.loc["T1", "attendance_rate"] == pytest.approx((2 * days - 1) / (2 * days))


def test_the_score_history_gives_each_persons_score_per_month(teams):
    month = last_month()
    person = make_person(["staff"], teams[0])
    violation(person, "COMPLAINT", month + timedelta(days=1))
    from attendance.models import RosterEntry

    db.session.add(RosterEntry(employee_id=person.id, day=add_months(month, -1)))  # a rest day: the month was kept
    db.session.commit()
    history = scores.score_history([add_months(month, -2), add_months(month, -1), month], [person.id])
    by_month = dict(zip(history["month"], history["score"], strict=True))
    # Two months back nothing was recorded at all: no score there (a trend leaves it empty), not a flat 100.
    assert by_month == {add_months(month, -1): 100, month: 94}
