"""Cover (最低在岗人数): the minimum per team and shift, and which shifts a change takes below it."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from attendance.domain import cover as rules
from attendance.domain.policy.model import CoverPolicy, CoverRule

DAY = date(2026, 11, 9)
POLICY = CoverPolicy(minimum=1, holiday_minimum=2, rules=(
    CoverRule(people=3, shift="D8"), CoverRule(people=4, team="T1", shift="D8"), CoverRule(people=0, team="T2")))


def test_the_most_specific_rule_wins_and_a_holiday_needs_at_least_its_minimum():
    assert rules.required(POLICY, "T1", "D8", holiday=False) == 4  # team and shift
    assert rules.required(POLICY, "T3", "D8", holiday=False) == 3  # shift
    assert rules.required(POLICY, "T2", "N", holiday=False) == 0  # team
    assert rules.required(POLICY, "T3", "N", holiday=False) == 1  # the default
    assert rules.required(POLICY, "T2", "N", holiday=True) == 2  # 003 5.1: someone on duty on a holiday


def test_a_shift_the_policy_names_is_short_even_when_nobody_is_rostered_on_it():
    short = rules.below(POLICY, "T1", DAY, Counter({"N": 1}), holiday=False, rostered={"N"})
    assert [(s.shift, s.have, s.need) for s in short] == [("D8", 0, 4)]


roster = st.dictionaries(st.integers(1, 12), st.sampled_from(["D8", "N", "REST", None]), max_size=12)


@given(shifts=roster, away=st.sets(st.integers(1, 12)), minimum=st.integers(0, 4))
def test_taking_people_off_never_adds_anyone_and_only_what_got_worse_is_reported(shifts, away, minimum):
    policy = CoverPolicy(minimum=minimum)
    before = rules.counts(shifts)
    after = rules.counts(shifts, away)
    assert all(after[s] <= before[s] for s in before)
    worse = rules.made_worse(policy, "T1", DAY, before, after, holiday=False)
    for s in worse:
        assert s.have < s.need and s.have < s.had
    untouched = rules.made_worse(policy, "T1", DAY, before, before, holiday=False)
    assert untouched == []  # a change that moves nobody breaks nothing, however short the day already is


@given(shifts=roster)
def test_a_swap_that_only_trades_people_on_the_same_shift_breaks_no_cover(shifts):
    people = sorted(p for p, code in shifts.items() if code == "D8")
    if not people:
        return
    traded = {**shifts, people[0]: None, 99: "D8"}  # one leaves the shift, a colleague takes it
    assert rules.made_worse(CoverPolicy(minimum=5), "T1", DAY, rules.counts(shifts), rules.counts(traded),
                            holiday=False) == []
