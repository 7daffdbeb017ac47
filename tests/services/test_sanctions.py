"""The sanctions the books use besides warnings and fines, end to end (docs/rules.md §7–§8): a stand-down puts
training days on the roster and its pay rule into payroll; a forfeited reward goes for its month only; only a
confirmed nomination earns the monthly reward; FALSIFY's "fine or dismissal" is the recorder's choice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from attendance.domain.errors import Conflict, InvalidInput, RuleRefused
from attendance.domain.policy import default_policy_document
from attendance.domain.scoring import add_months, month_label
from attendance.extensions import db
from attendance.models import DismissalReview, LedgerEntry, Notification, TrainingDay, Transfer
from attendance.services import discipline, nominations, roster, scores
from attendance.services.discipline.explanation import explain
from attendance.services.discipline.ledger import verify_ledger
from tests.conftest import make_person, make_team
from tests.policies import add_published
from tests.rewards import confirm_reward
from tests.services.test_scores import attend, last_month, row, violation


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team, name="组长")
    return {"team": team, "lead": lead, "staff": make_person(["staff"], team, name="张丽", wage="4350.00"),
            "supervisor": make_person(["supervisor"], name="陈主管"), "hr": make_person(["hr"], name="人事"),
            "manager": make_person(["manager"], name="李经理")}


def _policy(**changes):
    doc = default_policy_document()
    doc["version"] = "sanctions-test"
    for key, value in changes.items():
        doc[key] = value
    return add_published(doc)


def _told(person) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.employee_id == person.id,
                                                             Notification.kind == "violation")
                               .order_by(Notification.id)))


# --- a stand-down for retraining -----------------------------------------------------------------


def test_a_stand_down_puts_training_days_on_the_roster_and_its_pay_rule_into_score_and_payroll(world):
    _policy(stand_down={"pay_percent": 50, "days_per_month": "21.75"})
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    v = violation(staff, "UNAUTHORISED_PROMISE", month + timedelta(days=4))  # the 5th; days from the 6th
    assert (v.sanction, v.fine) == ("stand_down", Decimal("0.00"))
    days = [month + timedelta(days=d) for d in (5, 6, 7)]
    grid = roster.roster_grid(world["supervisor"], "T1", month, month + timedelta(days=9))
    assert {d for (pid, d) in grid.training if pid == staff.id} == set(days)
    got = row(scores.month_figures(month), staff)
    assert got["training_days"] == 3 and got["reward"] == Decimal("0.00")
    pay = next(r for r in scores.payroll_rows(scores.payroll_for(month)) if r["employee_no"] == staff.employee_no)
    # 4350 / 21.75 = 200 a day; three days at half pay
    assert (pay["training_days"], pay["training_reduction"]) == (3, Decimal("300.00"))
    (notice,) = _told(staff)
    assert notice.params["days"] == 3 and notice.params["start"] == days[0].isoformat()
    assert "stand-down" in notice.body


def test_the_default_policy_pays_stand_down_days_in_full_and_a_reversal_lifts_them(world):
    month, staff = last_month(), world["staff"]
    v = violation(staff, "UNAUTHORISED_PROMISE", month + timedelta(days=4))
    pay = next(r for r in scores.payroll_rows(scores.payroll_for(month)) if r["employee_no"] == staff.employee_no)
    assert (pay["training_days"], pay["training_reduction"]) == (3, Decimal("0.00"))
    discipline.reverse_violation(world["supervisor"], v, "承诺经核实属授权范围")
    live = db.session.scalars(select(TrainingDay).where(TrainingDay.violation_id == v.id)).all()
    assert len(live) == 3 and all(d.cancelled_at is not None for d in live)  # kept, marked
    assert row(scores.month_figures(month), staff)["training_days"] == 0


def test_a_second_stand_down_runs_on_past_the_days_already_marked(world):
    month, staff = last_month(), world["staff"]
    violation(staff, "UNAUTHORISED_PROMISE", month + timedelta(days=4))
    second = violation(staff, "UNAUTHORISED_PROMISE", month + timedelta(days=5))
    assert discipline.training_days_of(second) == [month + timedelta(days=d) for d in (8, 9, 10)]


def test_training_days_are_read_by_attendance_as_a_whole_day_the_person_is_not_due(world):
    from attendance.domain.attendance_rules import TRAINING
    from attendance.services.attendance import leave_covers
    month, staff = last_month(), world["staff"]
    violation(staff, "UNAUTHORISED_PROMISE", month + timedelta(days=4))
    covers = leave_covers([staff.id], month, month + timedelta(days=9))
    assert {d for (_, d), c in covers.items() if c.leave_type == TRAINING} == {
        month + timedelta(days=d) for d in (5, 6, 7)}


# --- a forfeited reward ---------------------------------------------------------------------------


def test_a_forfeited_reward_goes_for_that_month_only(world):
    staff, earlier = world["staff"], add_months(last_month(), -1)
    later = last_month()
    for month in (earlier, later):
        attend(staff, month)
        confirm_reward(staff, month, nominator=world["supervisor"], decider=world["manager"])
    violation(staff, "OFFICE_RULES", earlier + timedelta(days=2))  # criticism
    second = violation(staff, "OFFICE_RULES", earlier + timedelta(days=9))  # the month's reward forfeited
    assert (second.sanction, second.forfeits, second.fine) == ("forfeit_reward", "full_attendance", Decimal("0.00"))
    before = row(scores.month_figures(earlier), staff)
    assert before["reward_forfeited"] is True and before["reward"] == Decimal("0.00")
    after = row(scores.month_figures(later), staff)
    assert after["reward_forfeited"] is False and after["reward"] == Decimal("200.00")
    pay = {month: next(r for r in scores.payroll_rows(scores.payroll_for(month))
                       if r["employee_no"] == staff.employee_no) for month in (earlier, later)}
    assert (pay[earlier]["reward"], pay[later]["reward"]) == (Decimal("0.00"), Decimal("200.00"))
    assert "forfeited" in _told(staff)[-1].body


def test_criticism_is_a_recorded_notice_with_no_money(world):
    v = violation(world["staff"], "OFFICE_RULES", last_month() + timedelta(days=2))
    assert (v.sanction, v.fine, v.points) == ("criticism", Decimal("0.00"), 1)
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.violation_id == v.id))
    assert entry.amount == Decimal("0.00")
    assert "criticism" in _told(world["staff"])[-1].body
    assert explain(world["staff"], v.id).as_data()["sanction"] == "criticism"


# --- the monthly reward needs a confirmed nomination ---------------------------------------------------


def test_an_unnominated_clean_month_earns_no_reward_and_a_confirmed_nomination_does(world):
    month, staff, mate = last_month(), world["staff"], make_person(["staff"], world["team"])
    attend(staff, month)
    attend(mate, month)
    confirm_reward(mate, month, nominator=world["lead"], decider=world["supervisor"])
    figures = scores.month_figures(month)
    clean = row(figures, staff)
    assert clean["full_attendance"] is True and clean["violations"] == 0
    assert (clean["nomination"], clean["reward_eligible"], clean["reward"]) == (None, False, Decimal("0.00"))
    confirmed = row(figures, mate)
    assert (confirmed["nomination"], confirmed["reward_eligible"], confirmed["reward"]) == (
        "confirmed", True, Decimal("200.00"))


def test_a_declined_or_pending_nomination_earns_nothing(world):
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    n = nominations.nominate(world["lead"], staff.employee_no, month_label(month), "连续三周零投诉")
    assert row(scores.month_figures(month), staff)["reward"] == Decimal("0.00")
    nominations.decide(world["supervisor"], n.id, "declined", "本月有客户表扬但未达突出")
    got = row(scores.month_figures(month), staff)
    assert (got["nomination"], got["reward"]) == ("declined", Decimal("0.00"))


def test_a_policy_without_nominations_still_pays_every_clean_month(world):
    doc = default_policy_document()
    doc["rewards"]["full_attendance"] = {"amount": "200.00", "points": 0}
    doc["version"] = "before-nominations"
    add_published(doc)
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    assert row(scores.month_figures(month), staff)["reward"] == Decimal("200.00")


def test_closing_a_month_with_a_pending_nomination_is_refused_by_default(world):
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    nominations.nominate(world["lead"], staff.employee_no, month_label(month), "工作突出")
    with pytest.raises(RuleRefused) as refused:
        scores.close_month(world["hr"], month_label(month))
    assert refused.value.code == "nominations_pending"
    assert scores.get_close(month) is None


def test_under_warn_the_month_closes_and_the_pending_nomination_earns_nothing(world):
    doc = default_policy_document()
    doc["version"] = "warn"
    doc["rewards"]["full_attendance"]["pending_at_close"] = "warn"
    add_published(doc)
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    n = nominations.nominate(world["lead"], staff.employee_no, month_label(month), "工作突出")
    close = scores.close_month(world["hr"], month_label(month))
    assert close.pending_nominations == 1
    got = row(scores.month_figures(month), staff)
    assert (got["nomination"], got["reward"], got["closed"]) == ("pending", Decimal("0.00"), True)
    with pytest.raises(Conflict):  # the month is settled
        nominations.decide(world["supervisor"], n.id, "confirmed")


def test_a_closed_month_keeps_the_confirmed_reward_and_pays_it(world):
    month, staff = last_month(), world["staff"]
    attend(staff, month)
    confirm_reward(staff, month, nominator=world["lead"], decider=world["supervisor"])
    scores.close_month(world["hr"], month_label(month))
    got = row(scores.month_figures(month), staff)
    assert (got["nomination"], got["reward"], got["closed"]) == ("confirmed", Decimal("200.00"), True)
    pay = next(r for r in scores.payroll_rows(scores.payroll_for(month)) if r["employee_no"] == staff.employee_no)
    assert pay["reward"] == Decimal("200.00") and pay["closed"] is True


@pytest.mark.parametrize(("month", "reason", "field"), [
    ("2026-13", "好", "month"), ("next", "好", "month"), ("2099-01", "好", "month"), ("2026-10", "  ", "reason"),
])
def test_bad_nominations_are_refused_and_change_nothing(world, month, reason, field):
    with pytest.raises(InvalidInput) as refused:
        nominations.nominate(world["lead"], world["staff"].employee_no, month, reason)
    assert field in refused.value.fields
    assert nominations.nominations(world["supervisor"], "2026-10") == []


def test_a_person_is_nominated_once_a_month_and_a_decision_is_made_once(world):
    month = month_label(last_month())
    n = nominations.nominate(world["lead"], world["staff"].employee_no, month, "工作突出")
    with pytest.raises(Conflict):
        nominations.nominate(world["supervisor"], world["staff"].employee_no, month, "也很突出")
    with pytest.raises(InvalidInput):
        nominations.decide(world["supervisor"], n.id, "declined", "")  # a decline says why
    nominations.decide(world["supervisor"], n.id, "confirmed")
    with pytest.raises(Conflict):
        nominations.decide(world["manager"], n.id, "declined", "改主意")
    decided = nominations.get_nomination(world["supervisor"], n.id)
    assert (decided.decided_by_id, decided.nominated_by_id) == (world["supervisor"].id, world["lead"].id)
    assert decided.decided_at is not None and decided.nominated_at is not None


# --- FALSIFY: a fine or a dismissal review, as the recorder chooses ------------------------------------


def test_falsify_recorded_with_dismissal_review_posts_no_fine(world):
    v = discipline.record_violation(world["supervisor"], employee=world["staff"], rule_code="FALSIFY",
                                    occurred_at=scores_at(), choice="dismissal_review", note="伪造回访记录，情节严重")
    assert (v.sanction, v.fine, v.dismissal_review, v.options) == (
        "dismissal_review", Decimal("0.00"), True, ["fine", "dismissal_review"])
    assert db.session.scalar(select(LedgerEntry.amount).where(LedgerEntry.violation_id == v.id)) == Decimal("0.00")
    assert db.session.scalar(select(DismissalReview).where(DismissalReview.violation_id == v.id)) is not None
    data = explain(world["staff"], v.id).as_data()
    assert data["choice"] == {"offered": ["fine", "dismissal_review"], "chosen": "dismissal_review"}


def test_falsify_recorded_with_fine_posts_the_fine_and_no_review(world):
    v = discipline.record_violation(world["supervisor"], employee=world["staff"], rule_code="FALSIFY",
                                    occurred_at=scores_at(), choice="fine", amount="300.00", note="初犯")
    assert (v.sanction, v.fine, v.dismissal_review) == ("fine", Decimal("300.00"), False)
    assert db.session.scalar(select(DismissalReview).where(DismissalReview.violation_id == v.id)) is None
    assert db.session.scalar(select(LedgerEntry.amount).where(LedgerEntry.violation_id == v.id)) == Decimal("300.00")


@pytest.mark.parametrize("choice", [None, "warning", "transfer"])
def test_falsify_without_a_valid_choice_is_refused_and_records_nothing(world, choice):
    with pytest.raises(RuleRefused) as refused:
        discipline.record_violation(world["supervisor"], employee=world["staff"], rule_code="FALSIFY",
                                    occurred_at=scores_at(), choice=choice, amount="300.00")
    assert refused.value.code == "sanction_choice"
    assert db.session.scalar(select(LedgerEntry.id)) is None


# --- a transfer HR completes ------------------------------------------------------------------------


def test_a_transfer_is_recorded_and_hr_completes_it(world):
    staff = world["staff"]
    violation(staff, "SHIRKING", last_month() + timedelta(days=1))
    v = violation(staff, "SHIRKING", last_month() + timedelta(days=3))
    assert v.sanction == "transfer"
    t = discipline.transfer_of(v)
    assert t.status == "pending"
    assert [x.id for x in discipline.transfers(world["hr"]).items] == [t.id]
    with pytest.raises(InvalidInput):
        discipline.complete_transfer(world["hr"], t.id, " ")
    discipline.complete_transfer(world["hr"], t.id, "自 11 月 10 日调至投诉组")
    done = db.session.get(Transfer, t.id)
    assert (done.status, done.completed_by_id) == ("done", world["hr"].id)
    with pytest.raises(Conflict):
        discipline.complete_transfer(world["hr"], t.id, "again")
    assert explain(staff, v.id).as_data()["transfer"]["status"] == "done"


def test_the_ledger_still_verifies_with_the_new_sanctions(world):
    staff = world["staff"]
    violation(staff, "GENERAL", last_month() + timedelta(days=1))
    violation(staff, "OFFICE_RULES", last_month() + timedelta(days=2))
    violation(staff, "UNAUTHORISED_PROMISE", last_month() + timedelta(days=3))
    assert verify_ledger().ok


def scores_at():
    from tests.services.test_scores import at
    return at(last_month() + timedelta(days=3))


def test_re_stepping_keeps_the_recorders_choice_and_amount(world):
    staff, sup = world["staff"], world["supervisor"]
    first = discipline.record_violation(sup, employee=staff, rule_code="FALSIFY", occurred_at=scores_at(),
                                        choice="fine", amount="200.00")
    second = discipline.record_violation(sup, employee=staff, rule_code="FALSIFY",
                                         occurred_at=scores_at() + timedelta(days=1), choice="fine", amount="300.00")
    assert (second.occurrence, second.flagged_for_review) == (2, True)
    discipline.reverse_violation(sup, first, "核实无误")
    (item,) = discipline.out_of_step(staff, "FALSIFY")
    assert item.violation.id == second.id
    assert (item.decision.choice, item.decision.fine, item.decision.occurrence) == ("fine", Decimal("300.00"), 1)
    (redone,) = discipline.restep(sup, staff, "FALSIFY", "first one reversed")
    assert (redone.sanction, redone.fine, redone.options) == ("fine", Decimal("300.00"), ["fine", "dismissal_review"])
