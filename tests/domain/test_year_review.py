"""The year-end review: a full year adds the policy's bonus; anything less adds nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from attendance.domain import year_review as rules


def month(m, score=100, full=True, violations=0, leave=0.0):
    return rules.Month(m, score, full, violations, leave)


def test_a_full_year_without_violations_adds_the_bonus():
    year = [month(m) for m in range(1, 13)]
    assert rules.year_score(year, 10) == (110, 10)


@given(st.sets(st.integers(1, 12), min_size=1), st.integers(1, 12), st.booleans())
def test_a_missing_month_a_violation_or_a_month_not_full_gives_no_bonus(present, spoiled, by_violation):
    months = [month(m, full=not (m == spoiled and not by_violation), violations=int(m == spoiled and by_violation))
              for m in sorted(present)]
    score, bonus = rules.year_score(months, 10)
    assert bonus == 0  # the spoiled month is in the year, or a month is missing
    assert score <= 100


def test_half_year_leave_sums_january_to_june_and_july_to_december():
    assert rules.half_year_leave([month(1, leave=1), month(6, leave=0.5), month(7, leave=2)]) == (1.5, 2)


months_strategy = st.lists(
    st.builds(rules.Month, st.integers(1, 12), st.integers(0, 100), st.booleans(), st.integers(0, 3),
              st.floats(0, 31, allow_nan=False)),
    max_size=12, unique_by=lambda m: m.month)


@given(months_strategy, st.integers(0, 50))
def test_the_bonus_is_all_or_nothing_and_the_score_is_the_mean_plus_it(months, points):
    score, bonus = rules.year_score(months, points)
    if not months:
        assert (score, bonus) == (None, 0)
        return
    assert bonus in (0, points)
    assert (bonus == points and points > 0) == (points > 0 and rules.full_year(months))
    mean = round(sum(m.score for m in months) / len(months), 1)
    assert score == mean + bonus
    assert min(m.score for m in months) - 0.05 <= score - bonus <= max(m.score for m in months) + 0.05


@given(months_strategy)
def test_the_two_halves_of_the_years_leave_add_up_to_the_years_leave(months):
    first, second = rules.half_year_leave(months)
    assert abs(first + second - sum(m.leave_days for m in months)) < 1e-6
    assert first >= 0 and second >= 0
