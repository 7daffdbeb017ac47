"""Closing a month freezes its figures; later corrections land in the open month as adjustments."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from attendance.domain.errors import Conflict, InvalidInput, RuleRefused
from attendance.domain.scoring import add_months, month_label
from attendance.extensions import db
from attendance.models import AuditEvent, Employee, LedgerEntry, MonthClose, ScoreSnapshot
from attendance.services import discipline, scores
from tests.concurrency import run_together
from tests.conftest import ON_POSTGRES, make_person, make_team
from tests.rewards import confirm_reward
from tests.services.test_scores import attend, last_month, row, violation


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "hr": make_person(["hr"]), "staff": make_person(["staff"], team, name="张丽",
                                                                          wage="3000.00")}


def test_closing_a_month_freezes_it_and_a_late_violation_lands_in_the_open_month(world):
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    violation(staff, "COMPLAINT", month + timedelta(days=2))  # 30 yuan, 6 points
    close = scores.close_month(world["hr"], month_label(month))
    assert close.staff == 1
    before = row(scores.month_figures(month), staff)
    assert before["score"] == 94 and before["closed"] is True

    late = violation(staff, "GENERAL", month + timedelta(days=5))  # found later: a warning, 1 point
    after = row(scores.month_figures(month), staff)
    assert after == before
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.violation_id == late.id))
    assert entry.kind == "adjustment" and entry.occurred_on == scores.open_month()
    assert (month + timedelta(days=5)).isoformat() in entry.reason
    now = row(scores.month_figures(scores.open_month()), staff)
    assert now["score"] == 99
    assert now["deductions"] == [{"rule": "GENERAL", "points": 1, "adjustment": True}]
    assert now["violations"] == 0  # booked here as a correction, it does not cost this month's reward
    assert discipline.verify_ledger().ok


def test_a_reversal_of_a_fine_in_a_closed_month_is_booked_in_the_open_month(world):
    month, staff = last_month(), world["staff"]
    v = violation(staff, "COMPLAINT", month + timedelta(days=2))
    scores.close_month(world["hr"], month_label(month))
    reversal = discipline.reverse_violation(None, v, "overturned on appeal")
    assert reversal.kind == "reversal" and reversal.occurred_on == scores.open_month()
    assert row(scores.month_figures(month), staff)["score"] == 94
    payroll = {r["employee_no"]: r for r in scores.payroll_rows(scores.payroll_for(scores.open_month()))}
    assert payroll[staff.employee_no]["fines"] == Decimal("-30.00")
    assert payroll[staff.employee_no]["deducted"] == Decimal("-30.00")  # paid back


def test_a_violation_recorded_late_for_a_closed_month_can_still_be_reversed(world):
    month, staff = last_month(), world["staff"]
    scores.close_month(world["hr"], month_label(month))
    late = violation(staff, "COMPLAINT", month + timedelta(days=2))
    discipline.reverse_violation(None, late, "wrong person")
    assert row(scores.month_figures(scores.open_month()), staff)["score"] == 100


def test_the_closed_payroll_carries_over_into_the_next_month(world):
    month, staff = last_month(), world["staff"]
    for day, amount in ((2, "500.00"), (3, "300.00")):
        violation(staff, "KEEP_FOUND", month + timedelta(days=day), amount=Decimal(amount))
    scores.close_month(world["hr"], month_label(month))
    closed = scores.payroll_rows(scores.payroll_for(month))[0]
    assert (closed["fines_due"], closed["deducted"], closed["carried_over"]) == (
        Decimal("800.00"), Decimal("310.00"), Decimal("490.00"))
    nxt = scores.payroll_rows(scores.payroll_for(scores.open_month()))[0]
    assert (nxt["carried_in"], nxt["deducted"], nxt["carried_over"]) == (
        Decimal("490.00"), Decimal("310.00"), Decimal("180.00"))


def test_a_month_is_closed_once_in_order_and_only_when_over(world):
    hr, month = world["hr"], last_month()
    with pytest.raises(RuleRefused) as refused:
        scores.close_month(hr, month_label(scores.open_month()))
    assert refused.value.code == "month_not_over"
    scores.close_month(hr, month_label(add_months(month, -2)))
    with pytest.raises(RuleRefused) as refused:
        scores.close_month(hr, month_label(month))
    assert refused.value.code == "months_close_in_order"
    scores.close_month(hr, month_label(add_months(month, -1)))
    with pytest.raises(Conflict):
        scores.close_month(hr, month_label(add_months(month, -1)))
    with pytest.raises(InvalidInput):
        scores.close_month(hr, "2026-13")
    assert db.session.scalar(select(func.count()).select_from(MonthClose)) == 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "month.close")) == 2


def test_the_snapshot_keeps_the_team_the_person_had_when_the_month_closed(world):
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    confirm_reward(staff, month)
    scores.close_month(world["hr"], month_label(month))
    other = make_team("T2", "投诉组")
    staff.team_id = other.id
    db.session.commit()
    assert row(scores.month_figures(month), staff)["team"] == "T1"
    snap = db.session.scalar(select(ScoreSnapshot).where(ScoreSnapshot.employee_id == staff.id))
    assert snap.team_name == "热线一组" and snap.reward_eligible is True and snap.nomination == "confirmed"


# --- at the same moment, on PostgreSQL --------------------------------------------------------

on_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")


@on_postgres
def test_two_closes_at_once_freeze_the_month_once(app, world):
    label = month_label(last_month())
    hr_id = world["hr"].id

    def close():
        try:
            return scores.close_month(db.session.get(Employee, hr_id), label).staff
        except Conflict:
            return "conflict"

    results = run_together(app, [close, close])
    assert sorted(results, key=str) == [1, "conflict"]
    assert db.session.scalar(select(func.count()).select_from(ScoreSnapshot)) == 1


@on_postgres
def test_a_violation_recorded_while_the_month_closes_is_never_lost(app, world, monkeypatch):
    """Either the snapshot holds it, or it is booked into the open month as an adjustment."""
    month, staff_id, hr_id = last_month(), world["staff"].id, world["hr"].id
    live = scores._live

    def slow_live(*args, **kwargs):
        time.sleep(0.3)  # the ledger head is held: the violation must wait, then see the close
        return live(*args, **kwargs)

    monkeypatch.setattr(scores, "_live", slow_live)

    def record():
        time.sleep(0.1)
        return violation(db.session.get(Employee, staff_id), "COMPLAINT", month + timedelta(days=2)).id

    def close():
        return scores.close_month(db.session.get(Employee, hr_id), month_label(month)).id

    violation_id, _ = run_together(app, [record, close])
    db.session.expire_all()
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.violation_id == violation_id))
    frozen = db.session.scalar(select(ScoreSnapshot.score).where(ScoreSnapshot.employee_id == staff_id))
    if entry.kind == "fine":
        assert entry.occurred_on < scores.open_month() and frozen == 94
    else:
        assert entry.kind == "adjustment" and entry.occurred_on == scores.open_month() and frozen == 100


def test_a_fine_dated_before_the_first_closed_month_is_booked_into_the_open_month_and_paid(world):
    """The product started with last month: the month before it was never closed here (HR paid it on paper),
    yet a fine found now for a day in it must reach a payroll, not vanish."""
    month, staff = last_month(), world["staff"]
    scores.close_month(world["hr"], month_label(month))
    earlier = add_months(month, -1)
    late = violation(staff, "COMPLAINT", earlier + timedelta(days=3))  # 30 yuan
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.violation_id == late.id))
    assert entry.kind == "adjustment" and entry.occurred_on == scores.open_month()
    due = {r["employee_no"]: r for r in scores.payroll_rows(scores.payroll_for(scores.open_month()))}
    assert due[staff.employee_no]["fines_due"] == Decimal("30.00")
