"""Leave (请假): ask for it (or, in an emergency, the lead asks for the person), approve it along the chain
the policy gives by type and length, cancel it, extend it (续假), report back (销假), bring the sick note;
balances by year; and the days approved leave covers, which attendance judges as ``leave``.

Every rule that refuses a leave is in ``domain/leave.py``; this module reads what they need (the roster,
public holidays, the person's other leaves and balance) and stores what they allow. A leave is a
``Request`` of kind ``leave`` (its chain, inbox and notifications are the requests layer's) with a
``LeaveRequest`` beside it; its API id is the request's id. Filing reads the overlap and the balance and
writes in one use case with the person's row locked, so two leaves asked at once cannot both use the last day.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain import dates
from attendance.domain import leave as rules
from attendance.domain.discipline import EVIDENCE_MAX_BYTES, sniff_image
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.extensions import db
from attendance.models import ApprovalStep, Employee, LeaveEntitlement, LeaveRequest, Request, RosterEntry, Team
from attendance.models.leave import live_leaves
from attendance.models.shifts import roster_cells
from attendance.models.types import utcnow
from attendance.reporting.images import NotAnImage, clean_photo
from attendance.services import attendance as attendance_service
from attendance.services import audit, calendar, notifications, paging, people, requests
from attendance.services import policy as policy_service
from attendance.services.transaction import on_rollback, use_case

MAX_REASON = 500
MAX_SPAN_DAYS = 366  # one leave (an extension included) covers at most a year of calendar days
LIVE = ("pending", "approved")

# The type's name as a catalog message id, so stored notifications are translated when read.
TYPE_NAMES = {
    "personal": N_("Personal leave"), "sick": N_("Sick leave"), "marriage": N_("Marriage leave"),
    "maternity": N_("Maternity leave"), "bereavement": N_("Bereavement leave"),
    "in_lieu": N_("Time off in lieu"), "annual": N_("Annual leave"), "work_injury": N_("Work-injury leave"),
}
CERTIFICATE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _policy():
    return policy_service.in_force(clock.today())


# --- reading the input ---------------------------------------------------------------------------


def _text(value, field: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("Give a reason."), fields={field: "required"})
    if len(text) > MAX_REASON:
        raise InvalidInput(N_("The reason is too long."), fields={field: f"at most {MAX_REASON} characters"})
    return text


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on", "y")


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


def _span(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _rostered(employee_id: int, start: date, end: date) -> tuple[dict[date, bool], dict[date, RosterEntry]]:
    """Which days of the range the person works. A day with no roster yet counts as a working day: a leave
    asked before the roster is out uses the days the person would be asked to work (HR can correct)."""
    cells = {day: entry for (_, day), entry in roster_cells([employee_id], start, end).items()}
    return {day: (cells[day].shift_type_id is not None) if day in cells else True
            for day in _span(start, end)}, cells


def _starts_at(cells: dict[date, RosterEntry], day: date, half_day: str | None) -> datetime:
    """When a leave beginning on ``day`` begins: the shift's start that day (its middle for an afternoon),
    or midnight when the day has no shift."""
    window = attendance_service.shift_window(cells.get(day), day)
    if window is None:
        return datetime.combine(day, time(0), tzinfo=clock.site_zone())
    if half_day == "pm":
        return window.start + (window.end - window.start) / 2
    return window.start


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
                          code="leave_no_working_day", fields={"start": "only rest days or public holidays"})
    return days, cells


# --- the person's other leaves and balance ------------------------------------------------------


def effective_end(leave: LeaveRequest) -> date:
    """The last day a leave covers: its end, or the day before the person came back early (销假)."""
    if leave.returned_at is not None:
        back = leave.returned_at.astimezone(clock.site_zone()).date()
        return min(leave.end_day, back - timedelta(days=1)) if back > leave.start_day else leave.start_day
    return leave.end_day


def _live_leaves(employee_id: int, start: date | None = None, end: date | None = None,
                 exclude: int | None = None) -> list[LeaveRequest]:
    stmt = (select(LeaveRequest).join(Request, Request.id == LeaveRequest.request_id)
            .options(joinedload(LeaveRequest.request))
            .where(LeaveRequest.employee_id == employee_id, Request.status.in_(LIVE),
                   LeaveRequest.cancelled_at.is_(None)))
    if start is not None:
        stmt = stmt.where(LeaveRequest.end_day >= start)
    if end is not None:
        stmt = stmt.where(LeaveRequest.start_day <= end)
    if exclude is not None:
        stmt = stmt.where(LeaveRequest.id != exclude)
    return list(db.session.scalars(stmt))


def _as_of(year: int) -> date:
    today = clock.today()
    return min(date(year, 12, 31), max(date(year, 1, 1), today))


def _entitlements(employee_ids: list[int], year: int) -> dict[tuple[int, str], LeaveEntitlement]:
    """The newest entitlement row per (person, type) for the year."""
    newest = (select(func.max(LeaveEntitlement.id)).where(LeaveEntitlement.employee_id.in_(employee_ids),
                                                           LeaveEntitlement.year == year)
              .group_by(LeaveEntitlement.employee_id, LeaveEntitlement.leave_type))
    rows = db.session.scalars(select(LeaveEntitlement).where(LeaveEntitlement.id.in_(newest)))
    return {(r.employee_id, r.leave_type): r for r in rows}


def _spent(employee_id: int, year: int) -> dict[tuple[str, str], Decimal]:
    """Days per (type counted as, request status) of the person's live leaves starting in the year."""
    rows = db.session.execute(
        select(LeaveRequest.counted_as, Request.status, LeaveRequest.days)
        .join(Request, Request.id == LeaveRequest.request_id)
        .where(LeaveRequest.employee_id == employee_id, Request.status.in_(LIVE),
               LeaveRequest.cancelled_at.is_(None),
               LeaveRequest.start_day >= date(year, 1, 1), LeaveRequest.start_day <= date(year, 12, 31)))
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for leave_type, status, days in rows:
        out[(leave_type, status)] += Decimal(days)
    return out


