"""The approval chain and the missed-punch rules, with no app and no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain import approvals as rules
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, RuleRefused

REQUESTER, SUBJECT = 1, 2
LEAD = rules.Decider(10, frozenset({"lead", "staff"}), reaches_subject=True)
OTHER_LEAD = rules.Decider(11, frozenset({"lead", "staff"}), reaches_subject=False)
SUPERVISOR = rules.Decider(20, frozenset({"supervisor"}), reaches_subject=True)
GM = rules.Decider(30, frozenset({"gm"}), reaches_subject=True)
BY_ROLE = {"lead": LEAD, "supervisor": SUPERVISOR, "gm": GM}


def pending(chain=("lead", "supervisor", "gm"), step=0, requester=REQUESTER, subject=SUBJECT):
    return rules.RequestState("pending", step, chain, requester, subject)


def test_a_three_step_chain_is_approved_only_at_its_last_step():
    state = pending()
    first = rules.decide(state, LEAD, "approve")
    assert (first.status, first.step, first.final, first.next_role) == ("pending", 1, False, "supervisor")
    second = rules.decide(pending(step=1), SUPERVISOR, "approve")
    assert (second.status, second.final, second.next_role) == ("pending", False, "gm")
    last = rules.decide(pending(step=2), GM, "approve")
    assert (last.status, last.step, last.final) == ("approved", 3, True)


def test_a_rejection_at_any_step_ends_the_request():
    decision = rules.decide(pending(step=1), SUPERVISOR, "reject")
    assert (decision.status, decision.final, decision.next_role) == ("rejected", True, None)


def test_nobody_decides_their_own_request_even_holding_the_role():
    lead_asking_for_himself = pending(requester=LEAD.id, subject=LEAD.id)
    with pytest.raises(Forbidden) as refused:
        rules.decide(lead_asking_for_himself, LEAD, "approve")
    assert refused.value.code == "own_request"
    filed_by_the_lead = pending(requester=LEAD.id)  # a lead filing for a staff member cannot approve it either
    with pytest.raises(Forbidden):
        rules.decide(filed_by_the_lead, LEAD, "approve")


def test_a_step_is_decided_by_its_role_and_only_for_a_person_in_reach():
    with pytest.raises(Forbidden) as wrong_role:
        rules.decide(pending(), SUPERVISOR, "approve")  # the first step is the lead's
    assert wrong_role.value.code == "not_your_step"
    with pytest.raises(Forbidden):
        rules.decide(pending(), OTHER_LEAD, "approve")  # a lead of another team


@pytest.mark.parametrize("status", ["approved", "rejected", "withdrawn"])
def test_deciding_a_request_that_is_no_longer_pending_is_a_conflict(status):
    with pytest.raises(Conflict):
        rules.decide(rules.RequestState(status, 0, ("lead",), REQUESTER, SUBJECT), LEAD, "approve")


def test_only_the_requester_withdraws_and_only_while_pending():
    rules.withdraw(pending(), REQUESTER)
    with pytest.raises(Forbidden):
        rules.withdraw(pending(), SUBJECT + 100)
    with pytest.raises(Conflict):
        rules.withdraw(rules.RequestState("approved", 1, ("lead",), REQUESTER, SUBJECT), REQUESTER)


@given(chain=st.lists(st.sampled_from(["lead", "supervisor", "gm"]), min_size=1, max_size=5),
       outcomes=st.lists(st.sampled_from(["approve", "reject"]), min_size=1, max_size=6))
def test_a_request_ends_exactly_once_and_never_moves_after(chain, outcomes):
    """Whatever the decisions, the request is approved only after every step, ends at the first rejection,
    and any decision after the end is refused."""
    state = rules.RequestState("pending", 0, tuple(chain), REQUESTER, SUBJECT)
    ended_after = None
    for n, outcome in enumerate(outcomes):
        decider = BY_ROLE[state.chain[min(state.step, len(chain) - 1)]]
        if state.status != "pending":
            with pytest.raises(Conflict):
                rules.decide(state, decider, outcome)
            continue
        decision = rules.decide(state, decider, outcome)
        state = rules.RequestState(decision.status, decision.step, state.chain, REQUESTER, SUBJECT)
        if decision.final:
            ended_after = n
    approvals_before_end = outcomes[: (ended_after + 1) if ended_after is not None else len(outcomes)]
    if state.status == "approved":
        assert approvals_before_end == ["approve"] * len(chain)
    elif state.status == "rejected":
        assert approvals_before_end[-1] == "reject" and "reject" not in approvals_before_end[:-1]
    else:
        assert state.status == "pending" and approvals_before_end == ["approve"] * len(outcomes)
        assert len(outcomes) < len(chain)


def test_a_step_the_requester_could_decide_goes_one_level_up():
    assert rules.chain_for(("lead",), {"staff"}) == ("lead",)
    assert rules.chain_for(("lead",), {"lead", "staff"}) == ("supervisor",)
    assert rules.chain_for(("lead", "supervisor", "gm"), {"lead", "staff"}) == ("supervisor", "gm")
    assert rules.chain_for(("lead", "supervisor"), {"supervisor"}) == ("lead", "manager")


# --- missed-punch corrections ---------------------------------------------------------------------

TODAY = date(2026, 11, 20)


def check(day, used=0, today=TODAY):
    rules.check_correction(day, today, within_days=3, used_this_month=used, max_per_month=3)


def test_a_correction_within_three_days_and_under_the_quota_is_accepted():
    for day in (TODAY, date(2026, 11, 19), date(2026, 11, 17)):
        check(day, used=2)


@pytest.mark.parametrize("day", [date(2026, 11, 16), date(2026, 10, 30), date(2026, 11, 21)])
def test_a_correction_too_old_or_for_a_future_day_names_the_window(day):
    with pytest.raises(RuleRefused) as refused:
        check(day)
    assert refused.value.code == "correction_window"


def test_the_fourth_correction_of_a_month_names_the_quota():
    with pytest.raises(RuleRefused) as refused:
        check(date(2026, 11, 19), used=3)
    assert refused.value.code == "correction_quota"


def test_a_clock_out_in_the_small_hours_is_the_morning_after_the_shifts_day():
    assert rules.correction_moment("2026-11-04", "07:58", "in") == "2026-11-04T07:58"
    assert rules.correction_moment("2026-11-04", "23:30", "out") == "2026-11-04T23:30"
    assert rules.correction_moment("2026-11-04", "00:15", "out") == "2026-11-05T00:15"
    for day, time in (("2026-11-31", "08:00"), ("2026-11-04", "25:00"), ("2026-11-04", "soon"), ("", "")):
        with pytest.raises(InvalidInput):
            rules.correction_moment(day, time, "in")


def test_pressing_again_after_ones_own_step_was_decided_is_a_conflict_not_a_refusal():
    state = rules.RequestState("pending", 1, ("lead", "supervisor"), requester_id=1, subject_id=1)
    lead = rules.Decider(7, frozenset({"lead", "staff"}), reaches_subject=True)
    stranger = rules.Decider(8, frozenset({"lead", "staff"}), reaches_subject=False)
    hr = rules.Decider(9, frozenset({"hr"}), reaches_subject=True)
    assert isinstance(rules.refusal(state, lead), Conflict)
    assert isinstance(rules.refusal(state, stranger), Forbidden)
    assert isinstance(rules.refusal(state, hr), Forbidden)
