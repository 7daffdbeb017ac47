"""The sanctions the books use besides warnings and fines (docs/rules.md §7): criticism, a forfeited reward, a
stand-down for retraining, a transfer, and a step where the recorder chooses (罚…或开除, 000 §5 惩罚8)."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.errors import InvalidInput, PolicyInvalid, RuleRefused
from attendance.domain.escalation import escalate
from attendance.domain.policy import (
    Reward,
    StandDownPolicy,
    Step,
    default_policy_document,
    load_default_policy,
    parse_policy,
    policy_to_document,
)

AT = datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _doc(*ladder, **more):
    return {"version": "t", "effective_from": "2026-01-01",
            "rewards": {"full_attendance": {"amount": "200.00"}},
            "attendance": {"rules": {"late": "X", "early": "X", "absent": "X"}},
            "rules": [{"code": "X", "name": {"zh": "X", "en": "X"}, "ladder": list(ladder)}], **more}


def _problems(doc) -> dict:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(doc)
    return dict(caught.value.problems)


CHOICE = {"sanction": "choice", "options": [{"sanction": "fine", "amount_range": ["100.00", "500.00"],
                                              "points": 20}, {"sanction": "dismissal_review", "points": 20}]}


def test_a_policy_written_before_the_new_sanctions_loads_with_their_defaults():
    doc = _doc({"sanction": "fine", "amount": "10.00", "points": 2})
    policy = parse_policy(doc)
    assert policy.stand_down == StandDownPolicy(Decimal("100"), Decimal("21.75"))
    assert policy.rewards["full_attendance"] == Reward(Decimal("200.00"), 0, nomination=False,
                                                       pending_at_close="refuse")


def test_each_new_sanction_reads_and_exports_back_equal():
    doc = _doc({"sanction": "criticism", "points": 1},
               {"sanction": "forfeit_reward", "points": 2},
               {"sanction": "stand_down", "days": 3, "points": 4},
               {"sanction": "transfer", "points": 10}, CHOICE,
               stand_down={"pay_percent": 50, "days_per_month": "21.75"})
    doc["rewards"]["full_attendance"].update(nomination=True, pending_at_close="warn")
    policy = parse_policy(doc)
    ladder = policy.rules["X"].ladder
    assert ladder[1] == Step("forfeit_reward", points=2, reward="full_attendance")  # the monthly reward by default
    assert ladder[2].days == 3
    assert [o.sanction for o in ladder[4].options] == ["fine", "dismissal_review"]
    assert policy.stand_down.pay_percent == Decimal("50")
    assert parse_policy(policy_to_document(policy)) == policy


def test_the_default_policy_round_trips_and_asks_for_nominations():
    policy = load_default_policy()
    assert parse_policy(policy_to_document(policy)) == policy
    assert policy.rewards["full_attendance"].nomination is True
    assert policy.rewards["full_attendance"].pending_at_close == "refuse"
    assert policy.stand_down.pay_percent == Decimal("100")  # no book cuts the pay: a product decision


@pytest.mark.parametrize(("step", "path", "message"), [
    ({"sanction": "stand_down", "points": 1}, "rules[0].ladder[0].days", "required"),
    ({"sanction": "stand_down", "days": 0}, "rules[0].ladder[0].days", "must be a whole number from 1 to 90"),
    ({"sanction": "criticism", "days": 2}, "rules[0].ladder[0].days", "only a stand-down has days"),
    ({"sanction": "warning", "reward": "full_attendance"}, "rules[0].ladder[0].reward",
     "only a forfeit_reward step names a reward"),
    ({"sanction": "forfeit_reward", "reward": "bonus"}, "rules[0].ladder[0].reward", "unknown reward bonus"),
    ({"sanction": "choice"}, "rules[0].ladder[0].options", "required"),
    ({"sanction": "fine", "amount": "10.00", "options": [{"sanction": "warning"}]},
     "rules[0].ladder[0].options", "only a choice has options"),
    ({"sanction": "choice", "options": [{"sanction": "warning"}]}, "rules[0].ladder[0].options",
     "a choice needs at least two options"),
    ({"sanction": "choice", "options": [{"sanction": "warning"}, {"sanction": "warning", "points": 2}]},
     "rules[0].ladder[0].options[1].sanction", "each option needs its own sanction"),
    ({"sanction": "choice", "options": [{"sanction": "choice", "options": []}, {"sanction": "warning"}]},
     "rules[0].ladder[0].options[0].sanction", None),
])
def test_bad_new_steps_are_refused_with_their_path(step, path, message):
    problems = _problems(_doc(step))
    assert path in problems, problems
    if message:
        assert problems[path] == message


def test_bad_stand_down_pay_and_pending_choice_are_refused():
    doc = _doc({"sanction": "warning"}, stand_down={"pay_percent": 120, "days_per_month": 0})
    doc["rewards"]["full_attendance"]["pending_at_close"] = "ignore"
    doc["rewards"]["full_attendance"]["nomination"] = "yes"
    problems = _problems(doc)
    assert set(problems) >= {"stand_down.pay_percent", "stand_down.days_per_month",
                             "rewards.full_attendance.pending_at_close", "rewards.full_attendance.nomination"}


def test_falsify_with_dismissal_review_posts_no_fine_and_with_fine_no_review():
    policy = load_default_policy()
    review = escalate(policy, "FALSIFY", AT, [], choice="dismissal_review")
    assert (review.sanction, review.fine, review.dismissal_review) == ("dismissal_review", Decimal("0.00"), True)
    assert review.options == ("fine", "dismissal_review") and review.choice == "dismissal_review"
    fine = escalate(policy, "FALSIFY", AT, [], amount=Decimal("300.00"), choice="fine")
    assert (fine.sanction, fine.fine, fine.dismissal_review) == ("fine", Decimal("300.00"), False)


@pytest.mark.parametrize("choice", [None, "", "warning", "choice", 3])
def test_a_choice_step_without_one_of_its_options_is_refused(choice):
    with pytest.raises(RuleRefused) as caught:
        escalate(load_default_policy(), "FALSIFY", AT, [], choice=choice)
    assert caught.value.code == "sanction_choice"


def test_the_fine_option_still_needs_its_amount_in_range():
    with pytest.raises(RuleRefused):
        escalate(load_default_policy(), "FALSIFY", AT, [], amount=Decimal("50.00"), choice="fine")
    with pytest.raises(InvalidInput):  # the review option has no range
        escalate(load_default_policy(), "FALSIFY", AT, [], amount=Decimal("300.00"), choice="dismissal_review")


def test_a_choice_where_the_step_offers_none_is_refused():
    with pytest.raises(InvalidInput):
        escalate(load_default_policy(), "LATE", AT, [], choice="fine")


def test_the_new_sanctions_carry_their_effects_and_no_money():
    policy = load_default_policy()
    stand = escalate(policy, "UNAUTHORISED_PROMISE", AT, [])
    assert (stand.sanction, stand.stand_down_days, stand.fine) == ("stand_down", 3, Decimal("0.00"))
    doc = copy.deepcopy(default_policy_document())
    policy = parse_policy(doc)
    from attendance.domain.escalation import PriorOccurrence
    first = escalate(policy, "OFFICE_RULES", AT, [])
    second = escalate(policy, "OFFICE_RULES", AT, [PriorOccurrence(AT.replace(day=1))])
    assert (first.sanction, first.fine, first.forfeits) == ("criticism", Decimal("0.00"), None)
    assert (second.sanction, second.fine, second.forfeits) == ("forfeit_reward", Decimal("0.00"), "full_attendance")
    transfer = escalate(policy, "SHIRKING", AT, [PriorOccurrence(AT.replace(day=1))])
    assert transfer.sanction == "transfer" and transfer.fine == Decimal("0.00")


@given(st.sampled_from(["fine", "dismissal_review"]), st.integers(min_value=100, max_value=500))
def test_whatever_is_chosen_exactly_one_of_fine_and_review_follows(choice, yuan):
    amount = Decimal(yuan) if choice == "fine" else None
    decision = escalate(load_default_policy(), "FALSIFY", AT, [], amount=amount, choice=choice)
    assert (decision.fine > 0) != decision.dismissal_review
