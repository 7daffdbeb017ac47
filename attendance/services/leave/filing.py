"""Asking for leave: reading the request, counting its days on the roster, filing it (``file_leave``),
extending it (续假, ``extend``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from attendance import clock
from attendance.domain import dates
from attendance.domain import leave as rules
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.extensions import db
from attendance.models import Employee, LeaveRequest, Request
from attendance.models.shifts import roster_cells
from attendance.services import attendance as attendance_service
from attendance.services import calendar, people, requests
from attendance.services.leave.balances import _check_balance
from attendance.services.leave.certificates import _check_certificate, _store_certificate
from attendance.services.leave.common import (
    MAX_SPAN_DAYS,
    _chain_end,
    _flag,
    _links,
    _live_leaves,
    _policy,
    _root,
    _rostered,
    _starts_at,
    _text,
    effective_end,
)
from attendance.services.leave.reading import get_leave
from attendance.services.transaction import use_case

# --- reading the input ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    leave_type: str
    start: date
    end: date
    half_day: str | None
    reason: str
    emergency: bool


def read_request(data: dict) -> Asked:
    """The fields of a leave request, every problem at once. :raise InvalidInput: naming each bad field."""
    errors: dict[str, str] = {}
    leave_type = str(data.get("type") or "").strip()
    if leave_type not in LEAVE_TYPES:
        errors["type"] = "one of " + ", ".join(LEAVE_TYPES)
    start = end = None
    for name in ("start", "end"):
        try:
            value = dates.parse_day(data.get(name), name)
        except InvalidInput as exc:
            errors.update(exc.fields or {name: "YYYY-MM-DD"})
            continue
        if name == "start":
            start = value
        else:
            end = value
    if start is not None and end is None and "end" in errors and data.get("end") in (None, ""):
        end = start  # a one-day leave may leave the end out
        errors.pop("end")
    half_day = str(data.get("half_day") or "").strip() or None
    if half_day is not None and half_day not in rules.HALF_DAYS:
        errors["half_day"] = "am or pm"
    if start and end:
        if end < start:
            errors["end"] = f"on or after {start.isoformat()}"
        elif (end - start).days >= MAX_SPAN_DAYS:
            errors["end"] = f"at most {MAX_SPAN_DAYS} days after the start"
        elif half_day and start != end:
            errors["half_day"] = "only when start == end"
    try:
        reason = _text(data.get("reason"), "reason", required=True)
    except InvalidInput as exc:
        errors.update(exc.fields)
        reason = ""
    if errors:
        raise InvalidInput(N_("The leave request has problems; see each field."), fields=errors)
    return Asked(leave_type, start, end, half_day, reason, _flag(data.get("emergency")))


# --- the roster behind a leave -------------------------------------------------------------------


def _ends_at(employee_id: int, day: date) -> datetime:
    """When a leave whose last day is ``day`` ends: the end of that day's shift, or the midnight after."""
    cells = {d: e for (_, d), e in roster_cells([employee_id], day, day).items()}
    window = attendance_service.shift_window(cells.get(day), day)
    if window is None:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.site_zone())
    return window.end


def _count(employee_id: int, start: date, end: date, half_day: str | None) -> tuple[Decimal, dict]:
    rostered, cells = _rostered(employee_id, start, end)
    days = rules.leave_days(start, end, half_day, rostered, set(calendar.public_holidays(start, end)))
    if days == 0:
        raise RuleRefused(N_("This leave has no working day on the roster: nothing to ask for."),
                          code="leave_no_working_day", fields={"start": N_("only rest days or public holidays")})
    return days, cells


# --- filing --------------------------------------------------------------------------------------


def _subject(actor: Employee, data: dict) -> Employee:
    employee_no = str(data.get("employee_no") or "").strip() or actor.employee_no
    subject = people.visible_employee(actor, employee_no)
    if subject.id != actor.id and not (allowed(actor.roles, "leave.file_for") and reach(actor.roles) != "self"):
        raise Forbidden(N_("Leave for someone else is filed by their lead."))
    return subject


