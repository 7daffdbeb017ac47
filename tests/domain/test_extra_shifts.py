"""Extra shifts (加班): the length of an extra shift, the kind of day, what refuses it."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain import extra_shifts as rules
from attendance.domain.errors import InvalidInput, RuleRefused

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 4)
times = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@given(start=times, end=times)
def test_the_length_is_the_wall_clock_between_start_and_end_within_a_day(start, end):
    asked = rules.Asked(DAY, start, end)
    length = rules.minutes(asked)
    assert 0 < length <= 24 * 60
    begin, finish = rules.window(asked, SHANGHAI)
    assert finish - begin == timedelta(minutes=length)
    assert (finish.date() == DAY) == (end > start)  # an end at or before the start is the morning after


@given(total=st.integers(0, 24 * 60))
def test_hours_shown_are_the_minutes_over_sixty(total):
    assert abs(rules.hours(total) - total / 60) < 0.01


def test_a_public_holiday_beats_the_roster_and_a_day_without_a_shift_is_a_rest_day():
    holidays = frozenset({date(2026, 10, 1)})
    assert rules.day_type(date(2026, 10, 1), rostered_shift=True, public_holidays=holidays) == "holiday"
    assert rules.day_type(DAY, rostered_shift=False, public_holidays=holidays) == "rest"
    assert rules.day_type(DAY, rostered_shift=True, public_holidays=holidays) == "working"


def test_too_long_and_too_late_are_refused_by_their_rule_and_ahead_is_fine():
    long = rules.Asked(DAY, time(8), time(21))
    with pytest.raises(RuleRefused) as refused:
        rules.check(long, DAY, max_hours=12, within_days=3)
    assert refused.value.code == "extra_shift_too_long"
    with pytest.raises(RuleRefused) as refused:
        rules.check(rules.Asked(DAY, time(18), time(22)), DAY + timedelta(days=4), max_hours=12, within_days=3)
    assert refused.value.code == "extra_shift_window"
    ahead = rules.Asked(DAY + timedelta(days=30), time(22), time(2))
    assert rules.check(ahead, DAY, max_hours=12, within_days=3) == 240


@pytest.mark.parametrize("text", ["", "25:00", "18:60", "18", "ab:cd", None, "18:00:00"])
def test_a_bad_time_is_bad_input_naming_its_field(text):
    with pytest.raises(InvalidInput) as bad:
        rules.parse_time(text, "start")
    assert "start" in bad.value.fields
