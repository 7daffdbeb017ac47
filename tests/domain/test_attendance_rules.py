from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.attendance_rules import (
    SEVERITY,
    STATUSES,
    DayRules,
    LeaveCover,
    Punch,
    ShiftWindow,
    assign_punches,
    break_minutes,
    classify_day,
    hhmm_to_minutes,
    is_over,
    minutes_to_hhmm,
    shift_minutes,
)
from attendance.domain.policy import AttendancePolicy

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 2)  # a Monday
RULES = DayRules()


def at(hh: int, mm: int, ss: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SH)


def d8(day: date = DAY, grace=None) -> ShiftWindow:
    return ShiftWindow.on(day, 480, 1080, SH, breaks=[(720, 840)], grace_minutes=grace, code="D8")


def evening(day: date = DAY) -> ShiftWindow:
    return ShiftWindow.on(day, 1110, 1440, SH, code="E")


def test_arriving_within_the_grace_is_present():
    result = classify_day(d8(), [Punch(at(8, 4), "in"), Punch(at(18, 1), "out")], RULES)
    assert result.status == "present"
    assert result.late_minutes == 0 and result.kinds == ()


def test_arriving_six_minutes_late_is_late_by_six_and_raises_late():
    result = classify_day(d8(), [Punch(at(8, 6), "in"), Punch(at(18, 0), "out")], RULES)
    assert (result.status, result.late_minutes, result.kinds) == ("late", 6, ("late",))


def test_seconds_do_not_count_as_a_minute():
    result = classify_day(d8(), [Punch(at(8, 5, 59), "in"), Punch(at(18, 0), "out")], RULES)
    assert result.status == "present"


def test_more_than_thirty_minutes_late_is_half_a_day_absent():
    result = classify_day(d8(), [Punch(at(8, 31), "in"), Punch(at(18, 0), "out")], RULES)
    assert (result.status, result.late_minutes, result.kinds) == ("half_absent", 31, ("half_absent",))
    exactly = classify_day(d8(), [Punch(at(8, 30), "in"), Punch(at(18, 0), "out")], RULES)
    assert exactly.status == "late"


def test_no_punch_on_a_working_day_is_absent():
    result = classify_day(d8(), [], RULES)
    assert (result.status, result.kinds) == ("absent", ("absent",))


def test_a_rest_day_is_rest_and_raises_nothing():
    result = classify_day(None, [], RULES)
    assert (result.status, result.kinds) == ("rest", ())


def test_leaving_early_and_arriving_late_is_late_early_with_both_minutes():
    result = classify_day(d8(), [Punch(at(8, 10), "in"), Punch(at(17, 50), "out")], RULES)
    assert (result.status, result.late_minutes, result.early_minutes) == ("late_early", 10, 10)
    assert result.kinds == ("late", "early")


def test_half_an_hour_late_and_leaving_hours_early_is_absent():
    result = classify_day(d8(), [Punch(at(8, 45), "in"), Punch(at(15, 0), "out")], RULES)
    assert result.status == "absent"


def test_a_missing_out_punch_is_flagged_not_guessed():
    result = classify_day(d8(), [Punch(at(7, 55), "in")], RULES)
    assert result.status == "present" and result.missing_out and not result.missing_in
    assert result.early_minutes == 0 and result.kinds == () and result.needs_resolution


def test_a_late_arrival_without_an_out_punch_still_counts_as_late():
    result = classify_day(d8(), [Punch(at(8, 20), "in")], RULES)
    assert result.status == "late" and result.missing_out and result.kinds == ("late",)


def test_a_missing_in_punch_is_flagged():
    result = classify_day(d8(), [Punch(at(18, 2), "out")], RULES)
    assert result.missing_in and not result.missing_out and result.status == "present"


def test_undirected_punches_are_read_by_which_half_of_the_shift_they_fall_in():
    result = classify_day(d8(), [Punch(at(7, 58)), Punch(at(7, 59)), Punch(at(18, 3))], RULES)
    assert (result.status, result.in_at, result.out_at) == ("present", at(7, 58), at(18, 3))
    double_tap = classify_day(d8(), [Punch(at(7, 58)), Punch(at(7, 59))], RULES)
    assert double_tap.missing_out and double_tap.status == "present"


def test_the_evening_shift_ending_at_midnight_takes_its_out_punch_after_midnight():
    next_day = DAY + timedelta(days=1)
    shifts = {DAY: evening(), next_day: d8(next_day)}
    punches = [Punch(at(18, 25)), Punch(at(0, 2, day=next_day)), Punch(at(7, 58, day=next_day))]
    by_day = assign_punches(shifts, punches, RULES)
    assert [p.at for p in by_day[DAY]] == [at(18, 25), at(0, 2, day=next_day)]
    assert [p.at for p in by_day[next_day]] == [at(7, 58, day=next_day)]
    result = classify_day(shifts[DAY], by_day[DAY], RULES)
    assert result.status == "present" and not result.missing_out


def test_punches_on_a_rest_day_belong_to_no_shift():
    by_day = assign_punches({DAY: None}, [Punch(at(9, 0))], RULES)
    assert by_day == {}


def test_a_shift_types_own_grace_applies_only_when_the_policy_allows():
    punches = [Punch(at(8, 8), "in"), Punch(at(18, 0), "out")]
    assert classify_day(d8(grace=10), punches, RULES).status == "present"
    strict = DayRules(shift_grace_allowed=False)
    assert classify_day(d8(grace=10), punches, strict).status == "late"


def test_rules_come_from_the_policy_and_its_settings():
    rules = DayRules.from_policy(AttendancePolicy(grace_minutes=3, half_absent_after_minutes=60),
                                 {"shift_grace_allowed": False, "punch_after_minutes": 300})
    assert (rules.grace_minutes, rules.half_absent_after_minutes) == (3, 60)
    assert rules.shift_grace_allowed is False and rules.punch_after_minutes == 300
    assert DayRules.from_policy(AttendancePolicy(), {"punch_after_minutes": "x"}).punch_after_minutes == 240