@use_case
def file_leave(actor: Employee, data: dict, certificate: tuple[str, bytes, str] | None = None) -> Request:
    """``POST /leave-requests``: ``employee_no`` (default oneself; a lead files for their team), ``type``,
    ``start``, ``end``, ``half_day``, ``reason``, ``emergency`` (the lead files after a phone call, up to the
    policy's hours after the start). Refusals store nothing.

    :raise InvalidInput: a bad field. :raise NotFound: a person out of reach. :raise Forbidden: someone
    else's without being their lead; an emergency leave asked by the person. :raise RuleRefused:
    ``leave_notice``, ``leave_overlap``, ``leave_balance``, ``leave_no_working_day``, ``leave_no_chain``,
    ``leave_emergency_only``.
    """
    asked = read_request(data)
    subject = _subject(actor, data)
    if asked.emergency and subject.id == actor.id:
        raise Forbidden(N_("An emergency leave is filed by the lead after the person phones."),
                        code="emergency_by_lead")
    checked = _check_certificate(certificate) if certificate else None
    in_force = _policy()
    policy = in_force.policy
    rules.check_emergency_only(policy.leave, asked.leave_type, emergency=asked.emergency)
    days, cells = _count(subject.id, asked.start, asked.end, asked.half_day)
    rules.check_notice(policy.leave, asked.leave_type, _starts_at(cells, asked.start, asked.half_day),
                       clock.now(), days, emergency=asked.emergency)
    people.lock(subject.id)  # overlap and balance are read and used in one step per person
    rules.check_overlap(asked.start, asked.end,
                        [(x.start_day, effective_end(x)) for x in _live_leaves(subject.id, asked.start, asked.end)])
    _check_balance(subject, asked.leave_type, days, asked.start, policy)
    chain = rules.chain_for_leave(policy.leave, asked.leave_type, days, frozenset(actor.roles),
                                  frozenset(subject.roles))
    request = requests.start(actor, "leave", subject, chain, policy_version_id=in_force.version.id)
    request.leave = LeaveRequest(employee_id=subject.id, leave_type=asked.leave_type, counted_as=asked.leave_type,
                                 start_day=asked.start, end_day=asked.end, half_day=asked.half_day, days=days,
                                 reason=asked.reason, emergency=asked.emergency)
    db.session.flush()
    if checked:
        _store_certificate(actor, request.leave, *checked)
    requests.submitted(request)
    return request


@use_case
def extend(actor: Employee, request_id: int, data: dict) -> Request:
    """``POST /leave-requests/{id}/extend`` ``{"end", "reason"}`` (续假): a new request on the same leave for
    the days after its end, through the chain for the whole leave's length; asked at least the policy's
    hours before the leave ends. :raise RuleRefused: ``extension_too_late`` and the filing refusals.
    :raise Conflict: the leave is not approved, or was cancelled or ended by a return."""
    leave = get_leave(actor, request_id)
    errors = {}
    try:
        new_end = dates.parse_day(data.get("end"), "end")
    except InvalidInput as exc:
        errors.update(exc.fields or {"end": "YYYY-MM-DD"})
        new_end = None
    try:
        reason = _text(data.get("reason"), "reason", required=True)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(N_("The extension has problems; see each field."), fields=errors)
    subject = leave.employee
    if actor.id != subject.id and not (allowed(actor.roles, "leave.file_for") and people.can_see(actor, subject)):
        raise Forbidden(N_("Leave for someone else is filed by their lead."))
    if leave.status != "approved" or leave.returned_at is not None:
        raise Conflict(N_("Only an approved leave that is still running can be extended."), code="not_extendable")
    last = _chain_end(leave)
    if new_end <= last.end_day:
        raise InvalidInput(N_("The extension must end after the leave."),
                           fields={"end": N_("after %(end_day)s", end_day=last.end_day)})
    if (new_end - _root(leave).start_day).days >= MAX_SPAN_DAYS:
        raise InvalidInput(N_("A leave covers at most a year."), fields={"end": N_("too far")})
    in_force = _policy()
    policy = in_force.policy
    rules.check_extension(policy.leave, _ends_at(subject.id, last.end_day), clock.now())
    start = last.end_day + timedelta(days=1)
    days, _cells = _count(subject.id, start, new_end, None)
    people.lock(subject.id)
    rules.check_overlap(start, new_end, [(x.start_day, effective_end(x))
                                         for x in _live_leaves(subject.id, start, new_end)])
    _check_balance(subject, leave.leave_type, days, start, policy)
    total = sum((Decimal(x.days) for x in _links(_root(leave))), Decimal(0)) + days
    chain = rules.chain_for_leave(policy.leave, leave.leave_type, total, frozenset(actor.roles),
                                  frozenset(subject.roles))
    request = requests.start(actor, "leave", subject, chain, policy_version_id=in_force.version.id)
    request.leave = LeaveRequest(employee_id=subject.id, leave_type=leave.leave_type, counted_as=leave.counted_as,
                                 start_day=start, end_day=new_end, days=days, reason=reason,
                                 emergency=False, extends_id=last.id)
    db.session.flush()
    requests.submitted(request)
    return request
