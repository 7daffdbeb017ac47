"""What the product holds about a person, for their own copy (PIPL Art. 45), and the record of who looked at
sensitive files (PIPL Art. 28): photos of violations and leave certificates. Files past their retention
period (photos, certificates, the files handed in with work reports) are deleted, the records kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from attendance import clock
from attendance.domain import dates
from attendance.extensions import db
from attendance.models import (
    Appeal,
    ApprovalStep,
    AttendanceDay,
    AuditEvent,
    DismissalReview,
    Employee,
    ExtraShift,
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
    QualityInspection,
    Request,
    RewardNomination,
    RosterEntry,
    ScoreSnapshot,
    Swap,
    Team,
    TrainingDay,
    Transfer,
    Violation,
    WorkReport,
)
from attendance.models.types import utcnow
from attendance.reporting import personal_export
from attendance.services import audit
from attendance.services import policy as policy_service
from attendance.services.transaction import on_commit, use_case

RETENTION = "retention"  # why a file was deleted: its retention period was over

# Never part of anyone's copy: secrets; where files sit on the server (the files' hashes are kept); and a
# ledger entry's link to the entry before it in the one chain, which is usually someone else's.
OMITTED_COLUMNS = {"password_hash", "session_generation", "evidence_path", "certificate_path", "prev_hash",
                   "file_path"}


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
        "extra_shifts": _rows(ExtraShift, ExtraShift.employee_id == me),
        "inspections": _rows(QualityInspection, QualityInspection.employee_id == me),
        "work_reports": _rows(WorkReport, WorkReport.employee_id == me),
        "grooming_checks": checks,
        "grooming_failures": _rows(GroomingFailure, GroomingFailure.check_id.in_([c["id"] for c in checks])),
        "violations": _rows(Violation, Violation.employee_id == me),
        "appeals": _rows(Appeal, Appeal.employee_id == me),
        "dismissal_reviews": _rows(DismissalReview, DismissalReview.employee_id == me),
        "training_days": _rows(TrainingDay, TrainingDay.employee_id == me),
        "transfers": _rows(Transfer, Transfer.employee_id == me),
        "reward_nominations": _rows(RewardNomination, RewardNomination.employee_id == me),
        "ledger": _rows(LedgerEntry, LedgerEntry.employee_id == me),
        "scores": _rows(ScoreSnapshot, ScoreSnapshot.employee_id == me),
        "payroll": _rows(PayrollDeduction, PayrollDeduction.employee_id == me),
        "notifications": _rows(Notification, Notification.employee_id == me),
    }


def own_files(person: Employee) -> dict[str, bytes]:
    """The files the person handed in themselves (work reports' files not yet deleted by retention), by the name
    they take in the copy: ``work_reports/<report id>-<file name>``. A file missing on disk is left out (its row,
    with its hash, is in the copy all the same)."""
    root = Path(current_app.instance_path)
    out: dict[str, bytes] = {}
    for rid, path, name in db.session.execute(
            select(WorkReport.id, WorkReport.file_path, WorkReport.file_name)
            .where(WorkReport.employee_id == person.id, WorkReport.file_path.is_not(None),
                   WorkReport.file_removed_at.is_(None)).order_by(WorkReport.id)):
        file = root / path
        if file.is_file():
            out[f"work_reports/{rid}-{Path(name or 'report').name}"] = file.read_bytes()
    return out


@use_case
def export_own_data(person: Employee) -> tuple[str, bytes]:
    """The caller's own data as a ZIP (JSON and one XLSX, a sheet per kind, and the files they handed in), and
    its file name; audited."""
    data = personal_data(person)
    files = own_files(person)
    made = clock.now()
    body = personal_export.to_zip(data, person.employee_no, made, files)
    audit.record(person, "privacy.export", "employee", person.employee_no,
                 kinds=len(data), rows=sum(len(rows) for rows in data.values()), files=len(files))
    return f"my-data-{person.employee_no}-{made:%Y%m%d}.zip", body


# --- sensitive files: who viewed them, and deleting them once their retention period is over -------------

SENSITIVE_VIEWS = ("violation.evidence.view", "leave.certificate.view")


@dataclass(frozen=True)
class SensitiveView:
    at: datetime
    viewer: str  # name and employee no. (or "—": a command)
    what: str  # the audit action: violation.evidence.view / leave.certificate.view
    key: str  # the violation's id, the leave request's id
    sha256: str | None


def sensitive_views(limit: int = 200) -> list[SensitiveView]:
    """The latest views of sensitive files (evidence photos, leave certificates), newest first."""
    rows = db.session.execute(
        select(AuditEvent.at, Employee.name, Employee.employee_no, AuditEvent.action,
               AuditEvent.entity_key, AuditEvent.details)
        .outerjoin(Employee, Employee.id == AuditEvent.actor_id)
        .where(AuditEvent.action.in_(SENSITIVE_VIEWS))
        .order_by(AuditEvent.id.desc()).limit(limit))
    return [SensitiveView(at, f"{name} {number}" if name else "—", action, key, (details or {}).get("sha256"))
            for at, name, number, action, key, details in rows]


@dataclass(frozen=True)
class ExpiredFile:
    kind: str  # "photo" (a violation's evidence), "certificate" (a leave's) or "report_file" (a work report's)
    record_id: int  # the violation's id, the leave request's id, the work report's id
    event_day: date
    sha256: str | None
    path: str


def retention_cutoff(today: date, months: int) -> date:
    """Files of events before this day are past their retention: ``months`` whole months are counted from the
    end of the event's month, so an event in March 2024 kept 24 months goes on 1 April 2026."""
    return dates.add_months(today, -months)


def expired_files(today: date | None = None) -> list[ExpiredFile]:
    today = today or clock.today()
    keep = policy_service.in_force(today).policy.retention
    photos_before = datetime.combine(retention_cutoff(today, keep.photos_months), time(0), clock.site_zone())
    certificates_before = retention_cutoff(today, keep.certificates_months)
    # a work report's file counts from the day it was handed in (the event the person remembers)
    reports_before = datetime.combine(retention_cutoff(today, keep.work_report_files_months), time(0),
                                      clock.site_zone())
    photos = db.session.execute(
        select(Violation.id, Violation.occurred_at, Violation.evidence_sha256, Violation.evidence_path)
        .where(Violation.evidence_path.is_not(None), Violation.evidence_removed_at.is_(None),
               Violation.occurred_at < photos_before).order_by(Violation.id))
    certificates = db.session.execute(
        select(LeaveRequest.request_id, LeaveRequest.end_day, LeaveRequest.certificate_sha256,
               LeaveRequest.certificate_path)
        .where(LeaveRequest.certificate_path.is_not(None), LeaveRequest.certificate_removed_at.is_(None),
               LeaveRequest.end_day < certificates_before).order_by(LeaveRequest.id))
    reports = db.session.execute(
        select(WorkReport.id, WorkReport.handed_in_at, WorkReport.file_sha256, WorkReport.file_path)
        .where(WorkReport.file_path.is_not(None), WorkReport.file_removed_at.is_(None),
               WorkReport.handed_in_at < reports_before).order_by(WorkReport.id))
    zone = clock.site_zone()
    return ([ExpiredFile("photo", vid, at.astimezone(zone).date(), sha, path) for vid, at, sha, path in photos]
            + [ExpiredFile("certificate", rid, day, sha, path) for rid, day, sha, path in certificates]
            + [ExpiredFile("report_file", rid, at.astimezone(zone).date(), sha, path)
               for rid, at, sha, path in reports])


@use_case
def apply_retention(actor: Employee | None, today: date | None = None, *, dry_run: bool = False
                    ) -> list[ExpiredFile]:
    """Delete the sensitive files past the policy's ``retention`` (evidence photos, leave certificates, work
    reports' files). The
    rows keep the path and the file's SHA-256 and say when and why it went; the ledger never held the files,
    so ``ledger verify`` still passes. The files go only once the marks are committed. ``dry_run``: only
    list them."""
    expired = expired_files(today)
    if dry_run or not expired:
        return expired
    now = utcnow()
    photos = [f.record_id for f in expired if f.kind == "photo"]
    certificates = [f.record_id for f in expired if f.kind == "certificate"]
    report_files = [f.record_id for f in expired if f.kind == "report_file"]
    if photos:
        db.session.execute(update(Violation).where(Violation.id.in_(photos))
                           .values(evidence_removed_at=now, evidence_removed_reason=RETENTION))
    if certificates:
        db.session.execute(update(LeaveRequest).where(LeaveRequest.request_id.in_(certificates))
                           .values(certificate_removed_at=now, certificate_removed_reason=RETENTION))
    if report_files:
        db.session.execute(update(WorkReport).where(WorkReport.id.in_(report_files))
                           .values(file_removed_at=now, file_removed_reason=RETENTION))
    root = Path(current_app.instance_path)
    paths = sorted({f.path for f in expired})
    # a photo shared by a re-stepped copy of the violation goes with both
    still_used = set(db.session.scalars(select(Violation.evidence_path).where(
        Violation.evidence_path.in_(paths), Violation.evidence_removed_at.is_(None))))
    doomed = [root / p for p in paths if p not in still_used]
    on_commit(lambda: [path.unlink(missing_ok=True) for path in doomed])
    audit.record(actor, "retention.apply", "files", today or clock.today(), photos=len(photos),
                 certificates=len(certificates), report_files=len(report_files), sha256=[f.sha256 for f in expired])
    return expired
