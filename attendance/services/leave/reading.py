"""Reading leave: one leave, the list (and HR's register is that list), the approved leave covering days.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from attendance.domain import dates
from attendance.domain.errors import N_, InvalidInput
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.models import ApprovalStep, Employee, LeaveRequest, Request
from attendance.models.leave import live_leaves
from attendance.services import paging, people, requests

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
