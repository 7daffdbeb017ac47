from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.errors import InvalidInput, RuleRefused
from attendance.domain.escalation import (
    Decision,
    PriorOccurrence,
    escalate,
    in_window,
    occurrence_number,
)
from attendance.domain.policy import (
    AttendancePolicy,
    DeductionPolicy,
    LeavePolicy,
    Name,
    Policy,
    Rule,
    Step,
    SwapPolicy,
    Window,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def _rule(code, ladder, window=None, after_ladder=None):
    return Rule(code, Name(code, code), "service", tuple(ladder), window, after_ladder)


def _fine(yuan, points):
    return Step("fine", amount=Decimal(yuan), points=points)


def make_policy(**rules):
    base = {
        r.code: r
        for r in (
            _rule(
                "COMPLAINT",
                [_fine("30.00", 6), _fine("60.00", 12), Step("dismissal_review", points=20)],
                window=Window(days=365),
            ),
            _rule(
                "OFF_TASK",
                [Step("warning", points=1), _fine("10.00", 2), _fine("20.00", 4)],
                after_ladder="review",
            ),
            _rule(
                "FALSIFY",
                [
                    Step(
                        "fine",
                        amount_range=(Decimal("100.00"), Decimal("500.00")),
                        points=20,
                        review="dismissal",
                    )
                ],
            ),
            _rule(
                "LATE",
                [Step("warning", points=1), _fine("10.00", 2), _fine("20.00", 4)],
                window=Window(calendar="month"),
            ),
            _rule(
                "ABSENT",
                [_fine("50.00", 10), _fine("100.00", 20), Step("dismissal_review", points=20)],
                window=Window(calendar="year"),
            ),
            _rule("UNAPPROVED_SWAP", [Step("points", points=5)]),
        )
    }
    return Policy(
        version="test",
        effective_from=date(2026, 1, 1),
        timezone="Asia/Shanghai",
        currency="CNY",
        score_base=100,
        score_floor=0,
        default_window=Window(days=365),
        after_ladder="repeat_last",
        attendance=AttendancePolicy(),
        swaps=SwapPolicy(),
        leave=LeavePolicy(),
        deductions=DeductionPolicy(),
        rewards={},
        grooming_items=(),
        rules=base | rules,
    )


POLICY = make_policy()


# Module scope: Hypothesis refuses function-scoped fixtures in @given tests.
@pytest.fixture(scope="module")
def policy():
    return POLICY


def record_in_turn(policy, code, times, amount=None):
    """Record occurrences one after another, each seeing all earlier ones as prior."""
    decisions = []
    for i, at in enumerate(times):
        prior = [PriorOccurrence(t) for t in times[:i]]
        decisions.append(escalate(policy, code, at, prior, amount))
    return decisions


T0 = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
DAILY = [T0 + timedelta(days=i) for i in range(4)]


# --- ladders -------------------------------------------------------------------


def test_three_complaints_cost_30_then_60_then_a_dismissal_review(policy):
    first, second, third = record_in_turn(policy, "COMPLAINT", DAILY[:3])

    assert (first.occurrence, first.step, first.sanction, first.fine, first.points) == (
        1,
        1,
        "fine",
        Decimal("30.00"),
        6,
    )
    assert (second.step, second.fine, second.points) == (2, Decimal("60.00"), 12)
    assert (third.step, third.sanction, third.fine) == (3, "dismissal_review", Decimal("0.00"))
    assert third.points == 20
    assert third.dismissal_review and not first.dismissal_review and not second.dismissal_review
    assert not any(d.flagged_for_review for d in (first, second, third))


def test_off_task_four_times_is_warning_10_20_then_20_again_and_flagged(policy):
    decisions = record_in_turn(policy, "OFF_TASK", DAILY)

    assert [d.occurrence for d in decisions] == [1, 2, 3, 4]
    assert [d.step for d in decisions] == [1, 2, 3, 3]
    assert [d.sanction for d in decisions] == ["warning", "fine", "fine", "fine"]
    assert [str(d.fine) for d in decisions] == ["0.00", "10.00", "20.00", "20.00"]
    assert [d.points for d in decisions] == [1, 2, 4, 4]
    assert [d.flagged_for_review for d in decisions] == [False, False, False, True]


def test_repeat_last_past_the_ladder_repeats_without_flagging(policy):
    fourth = record_in_turn(policy, "COMPLAINT", DAILY)[-1]

    assert (fourth.occurrence, fourth.step, fourth.sanction) == (4, 3, "dismissal_review")
    assert not fourth.flagged_for_review


def test_a_points_only_step_fines_nothing(policy):
    decision = escalate(policy, "UNAPPROVED_SWAP", T0, [])

    assert (decision.sanction, decision.fine, decision.points) == ("points", Decimal("0.00"), 5)


def test_a_rule_without_its_own_window_uses_the_policy_default(policy):
    a_year_ago = PriorOccurrence(T0 - timedelta(days=364))
    too_old = PriorOccurrence(T0 - timedelta(days=366))

    assert escalate(policy, "OFF_TASK", T0, [a_year_ago, too_old]).occurrence == 2


# --- ranges and amounts ----------------------------------------------------------


def test_falsify_without_an_amount_is_refused_by_the_rule(policy):
    with pytest.raises(RuleRefused) as refused:
        escalate(policy, "FALSIFY", T0, [])

    assert refused.value.code == "FALSIFY"
    assert "FALSIFY" in refused.value.message and "100.00" in refused.value.message
    assert "500.00" in refused.value.message
    assert "amount" in refused.value.fields


@pytest.mark.parametrize("amount", [Decimal("99.99"), Decimal("500.01"), Decimal("0"), Decimal("-100.00")])
def test_falsify_with_an_amount_outside_the_range_is_refused(policy, amount):
    with pytest.raises(RuleRefused) as refused:
        escalate(policy, "FALSIFY", T0, [], amount)

    assert refused.value.code == "FALSIFY"
    assert "amount" in refused.value.fields


@pytest.mark.parametrize("amount", [Decimal("100.00"), Decimal("250"), "500.00"])
def test_falsify_with_an_amount_inside_the_range_fines_it_and_raises_a_dismissal_review(policy, amount):
    decision = escalate(policy, "FALSIFY", T0, [], amount)

    assert decision.sanction == "fine"
    assert decision.fine == Decimal(amount).quantize(Decimal("0.01"))
    assert str(decision.fine) == str(Decimal(amount).quantize(Decimal("0.01")))
    assert decision.points == 20
    assert decision.dismissal_review


def test_a_second_falsify_repeats_the_range_step_and_still_needs_an_amount(policy):
    prior = [PriorOccurrence(T0 - timedelta(days=1))]

    decision = escalate(policy, "FALSIFY", T0, prior, Decimal("300.00"))
    assert (decision.occurrence, decision.step, decision.fine) == (2, 1, Decimal("300.00"))
    with pytest.raises(RuleRefused):
        escalate(policy, "FALSIFY", T0, prior)


def test_an_amount_for_a_fixed_step_is_invalid_input(policy):
    with pytest.raises(InvalidInput) as invalid:
        escalate(policy, "COMPLAINT", T0, [], Decimal("30.00"))

    assert invalid.value.message == "amount is only accepted for a rule whose step is a range"
    assert "amount" in invalid.value.fields


def test_an_amount_that_is_not_money_is_invalid_input(policy):
    with pytest.raises(InvalidInput) as invalid:
        escalate(policy, "FALSIFY", T0, [], "lots")

    assert not isinstance(invalid.value, RuleRefused)
    assert "amount" in invalid.value.fields


# --- bad input -------------------------------------------------------------------


def test_an_unknown_rule_is_invalid_input(policy):
    with pytest.raises(InvalidInput) as invalid:
        escalate(policy, "NO_SUCH_RULE", T0, [])

    assert invalid.value.message == "unknown rule NO_SUCH_RULE"
    assert invalid.value.fields == {"rule": "unknown rule"}


def test_a_naive_occurred_at_is_a_programming_error(policy):
    with pytest.raises(ValueError):
        escalate(policy, "COMPLAINT", datetime(2026, 3, 10, 9, 0), [])


# --- windows ---------------------------------------------------------------------


def test_a_day_window_excludes_exactly_n_days_before_and_includes_just_after():
    window = Window(days=365)

    assert not in_window(window, T0, T0 - timedelta(days=365))
    assert in_window(window, T0, T0 - timedelta(days=365) + timedelta(microseconds=1))
    assert in_window(window, T0, T0)
    assert not in_window(window, T0, T0 + timedelta(microseconds=1))


def test_a_day_window_compares_instants_not_wall_clocks():
    # 2026-03-08 is the US spring-forward day: 30 wall-clock days is 30 days less one hour.
    occurred = datetime(2026, 3, 20, 12, 0, tzinfo=NEW_YORK)
    wall_30_days_earlier = datetime(2026, 2, 18, 12, 0, tzinfo=NEW_YORK)

    assert occurred.astimezone(UTC) - wall_30_days_earlier.astimezone(UTC) == timedelta(days=30, hours=-1)
    assert in_window(Window(days=30), occurred, wall_30_days_earlier)


@pytest.mark.parametrize(
    ("occurred", "earlier", "counts"),
    [
        # Late on 31 January in Shanghai is still January there.
        (datetime(2026, 2, 1, 0, 10, tzinfo=SHANGHAI), datetime(2026, 1, 31, 23, 30, tzinfo=SHANGHAI), False),
        (datetime(2026, 2, 1, 0, 10, tzinfo=SHANGHAI), datetime(2026, 1, 31, 15, 30, tzinfo=UTC), False),
        # 16:05 UTC on 31 January is already 1 February in Shanghai.
        (datetime(2026, 2, 1, 0, 10, tzinfo=SHANGHAI), datetime(2026, 1, 31, 16, 5, tzinfo=UTC), True),
        # Judged on a UTC clock, the same earlier instant falls in January.
        (datetime(2026, 2, 1, 0, 10, tzinfo=UTC), datetime(2026, 2, 1, 7, 50, tzinfo=SHANGHAI), False),
        (datetime(2026, 2, 28, 23, 59, tzinfo=SHANGHAI), datetime(2026, 2, 1, 0, 0, tzinfo=SHANGHAI), True),
    ],
)
def test_calendar_months_are_read_on_the_clock_of_the_occurrence_being_judged(occurred, earlier, counts):
    assert in_window(Window(calendar="month"), occurred, earlier) is counts
    assert occurrence_number(Window(calendar="month"), occurred, [PriorOccurrence(earlier)]) == 1 + counts


def test_late_across_a_shanghai_month_boundary_starts_the_ladder_again(policy):
    january = PriorOccurrence(datetime(2026, 1, 31, 23, 30, tzinfo=SHANGHAI))
    decision = escalate(policy, "LATE", datetime(2026, 2, 1, 0, 10, tzinfo=SHANGHAI), [january])

    assert (decision.occurrence, decision.sanction) == (1, "warning")


def test_a_calendar_year_window_resets_at_new_year_in_the_occurrences_zone(policy):
    new_year = datetime(2026, 1, 1, 0, 10, tzinfo=SHANGHAI)
    old_year = PriorOccurrence(datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI))
    same_year = PriorOccurrence(datetime(2025, 12, 31, 16, 5, tzinfo=UTC))  # 00:05 in Shanghai

    assert escalate(policy, "ABSENT", new_year, [old_year]).occurrence == 1
    assert escalate(policy, "ABSENT", new_year, [old_year, same_year]).occurrence == 2
    new_years_eve = datetime(2026, 12, 31, 23, 0, tzinfo=SHANGHAI)
    assert escalate(policy, "ABSENT", new_years_eve, [same_year]).fine == Decimal("100.00")


