from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.errors import InvalidInput
from attendance.domain.rotation import REST, RotationPattern, days_between, generate

TEAM = [f"E{i:02d}" for i in range(1, 13)]
NOV = (date(2026, 11, 1), date(2026, 11, 30))


def test_a_weekly_rotating_rest_day_gives_everyone_one_rest_day_in_each_week():
    roster = generate(RotationPattern("weekly_rest", shift="D8"), TEAM, date(2026, 11, 2), date(2026, 11, 29))
    for no in TEAM:
        for week in range(4):
            monday = date(2026, 11, 2) + timedelta(weeks=week)
            codes = [roster[(no, monday + timedelta(days=d))] for d in range(7)]
            assert codes.count(REST) == 1 and codes.count("D8") == 6


def test_the_rest_day_moves_one_weekday_later_each_week():
    roster = generate(RotationPattern("weekly_rest", shift="D8"), ["E01"], date(2026, 11, 2), date(2026, 11, 15))
    rests = [d for (no, d), code in roster.items() if code == REST]
    assert [d.weekday() for d in rests][1] == (rests[0].weekday() + 1) % 7


def test_rest_days_are_spread_over_the_week_so_cover_stays_even():
    roster = generate(RotationPattern("weekly_rest", shift="D8"), TEAM, *NOV)
    resting = Counter(d for (no, d), code in roster.items() if code == REST)
    for day in days_between(*NOV):
        assert resting[day] in (1, 2)


def test_one_on_one_off_alternates_and_half_the_team_works_each_day():
    roster = generate(RotationPattern("one_on_one_off", shift="E"), TEAM[:4], *NOV)
    assert [roster[("E01", date(2026, 11, d))] for d in range(1, 5)] in (["E", REST, "E", REST],
                                                                           [REST, "E", REST, "E"])
    for day in days_between(*NOV):
        assert sum(roster[(no, day)] == "E" for no in TEAM[:4]) == 2


def test_a_custom_cycle_staggers_people_along_it():
    cycle = ("D8", "D8", "M12", "REST")
    roster = generate(RotationPattern("cycle", cycle=cycle, stagger=1), ["A", "B"], *NOV)
    a = [roster[("A", date(2026, 11, d))] for d in range(1, 9)]
    b = [roster[("B", date(2026, 11, d))] for d in range(1, 9)]
    assert a[1:] == b[:-1]
    assert Counter(a) == Counter({"D8": 4, "M12": 2, REST: 2})


def test_weekday_shifts_and_holidays_override_the_pattern():
    pattern = RotationPattern("one_on_one_off", shift="E", weekday_shifts={6: "SUN"}, rest_on_holidays=True)
    holiday = date(2026, 11, 11)
    roster = generate(pattern, ["A", "B"], *NOV, holidays={holiday})
    sundays = [d for d in days_between(*NOV) if d.weekday() == 6]
    assert {roster[(no, d)] for no in "AB" for d in sundays} == {"SUN", REST}
    assert roster[("A", holiday)] == roster[("B", holiday)] == REST


def test_the_rotation_continues_from_one_month_to_the_next():
    pattern = RotationPattern("weekly_rest", shift="D8")
    whole = generate(pattern, TEAM, date(2026, 11, 1), date(2026, 12, 31))
    december = generate(pattern, TEAM, date(2026, 12, 1), date(2026, 12, 31))
    assert all(whole[key] == code for key, code in december.items())


@pytest.mark.parametrize("pattern, field", [
    (RotationPattern("zigzag", shift="D8"), "pattern"),
    (RotationPattern("weekly_rest"), "shift"),
    (RotationPattern("cycle", cycle=()), "cycle"),
    (RotationPattern("cycle", cycle=(REST, REST)), "cycle"),
    (RotationPattern("weekly_rest", shift="D8", weekday_shifts={9: "X"}), "weekday_shifts"),
])
def test_a_bad_pattern_names_what_is_wrong(pattern, field):
    with pytest.raises(InvalidInput) as caught:
        generate(pattern, TEAM, *NOV)
    assert field in caught.value.fields


def test_a_range_that_ends_before_it_starts_or_is_too_long_is_refused():
    with pytest.raises(InvalidInput):
        days_between(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(InvalidInput):
        days_between(date(2026, 1, 1), date(2027, 6, 1))


@given(st.integers(min_value=1, max_value=20), st.dates(min_value=date(2004, 1, 1), max_value=date(2040, 1, 1)),
       st.integers(min_value=0, max_value=60))
def test_every_person_and_day_of_the_range_gets_exactly_one_entry(size, start, length):
    people = [f"P{i}" for i in range(size)]
    end = start + timedelta(days=length)
    roster = generate(RotationPattern("weekly_rest", shift="D8"), people, start, end)
    assert len(roster) == size * (length + 1)
    assert set(roster.values()) <= {"D8", REST}


@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=30))
def test_weekly_rest_gives_one_rest_day_in_any_calendar_week(week_offset, index):
    monday = date(2004, 1, 5) + timedelta(weeks=week_offset)
    people = [f"P{i}" for i in range(index + 1)]
    roster = generate(RotationPattern("weekly_rest", shift="D8"), people, monday, monday + timedelta(days=6))
    assert sum(code == REST for (no, _), code in roster.items() if no == people[-1]) == 1
