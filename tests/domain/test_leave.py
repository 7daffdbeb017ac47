"""The leave rules (请假), with no app and no database: days used, approval chain, notice, overlap,
annual entitlement, balance and extensions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain import leave
from attendance.domain.errors import InvalidInput, RuleRefused
from attendance.domain.policy import load_default_policy
from attendance.domain.policy.model import LeaveChain

POLICY = load_default_policy().leave
MON = date(2026, 11, 16)  # a Monday
WEEK = [MON + timedelta(days=n) for n in range(7)]
ROSTER = {day: day.weekday() < 5 for day in WEEK}  # Monday to Friday on, the weekend off
STAFF, LEAD = frozenset({"staff"}), frozenset({"lead", "staff"})
START_AT = datetime(2026, 11, 20, 9, 0)


def refused_code(call, *args, **kwargs) -> str:
    with pytest.raises(RuleRefused) as refused:
        call(*args, **kwargs)
    return refused.value.code


# --- days a leave uses ------------------------------------------------------------------------------


def test_a_leave_uses_only_the_rostered_working_days_inside_it():
    assert leave.leave_days(MON, WEEK[6], None, ROSTER, set()) == Decimal(5)
    assert leave.leave_days(WEEK[5], WEEK[6], None, ROSTER, set()) == Decimal(0)  # a weekend off


def test_a_public_holiday_inside_a_leave_uses_no_balance():
    assert leave.leave_days(MON, WEEK[4], None, ROSTER, {WEEK[2]}) == Decimal(4)


def test_a_half_day_is_half_a_day_and_only_on_a_single_day():
    assert leave.leave_days(MON, MON, "am", ROSTER, set()) == Decimal("0.5")
    assert leave.leave_days(MON, MON, "pm", ROSTER, set()) == Decimal("0.5")
    assert leave.leave_days(WEEK[5], WEEK[5], "am", ROSTER, set()) == Decimal(0)  # a rest day
    with pytest.raises(InvalidInput) as on_a_range:
        leave.leave_days(MON, WEEK[1], "am", ROSTER, set())
    assert "half_day" in on_a_range.value.fields
    with pytest.raises(InvalidInput) as not_a_half:
        leave.leave_days(MON, MON, "noon", ROSTER, set())
    assert "half_day" in not_a_half.value.fields


def test_a_leave_ending_before_it_starts_names_the_end():
    with pytest.raises(InvalidInput) as invalid:
        leave.leave_days(WEEK[1], MON, None, ROSTER, set())
    assert "end" in invalid.value.fields


days_in_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
rosters = st.dictionaries(days_in_2026, st.booleans(), max_size=60)
holiday_sets = st.sets(days_in_2026, max_size=10)


@given(start=days_in_2026, length=st.integers(0, 40), roster=rosters, holidays=holiday_sets)
def test_a_leave_never_uses_more_than_its_calendar_days_nor_any_rest_day(start, length, roster, holidays):
    end = start + timedelta(days=length)
    used = leave.leave_days(start, end, None, roster, holidays)
    assert 0 <= used <= length + 1
    working = [d for d in roster if start <= d <= end and roster[d] and d not in holidays]
    assert used == len(working)


@given(start=days_in_2026, length=st.integers(1, 40), cut=st.integers(0, 39), roster=rosters,
       holidays=holiday_sets)
def test_splitting_a_leave_in_two_uses_the_same_days(start, length, cut, roster, holidays):
    end = start + timedelta(days=length)
    first_end = start + timedelta(days=cut % length)
    whole = leave.leave_days(start, end, None, roster, holidays)
    parts = (leave.leave_days(start, first_end, None, roster, holidays)
             + leave.leave_days(first_end + timedelta(days=1), end, None, roster, holidays))
    assert whole == parts


# --- approval chain ---------------------------------------------------------------------------------


def test_with_the_default_policy_a_day_goes_to_lead_and_supervisor_and_longer_also_to_the_gm():
    assert leave.chain_for_leave(POLICY, "personal", Decimal("0.5"), STAFF) == ("lead", "supervisor")
    assert leave.chain_for_leave(POLICY, "personal", Decimal(1), STAFF) == ("lead", "supervisor")
    assert leave.chain_for_leave(POLICY, "sick", Decimal("1.5"), STAFF) == ("lead", "supervisor", "gm")


def test_a_leads_own_leave_skips_the_step_they_could_decide():
    assert leave.chain_for_leave(POLICY, "annual", Decimal(1), LEAD) == ("supervisor",)
    assert leave.chain_for_leave(POLICY, "annual", Decimal(3), LEAD) == ("supervisor", "gm")


def test_the_first_chain_matching_the_type_and_length_wins():
    policy = replace(POLICY, chains=(
        LeaveChain(steps=("lead", "manager"), types=("maternity",)),
        LeaveChain(steps=("lead",), max_days=Decimal(2)),
        LeaveChain(steps=("supervisor",), max_days=Decimal(5)),
    ))
    assert leave.chain_for_leave(policy, "maternity", Decimal(1), STAFF) == ("lead", "manager")
    assert leave.chain_for_leave(policy, "personal", Decimal(2), STAFF) == ("lead",)
    assert leave.chain_for_leave(policy, "personal", Decimal("2.5"), STAFF) == ("supervisor",)
    assert refused_code(leave.chain_for_leave, policy, "personal", Decimal(6), STAFF) == "leave_no_chain"


def test_an_unknown_leave_type_names_the_type():
    with pytest.raises(InvalidInput) as invalid:
        leave.chain_for_leave(POLICY, "holiday", Decimal(1), STAFF)
    assert "type" in invalid.value.fields


# --- notice -----------------------------------------------------------------------------------------


def test_a_leave_asked_exactly_a_day_ahead_is_in_time_and_a_minute_later_is_not():
    leave.check_notice(POLICY, "sick", START_AT, START_AT - timedelta(hours=24), Decimal(1), emergency=False)
    late = START_AT - timedelta(hours=23, minutes=59)
    assert refused_code(leave.check_notice, POLICY, "sick", START_AT, late, Decimal(1),
                        emergency=False) == "leave_notice"


def test_personal_leave_of_three_days_or_more_needs_a_week_ahead():
    week_ahead = START_AT - timedelta(days=7)
    leave.check_notice(POLICY, "personal", START_AT, week_ahead, Decimal(3), emergency=False)
    short = week_ahead + timedelta(minutes=1)
    assert refused_code(leave.check_notice, POLICY, "personal", START_AT, short, Decimal(3),
                        emergency=False) == "leave_notice"
    # under three days, or another type, a day is enough
    leave.check_notice(POLICY, "personal", START_AT, START_AT - timedelta(days=1), Decimal("2.5"),
                       emergency=False)
    leave.check_notice(POLICY, "annual", START_AT, START_AT - timedelta(days=1), Decimal(5), emergency=False)


def test_an_emergency_leave_needs_no_notice_but_is_filed_within_a_day_of_its_start():
    leave.check_notice(POLICY, "sick", START_AT, START_AT - timedelta(hours=1), Decimal(1), emergency=True)
    leave.check_notice(POLICY, "personal", START_AT, START_AT + timedelta(hours=24), Decimal(3),
                       emergency=True)
    too_late = START_AT + timedelta(hours=24, minutes=1)
    assert refused_code(leave.check_notice, POLICY, "sick", START_AT, too_late, Decimal(1),
                        emergency=True) == "leave_notice"


# --- overlap ----------------------------------------------------------------------------------------


def test_a_leave_sharing_a_day_with_another_overlaps():
    existing = [(WEEK[2], WEEK[3])]
    for start, end in ((MON, WEEK[2]), (WEEK[3], WEEK[6]), (WEEK[2], WEEK[2]), (MON, WEEK[6])):
        assert refused_code(leave.check_overlap, start, end, existing) == "leave_overlap"


def test_leaves_side_by_side_do_not_overlap():
    leave.check_overlap(MON, WEEK[1], [(WEEK[2], WEEK[3]), (WEEK[4], WEEK[6])])
    leave.check_overlap(MON, WEEK[6], [])


@given(a=days_in_2026, a_len=st.integers(0, 20), b=days_in_2026, b_len=st.integers(0, 20))
def test_overlap_is_symmetric_and_means_a_shared_day(a, a_len, b, b_len):
    a_end, b_end = a + timedelta(days=a_len), b + timedelta(days=b_len)

    def overlaps(start, end, other):
        try:
            leave.check_overlap(start, end, [other])
        except RuleRefused:
            return True
        return False

    shared = {a + timedelta(days=n) for n in range(a_len + 1)} & {b + timedelta(days=n) for n in range(b_len + 1)}
    assert overlaps(a, a_end, (b, b_end)) == overlaps(b, b_end, (a, a_end)) == bool(shared)


# --- annual leave -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("hire", "days"), [
    (date(2026, 1, 1), 0),
    (date(2025, 11, 21), 0),  # a year less a day
    (date(2025, 11, 20), 5),  # exactly a year
    (date(2016, 11, 21), 5),  # ten years less a day
    (date(2016, 11, 20), 10),
    (date(2015, 6, 1), 10),  # hired eleven years ago
    (date(2006, 11, 20), 15),
    (date(1990, 1, 1), 15),
    (date(2027, 1, 1), 0),  # not hired yet
])
def test_annual_leave_follows_whole_years_worked(hire, days):
    assert leave.annual_entitlement(POLICY, hire, date(2026, 11, 20)) == days


def test_a_29_february_hire_completes_a_year_on_1_march():
    assert leave.full_years(date(2024, 2, 29), date(2025, 2, 28)) == 0
    assert leave.full_years(date(2024, 2, 29), date(2025, 3, 1)) == 1


@given(hire=st.dates(min_value=date(1970, 1, 1), max_value=date(2026, 12, 31)),
       on=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)), later=st.integers(0, 4000))
def test_annual_leave_never_shrinks_with_time(hire, on, later):
    now = leave.annual_entitlement(POLICY, hire, on)
    assert now <= leave.annual_entitlement(POLICY, hire, on + timedelta(days=later))
    assert now in {0} | {tier.days for tier in POLICY.annual_days}


# --- balance ----------------------------------------------------------------------------------------


def test_pending_leave_counts_against_the_balance():
    balance = leave.Balance(entitled=Decimal(5), used=Decimal(2), pending=Decimal("1.5"))
    assert balance.remaining == Decimal("1.5")
    leave.check_balance(balance, Decimal("1.5"))
    assert refused_code(leave.check_balance, balance, Decimal(2)) == "leave_balance"


@given(entitled=st.integers(0, 30), used=st.integers(0, 30), pending=st.integers(0, 30),
       halves=st.integers(1, 60))
def test_a_leave_fits_the_balance_exactly_when_it_is_no_more_than_what_remains(entitled, used, pending, halves):
    balance = leave.Balance(Decimal(entitled), Decimal(used), Decimal(pending))
    days = Decimal(halves) / 2
    try:
        leave.check_balance(balance, days)
        fits = True
    except RuleRefused:
        fits = False
    assert fits == (days <= entitled - used - pending)


# --- extension --------------------------------------------------------------------------------------


def test_an_extension_is_asked_at_least_half_a_day_before_the_leave_ends():
    end_at = datetime(2026, 11, 20, 18, 0)
    leave.check_extension(POLICY, end_at, end_at - timedelta(hours=12))
    late = end_at - timedelta(hours=11, minutes=59)
    assert refused_code(leave.check_extension, POLICY, end_at, late) == "extension_too_late"
    assert refused_code(leave.check_extension, POLICY, end_at, end_at + timedelta(hours=1)) == "extension_too_late"


# --- the days a leave covers, as pages and documents show them -----------------------------------------


def test_a_leave_covers_its_days_inside_the_range_asked_about():
    days = leave.covered_days(date(2026, 11, 9), date(2026, 11, 12), None, date(2026, 11, 10), date(2026, 11, 30))
    assert days == [date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)]
    assert leave.covered_days(date(2026, 11, 9), date(2026, 11, 12), None, date(2026, 11, 13),
                              date(2026, 11, 30)) == []


def test_back_early_a_leave_covers_the_days_up_to_the_return_included():
    start, end = date(2026, 11, 9), date(2026, 11, 13)
    assert leave.covered_days(start, end, date(2026, 11, 10), start, end) == [start, date(2026, 11, 10)]
    assert leave.covered_days(start, end, date(2026, 11, 20), start, end)[-1] == end  # back after it ended


def test_a_leave_day_counts_whole_half_or_not_at_all():
    assert leave.LeaveDay("sick", "sick").days == 1
    assert leave.LeaveDay("sick", "personal", half_day="pm").days == Decimal("0.5")
    assert leave.LeaveDay("annual", "annual", returned=True).days == 0  # report_back gives the day back
    assert leave.LeaveDay("annual", "annual", pending=True).days == 0


@given(st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.integers(0, 20), st.integers(0, 25),
       st.integers(0, 40), st.integers(0, 40))
def test_the_days_covered_lie_inside_the_leave_the_range_and_before_the_return(start, length, back_after,
                                                                             first_after, span):
    end = start + timedelta(days=length)
    back = start + timedelta(days=back_after)
    first = start - timedelta(days=10) + timedelta(days=first_after)
    last = first + timedelta(days=span)
    days = leave.covered_days(start, end, back, first, last)
    assert days == sorted(set(days))
    assert all(start <= d <= end and first <= d <= last and d <= back for d in days)
    assert len(days) == max(0, (min(end, last, back) - max(start, first)).days + 1)


# --- chains chosen by the person's role; personal leave only in an emergency [002 4.1.1, 4.1.6] ------

BY_ROLE = replace(POLICY, chains=(
    LeaveChain(steps=("supervisor", "manager"), roles=("hr",)),
    LeaveChain(steps=("lead", "supervisor", "manager")),
))
EMERGENCY_ONLY = replace(POLICY, personal_emergency_only=True, chains=(
    LeaveChain(steps=("lead", "supervisor"), max_days=Decimal(1)),
    LeaveChain(steps=("lead", "supervisor", "gm")),
))


def test_a_chain_with_roles_is_chosen_by_the_roles_of_the_person_on_leave_not_of_who_files_it():
    assert leave.chain_for_leave(BY_ROLE, "sick", Decimal(1), STAFF, frozenset({"hr"})) == ("supervisor", "manager")
    assert leave.chain_for_leave(BY_ROLE, "sick", Decimal(1), STAFF) == ("lead", "supervisor", "manager")
    # a lead filing for the person (an emergency): the person's role picks the chain, the lead's moves it up
    assert leave.chain_for_leave(BY_ROLE, "sick", Decimal(1), LEAD, STAFF) == ("supervisor", "manager")


def test_with_personal_leave_only_in_emergencies_its_chain_ends_with_the_manager():
    assert leave.chain_for_leave(EMERGENCY_ONLY, "personal", Decimal(1), LEAD, STAFF) == ("supervisor", "manager")
    assert leave.chain_for_leave(EMERGENCY_ONLY, "personal", Decimal(3), LEAD, STAFF) == (
        "supervisor", "gm", "manager")
    # other types keep the policy's chain
    assert leave.chain_for_leave(EMERGENCY_ONLY, "sick", Decimal(1), STAFF) == ("lead", "supervisor")


def test_with_personal_leave_only_in_emergencies_a_personal_leave_not_marked_emergency_is_refused():
    assert refused_code(leave.check_emergency_only, EMERGENCY_ONLY, "personal",
                        emergency=False) == "leave_emergency_only"
    leave.check_emergency_only(EMERGENCY_ONLY, "personal", emergency=True)
    leave.check_emergency_only(EMERGENCY_ONLY, "sick", emergency=False)
    leave.check_emergency_only(POLICY, "personal", emergency=False)  # the default book allows it


@given(days=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(60), places=1),
       roles=st.sets(st.sampled_from(["staff", "lead", "supervisor", "hr"]), min_size=1))
def test_an_emergency_only_personal_leave_always_reaches_the_manager_or_above(days, roles):
    chain = leave.chain_for_leave(EMERGENCY_ONLY, "personal", days, LEAD, frozenset(roles))
    assert chain[-1] in ("manager", "gm") and "manager" in chain
    assert all(a != b for a, b in zip(chain, chain[1:], strict=False))  # never the same role twice in a row


@given(days=st.integers(3, 30), notice_days=st.integers(0, 6))
def test_personal_leave_of_three_days_or_more_with_less_than_a_week_is_always_refused(days, notice_days):
    asked = START_AT - timedelta(days=notice_days)
    assert refused_code(leave.check_notice, POLICY, "personal", START_AT, asked, Decimal(days),
                        emergency=False) == "leave_notice"
