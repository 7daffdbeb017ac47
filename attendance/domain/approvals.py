"""Requests and their approval chains (审批): who may decide a step, what a decision does, whom it tells.

One chain for every kind of request: a missed-punch correction (补卡) now, leave and swaps next. A
request is ``pending`` until its last step is approved (``approved``), or any step is rejected
(``rejected``), or the requester takes it back (``withdrawn``). Steps are decided in order, each by a
person holding the step's role who reaches the subject person (a lead only for their own team), and never
by the requester or the subject themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, RuleRefused

KINDS = ("punch_correction", "leave", "swap", "meeting_excuse", "extra_shift")
STATUSES = ("pending", "approved", "rejected", "withdrawn")
STEP_STATUSES = ("waiting", "pending", "approved", "rejected", "cancelled")
OUTCOMES = ("approve", "reject")


@dataclass(frozen=True)
class Decider:
    """Who is deciding, as the rules need to see them."""

    id: int
    roles: frozenset[str]
    reaches_subject: bool  # from ``reach``: a lead reaches their own team, the office everyone


@dataclass(frozen=True)
class RequestState:
    status: str
    step: int  # index of the step to decide next (== len(chain) once approved)
    chain: tuple[str, ...]  # the role of each step
    requester_id: int
    subject_id: int


@dataclass(frozen=True)
class Decision:
    """What deciding the current step leads to."""

    status: str  # the request's status afterwards
    step: int  # the next step to decide (unchanged when the request ended)
    final: bool  # the request is decided for good (approved at the last step, or rejected)
    next_role: str | None  # whom to ask next, when not final


# Whom a step goes to when the person asking holds its role: nobody decides their own request, so a lead's
# own request (or one a lead files for a team member) goes to the supervisor, and so on up.
NEXT_UP = {"lead": "supervisor", "supervisor": "manager", "manager": "gm"}


def chain_for(steps: tuple[str, ...], requester_roles: frozenset[str] | set[str]) -> tuple[str, ...]:
    """The policy's chain for this requester: each step the requester could decide goes one level up, and a
    role that would then appear twice in a row is asked once."""
    out: list[str] = []
    for role in steps:
        while role in requester_roles and role in NEXT_UP:
            role = NEXT_UP[role]
        if not out or out[-1] != role:
            out.append(role)
    return tuple(out)


def refusal(state: RequestState, decider: Decider) -> Forbidden | Conflict | None:
    """Why ``decider`` may not decide the current step now, or None when they may."""
    if decider.id in (state.requester_id, state.subject_id):
        return Forbidden(N_("Nobody decides their own request."), code="own_request")
    if state.status != "pending":
        return Conflict(N_("This request is already decided or withdrawn."), code="already_decided")
    role = state.chain[state.step]
    if role not in decider.roles or not decider.reaches_subject:
        if decider.reaches_subject and set(state.chain[:state.step]) & decider.roles:
            # Their step was decided a moment ago (by them or a colleague with the same role): a repeat press
            # or a race, told apart from a step that was never theirs.
            return Conflict(N_("This request is already decided or withdrawn."), code="already_decided")
        return Forbidden(N_("This step is for another approver."), code="not_your_step")
    return None


def decide(state: RequestState, decider: Decider, outcome: str) -> Decision:
    """Decide the current step. :raise Forbidden: not theirs to decide. :raise Conflict: not pending."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    problem = refusal(state, decider)
    if problem is not None:
        raise problem
    if outcome == "reject":
        return Decision("rejected", state.step, final=True, next_role=None)
    step = state.step + 1
    if step == len(state.chain):
        return Decision("approved", step, final=True, next_role=None)
    return Decision("pending", step, final=False, next_role=state.chain[step])


def withdraw(state: RequestState, by_id: int) -> None:
    """The requester takes a pending request back. :raise Forbidden: someone else. :raise Conflict: decided."""
    if by_id != state.requester_id:
        raise Forbidden(N_("Only the person who asked can withdraw a request."), code="not_requester")
    if state.status != "pending":
        raise Conflict(N_("This request is already decided or withdrawn."), code="already_decided")


def may_decide_step(role: str, decider_roles: frozenset[str] | set[str], reaches_subject: bool) -> bool:
    """Whether someone could decide a step of ``role`` for a person they (do not) reach: for the inbox."""
    return role in decider_roles and reaches_subject


# --- missed-punch corrections (补卡) ----------------------------------------------------------


def check_correction(day: date, today: date, *, within_days: int, used_this_month: int,
                     max_per_month: int) -> None:
    """A correction for ``day`` asked ``today``. :raise RuleRefused: ``correction_window`` when the day is in
    the future or more than ``within_days`` ago; ``correction_quota`` when the month's quota is used up."""
    if day > today:
        raise RuleRefused(N_("A correction is for a day that has begun."), code="correction_window")
    if (today - day).days > within_days:
        raise RuleRefused(N_("This day is too long ago for a correction (see the policy's time limit)."),
                          code="correction_window",
                          fields={"date": N_("within %(within_days)s days", within_days=within_days)})
    if used_this_month >= max_per_month:
        raise RuleRefused(N_("This month's corrections are used up (see the policy's monthly quota)."),
                          code="correction_quota",
                          fields={"date": N_("at most %(max_per_month)s a month", max_per_month=max_per_month)})


NIGHT_ENDS_AT_HOUR = 6  # a clock-out before this hour belongs to the shift of the evening before


def correction_moment(day_text: str, time_text: str, direction: str) -> str:
    """A missed punch given as the shift's day and a clock time (the phone form), as one local instant:
    a clock-out in the small hours is the morning after the day. :raise InvalidInput: a bad day or time."""
    try:
        day = date.fromisoformat(day_text)
        hour, minute = (int(part) for part in time_text.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError(time_text)
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput(N_("Give the time as HH:MM."), fields={"time": N_("HH:MM")}) from None
    if direction == "out" and hour < NIGHT_ENDS_AT_HOUR:
        day += timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"