@dataclass(frozen=True)
class BalanceRow:
    leave_type: str
    limited: bool  # the type has a balance; otherwise ``entitled`` and ``remaining`` are None
    entitled: Decimal | None
    used: Decimal
    pending: Decimal
    remaining: Decimal | None
    set_by: str | None = None  # who set the entitlement (None: from years worked, or never set)
    reason: str | None = None


def _entitled(person: Employee, leave_type: str, year: int, row: LeaveEntitlement | None, policy) -> Decimal:
    if row is not None:
        return Decimal(row.entitled)
    if leave_type == "annual" and person.hire_date is not None:
        return Decimal(rules.annual_entitlement(policy.leave, person.hire_date, _as_of(year)))
    return Decimal(0)


def balance_rows(person: Employee, year: int) -> list[BalanceRow]:
    """Every leave type's entitlement, used (approved), pending and remaining days for the year."""
    policy = policy_service.in_force(_as_of(year)).policy
    rows = _entitlements([person.id], year)
    spent = _spent(person.id, year)
    out = []
    for leave_type in LEAVE_TYPES:
        used, pending = spent.get((leave_type, "approved"), Decimal(0)), spent.get((leave_type, "pending"), Decimal(0))
        if not policy.leave.settings_for(leave_type).balance:
            out.append(BalanceRow(leave_type, False, None, used, pending, None))
            continue
        row = rows.get((person.id, leave_type))
        entitled = _entitled(person, leave_type, year, row, policy)
        balance = rules.Balance(entitled, used, pending)
        out.append(BalanceRow(leave_type, True, entitled, used, pending, balance.remaining,
                              row.set_by.name if row else None, row.reason if row else None))
    return out


def balances(viewer: Employee, employee_no: str | None = None, year: int | None = None
             ) -> tuple[Employee, int, list[BalanceRow]]:
    """``GET /leave-balances``: a person's balances (staff: their own). :raise NotFound: out of reach."""
    person = people.visible_employee(viewer, employee_no) if employee_no else viewer
    year = _year(year)
    return person, year, balance_rows(person, year)


def _year(value) -> int:
    if value in (None, ""):
        return clock.today().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise InvalidInput(N_("Give a year such as 2026."), fields={"year": "2000..2100"})
    return year


def _check_balance(person: Employee, leave_type: str, days: Decimal, start: date, policy) -> None:
    if not policy.leave.settings_for(leave_type).balance:
        return
    row = {b.leave_type: b for b in balance_rows(person, start.year)}[leave_type]
    rules.check_balance(rules.Balance(row.entitled, row.used, row.pending), days)


