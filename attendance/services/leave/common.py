"""What the parts of leave share: the limits, the type names, the policy in force, the reason's text, the
roster behind a leave (its days, when it begins), the days a leave covers, a leave and its extensions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain.errors import N_, InvalidInput
from attendance.extensions import db
from attendance.models import Employee, LeaveRequest, Request, RosterEntry
from attendance.models.shifts import roster_cells
from attendance.services import attendance as attendance_service
from attendance.services import policy as policy_service

MAX_REASON = 500
MAX_SPAN_DAYS = 366  # one leave (an extension included) covers at most a year of calendar days
LIVE = ("pending", "approved")

# The type's name as a catalog message id, so stored notifications are translated when read.
TYPE_NAMES = {
    "personal": N_("Personal leave"), "sick": N_("Sick leave"), "marriage": N_("Marriage leave"),
    "maternity": N_("Maternity leave"), "bereavement": N_("Bereavement leave"),
    "in_lieu": N_("Time off in lieu"), "annual": N_("Annual leave"), "work_injury": N_("Work-injury leave"),
}


def _policy():
    return policy_service.in_force(clock.today())


# --- reading the input ---------------------------------------------------------------------------


def _text(value, field: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("Give a reason."), fields={field: N_("required")})
    if len(text) > MAX_REASON:
        raise InvalidInput(N_("The reason is too long."),
                           fields={field: N_("at most %(max_reason)s characters", max_reason=MAX_REASON)})
    return text


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on", "y")


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


# --- the person's other leaves ------------------------------------------------------------------


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


# --- a leave and its extensions (续假) ------------------------------------------------------------


def _root(leave: LeaveRequest) -> LeaveRequest:
    while leave.extends is not None:
        leave = leave.extends
    return leave


def _chain_end(leave: LeaveRequest) -> LeaveRequest:
    """The last approved, live link of a leave and its extensions."""
    return _links(leave)[-1]


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


# --- covered days -------------------------------------------------------------------------------


def _pairs(leave: LeaveRequest, start: date | None = None, end: date | None = None) -> set[tuple[int, date]]:
    first, last = start or leave.start_day, end or leave.end_day
    if last < first:
        return set()
    return {(leave.employee_id, day) for day in _span(first, last)}


def _rejudge(actor: Employee | None, pairs: set[tuple[int, date]]) -> None:
    """Judge again the days a leave now covers or no longer covers: an ABSENT raised before the leave was
    approved is reversed; a day no longer covered is judged on its punches."""
    attendance_service.reevaluate(actor, pairs)
