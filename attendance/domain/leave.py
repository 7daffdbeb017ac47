"""Leave (请假): how many days a leave uses, who approves it, and the rules that refuse it (docs/rules.md §4).

Pure functions over the policy's ``LeavePolicy``: the leave service reads the roster, the holidays, the
person's other leaves and balances, and calls these. Refusals are ``RuleRefused`` with the API's 422 codes
(``leave_notice``, ``leave_overlap``, ``leave_balance``, ``leave_emergency_only``,
``extension_too_late``); malformed input is
``InvalidInput`` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from attendance.domain.approvals import chain_for
from attendance.domain.errors import N_, InvalidInput, RuleRefused
from attendance.domain.policy.model import LEAVE_TYPES, LeavePolicy

HALF_DAYS = ("am", "pm")
HALF = Decimal("0.5")
ONE = Decimal(1)


def leave_days(start: date, end: date, half_day: str | None, rostered: Mapping[date, bool],
               holidays: set[date]) -> Decimal:
    """The days a leave from ``start`` to ``end`` (both included) uses, counted on the person's roster:
    only days they are rostered to work count; rest days and public holidays inside the leave use nothing.
    ``half_day`` (``am``/``pm``) is allowed only when ``start == end`` and counts 0.5 (0 on a rest day).
    A day missing from ``rostered`` is a rest day. :raise InvalidInput: naming ``end`` or ``half_day``."""
    if end < start:
        raise InvalidInput(N_("The leave ends before it starts."),
                           fields={"end": N_("before %(day)s", day=start.isoformat())})
    if half_day is not None:
        if half_day not in HALF_DAYS:
            raise InvalidInput(N_("A half day is the morning or the afternoon."),
                               fields={"half_day": N_("am or pm")})
        if start != end:
            raise InvalidInput(N_("A half day is a leave of one day."),
                               fields={"half_day": N_("only when start == end")})
    working = sum(1 for n in range((end - start).days + 1)
                  if _is_working_day(start + timedelta(days=n), rostered, holidays))
    return Decimal(working) * (HALF if half_day else 1)


def days_text(days: Decimal) -> str:
    """Days as people write them: ``1``, ``0.5``, ``10`` (never ``1.0`` or ``1E+1``)."""
    return f"{Decimal(days).normalize():f}"


def _is_working_day(day: date, rostered: Mapping[date, bool], holidays: set[date]) -> bool:
    return bool(rostered.get(day, False)) and day not in holidays


def chain_for_leave(policy: LeavePolicy, leave_type: str, days: Decimal,
                    requester_roles: frozenset[str] | set[str],
                    subject_roles: frozenset[str] | set[str] | None = None) -> tuple[str, ...]:
    """The approval chain of a leave: the policy's first chain whose ``max_days`` (None: no limit) is at
    least ``days``, whose ``types`` (None: any) hold the type and whose ``roles`` (None: anyone) hold one of
    the roles of the person on leave (``subject_roles``; default ``requester_roles``). Under
    ``personal_emergency_only`` a personal leave's chain ends with ``emergency_only_approver`` [002 4.1.1].
    Then moved up for the requester as every request's chain is (``approvals.chain_for``).
    :raise InvalidInput: unknown type. :raise RuleRefused: ``leave_no_chain`` when the policy has no chain
    for this leave (its last chain has a ``max_days``, ``types`` or ``roles``)."""
    _check_type(leave_type)
    holder = set(requester_roles if subject_roles is None else subject_roles)
    for chain in policy.chains:
        if ((chain.max_days is None or days <= chain.max_days)
                and (chain.types is None or leave_type in chain.types)
                and (chain.roles is None or holder & set(chain.roles))):
            steps = tuple(chain.steps)
            if (leave_type == "personal" and policy.personal_emergency_only
                    and steps[-1] != policy.emergency_only_approver):
                steps = (*steps, policy.emergency_only_approver)
            return chain_for(steps, requester_roles)
    raise RuleRefused(N_("The policy has no approval chain for this leave."), code="leave_no_chain",
                      fields={"type": leave_type, "days": str(days)})


def check_emergency_only(policy: LeavePolicy, leave_type: str, *, emergency: bool) -> None:
    """Under ``personal_emergency_only`` [002 4.1.1] personal leave is taken only in an emergency (filed by
    the lead after the person phones). :raise RuleRefused: ``leave_emergency_only``."""
    if leave_type == "personal" and policy.personal_emergency_only and not emergency:
        raise RuleRefused(N_("Personal leave is taken only in an emergency under this policy."),
                          code="leave_emergency_only", fields={"emergency": "required for personal leave"})


def _check_type(leave_type: str) -> None:
    if leave_type not in LEAVE_TYPES:
        raise InvalidInput(N_("Unknown leave type."),
                           fields={"type": N_("one of %(values)s", values=", ".join(LEAVE_TYPES))})


def notice_needed(policy: LeavePolicy, leave_type: str, days: Decimal) -> timedelta:
    """How long before its start a (non-emergency) leave must be asked."""
    needed = timedelta(hours=policy.notice_hours)
    # "三天以上" in the rule book [002 4.1.5] is read as *including* 3 days (Chinese 以上 is inclusive), so
    # personal leave of long_personal_days days or more needs the longer notice.
    if leave_type == "personal" and days >= policy.long_personal_days:
        needed = max(needed, timedelta(days=policy.long_personal_notice_days))
    return needed


def check_notice(policy: LeavePolicy, leave_type: str, start_at: datetime, asked_at: datetime, days: Decimal,
                 *, emergency: bool) -> None:
    """A leave starting at ``start_at`` asked at ``asked_at``. Normally asked at least ``notice_hours``
    before the start (exactly that is in time), or ``long_personal_notice_days`` days for long personal
    leave. An emergency leave (told to the lead by phone, filed by the lead) needs no notice but must be
    filed at most ``emergency_report_hours`` after the start. :raise RuleRefused: ``leave_notice``."""
    if emergency:
        latest = start_at + timedelta(hours=policy.emergency_report_hours)
        if asked_at > latest:
            raise RuleRefused(N_("This emergency leave is filed too late (see the policy's hours after it starts)."),
                              code="leave_notice", fields={"start": N_("filed by %(day)s", day=latest.isoformat())})
        return
    needed = notice_needed(policy, leave_type, days)
    if start_at - asked_at < needed:
        raise RuleRefused(N_("This leave is asked too late (see the policy's notice)."), code="leave_notice",
                          fields={"start": N_("asked by %(day)s", day=(start_at - needed).isoformat())})


def check_overlap(start: date, end: date, existing: Iterable[tuple[date, date]]) -> None:
    """A leave from ``start`` to ``end`` (both included) beside the person's other live leaves (pending or
    approved). Any shared day overlaps, half days included. :raise RuleRefused: ``leave_overlap``."""
    for other_start, other_end in existing:
        if other_start <= end and start <= other_end:
            raise RuleRefused(N_("This leave overlaps another leave."), code="leave_overlap",
                              fields={"start": f"{other_start.isoformat()}..{other_end.isoformat()}"})


def full_years(hire_date: date, on: date) -> int:
    """Whole years worked from ``hire_date`` to ``on`` (0 before the first anniversary or before hire; a
    29 February hire completes a year on 1 March in other years)."""
    years = on.year - hire_date.year - ((on.month, on.day) < (hire_date.month, hire_date.day))
    return max(years, 0)


def annual_entitlement(policy: LeavePolicy, hire_date: date, on: date) -> int:
    """Paid annual leave days a year for someone hired on ``hire_date``, as of ``on``: the days of the
    highest ``annual_days`` tier reached by whole years worked; 0 under the lowest tier."""
    years = full_years(hire_date, on)
    reached = [tier for tier in policy.annual_days if tier.min_years <= years]
    return max(reached, key=lambda tier: tier.min_years).days if reached else 0


@dataclass(frozen=True)
class Balance:
    """A person's balance of one leave type, in days; pending leave is held against it."""

    entitled: Decimal
    used: Decimal = Decimal(0)
    pending: Decimal = Decimal(0)

    @property
    def remaining(self) -> Decimal:
        return self.entitled - self.used - self.pending