def test_leave_over_the_whole_shift_is_leave_and_raises_nothing():
    result = classify_day(d8(), [], RULES, LeaveCover("sick"))
    assert (result.status, result.leave_type, result.kinds) == ("leave", "sick", ())


def test_leave_over_the_morning_moves_the_start():
    leave = LeaveCover("personal", end=at(13, 0))
    result = classify_day(d8(), [Punch(at(13, 3), "in"), Punch(at(18, 0), "out")], RULES, leave)
    assert result.status == "present" and result.leave_type == "personal"
    nobody = classify_day(d8(), [], RULES, leave)
    assert nobody.status == "half_absent" and nobody.kinds == ("half_absent",)


def test_a_morning_off_is_due_at_its_end_and_an_afternoon_off_at_the_shift_start():
    shift = d8()
    morning, afternoon = LeaveCover("personal", end=at(13, 0)), LeaveCover("personal", start=at(13, 0))
    assert (morning.covers_start(shift), morning.covers_end(shift)) == (True, False)
    assert (afternoon.covers_start(shift), afternoon.covers_end(shift)) == (False, True)
    assert morning.due_at(shift) == at(13, 0) and afternoon.due_at(shift) == shift.start
    whole = LeaveCover("sick")
    assert whole.covers_start(shift) and whole.covers_end(shift) and whole.due_at(shift) == shift.start


def test_worked_minutes_leave_out_the_break():
    result = classify_day(d8(), [Punch(at(8, 0), "in"), Punch(at(18, 0), "out")], RULES)
    assert result.worked_minutes == 8 * 60


def test_arriving_after_the_shift_ended_is_absent():
    result = classify_day(ShiftWindow.on(DAY, 480, 960, SH), [Punch(at(16, 30), "in")], RULES)
    assert result.status == "absent"


def test_a_day_is_over_once_the_time_for_an_out_punch_has_passed():
    shift = evening()
    assert not is_over(shift, RULES, at(3, 59, day=DAY + timedelta(days=1)))
    assert is_over(shift, RULES, at(4, 0, day=DAY + timedelta(days=1)))


def test_shift_times_cross_midnight_and_allow_24_00():
    assert shift_minutes("18:30", "24:00") == (1110, 1440)
    assert shift_minutes("22:00", "06:00") == (1320, 1800)
    assert break_minutes("02:00", "02:30", (1320, 1800)) == (1560, 1590)
    assert minutes_to_hhmm(1440) == "24:00" and minutes_to_hhmm(1800) == "06:00"
    for bad in ("8:0", "25:00", "24:01", "ab:cd", "", "12:60"):
        with pytest.raises(ValueError):
            hhmm_to_minutes(bad)
    with pytest.raises(ValueError):
        break_minutes("19:00", "20:00", (480, 1080))


def test_a_shift_window_must_be_aware_and_forwards():
    with pytest.raises(ValueError):
        ShiftWindow(datetime(2026, 11, 2, 8), datetime(2026, 11, 2, 18))
    with pytest.raises(ValueError):
        ShiftWindow(at(18, 0), at(8, 0))


# --------------------------------------------------------------------------- properties

minutes = st.integers(min_value=-120, max_value=700)


@given(minutes, st.integers(min_value=-60, max_value=600), st.booleans())
def test_late_and_early_minutes_are_never_negative(in_offset, out_offset, with_out):
    punches = [Punch(at(8, 0) + timedelta(minutes=in_offset), "in")]
    if with_out:
        punches.append(Punch(at(18, 0) - timedelta(minutes=out_offset), "out"))
    result = classify_day(d8(), punches, RULES)
    assert result.late_minutes >= 0 and result.early_minutes >= 0
    assert result.status in STATUSES
    assert set(result.kinds) <= {"late", "early", "half_absent", "absent"}


@given(st.integers(min_value=-60, max_value=560), st.integers(min_value=0, max_value=560),
       st.integers(min_value=-60, max_value=600), st.integers(min_value=0, max_value=30))
def test_more_lateness_never_improves_the_status(in_offset, more, early, grace):
    rules = DayRules(grace_minutes=grace)
    out = at(18, 0) - timedelta(minutes=early)
    first, second = (at(8, 0) + timedelta(minutes=in_offset + m) for m in (0, more))
    if second >= out:
        return
    before = classify_day(d8(), [Punch(first, "in"), Punch(out, "out")], rules)
    after = classify_day(d8(), [Punch(second, "in"), Punch(out, "out")], rules)
    assert SEVERITY[after.status] >= SEVERITY[before.status]
    assert after.late_minutes >= before.late_minutes


@given(st.integers(min_value=0, max_value=30))
def test_within_the_grace_is_always_present(late):
    rules = DayRules(grace_minutes=late)
    result = classify_day(d8(), [Punch(at(8, 0) + timedelta(minutes=late), "in"), Punch(at(18, 0), "out")],
                          rules)
    assert result.status == "present"


@given(st.lists(st.integers(min_value=-300, max_value=1800), max_size=8))
def test_each_punch_goes_to_at_most_one_day(offsets):
    days = [DAY + timedelta(days=i) for i in range(3)]
    shifts = {days[0]: evening(days[0]), days[1]: d8(days[1]), days[2]: None}
    punches = [Punch(at(12, 0) + timedelta(minutes=m)) for m in offsets]
    by_day = assign_punches(shifts, punches, RULES)
    taken = [id(p) for ps in by_day.values() for p in ps]
    assert len(taken) == len(set(taken)) <= len(punches)
