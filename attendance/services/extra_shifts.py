"""Extra shifts (加班) as a request through the approval chain: ask for one (for oneself, or a lead for a team
member), the policy's approvers decide it in the inbox, approval fixes the kind of day it falls on; the
approved hours by day type for the 考勤表, the roster and the month's figures. No pay is computed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain import approvals, dates
from attendance.domain import extra_shifts as rules
from attendance.domain.errors import N_, Forbidden, InvalidInput, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import ApprovalStep, Employee, ExtraShift, Request
from attendance.models.shifts import roster_cells
from attendance.services import calendar, paging, people, requests
from attendance.services import policy as policy_service
from attendance.services.transaction import use_case

MAX_REASON = 500
REST = "REST"


def settings():
    """The extra-shift settings in force today (the form's hint)."""
    return policy_service.in_force(clock.today()).policy.extra_shifts


def _day_type(person_id: int, day: date) -> str:
    entry = roster_cells([person_id], day, day).get((person_id, day))
    rostered = entry is not None and entry.shift_type is not None and entry.shift_type.code != REST
    return rules.day_type(day, rostered_shift=rostered, public_holidays=calendar.public_holidays(day, day))


def read(data: dict) -> tuple[rules.Asked, str]:
    """The day, start, end and reason of a form or API body. :raise InvalidInput: every bad field at once."""
    errors: dict[str, str] = {}
    day = start = end = None
    try:
        day = dates.parse_day(data.get("date"), "date")
    except InvalidInput as exc:
        errors.update(exc.fields)
    for field in ("start", "end"):
        try:
            value = rules.parse_time(data.get(field), field)
        except InvalidInput as exc:
            errors.update(exc.fields)
        else:
            start, end = (value, end) if field == "start" else (start, value)
    reason = str(data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = N_("required")
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"at most {MAX_REASON} characters"
    if start is not None and end is not None and start == end:
        errors["end"] = N_("the same as the start")
    if errors:
        raise InvalidInput(N_("The extra shift has bad fields."), fields=errors)
    return rules.Asked(day, start, end), reason


@use_case
def file(actor: Employee, data: dict) -> Request:
    """``POST /extra-shifts``: ``employee_no`` (default oneself; a lead may file for their team), ``date``,
    ``start``, ``end`` (HH:MM; an end at or before the start is the morning after), ``reason``.

    :raise InvalidInput: a bad field. :raise NotFound: a person out of reach. :raise Forbidden: someone
    else's, without being their lead. :raise RuleRefused: ``extra_shift_too_long``, ``extra_shift_window``,
    ``extra_shift_overlap``.
    """
    asked, reason = read(data)
    employee_no = str(data.get("employee_no") or "").strip() or actor.employee_no
    subject = people.visible_employee(actor, employee_no)
    if subject.id != actor.id and not (allowed(actor.roles, "extra_shifts.file_for") and reach(actor.roles) != "self"):
        raise Forbidden(N_("An extra shift for someone else is filed by their lead."))
    in_force = policy_service.in_force(asked.day)
    settings_ = in_force.policy.extra_shifts
    length = rules.check(asked, clock.today(), max_hours=settings_.max_hours, within_days=settings_.within_days)
    start_at, end_at = rules.window(asked, clock.site_zone())
    people.lock(subject.id)  # two asks for the same hours: the overlap is read and written in one step
    _check_overlap(subject.id, start_at, end_at)
    chain = approvals.chain_for(settings_.approvers, frozenset(actor.roles) | frozenset(subject.roles))
    request = requests.start(actor, "extra_shift", subject, chain, policy_version_id=in_force.version.id)
    request.extra_shift = ExtraShift(employee_id=subject.id, day=asked.day, start_at=start_at, end_at=end_at,
                                     minutes=length, day_type=_day_type(subject.id, asked.day), reason=reason)
    db.session.flush()
    requests.submitted(request)
    return request


def _check_overlap(employee_id: int, start_at, end_at) -> None:
    clash = db.session.scalar(
        select(ExtraShift.id).join(Request, Request.id == ExtraShift.request_id)
        .where(ExtraShift.employee_id == employee_id, Request.status.in_(("pending", "approved")),
               ExtraShift.start_at < end_at, ExtraShift.end_at > start_at).limit(1))
    if clash is not None:
        raise RuleRefused(N_("These hours overlap an extra shift already asked for."), code="extra_shift_overlap",
                          fields={"start": N_("overlaps another extra shift")})


# --- the kind ------------------------------------------------------------------------------------


def _summary(request: Request) -> tuple[str, dict]:
    e = request.extra_shift
    zone = clock.site_zone()
    return N_("Extra shift on %(day)s, %(start)s–%(end)s (%(hours)s h)"), {
        "day": e.day.isoformat(), "start": e.start_at.astimezone(zone).strftime("%H:%M"),
        "end": e.end_at.astimezone(zone).strftime("%H:%M"), "hours": rules.hours(e.minutes), "reason": e.reason}


def _approved(actor: Employee, request: Request) -> None:
    # The kind of day is the roster's and the calendar's when it is approved (a rest day rostered since).
    e = request.extra_shift
    e.day_type = _day_type(e.employee_id, e.day)


requests.register(requests.Kind("extra_shift", _summary, _approved, lambda r: f"/requests/{r.id}"))


# --- reading -------------------------------------------------------------------------------------


def list_extra_shifts(viewer: Employee, *, employee_no: str | None = None, month=None, status: str | None = None,
                      limit: int = 50, cursor: str | None = None) -> paging.Page:
    """``GET /extra-shifts``: those the viewer may see (staff: their own), newest first."""
    stmt = (select(Request).join(ExtraShift, ExtraShift.request_id == Request.id)
            .join(Employee, Employee.id == Request.subject_id)
            .where(Request.kind == "extra_shift", people.visible_clause(viewer))
            .options(selectinload(Request.steps).joinedload(ApprovalStep.decided_by),
                     joinedload(Request.subject), joinedload(Request.requester), joinedload(Request.extra_shift)))
    if employee_no:
        stmt = stmt.where(Request.subject_id == people.visible_employee(viewer, employee_no).id)
    if status:
        if status not in approvals.STATUSES:
            raise InvalidInput(N_("Unknown status."), fields={"status": ", ".join(approvals.STATUSES)})
        stmt = stmt.where(Request.status == status)
    if month not in (None, ""):
        first = month if isinstance(month, date) else dates.parse_month(month)
        stmt = stmt.where(ExtraShift.day >= first, ExtraShift.day < dates.add_months(first, 1))
    return paging.paginate(stmt, Request.id, limit=limit, cursor=cursor, descending=True)


__all__ = ["file", "list_extra_shifts", "read", "settings"]