# --- properties ------------------------------------------------------------------

ZONES = st.sampled_from([UTC, SHANGHAI, NEW_YORK])
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=ZONES, allow_imaginary=False
)
# One per kind of window: rolling days (and after_ladder review), calendar month, calendar year, default.
CODES = st.sampled_from(["COMPLAINT", "OFF_TASK", "LATE", "ABSENT", "UNAPPROVED_SWAP"])
GAPS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800))
POSITIVE_GAPS = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=800))
FEW_GAPS = st.lists(GAPS, max_size=5)
FEW_INSTANTS = st.lists(INSTANTS, max_size=5)


def window_edges(code, occurred_at):
    """(the last instant outside the rule's window, the first inside it), in UTC."""
    window = POLICY.window_for(POLICY.rule(code))
    tick = timedelta(microseconds=1)
    if window.days is not None:
        last_out = occurred_at.astimezone(UTC) - timedelta(days=window.days)
        return last_out, last_out + tick
    start = occurred_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if window.calendar == "year":
        start = start.replace(month=1)
    start = start.astimezone(UTC)
    return start - tick, start


def prior_list(times, counted=True):
    return [PriorOccurrence(t, counted) for t in times]


@given(
    code=CODES, first=INSTANTS, steps=st.lists(st.timedeltas(timedelta(0), timedelta(hours=1)), max_size=8)
)
def test_numbering_never_skips_or_repeats_inside_a_window(code, first, steps):
    times = [first]
    for step in steps:
        # Through UTC: wall-clock arithmetic can step backwards across a DST change.
        times.append((times[-1].astimezone(UTC) + step).astimezone(first.tzinfo))
    # At most 8 hours apart, so keeping to one calendar month keeps every window.
    times = [t for t in times if (t.year, t.month) == (first.year, first.month)]

    decisions = record_in_turn(POLICY, code, times)

    assert [d.occurrence for d in decisions] == list(range(1, len(times) + 1))
    ladder = POLICY.rule(code).ladder
    assert [d.step for d in decisions] == [min(n, len(ladder)) for n in range(1, len(times) + 1)]