def check_balance(balance: Balance, days: Decimal) -> None:
    """A leave of ``days`` against ``balance`` (what is pending counts as spent).
    :raise RuleRefused: ``leave_balance`` when it needs more than remains."""
    if days > balance.remaining:
        raise RuleRefused(N_("Not enough leave left for this leave."), code="leave_balance",
                          fields={"days": N_("at most %(remaining)s", remaining=balance.remaining)})


def check_extension(policy: LeavePolicy, leave_end_at: datetime, asked_at: datetime) -> None:
    """An extension of a leave ending at ``leave_end_at``, asked at ``asked_at``: at least
    ``extension_notice_hours`` before the end (exactly that is in time). :raise RuleRefused:
    ``extension_too_late``."""
    latest = leave_end_at - timedelta(hours=policy.extension_notice_hours)
    if asked_at > latest:
        raise RuleRefused(N_("This extension is asked too late (see the policy's notice before a leave ends)."),
                          code="extension_too_late", fields={"end": N_("asked by %(day)s", day=latest.isoformat())})


# --- the days a leave covers, as pages and documents show them -----------------------------------


def covered_days(start: date, end: date, back: date | None, first: date, last: date) -> list[date]:
    """The days of ``first``..``last`` a leave from ``start`` to ``end`` covers: each of its days, up to the
    day the person came back early (销假, ``back``) included, since they were on leave until that moment."""
    stop = min(end, last) if back is None else min(end, last, back)
    day, out = max(start, first), []
    while day <= stop:
        out.append(day)
        day += timedelta(days=1)
    return out


@dataclass(frozen=True)
class LeaveDay:
    """What a leave makes of one of its days on the roster, the calendars, the day board and the 考勤表."""

    leave_type: str  # the type asked (sick)
    counted_as: str  # the type it counts as (personal: sick leave without its certificate)
    half_day: str | None = None  # am / pm: half of the day's shift
    pending: bool = False  # asked and not decided yet (请假待批): shown, never counted
    returned: bool = False  # the day the person came back early: on leave only until then

    @property
    def days(self) -> Decimal:
        """How much of a leave day this day is, as the balance counts it: a half day 0.5; the day of an
        early return nothing (``report_back`` gives that day back); a pending leave nothing yet."""
        if self.pending or self.returned:
            return Decimal(0)
        return HALF if self.half_day else ONE