@use_case
def set_entitlement(actor: Employee, employee_no: str, leave_type: str, data: dict) -> BalanceRow:
    """``PUT /leave-balances/{employee_no}/{type}`` (HR): the year's entitlement, with the reason. The
    earlier value stays in the history; the person is told."""
    if not allowed(actor.roles, "leave.balances"):
        raise Forbidden(N_("Balances are set by HR."))
    person = people.visible_employee(actor, employee_no)
    errors = {}
    if leave_type not in LEAVE_TYPES:
        raise NotFound(f"no leave type {leave_type}")
    year = None
    try:
        year = _year(data.get("year"))
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        entitled = Decimal(str(data.get("entitled", "")).strip())
        if not entitled.is_finite() or entitled < 0 or entitled > 366 or (entitled * 2) % 1 != 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["entitled"] = "days, in half days, 0..366"
        entitled = None
    reason = str(data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = "required"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"at most {MAX_REASON} characters"
    if errors:
        raise InvalidInput(N_("The balance has problems; see each field."), fields=errors)
    policy = policy_service.in_force(_as_of(year)).policy
    if not policy.leave.settings_for(leave_type).balance:
        raise InvalidInput(N_("This leave type has no balance in the policy."), fields={"type": leave_type})
    people.lock(person.id)
    before = {b.leave_type: b for b in balance_rows(person, year)}[leave_type]
    db.session.add(LeaveEntitlement(employee_id=person.id, leave_type=leave_type, year=year, entitled=entitled,
                                    previous=before.entitled, reason=reason, set_by_id=actor.id))
    db.session.flush()
    audit.record(actor, "leave.balance", "employee", person.employee_no, type=leave_type, year=year,
                 before=str(before.entitled), after=str(entitled), reason=reason)
    notifications.notify([person.id], "leave_balance", N_("Your %(type)s balance for %(year)s is now %(days)s days"),
                         N_("Set by %(by)s: %(reason)s"),
                         params={"type_id": TYPE_NAMES[leave_type], "year": year, "days": rules.days_text(entitled),
                                 "by": actor.name, "reason": reason}, link="/leave/balances")
    return {b.leave_type: b for b in balance_rows(person, year)}[leave_type]


def entitlement_history(viewer: Employee, employee_no: str | None = None) -> list[LeaveEntitlement]:
    person = people.visible_employee(viewer, employee_no) if employee_no else viewer
    return list(db.session.scalars(
        select(LeaveEntitlement).options(joinedload(LeaveEntitlement.set_by))
        .where(LeaveEntitlement.employee_id == person.id).order_by(LeaveEntitlement.id.desc()).limit(200)))


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
    ``leave_notice``, ``leave_overlap``, ``leave_balance``, ``leave_no_working_day``, ``leave_no_chain``.
    """
    asked = read_request(data)
    subject = _subject(actor, data)
    if asked.emergency and subject.id == actor.id:
        raise Forbidden(N_("An emergency leave is filed by the lead after the person phones."),
                        code="emergency_by_lead")
    checked = _check_certificate(certificate) if certificate else None
    in_force = _policy()
    policy = in_force.policy
    days, cells = _count(subject.id, asked.start, asked.end, asked.half_day)
    rules.check_notice(policy.leave, asked.leave_type, _starts_at(cells, asked.start, asked.half_day),
                       clock.now(), days, emergency=asked.emergency)
    people.lock(subject.id)  # overlap and balance are read and used in one step per person
    rules.check_overlap(asked.start, asked.end,
                        [(x.start_day, effective_end(x)) for x in _live_leaves(subject.id, asked.start, asked.end)])
    _check_balance(subject, asked.leave_type, days, asked.start, policy)
    chain = rules.chain_for_leave(policy.leave, asked.leave_type, days, frozenset(actor.roles))
    request = requests.start(actor, "leave", subject, chain, policy_version_id=in_force.version.id)
    request.leave = LeaveRequest(employee_id=subject.id, leave_type=asked.leave_type, counted_as=asked.leave_type,
                                 start_day=asked.start, end_day=asked.end, half_day=asked.half_day, days=days,
                                 reason=asked.reason, emergency=asked.emergency)
    db.session.flush()
    if checked:
        _store_certificate(actor, request.leave, *checked)
    requests.submitted(request)
    return request


def _root(leave: LeaveRequest) -> LeaveRequest:
    while leave.extends is not None:
        leave = leave.extends
    return leave


def _chain_end(leave: LeaveRequest) -> LeaveRequest:
    """The last approved, live link of a leave and its extensions."""
    return _links(leave)[-1]


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
        raise InvalidInput(N_("The extension must end after the leave."), fields={"end": f"after {last.end_day}"})
    if (new_end - _root(leave).start_day).days >= MAX_SPAN_DAYS:
        raise InvalidInput(N_("A leave covers at most a year."), fields={"end": "too far"})
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
    chain = rules.chain_for_leave(policy.leave, leave.leave_type, total, frozenset(actor.roles))
    request = requests.start(actor, "leave", subject, chain, policy_version_id=in_force.version.id)
    request.leave = LeaveRequest(employee_id=subject.id, leave_type=leave.leave_type, counted_as=leave.counted_as,
                                 start_day=start, end_day=new_end, days=days, reason=reason,
                                 emergency=False, extends_id=last.id)
    db.session.flush()
    requests.submitted(request)
    return request


def _pending_extensions(leave: LeaveRequest) -> list[LeaveRequest]:
    """Extensions asked on any link of this leave that still wait for a decision."""
    ids = [x.id for x in _links(_root(leave))]
    return list(db.session.scalars(
        select(LeaveRequest).join(Request, Request.id == LeaveRequest.request_id)
        .where(LeaveRequest.extends_id.in_(ids), Request.status == "pending")))


def _withdraw(actor: Employee, leave: LeaveRequest, reason: str) -> None:
    request = leave.request
    request.status, request.withdrawn_at = "withdrawn", utcnow()
    for step in request.steps:
        if step.status in ("pending", "waiting"):
            step.status = "cancelled"
    leave.cancelled_at, leave.cancelled_by, leave.cancel_reason = utcnow(), actor, reason
    audit.record(actor, "leave.cancel", "leave", request.id, status="pending", reason=reason)


def _links(root: LeaveRequest) -> list[LeaveRequest]:
    """A leave and its approved, live extensions, in order."""
    out, current = [root], root
    while (current := _chain_end_step(current)) is not None:
        out.append(current)
    return out


def _chain_end_step(leave: LeaveRequest) -> LeaveRequest | None:
    return db.session.scalar(
        select(LeaveRequest).join(Request, Request.id == LeaveRequest.request_id)
        .where(LeaveRequest.extends_id == leave.id, Request.status == "approved", LeaveRequest.cancelled_at.is_(None)))


# --- after approval: covered days, cancelling, returning ----------------------------------------


def _pairs(leave: LeaveRequest, start: date | None = None, end: date | None = None) -> set[tuple[int, date]]:
    first, last = start or leave.start_day, end or leave.end_day
    if last < first:
        return set()
    return {(leave.employee_id, day) for day in _span(first, last)}


def _rejudge(actor: Employee | None, pairs: set[tuple[int, date]]) -> None:
    """Judge again the days a leave now covers or no longer covers: an ABSENT raised before the leave was
    approved is reversed; a day no longer covered is judged on its punches."""
    attendance_service.reevaluate(actor, pairs)


def _approved(actor: Employee, request: Request) -> None:
    leave = request.leave
    _rejudge(actor, _pairs(leave))
    audit.record(actor, "leave.filed", "leave", request.id, file_with=_policy().policy.leave.file_with)


def _summary(request: Request) -> tuple[str, dict]:
    leave = request.leave
    params = {"type_id": TYPE_NAMES[leave.leave_type], "start": leave.start_day.isoformat(),
              "end": leave.end_day.isoformat(), "days": rules.days_text(leave.days), "reason": leave.reason}
    if leave.extends_id is not None:
        return N_("Extension of %(type)s to %(end)s (%(days)s days)"), params
    if leave.start_day == leave.end_day:
        return N_("%(type)s on %(start)s (%(days)s days)"), params
    return N_("%(type)s from %(start)s to %(end)s (%(days)s days)"), params


requests.register(requests.Kind("leave", _summary, _approved, lambda r: f"/leave/{r.id}"))


def is_approver(viewer: Employee, leave: LeaveRequest) -> bool:
    """Whether the viewer holds a role of the leave's chain and reaches the person (and is not them)."""
    request = leave.request
    return (viewer.id not in (request.requester_id, request.subject_id)
            and bool(set(request.chain) & set(viewer.roles)) and people.can_see(viewer, leave.employee))


@use_case
def cancel(actor: Employee, request_id: int, reason: str | None = None) -> LeaveRequest:
    """``POST /leave-requests/{id}/cancel``. Pending: the person (or whoever asked) cancels it. Approved and
    not begun: an approver cancels it, and the days come back; when the person asks, their approvers are
    told and the leave stays until one of them cancels. :raise RuleRefused: ``leave_started`` once it has
    begun (report back instead). :raise Conflict: already rejected or cancelled."""
    leave = get_leave(actor, request_id)
    request = requests.lock_request(request_id)
    reason = _text(reason, "reason", required=False)
    own = actor.id in (request.requester_id, request.subject_id)
    if leave.status in ("rejected", "cancelled"):
        raise Conflict(N_("This leave is already decided or cancelled."), code="already_decided")
    if leave.status == "pending":
        if not own:
            raise Forbidden(N_("A pending leave is cancelled by the person who asked; an approver rejects it."),
                            code="not_requester")
        _withdraw(actor, leave, reason)
        return leave
    _, cells = _rostered(leave.employee_id, leave.start_day, leave.start_day)
    if clock.now() >= _starts_at(cells, leave.start_day, leave.half_day):
        raise RuleRefused(N_("This leave has begun: report back (销假) instead of cancelling."), code="leave_started")
    if not is_approver(actor, leave):
        if not own:
            raise Forbidden(N_("An approved leave is cancelled by one of its approvers."), code="not_your_step")
        leave.cancel_asked_at = utcnow()
        audit.record(actor, "leave.cancel_asked", "leave", request.id, reason=reason)
        message, params = _summary(request)
        told = set()
        for role in request.chain:
            told |= set(requests.approvers(request, role))
        notifications.notify(told, "leave_cancel_asked", N_("%(name)s asks to cancel: %(what)s"), reason,
                             params={**params, "what_id": message, "name": leave.employee.name},
                             link=f"/leave/{request.id}")
        return leave
    # The extensions of a cancelled leave go with it: approved ones are cancelled, waiting ones withdrawn.
    for link in _links(leave) + _pending_extensions(leave):
        if link.status == "pending":
            _withdraw(actor, link, reason)
            continue
        link.cancelled_at, link.cancelled_by, link.cancel_reason = utcnow(), actor, reason
        audit.record(actor, "leave.cancel", "leave", link.request_id, status="approved", reason=reason)
        _rejudge(actor, _pairs(link))
    message, params = _summary(request)
    notifications.notify({request.requester_id, request.subject_id}, "leave_cancelled",
                         N_("Cancelled by %(by)s: %(what)s"), reason,
                         params={**params, "what_id": message, "by": actor.name}, link=f"/leave/{request.id}")
    return leave


@use_case
def report_back(actor: Employee, request_id: int, at=None) -> LeaveRequest:
    """``POST /leave-requests/{id}/return`` ``{"at"}`` (销假): the person is back (default: now). Back
    early, the days after it are no longer leave and use no balance; the lead and supervisor are told.
    :raise Conflict: not an approved, running leave, or already back."""
    leave = get_leave(actor, request_id)
    if actor.id != leave.employee_id and (reach(actor.roles) == "self" or not people.can_see(actor, leave.employee)):
        raise Forbidden(N_("Only the person or their lead records a return."))
    requests.lock_request(request_id)
    links = _links(_root(leave))
    if leave.status != "approved" or any(x.returned_at is not None for x in links):
        raise Conflict(N_("Only an approved leave can be reported back from, once."), code="not_returnable")
    try:
        when = clock.now() if at in (None, "") else _instant(at)
    except ValueError:
        raise InvalidInput(N_("Give the time as 2026-11-03T09:00."), fields={"at": "a time like 2026-11-03T09:00"}) \
            from None
    root = links[0]
    _, cells = _rostered(root.employee_id, root.start_day, root.start_day)
    if when < _starts_at(cells, root.start_day, root.half_day) or when > clock.now():
        raise InvalidInput(N_("The return is after the leave began and not in the future."),
                           fields={"at": "between the start of the leave and now"})
    back_day = when.astimezone(clock.site_zone()).date()
    for link in links:
        if link.end_day < back_day:
            continue  # used in full
        link.returned_at, link.returned_by = when, actor
        after = effective_end(link)
        if back_day <= link.start_day:
            link.days = Decimal(0)
        else:
            rostered, _cells = _rostered(link.employee_id, link.start_day, after)
            link.days = rules.leave_days(link.start_day, after, link.half_day, rostered,
                                         set(calendar.public_holidays(link.start_day, after)))
        _rejudge(actor, _pairs(link, max(back_day, link.start_day), link.end_day))
    for waiting in _pending_extensions(root):  # back already: the extension is not needed any more
        _withdraw(actor, waiting, "")
    audit.record(actor, "leave.return", "leave", root.request_id, at=when.isoformat(),
                 days=str(sum((Decimal(x.days) for x in links), Decimal(0))))
    message, params = _summary(root.request)
    told = set(notifications.people_with_role("lead", team_id=root.employee.team_id))
    told |= set(notifications.people_with_role("supervisor", team_id=root.employee.team_id))
    told.discard(root.employee_id)
    notifications.notify(told, "leave_returned", N_("%(name)s is back from leave"), message,
                         params={**params, "what_id": message, "name": root.employee.name},
                         link=f"/leave/{root.request_id}")
    return leave


def _instant(value) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).strip())
    if not dates.in_range(moment):
        raise ValueError(dates.OUT_OF_RANGE)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.site_zone())
    return moment