@given(code=CODES, occurred_at=INSTANTS, inside=FEW_GAPS, outside=FEW_GAPS)
def test_occurrences_outside_the_window_never_change_the_result(code, occurred_at, inside, outside):
    last_out, first_in = window_edges(code, occurred_at)
    at = occurred_at.astimezone(UTC)
    inside_times = [at - min(g, at - first_in) for g in inside]
    outside_times = [last_out - g for g in outside]

    alone = escalate(POLICY, code, occurred_at, prior_list(inside_times))
    together = escalate(POLICY, code, occurred_at, prior_list(inside_times + outside_times))

    assert together == alone
    assert alone.occurrence == 1 + len(inside_times)


@given(code=CODES, occurred_at=INSTANTS, counted=FEW_INSTANTS, reversed_=FEW_INSTANTS)
def test_uncounted_priors_never_change_the_result(code, occurred_at, counted, reversed_):
    alone = escalate(POLICY, code, occurred_at, prior_list(counted))
    together = escalate(POLICY, code, occurred_at, prior_list(counted) + prior_list(reversed_, counted=False))

    assert together == alone


@given(code=CODES, occurred_at=INSTANTS, earlier=FEW_INSTANTS, later=st.lists(POSITIVE_GAPS, max_size=5))
def test_priors_after_the_occurrence_never_change_the_result(code, occurred_at, earlier, later):
    at = occurred_at.astimezone(UTC)
    alone = escalate(POLICY, code, occurred_at, prior_list(earlier))
    together = escalate(POLICY, code, occurred_at, prior_list([at + g for g in later]) + prior_list(earlier))

    assert together == alone


