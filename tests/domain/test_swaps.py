"""The swap rules (换班、换休、代班), with no app and no database: what each kind does to the roster, notice,
the monthly limit, the team, the roster and rest rules, statuses, and private swaps read from punches."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from attendance.domain import swaps
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, RuleRefused
from attendance.domain.policy import load_default_policy

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = load_default_policy().swaps
D8 = swaps.Shift("D8", 8 * 60, 18 * 60)  # 08:00-18:00
M12 = swaps.Shift("M12", 12 * 60, 20 * 60)
E = swaps.Shift("E", 18 * 60 + 30, 24 * 60)  # 18:30-24:00
NIGHT = swaps.Shift("N", 22 * 60, 30 * 60)  # 22:00-06:00 the next morning
A, B = 1, 2
MON = date(2026, 11, 16)
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)
ASKED_AT = datetime(2026, 11, 10, 10, 0, tzinfo=ZONE)


def refused(call, *args, **kwargs) -> RuleRefused:
    with pytest.raises(RuleRefused) as refusal:
        call(*args, **kwargs)
    return refusal.value


def facts(roster, *, teams=(7, 7), used=None, asked_at=ASKED_AT, now=None):
    return swaps.Facts(roster, teams[0], teams[1], used or {"requester_no": 0, "counterpart_no": 0}, asked_at,
                       now or asked_at, ZONE)


def check(asked, roster, **kwargs):
    settings = {"notice_hours": POLICY.notice_hours, "max_per_month": POLICY.max_per_month,
                "same_team": POLICY.same_team, "min_rest_hours": POLICY.min_rest_hours}
    settings.update({k: kwargs.pop(k) for k in list(kwargs) if k in settings})
    return swaps.check(asked, facts(roster, **kwargs), **settings)


# --- what each kind does ---------------------------------------------------------------------------


def test_a_swap_on_two_days_moves_each_shift_to_the_other_person():
    roster = {(A, MON): D8, (B, MON): None, (B, WED): M12, (A, WED): None}
    changes = swaps.plan(swaps.Asked("swap", A, MON, B, WED), roster)
    assert changes == {(A, MON): None, (B, MON): D8, (B, WED): None, (A, WED): M12}


def test_a_swap_on_one_day_exchanges_the_two_shifts():
    roster = {(A, MON): D8, (B, MON): E}
    assert swaps.plan(swaps.Asked("swap", A, MON, B, MON), roster) == {(A, MON): E, (B, MON): D8}
    with pytest.raises(InvalidInput):
        swaps.plan(swaps.Asked("swap", A, MON, B, MON), {(A, MON): D8, (B, MON): D8})


def test_time_off_in_lieu_is_on_two_different_days():
    roster = {(A, MON): D8, (B, WED): D8}
    changes = swaps.plan(swaps.Asked("in_lieu", A, MON, B, WED), roster)
    assert changes == {(A, MON): None, (B, MON): D8, (B, WED): None, (A, WED): D8}
    with pytest.raises(InvalidInput) as same_day:
        swaps.check_asked(swaps.Asked("in_lieu", A, MON, B, MON))
    assert "counterpart_date" in same_day.value.fields


def test_a_cover_gives_the_shift_to_a_colleague_resting_that_day_and_nothing_back():
    assert swaps.plan(swaps.Asked("cover", A, MON, B), {(A, MON): D8, (B, MON): None}) == {
        (A, MON): None, (B, MON): D8}
    assert swaps.plan(swaps.Asked("cover", A, MON, B, MON), {(A, MON): D8}) == {(A, MON): None, (B, MON): D8}
    with pytest.raises(InvalidInput):
        swaps.check_asked(swaps.Asked("cover", A, MON, B, WED))


def test_the_roster_rule_names_who_is_not_rostered():
    assert refused(swaps.plan, swaps.Asked("swap", A, MON, B, WED), {(B, WED): D8}).fields == {
        "requester_date": "not rostered"}
    assert refused(swaps.plan, swaps.Asked("swap", A, MON, B, WED), {(A, MON): D8, (B, WED): None}).code == \
        "swap_not_rostered"
    cover = refused(swaps.plan, swaps.Asked("cover", A, MON, B), {(A, MON): D8, (B, MON): E})
    assert cover.code == "swap_not_rostered" and "counterpart_no" in cover.fields


def test_taking_a_shift_on_a_day_one_already_works_is_the_rest_rule():
    roster = {(A, MON): D8, (B, MON): E, (B, WED): D8}
    assert refused(swaps.plan, swaps.Asked("swap", A, MON, B, WED), roster).code == "swap_rest_rule"


def test_malformed_asks_are_bad_input_not_refusals():
    for asked in (swaps.Asked("trade", A, MON, B, WED), swaps.Asked("swap", A, MON, A, WED),
                  swaps.Asked("swap", A, MON, B, None)):
        with pytest.raises(InvalidInput):
            swaps.check_asked(asked)


# --- notice, team, monthly limit ------------------------------------------------------------------


def test_notice_counts_back_from_the_earlier_shift_and_exactly_the_notice_is_in_time():
    roster = {(A, WED): D8, (B, MON): D8}
    asked = swaps.Asked("swap", A, WED, B, MON)
    starts = swaps.earliest_start(asked, roster, ZONE)
    assert starts == datetime(2026, 11, 16, 8, 0, tzinfo=ZONE)
    swaps.check_notice(starts, starts - timedelta(hours=24), 24)
    assert refused(swaps.check_notice, starts, starts - timedelta(hours=23, minutes=59), 24).code == "swap_notice"
    assert refused(swaps.check_started, starts, starts).code == "swap_notice"


def test_other_teams_are_refused_only_when_the_policy_keeps_swaps_in_a_team():
    assert refused(swaps.check_same_team, 1, 2, True).code == "swap_other_team"
    assert refused(swaps.check_same_team, None, None, True).code == "swap_other_team"
    swaps.check_same_team(1, 2, False)
    swaps.check_same_team(3, 3, True)


def test_the_monthly_limit_names_each_side_that_has_used_it_up():
    swaps.check_monthly_limit({"requester_no": 1, "counterpart_no": 1}, 2)
    full = refused(swaps.check_monthly_limit, {"requester_no": 1, "counterpart_no": 2}, 2)
    assert full.code == "swap_monthly_limit" and set(full.fields) == {"counterpart_no"}
    assert swaps.Asked("swap", A, date(2026, 12, 1), B, date(2026, 11, 30)).month == date(2026, 11, 1)


def test_every_rule_is_checked_in_a_fixed_order():
    roster = {(A, MON): D8, (B, WED): D8}
    asked = swaps.Asked("swap", A, MON, B, WED)
    assert refused(check, asked, roster, teams=(1, 2)).code == "swap_other_team"
    assert refused(check, asked, {(B, WED): D8}, teams=(1, 2)).code == "swap_other_team"
    assert refused(check, asked, {(B, WED): D8}).code == "swap_not_rostered"
    late = datetime(2026, 11, 15, 9, 0, tzinfo=ZONE)
    assert refused(check, asked, roster, asked_at=late, used={"requester_no": 5, "counterpart_no": 0}).code == \
        "swap_notice"
    assert refused(check, asked, roster, used={"requester_no": 2, "counterpart_no": 0}).code == "swap_monthly_limit"
    assert check(asked, roster) == {(A, MON): None, (B, MON): D8, (B, WED): None, (A, WED): D8}


# --- rest ------------------------------------------------------------------------------------------


def test_a_shift_taken_right_after_a_night_shift_breaks_the_rest_rule():
    roster = {(A, TUE): D8, (B, MON): NIGHT}  # B works until 06:00 on Tuesday
    error = refused(swaps.check_rest, roster, swaps.plan(swaps.Asked("cover", A, TUE, B), roster), 8)
    assert error.code == "swap_rest_rule"
    assert "overlap" not in error.message
    roster[(B, MON)] = swaps.Shift("LATE", 23 * 60, 33 * 60)  # until 09:00: the D8 would overlap it
    assert "overlap" in refused(swaps.check_rest, roster, {(B, TUE): D8, (A, TUE): None}, 8).message


def test_eight_hours_of_rest_is_enough_and_rest_short_before_the_swap_is_not_its_concern():
    roster = {(B, MON): swaps.Shift("X", 14 * 60, 24 * 60), (A, TUE): D8}  # 00:00 to 08:00: 8 h
    swaps.check_rest(roster, {(A, TUE): None, (B, TUE): D8}, 8)
    assert refused(swaps.check_rest, roster, {(A, TUE): None, (B, TUE): D8}, 9).code == "swap_rest_rule"
    already_short = {(B, MON): E, (B, TUE): D8, (A, WED): D8}  # B: 24:00 to 08:00 already
    swaps.check_rest(already_short, {(A, WED): None, (B, WED): None}, 12)


def test_the_default_policy_asks_eight_hours_of_rest():
    assert POLICY.min_rest_hours == 8


# --- statuses, answering and withdrawing ----------------------------------------------------------


def test_the_status_follows_the_request_and_the_colleagues_answer():
    assert swaps.status_of("pending", 0, False) == "pending_counterpart"
    assert swaps.status_of("pending", 1, False) == "pending_approval"
    assert swaps.status_of("rejected", 0, True) == "declined"
    assert swaps.status_of("rejected", 1, False) == "rejected"
    assert swaps.status_of("approved", 2, False) == "approved"
    assert swaps.status_of("withdrawn", 1, False) == "withdrawn"


def test_only_the_colleague_answers_and_either_side_withdraws_an_open_swap():
    asked = swaps.Asked("swap", A, MON, B, WED)
    swaps.check_answer("pending_counterpart", B, asked)
    with pytest.raises(Forbidden):
        swaps.check_answer("pending_counterpart", A, asked)
    with pytest.raises(Conflict):
        swaps.check_answer("pending_approval", B, asked)
    for who in (A, B):
        swaps.check_withdraw("pending_approval", who, set(asked.people))
    with pytest.raises(Forbidden):
        swaps.check_withdraw("pending_approval", 3, set(asked.people))
    for status in ("approved", "declined", "rejected", "withdrawn"):
        with pytest.raises(Conflict):
            swaps.check_withdraw(status, A, set(asked.people))


# --- private swaps ---------------------------------------------------------------------------------


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=minute)


def suspects(roster, punches, **kwargs):
    return swaps.suspected_private_swaps([A, B, 3], [TUE], roster, punches, before_minutes=180,
                                         after_minutes=240, **kwargs)


def test_b_punching_on_a_rest_day_for_absent_as_shift_is_one_suspicion():
    roster = {(A, TUE): D8, (B, TUE): None, (3, TUE): D8}
    punches = {B: [at(TUE, "07:55"), at(TUE, "18:02")], 3: [at(TUE, "07:58"), at(TUE, "18:00")]}
    found = suspects(roster, punches)
    assert found == [swaps.Suspicion(TUE, A, B, D8)]
    assert suspects(roster, punches, seen={(A, B, TUE)}) == []
    assert suspects(roster, punches, excused={(A, TUE)}) == []
    assert suspects(roster, punches, now=at(TUE, "19:00")) == []  # not over yet (out-punches until 22:00)


def test_no_suspicion_when_a_punched_or_b_punched_only_for_their_own_night_shift():
    roster = {(A, TUE): D8, (B, TUE): None}
    assert suspects(roster, {A: [at(TUE, "08:40")], B: [at(TUE, "07:55")]}) == []
    night = {(A, TUE): swaps.Shift("EARLY", 6 * 60, 14 * 60), (B, MON): NIGHT, (B, TUE): None}
    assert suspects(night, {B: [at(TUE, "06:01")]}) == []  # B's clock-out of Monday night
    assert suspects({(A, TUE): D8, (B, TUE): E}, {B: [at(TUE, "07:55")]}) == []  # B works their own shift


# --- properties ------------------------------------------------------------------------------------

SHIFTS = [D8, M12, E, NIGHT, swaps.Shift("S", 6 * 60, 12 * 60)]
cells = st.one_of(st.none(), st.sampled_from(SHIFTS))
DAYS = [MON + timedelta(days=n) for n in range(-2, 6)]


@st.composite
def rosters(draw):
    return {(p, d): draw(cells) for p in (A, B) for d in DAYS}


@st.composite
def asks(draw):
    kind = draw(st.sampled_from(swaps.KINDS))
    d1 = draw(st.sampled_from(DAYS[2:6]))
    d2 = None if kind == "cover" else draw(st.sampled_from(DAYS[2:6]))
    return swaps.Asked(kind, A, d1, B, d2)


@given(rosters(), asks())
def test_a_planned_swap_loses_and_duplicates_no_shift(roster, asked):
    try:
        swaps.check_asked(asked)
        changes = swaps.plan(asked, roster)
    except (RuleRefused, InvalidInput):
        return
    for day in asked.days:
        before = Counter(roster.get((p, day)) for p in asked.people)
        after = Counter({**roster, **changes}.get((p, day)) for p in asked.people)
        assert before == after
    after = {**roster, **changes}
    assert after[(B, asked.requester_day)] == roster[(A, asked.requester_day)]  # B works what A gave
    if asked.kind != "cover":
        assert after[(A, asked.counterpart_day)] == roster[(B, asked.counterpart_day)]


@given(rosters(), asks(), st.integers(0, 24), st.integers(0, 24))
def test_more_rest_asked_never_turns_a_refusal_into_an_approval(roster, asked, low, high):
    assume(low <= high)
    try:
        swaps.check_asked(asked)
        changes = swaps.plan(asked, roster)
    except (RuleRefused, InvalidInput):
        return
    try:
        swaps.check_rest(roster, changes, low)
        low_ok = True
    except RuleRefused:
        low_ok = False
    if not low_ok:
        with pytest.raises(RuleRefused):
            swaps.check_rest(roster, changes, high)


@given(rosters(), asks(), st.integers(0, 24))
def test_an_accepted_swap_leaves_the_minimum_rest_around_every_shift_it_gives(roster, asked, hours):
    try:
        swaps.check_asked(asked)
        changes = swaps.plan(asked, roster)
        swaps.check_rest(roster, changes, hours)
    except (RuleRefused, InvalidInput):
        return
    after = {**roster, **changes}
    for person in asked.people:
        given_days = {d for (p, d), shift in changes.items() if p == person and shift is not None}
        shifts = swaps.intervals(person, after, DAYS)
        for (_s1, e1, d1), (s2, _e2, d2) in zip(shifts, shifts[1:], strict=False):
            if d1 in given_days or d2 in given_days:
                assert s2 - e1 >= timedelta(hours=hours)


@given(st.integers(0, 72), st.integers(-100, 100))
def test_notice_is_a_threshold(notice, hours_ahead):
    starts = datetime(2026, 11, 20, 8, 0, tzinfo=ZONE)
    asked_at = starts - timedelta(hours=hours_ahead)
    try:
        swaps.check_notice(starts, asked_at, notice)
        assert hours_ahead >= notice
    except RuleRefused:
        assert hours_ahead < notice


@given(st.sampled_from(("pending", "approved", "rejected", "withdrawn")), st.integers(0, 3), st.booleans())
def test_every_request_state_is_one_of_the_swap_statuses(status, step, declined):
    assert swaps.status_of(status, step, declined) in swaps.STATUSES