# --- certificates (病假证明) ----------------------------------------------------------------------


def _check_certificate(upload: tuple[str, bytes, str]) -> tuple[bytes, str]:
    """The file's bytes and real type, judged by its content. :raise InvalidInput: empty, too large, or
    not a PDF or a JPEG/PNG/WebP photo."""
    _name, data, _declared = upload
    limit = current_app.config.get("CERTIFICATE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    if not data:
        raise InvalidInput(N_("The certificate file is empty."), fields={"certificate": "empty"})
    if len(data) > limit:
        raise InvalidInput(N_("The certificate file is too large."),
                           fields={"certificate": f"at most {max(limit // 1048576, 1)} MB"})
    mime = "application/pdf" if data[:5] == b"%PDF-" else sniff_image(data)
    if mime not in CERTIFICATE_TYPES:
        raise InvalidInput(N_("A certificate is a PDF or a photo (JPEG, PNG or WebP)."),
                           fields={"certificate": "PDF, JPEG, PNG or WebP"})
    if mime == "application/pdf":
        return data, mime  # served only as a download (attachment, nosniff), never shown inline
    try:
        return clean_photo(data, mime), mime  # a photo of a sick note: kept without EXIF (GPS)
    except NotAnImage:
        raise InvalidInput(N_("A certificate is a PDF or a photo (JPEG, PNG or WebP)."),
                           fields={"certificate": "not a readable photo"}) from None


def _store_certificate(actor: Employee, leave: LeaveRequest, data: bytes, mime: str) -> None:
    folder = Path(current_app.instance_path) / "certificates"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{CERTIFICATE_TYPES[mime]}"
    (folder / name).write_bytes(data)
    relative = f"certificates/{name}"
    on_rollback(lambda: (Path(current_app.instance_path) / relative).unlink(missing_ok=True))
    previous = leave.certificate_sha256
    leave.certificate_path, leave.certificate_type = relative, mime
    leave.certificate_sha256 = hashlib.sha256(data).hexdigest()
    leave.certificate_at, leave.certificate_by = utcnow(), actor
    audit.record(actor, "leave.certificate", "leave", leave.request_id, sha256=leave.certificate_sha256,
                 replaces=previous)


@use_case
def add_certificate(actor: Employee, request_id: int, upload: tuple[str, bytes, str]) -> LeaveRequest:
    """``POST /leave-requests/{id}/certificate``: the person (or their lead) brings the certificate. A leave
    counted as personal for want of it counts as its own type again, and its days are judged again."""
    leave = get_leave(actor, request_id)
    if actor.id not in (leave.request.requester_id, leave.employee_id) and not (
            allowed(actor.roles, "leave.file_for") and people.can_see(actor, leave.employee)):
        raise Forbidden(N_("The certificate is brought by the person or their lead."))
    if leave.status in ("rejected", "cancelled"):
        raise Conflict(N_("This leave is rejected or cancelled."), code="already_decided")
    data, mime = _check_certificate(upload)
    requests.lock_request(request_id)
    root = _root(leave)  # one certificate for a leave and its extensions
    _store_certificate(actor, root, data, mime)
    for link in _links(root):
        if link.counted_as != link.leave_type:
            link.counted_as, link.certificate_missed_at = link.leave_type, None
            _rejudge(actor, _pairs(link, end=effective_end(link)))
    return leave


def certificate_of(leave: LeaveRequest) -> LeaveRequest:
    """The link of a leave that holds its certificate: the first (an extension shares it)."""
    return _root(leave)


def may_see_certificate(viewer: Employee, leave: LeaveRequest) -> bool:
    """The person, whoever asked, the leave's approvers and HR; nobody else (it is medical)."""
    return (viewer.id in (leave.request.requester_id, leave.employee_id) or is_approver(viewer, leave)
            or allowed(viewer.roles, "leave.certificates"))


@use_case
def certificate_file(viewer: Employee, request_id: int) -> tuple[Path, str]:
    """The stored certificate for someone allowed to see it; every view is recorded. :raise NotFound."""
    leave = get_leave(viewer, request_id)
    holder = certificate_of(leave)
    if not holder.certificate_path or not may_see_certificate(viewer, leave):
        raise NotFound(f"no certificate for leave {request_id}")
    audit.record(viewer, "leave.certificate.view", "leave", request_id, sha256=holder.certificate_sha256)
    return Path(current_app.instance_path) / holder.certificate_path, holder.certificate_type


def certificate_due(leave: LeaveRequest, policy) -> date:
    """The last day the certificate may be brought: the day of return plus the policy's days."""
    back = (leave.returned_at.astimezone(clock.site_zone()).date() if leave.returned_at
            else leave.end_day + timedelta(days=1))
    return back + timedelta(days=policy.leave.certificate_days_after_return)


@use_case
def apply_missing_certificates(actor: Employee | None = None, today: date | None = None) -> int:
    """The nightly check: an approved leave that needs a certificate and has none after its due day counts
    as the policy's ``without_certificate`` type from now on; the person and their lead are told, and its
    days are judged again. Returns how many leaves changed."""
    today = today or clock.today()
    policy = policy_service.in_force(today).policy
    if policy.leave.without_certificate == "keep":
        return 0
    needing = [t for t in LEAVE_TYPES if policy.leave.needs_certificate(t) and t != policy.leave.without_certificate]
    if not needing:
        return 0
    candidates = db.session.scalars(
        select(LeaveRequest).join(Request, Request.id == LeaveRequest.request_id)
        .options(joinedload(LeaveRequest.request), joinedload(LeaveRequest.employee))
        .where(Request.status == "approved", LeaveRequest.cancelled_at.is_(None), LeaveRequest.extends_id.is_(None),
               LeaveRequest.certificate_path.is_(None), LeaveRequest.certificate_missed_at.is_(None),
               LeaveRequest.leave_type.in_(needing), LeaveRequest.end_day < today)).all()
    changed = 0
    for root in candidates:
        links = _links(root)
        if certificate_due(links[-1], policy) >= today:
            continue
        for link in links:
            link.counted_as, link.certificate_missed_at = policy.leave.without_certificate, utcnow()
            _rejudge(actor, _pairs(link, end=effective_end(link)))
        audit.record(actor, "leave.certificate_missed", "leave", root.request_id, counted_as=root.counted_as)
        told = {root.employee_id} | set(notifications.people_with_role("lead", team_id=root.employee.team_id))
        message, params = _summary(root.request)
        notifications.notify(told, "leave_certificate_missed",
                             N_("No certificate: %(what)s now counts as %(as)s"), "",
                             params={**params, "what_id": message, "as_id": TYPE_NAMES[root.counted_as],
                                     "name": root.employee.name}, link=f"/leave/{root.request_id}")
        changed += 1
    return changed


# --- reading -------------------------------------------------------------------------------------


def get_leave(viewer: Employee, request_id: int) -> LeaveRequest:
    """A leave the viewer asked, is the subject of, or reaches. :raise NotFound: otherwise."""
    request = requests.get(viewer, request_id, kind="leave")
    return request.leave


def _listing(viewer: Employee):
    return (select(Request).join(LeaveRequest, LeaveRequest.request_id == Request.id)
            .join(Employee, Employee.id == Request.subject_id)
            .where(Request.kind == "leave", people.visible_clause(viewer))
            .options(selectinload(Request.steps).joinedload(ApprovalStep.decided_by),
                     joinedload(Request.subject).joinedload(Employee.team), joinedload(Request.requester),
                     joinedload(Request.leave)))


STATUSES = ("pending", "approved", "rejected", "cancelled")


def list_leave(viewer: Employee, *, employee_no: str | None = None, status: str | None = None, start=None,
               end=None, team: str | None = None, leave_type: str | None = None, limit: int = 50,
               cursor: str | None = None) -> paging.Page:
    """``GET /leave-requests``: leaves the viewer may see (staff: their own), newest first; ``from``/``to``
    keep those touching the range. HR's register is this list with ``status=approved``."""
    stmt = _listing(viewer)
    if employee_no:
        stmt = stmt.where(Request.subject_id == people.visible_employee(viewer, employee_no).id)
    if team:
        stmt = stmt.where(Employee.team_id == people.visible_team(viewer, team).id)
    if status:
        if status not in STATUSES:
            raise InvalidInput(N_("Unknown status."), fields={"status": ", ".join(STATUSES)})
        if status == "cancelled":
            stmt = stmt.where(or_(Request.status == "withdrawn", LeaveRequest.cancelled_at.is_not(None)))
        else:
            stmt = stmt.where(Request.status == status, LeaveRequest.cancelled_at.is_(None))
    if leave_type:
        if leave_type not in LEAVE_TYPES:
            raise InvalidInput(N_("Unknown leave type."), fields={"type": ", ".join(LEAVE_TYPES)})
        stmt = stmt.where(LeaveRequest.leave_type == leave_type)
    if start not in (None, ""):
        stmt = stmt.where(LeaveRequest.end_day >= dates.parse_day(start, "from"))
    if end not in (None, ""):
        stmt = stmt.where(LeaveRequest.start_day <= dates.parse_day(end, "to"))
    return paging.paginate(stmt, Request.id, limit=limit, cursor=cursor, descending=True)


def covers(employee_ids, start: date, end: date) -> list[LeaveRequest]:
    """Approved, live leaves of these people touching the range (for attendance, the roster and the roll)."""
    return live_leaves(employee_ids, start, end)


# --- for the pages: the form's hint, what a viewer may do now, the register, the team calendar ----


@dataclass(frozen=True)
class Preview:
    """What a leave asked with these fields would come to, before it is filed: the form's hint, and the
    facts a refusal is explained with. Nothing is stored; a field not readable yet leaves its facts None."""

    person: Employee
    leave_type: str | None
    start: date | None
    end: date | None
    days: Decimal | None  # working days on the person's roster (None: the dates are not readable yet)
    balance: BalanceRow | None  # the type's row for the start's year (None: no type yet)
    chain: tuple[str, ...]  # the roles that will decide, in order (empty: not known yet, or no chain)
    approvers: dict[str, list[str]]  # role -> the names of the people who may decide that step
    notice: timedelta | None  # how long ahead it is asked (an emergency: how long after it starts it may be)
    ask_by: datetime | None  # the latest moment to ask (an emergency: to file)
    in_time: bool | None  # whether now is before ``ask_by`` (None: not known yet)
    emergency: bool
    overlapping: tuple[LeaveRequest, ...]  # the person's live leaves sharing a day with it
    needs_certificate: bool
    certificate_days_after_return: int


def _readable_days(data: dict) -> tuple[date | None, date | None, str | None]:
    try:
        start = dates.parse_day(data.get("start"), "start")
    except InvalidInput:
        return None, None, None
    try:
        end = dates.parse_day(data.get("end"), "end") if data.get("end") not in (None, "") else start
    except InvalidInput:
        return start, None, None
    if end < start or (end - start).days >= MAX_SPAN_DAYS:
        return start, None, None
    half_day = str(data.get("half_day") or "").strip() or None
    return start, end, half_day if half_day in rules.HALF_DAYS and start == end else None


def preview(actor: Employee, data: dict) -> Preview:
    """The form's hint for ``data`` (the fields of ``file_leave``, any of them missing or not yet valid):
    the person's balance of the type, the days on their roster, the chain and its approvers, the notice.
    Reads only. :raise NotFound, Forbidden: a person the actor may not file for (as ``file_leave``)."""
    person = _subject(actor, data)
    policy = _policy().policy
    leave_type = str(data.get("type") or "").strip()
    leave_type = leave_type if leave_type in LEAVE_TYPES else None
    emergency = _flag(data.get("emergency"))
    start, end, half_day = _readable_days(data)
    days = chain = notice = ask_by = None
    overlapping: tuple[LeaveRequest, ...] = ()
    if start and end:
        rostered, cells = _rostered(person.id, start, end)
        days = rules.leave_days(start, end, half_day, rostered, set(calendar.public_holidays(start, end)))
        overlapping = tuple(_live_leaves(person.id, start, end))
        begins = _starts_at(cells, start, half_day)
        if emergency:
            notice = timedelta(hours=policy.leave.emergency_report_hours)
            ask_by = begins + notice
        elif leave_type and days:
            notice = rules.notice_needed(policy.leave, leave_type, days)
            ask_by = begins - notice
    if leave_type and days:
        try:
            chain = rules.chain_for_leave(policy.leave, leave_type, days, frozenset(actor.roles))
        except RuleRefused:
            chain = None
    balance = None
    if leave_type:
        balance = {b.leave_type: b for b in balance_rows(person, (start or clock.today()).year)}[leave_type]
    return Preview(person, leave_type, start, end, days, balance, chain or (), _approver_names(chain or (), person,
                   actor), notice, ask_by, None if ask_by is None else clock.now() <= ask_by, emergency, overlapping,
                   bool(leave_type) and policy.leave.needs_certificate(leave_type),
                   policy.leave.certificate_days_after_return)


def _approver_names(chain: tuple[str, ...], person: Employee, actor: Employee) -> dict[str, list[str]]:
    ids = {role: [i for i in notifications.people_with_role(role, team_id=person.team_id)
                  if i not in (person.id, actor.id)] for role in chain}
    wanted = {i for found in ids.values() for i in found}
    rows = db.session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(wanted))) if wanted else []
    names = {person_id: name for person_id, name in rows}
    return {role: sorted(names[i] for i in found if i in names) for role, found in ids.items()}


