"""The monthly score, full attendance, reward eligibility and the payroll deduction cap (docs/rules.md §8)."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.errors import InvalidInput
from attendance.domain.policy.model import DEFAULT_LEAVE_TYPES, LeavePolicy, LeaveTypeSettings
from attendance.domain.scoring import (
    add_months,
    deduct,
    deduction_cap,
    first_open_month,
    is_full_attendance,
    is_reward_eligible,
    last_months,
    leave_keeping_full_attendance,
    month_end,
    month_label,
    month_score,
    parse_month,
)

D = Decimal


def test_a_warning_and_a_twenty_yuan_fine_leave_ninety_five_points():
    assert month_score(1 + 4, base=100, floor=0) == 95


def test_a_clean_month_with_full_attendance_scores_the_base_and_earns_the_reward():
    full = is_full_attendance(22, 0, 0, 0, 0)
    assert month_score(0) == 100
    assert full and is_reward_eligible(0, full)


def test_one_violation_or_one_late_day_loses_the_reward():
    assert not is_reward_eligible(1, True)
    assert not is_full_attendance(22, 1, 0, 0, 0)
    assert not is_full_attendance(22, 0, 0, 0.5, 0)
    assert not is_full_attendance(22, 0, 0, 0, 1)
    assert not is_full_attendance(0, 0, 0, 0, 0)  # nobody earns it for a month never rostered


def test_the_score_never_drops_below_the_floor_nor_rises_above_the_base():
    assert month_score(250) == 0
    assert month_score(30, base=100, floor=80) == 80
    assert month_score(-10) == 100  # a reversal in a later month does not lift a score above the base


def test_scores_are_computed_for_a_whole_series_at_once():
    scores = month_score(pd.Series([0, 5, 120, -3]), base=100, floor=0)
    assert scores.tolist() == [100, 95, 0, 100]
    full = is_full_attendance(pd.Series([22, 22]), pd.Series([0, 2]), 0, 0, 0)
    assert full.tolist() == [True, False]


@given(points=st.integers(min_value=-500, max_value=500), base=st.integers(0, 200), floor=st.integers(0, 200))
def test_a_score_always_lies_between_floor_and_base(points, base, floor):
    floor = min(floor, base)
    assert floor <= month_score(points, base, floor) <= base


def test_wage_3000_fines_700_cap_20_percent_deducts_600_and_carries_100():
    assert deduct(D("700.00"), D("0.00"), D("3000.00"), D("20"), D("2000.00")) == (D("600.00"), D("100.00"))


def test_the_minimum_wage_floor_bites_before_the_percentage_cap():
    # The default policy's minimum wage of 2690.00: only 310.00 may come off a 3000.00 wage.
    assert deduction_cap(D("3000.00"), D("20"), D("2690.00")) == D("310.00")
    assert deduct(D("700.00"), D("0.00"), D("3000.00"), D("20"), D("2690.00")) == (D("310.00"), D("390.00"))


def test_nothing_is_deducted_from_a_wage_at_or_below_the_minimum_or_unknown():
    assert deduct(D("50.00"), D("0.00"), D("2500.00"), D("20"), D("2690.00")) == (D("0.00"), D("50.00"))
    assert deduct(D("50.00"), D("10.00"), None, D("20"), D("2690.00")) == (D("0.00"), D("60.00"))


def test_what_was_carried_in_is_due_with_this_months_fines():
    assert deduct(D("100.00"), D("100.00"), D("3000.00"), D("20"), D("2000.00")) == (D("200.00"), D("0.00"))


def test_a_net_credit_is_paid_back_in_full():
    assert deduct(D("-20.00"), D("0.00"), D("3000.00"), D("20"), D("2000.00")) == (D("-20.00"), D("0.00"))


money = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False)


@given(fines=st.decimals(min_value=-500, max_value=5000, places=2, allow_nan=False, allow_infinity=False),
       carried=money, wage=money, cap=st.integers(0, 100), minimum=money)
def test_deductions_add_up_stay_under_the_cap_and_never_push_pay_below_the_minimum(
        fines, carried, wage, cap, minimum):
    deducted, carried_over = deduct(fines, carried, wage, D(cap), minimum)
    assert deducted + carried_over == fines + carried
    assert deducted <= deduction_cap(wage, D(cap), minimum)
    assert deducted <= max(D("0.00"), wage * cap / 100)
    assert carried_over >= 0
    if deducted > 0:
        assert wage - deducted >= minimum
    assert deducted == deducted.quantize(D("0.01")) and carried_over == carried_over.quantize(D("0.01"))


def test_months_parse_and_step_across_years():
    assert parse_month("2026-11") == date(2026, 11, 1)
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert month_label(date(2026, 3, 1)) == "2026-03"
    assert last_months(date(2026, 2, 1), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "abc", "", None, "2026-11-01"])
def test_a_bad_month_is_refused_with_the_field_named(text):
    with pytest.raises(InvalidInput) as err:
        parse_month(text)
    assert err.value.fields == {"month": "not a month (YYYY-MM)"}


def test_a_record_dated_in_a_closed_month_is_booked_in_the_next_open_one():
    closed = [date(2026, 9, 1), date(2026, 10, 1)]
    assert first_open_month(date(2026, 9, 15), closed) == date(2026, 11, 1)
    assert first_open_month(date(2026, 11, 3), closed) == date(2026, 11, 1)
    assert first_open_month(date(2026, 8, 31), closed) == date(2026, 8, 1)


def test_the_leave_that_keeps_full_attendance_is_a_policy_setting():
    assert leave_keeping_full_attendance(LeavePolicy()) == ("in_lieu", "annual")
    types = {**DEFAULT_LEAVE_TYPES, "in_lieu": LeaveTypeSettings(balance=True),
             "marriage": LeaveTypeSettings(paid=True, full_attendance=True)}
    assert leave_keeping_full_attendance(LeavePolicy(types=types)) == ("marriage", "annual")
