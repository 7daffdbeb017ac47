"""Transfers off the post (调岗, 000 §10 二.7): a ladder step records the decision; HR completes it, saying what
was done (the new post, from when). Reversing the violation cancels one not yet completed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from attendance.domain.discipline import TRANSFER_STATUSES
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import Employee, Transfer, Violation
from attendance.models.types import utcnow
from attendance.services import audit, notifications, people
from attendance.services.discipline.inputs import MAX_ID, _text
from attendance.services.paging import Page, paginate
from attendance.services.transaction import use_case


def _query():
    return (select(Transfer).join(Employee, Transfer.employee_id == Employee.id)
            .options(joinedload(Transfer.employee).joinedload(Employee.team),
                     joinedload(Transfer.violation).joinedload(Violation.recorded_by),
                     joinedload(Transfer.completed_by)))


def transfers(viewer: Employee, status: str | None = "pending", *, limit: int = 50,
              cursor: str | None = None) -> Page:
    """The transfers among the people ``viewer`` may see, oldest first. :raise InvalidInput: unknown status."""
    if status is not None and status not in TRANSFER_STATUSES:
        raise InvalidInput(f"unknown status {status}", fields={"status": "one of " + ", ".join(TRANSFER_STATUSES)})
    stmt = _query().where(people.visible_clause(viewer))
    if status:
        stmt = stmt.where(Transfer.status == status)
    return paginate(stmt, Transfer.id, limit=limit, cursor=cursor)


def get_transfer(viewer: Employee, transfer_id: int) -> Transfer:
    row = None if not 0 < transfer_id <= MAX_ID else db.session.scalar(_query().where(Transfer.id == transfer_id))
    if row is None or not people.can_see(viewer, row.employee):
        raise NotFound(f"no transfer {transfer_id}")
    return row


def transfer_of(violation: Violation) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.violation_id == violation.id))


@use_case
def complete_transfer(actor: Employee, transfer_id: int, note: str) -> Transfer:
    """HR records the transfer done, with what was done. :raise Conflict: not pending. :raise Forbidden: own."""
    row = get_transfer(actor, transfer_id)
    note = _text(note, "note", required=True)
    if row.employee_id == actor.id:
        raise Forbidden("nobody completes their own transfer")
    row = db.session.scalar(select(Transfer).where(Transfer.id == transfer_id).with_for_update()
                            .execution_options(populate_existing=True))
    if row.status != "pending":
        raise Conflict(f"transfer {transfer_id} is {row.status}")
    row.status, row.note, row.completed_by_id, row.completed_at = "done", note, actor.id, utcnow()
    audit.record(actor, "transfer.complete", "transfer", row.id, note=note, violation=row.violation_id,
                 employee=row.employee.employee_no)
    notifications.notify([row.employee_id], "transfer_completed", N_("Your transfer was completed"),
                         N_("HR: %(note)s"), params={"note": note}, link=f"/violations/{row.violation_id}/explanation")
    return row