@given(code=CODES, occurred_at=INSTANTS, earlier=st.lists(INSTANTS, max_size=6))
def test_the_same_inputs_give_the_same_decision(code, occurred_at, earlier):
    first = escalate(POLICY, code, occurred_at, prior_list(earlier))
    again = escalate(make_policy(), code, occurred_at, (p for p in prior_list(earlier)))

    assert isinstance(first, Decision)
    assert again == first


@given(occurred_at=INSTANTS, earlier=st.lists(INSTANTS, max_size=6))
def test_a_decision_depends_only_on_its_own_rule_in_the_policy_passed(occurred_at, earlier):
    other = make_policy(OFF_TASK=_rule("OFF_TASK", [_fine("99.00", 20)], window=Window(calendar="month")))
    other = replace(other, rules={c: r for c, r in other.rules.items() if c != "UNAPPROVED_SWAP"})
    prior = prior_list(earlier)

    expected = escalate(POLICY, "COMPLAINT", occurred_at, prior)
    assert escalate(other, "COMPLAINT", occurred_at, prior) == expected


def test_a_decision_follows_the_policy_passed_not_another():
    stricter = make_policy(COMPLAINT=_rule("COMPLAINT", [_fine("50.00", 10)], window=Window(days=30)))

    assert escalate(stricter, "COMPLAINT", T0, []).fine == Decimal("50.00")
    assert escalate(POLICY, "COMPLAINT", T0, []).fine == Decimal("30.00")