def leave_policy():
    """The leave settings in force today (the pages' hints: the extension notice, the certificate days)."""
    return _policy().policy.leave


@dataclass(frozen=True)
class Actions:
    """What the viewer may do with a leave now, for showing its buttons (each use case still decides)."""

    decide: bool
    cancel: str | None  # "cancel": it takes effect; "ask": the person asks their approvers; None: not offered
    extend: bool
    report_back: bool
    add_certificate: bool
    see_certificate: bool


def _begun(leave: LeaveRequest) -> bool:
    _, cells = _rostered(leave.employee_id, leave.start_day, leave.start_day)
    return clock.now() >= _starts_at(cells, leave.start_day, leave.half_day)


def actions(viewer: Employee, leave: LeaveRequest) -> Actions:
    """The buttons a leave's page shows ``viewer``, following ``cancel``, ``extend``, ``report_back`` and
    ``add_certificate``: a button shown may still be refused by a rule (the notice of an extension)."""
    request, status = leave.request, leave.status
    own = viewer.id in (request.requester_id, request.subject_id)
    lead_of = allowed(viewer.roles, "leave.file_for") and people.can_see(viewer, leave.employee)
    running = status == "approved" and leave.returned_at is None
    begun = _begun(leave) if status == "approved" else False
    cancel = None
    if status == "pending" and own:
        cancel = "cancel"
    elif status == "approved" and not begun:
        cancel = "cancel" if is_approver(viewer, leave) else ("ask" if own else None)
    extend = (running and allowed(viewer.roles, "leave.request") and (viewer.id == leave.employee_id or lead_of)
              and _chain_end(leave).end_day >= clock.today())
    back = (running and begun and clock.today() <= leave.end_day + timedelta(days=1)
            and (viewer.id == leave.employee_id or (people.can_see(viewer, leave.employee)
                                                    and reach(viewer.roles) != "self")))
    policy = _policy().policy
    certificate = (status in LIVE and (viewer.id in (request.requester_id, leave.employee_id) or lead_of)
                   and (policy.leave.needs_certificate(leave.leave_type) or leave.certificate_path is not None))
    return Actions(allowed(viewer.roles, "approvals.decide") and requests.may_decide(viewer, request), cancel, extend,
                   back, certificate, bool(leave.certificate_path) and may_see_certificate(viewer, leave))


