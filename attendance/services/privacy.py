"""What the product holds about a person, for their own copy (PIPL Art. 45), and the record of who looked at
sensitive files (PIPL Art. 28): photos of violations and leave certificates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from attendance import clock
from attendance.extensions import db
from attendance.models import (
    Appeal,
    ApprovalStep,
    AttendanceDay,
    DismissalReview,
    Employee,
    GroomingCheck,
    GroomingFailure,
    LeaveEntitlement,
    LeaveRequest,
    LedgerEntry,
    MeetingAttendance,
    Notification,
    PayrollDeduction,
    Punch,
    PunchCorrection,
    Request,
    RosterEntry,
    ScoreSnapshot,
    Swap,
    Team,
    Violation,
)
from attendance.reporting import personal_export
from attendance.services import audit
from attendance.services.transaction import use_case

# Never part of anyone's copy: secrets; where files sit on the server (the files' hashes are kept); and a
# ledger entry's link to the entry before it in the one chain, which is usually someone else's.
OMITTED_COLUMNS = {"password_hash", "session_generation", "evidence_path", "certificate_path", "prev_hash"}


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(model, *where) -> list[dict]:
    table = model.__table__
    columns = [c for c in table.c if c.name not in OMITTED_COLUMNS]
    key = table.c.id if "id" in table.c else columns[0]
    result = db.session.execute(select(*columns).where(*where).order_by(key))
    return [{name: _plain(value) for name, value in row._mapping.items()} for row in result]


def personal_data(person: Employee) -> dict[str, list[dict]]:
    """Everything held about ``person``, one list of plain rows per kind; nothing about anyone else beyond
    the ids on the person's own rows (who recorded or decided them)."""
    me = person.id
    profile = _rows(Employee, Employee.id == me)
    for row in profile:
        row["roles"] = ", ".join(sorted(person.roles))
        team = db.session.get(Team, person.team_id) if person.team_id else None
        row["team"] = f"{team.code} {team.name}" if team else None
    requests = _rows(Request, or_(Request.requester_id == me, Request.subject_id == me))
    request_ids = [r["id"] for r in requests]
    checks = _rows(GroomingCheck, GroomingCheck.employee_id == me)
    return {
        "profile": profile,
        "punches": _rows(Punch, Punch.employee_id == me),
        "roster": _rows(RosterEntry, RosterEntry.employee_id == me),
        "attendance_days": _rows(AttendanceDay, AttendanceDay.employee_id == me),
        "meetings": _rows(MeetingAttendance, MeetingAttendance.employee_id == me),
        "requests": requests,
        "approval_steps": _rows(ApprovalStep, ApprovalStep.request_id.in_(request_ids)),
        "corrections": _rows(PunchCorrection, PunchCorrection.employee_id == me),
        "leave": _rows(LeaveRequest, LeaveRequest.employee_id == me),
        "leave_entitlements": _rows(LeaveEntitlement, LeaveEntitlement.employee_id == me),
        "swaps": _rows(Swap, or_(Swap.requester_id == me, Swap.counterpart_id == me)),
        "grooming_checks": checks,
        "grooming_failures": _rows(GroomingFailure, GroomingFailure.check_id.in_([c["id"] for c in checks])),
        "violations": _rows(Violation, Violation.employee_id == me),
        "appeals": _rows(Appeal, Appeal.employee_id == me),
        "dismissal_reviews": _rows(DismissalReview, DismissalReview.employee_id == me),
        "ledger": _rows(LedgerEntry, LedgerEntry.employee_id == me),
        "scores": _rows(ScoreSnapshot, ScoreSnapshot.employee_id == me),
        "payroll": _rows(PayrollDeduction, PayrollDeduction.employee_id == me),
        "notifications": _rows(Notification, Notification.employee_id == me),
    }


@use_case
def export_own_data(person: Employee) -> tuple[str, bytes]:
    """The caller's own data as a ZIP (JSON and one XLSX, a sheet per kind), and its file name; audited."""
    data = personal_data(person)
    made = clock.now()
    body = personal_export.to_zip(data, person.employee_no, made)
    audit.record(person, "privacy.export", "employee", person.employee_no,
                 kinds=len(data), rows=sum(len(rows) for rows in data.values()))
    return f"my-data-{person.employee_no}-{made:%Y%m%d}.zip", body
