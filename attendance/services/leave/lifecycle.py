"""After filing: what approval does (the ``leave`` kind of request registers here), cancelling, reporting
back (销假), withdrawing what still waits, and who is one of a leave's approvers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from attendance import clock
from attendance.domain import dates
from attendance.domain import leave as rules
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, RuleRefused
from attendance.domain.permissions import reach
from attendance.extensions import db
from attendance.models import Employee, LeaveRequest, Request
from attendance.models.types import utcnow
from attendance.services import audit, calendar, notifications, people, requests
from attendance.services.leave.common import (
    TYPE_NAMES,
    _links,
    _pairs,
    _policy,
    _rejudge,
    _root,
    _rostered,
    _starts_at,
    _text,
    effective_end,
)
from attendance.services.leave.reading import get_leave
from attendance.services.transaction import use_case

# --- after approval: covered days, cancelling, returning ----------------------------------------


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


# Registered when the package is imported (its __init__ imports this module), before any leave is decided.
def _cover_change(request: Request) -> dict:
    """A whole-day leave takes its days off the roster (half a day still counts the person: docs/rules.md §5b)."""
    leave = request.leave
    if leave is None or leave.half_day is not None:
        return {}
    days = (leave.end_day - leave.start_day).days + 1
    return {(leave.employee_id, leave.start_day + timedelta(days=i)): None for i in range(min(days, 366))}


requests.register(requests.Kind("leave", _summary, _approved, lambda r: f"/leave/{r.id}",
                                cover_change=_cover_change))


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
        raise InvalidInput(N_("Give the time as 2026-11-03T09:00."),
                           fields={"at": N_("a time like 2026-11-03T09:00")}) \
            from None
    root = links[0]
    _, cells = _rostered(root.employee_id, root.start_day, root.start_day)
    if when < _starts_at(cells, root.start_day, root.half_day) or when > clock.now():
        raise InvalidInput(N_("The return is after the leave began and not in the future."),
                           fields={"at": N_("between the start of the leave and now")})
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