def extensions(leave: LeaveRequest) -> list[LeaveRequest]:
    """The extensions (续假) asked on this leave, whatever became of them, oldest first."""
    return list(db.session.scalars(select(LeaveRequest).options(joinedload(LeaveRequest.request))
                                   .where(LeaveRequest.extends_id == leave.id).order_by(LeaveRequest.id)))


def leave_register(viewer: Employee, *, month: str | None = None, start=None, end=None, team: str | None = None,
                   leave_type: str | None = None, limit: int = 50, cursor: str | None = None) -> paging.Page:
    """HR's register (请假登记): approved leave touching ``month`` (YYYY-MM) or ``start``..``end``, by team and
    type, newest first. :raise Forbidden: without ``leave.register``."""
    if not allowed(viewer.roles, "leave.register"):
        raise Forbidden(N_("The leave register is for HR and the office."))
    if month not in (None, ""):
        first = dates.parse_month(month)
        start, end = first, dates.add_months(first, 1) - timedelta(days=1)
    return list_leave(viewer, status="approved", start=start, end=end, team=team or None,
                      leave_type=leave_type or None, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class CalendarCell:
    status: str  # approved or pending
    leave_type: str
    half_day: str | None
    request_id: int


@dataclass
class TeamCalendar:
    """Who of a team is off when: one row per person, one column per day."""

    team: Team
    days: list[date]
    people: list[Employee]
    cells: dict[tuple[int, date], CalendarCell]
    rest: set[tuple[int, date]]  # rostered off (a rest day on the roster)
    holidays: dict

    def cell(self, person: Employee, day: date) -> CalendarCell | None:
        return self.cells.get((person.id, day))

    def is_rest(self, person: Employee, day: date) -> bool:
        return (person.id, day) in self.rest

    def off_count(self, day: date) -> int:
        return sum(1 for p in self.people if (p.id, day) in self.cells)


CALENDAR_MAX_DAYS = 62


def team_calendar(viewer: Employee, team_code: str, start: date, days: int = 28) -> TeamCalendar:
    """A team's leave from ``start`` for ``days`` days: approved and pending leave (a leave reported back
    early ends the day before the return), rest days on the roster and public holidays. A fixed number of
    queries whatever the team's size. :raise Forbidden: without ``leave.calendar``. :raise NotFound: a team
    out of reach."""
    if not allowed(viewer.roles, "leave.calendar"):
        raise Forbidden(N_("The team's leave calendar is for leads and the office."))
    team = people.visible_team(viewer, team_code)
    days = max(1, min(int(days), CALENDAR_MAX_DAYS))
    end = start + timedelta(days=days - 1)
    members = people.team_members(team)
    ids = [p.id for p in members]
    cells: dict[tuple[int, date], CalendarCell] = {}
    if ids:
        rows = db.session.execute(
            select(LeaveRequest, Request.status).join(Request, Request.id == LeaveRequest.request_id)
            .where(LeaveRequest.employee_id.in_(ids), Request.status.in_(LIVE), LeaveRequest.cancelled_at.is_(None),
                   LeaveRequest.start_day <= end, LeaveRequest.end_day >= start)
            .order_by(LeaveRequest.start_day))
        for leave, status in rows:
            for day in _span(max(leave.start_day, start), min(effective_end(leave), end)):
                known = cells.get((leave.employee_id, day))
                if known is None or known.status != "approved":
                    cells[(leave.employee_id, day)] = CalendarCell(status, leave.leave_type, leave.half_day,
                                                                   leave.request_id)
    rest = {key for key, entry in roster_cells(ids, start, end).items() if entry.shift_type_id is None}
    return TeamCalendar(team, _span(start, end), members, cells, rest, calendar.holidays(start, end))


__all__ = ["Actions", "BalanceRow", "CalendarCell", "Preview", "TYPE_NAMES", "TeamCalendar", "actions",
           "add_certificate", "apply_missing_certificates", "balance_rows", "balances", "cancel", "certificate_file",
           "covers", "extend", "extensions", "file_leave", "get_leave", "leave_policy", "leave_register", "list_leave",
           "preview", "report_back", "set_entitlement", "team_calendar"]
