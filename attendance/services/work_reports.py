"""Work reports (周报、月报, docs/rules.md §8): staff hand in their weekly and monthly reports on the phone; the
lead sees who has and who has not; the nightly ``attendance evaluate`` raises ``REPORT_LATE`` once for each
report not in by its deadline, with the deadline and the hand-in time as its explanation.

Exactly once, in the database: a report is one ``work_reports`` row per (person, kind, period) — a unique key —
and its lateness is claimed by one conditional ``UPDATE … WHERE late_raised_at IS NULL``. Two runs at the same
moment (or a run and a hand-in) meet at that key or that row: one raises, the other finds it done.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from attendance import clock
from attendance.domain import dates
from attendance.domain import work_reports as rules
from attendance.domain.discipline import EVIDENCE_MAX_BYTES, sniff_image
from attendance.domain.errors import N_, Conflict, DomainError, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed
from attendance.extensions import db
from attendance.models import Employee, Team, Violation, WorkReport
from attendance.models.leave import day_marks, live_leaves
from attendance.services import audit, people
from attendance.services import calendar as site_calendar_service
from attendance.services import policy as policy_service
from attendance.services.transaction import on_rollback, savepoint, use_case

MAX_TEXT = 10_000
# What a report file may be, judged by its content: a PDF, a photo, or an Office workbook/document (a ZIP).
FILE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}


def report_policy(on: date | None = None) -> rules.ReportPolicy:
    """The deadlines of the policy in force ``on`` (today)."""
    try:
        return rules.report_policy(policy_service.in_force(on or clock.today()).policy.settings)
    except (rules.BadReportSettings, ValueError) as exc:
        raise InvalidInput(str(exc), fields={"settings.work_reports": str(exc)}) from None


# How far either side of a day the site calendar is read: a period's deadline falls up to ~5 weeks after it
# began, and a run of holidays moves it up to rules.MAX_DAYS_OFF more.
CALENDAR_REACH = timedelta(days=45 + rules.MAX_DAYS_OFF)


def site_calendar(first: date, last: date) -> rules.SiteCalendar:
    """The site's working days from ``first - CALENDAR_REACH`` to ``last + CALENDAR_REACH``: public holidays
    and adjusted working days (调休) from the calendar the roster is drawn on."""
    marks = site_calendar_service.holidays(first - CALENDAR_REACH, last + CALENDAR_REACH)
    return rules.SiteCalendar(holidays=frozenset(d for d, m in marks.items() if m.kind == "holiday"),
                              workdays=frozenset(d for d, m in marks.items() if m.kind == "workday"))


def deadline(policy: rules.ReportPolicy, kind: str, start: date,
             calendar: rules.SiteCalendar | None = None) -> tuple[datetime, datetime]:
    """The report's deadline and its nominal one (the rule book's, before a holiday moved it)."""
    zone = clock.site_zone()
    calendar = calendar or site_calendar(start, start)
    return rules.due_at(policy, kind, start, zone, calendar), rules.nominal_due_at(policy, kind, start, zone)


def owes_reports(person: Employee, policy: rules.ReportPolicy) -> bool:
    return person.active and person.team_id is not None and bool(set(person.roles) & set(policy.roles))


def source_ref(employee_no: str, kind: str, period_start: date) -> str:
    return f"report:{employee_no}:{kind}:{period_start.isoformat()}"


def current_period(policy: rules.ReportPolicy, kind: str, now: datetime | None = None) -> date:
    """The period a report handed in now is most likely for: the earliest of last, this and next period
    whose deadline is still ahead (the week just ended on a Monday morning; this week on a Thursday)."""
    now = now or clock.now()
    zone = clock.site_zone()
    this = rules.period_of(kind, now.astimezone(zone).date())
    last = rules.period_of(kind, this - timedelta(days=1))
    calendar = site_calendar(last, this)
    for start in (last, this, rules.next_period(kind, this)):
        if rules.due_at(policy, kind, start, zone, calendar) >= now:
            return start
    return this


# --- handing in --------------------------------------------------------------------------------


def _check_file(upload: tuple[str, bytes, str]) -> tuple[str, bytes, str]:
    name, data, _declared = upload
    limit = current_app.config.get("REPORT_FILE_MAX_BYTES", 2 * EVIDENCE_MAX_BYTES)
    if not data:
        raise InvalidInput(N_("The report file is empty."), fields={"file": "empty"})
    if len(data) > limit:
        raise InvalidInput(N_("The report file is too large."), fields={"file": f"at most {limit // 1048576} MB"})
    mime = "application/pdf" if data[:5] == b"%PDF-" else sniff_image(data)
    lower = (name or "").lower()
    if mime is None and data[:4] == b"PK\x03\x04":
        if lower.endswith(".xlsx"):
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif lower.endswith(".docx"):
            mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if mime not in FILE_TYPES:
        raise InvalidInput(N_("A report file is a PDF, a photo, or an Excel or Word file (.xlsx, .docx)."),
                           fields={"file": "PDF, JPEG, PNG, WebP, XLSX or DOCX"})
    clean = "".join(c for c in Path(name or "report").name if c.isprintable())[:150] or "report"
    return clean, data, mime


def _store(data: bytes, mime: str) -> str:
    folder = Path(current_app.instance_path) / "work_reports"
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"work_reports/{uuid.uuid4().hex}.{FILE_TYPES[mime]}"
    (Path(current_app.instance_path) / relative).write_bytes(data)
    on_rollback(lambda: (Path(current_app.instance_path) / relative).unlink(missing_ok=True))
    return relative


def _row(employee_id: int, kind: str, period_start: date, *, lock: bool = False) -> WorkReport | None:
    stmt = select(WorkReport).where(WorkReport.employee_id == employee_id, WorkReport.kind == kind,
                                    WorkReport.period_start == period_start)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


@use_case
def hand_in(actor: Employee, data: dict, upload: tuple[str, bytes, str] | None = None) -> WorkReport:
    """``POST /work-reports``: the person hands in their report of ``kind`` for ``period`` (a day in it; by
    default the period whose deadline is next), as text, a file, or both. Late is recorded, never refused;
    a report already handed in is not replaced.
    :raise InvalidInput: unknown kind, a period not begun, neither text nor file, a bad file.
    :raise Forbidden: the person's roles owe no report. :raise Conflict: already handed in."""
    if not allowed(actor.roles, "work_reports.hand_in"):
        raise Forbidden(N_("You do not hand in work reports."))
    policy = report_policy()
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "").strip()
    if kind not in policy.kinds:
        errors["kind"] = "one of: " + ", ".join(policy.kinds) if policy.kinds else "no reports are due"
    text = str(data.get("text") or "").strip()
    if len(text) > MAX_TEXT:
        errors["text"] = f"at most {MAX_TEXT} characters"
    if not text and not upload:
        errors["text"] = "the report's text, or a file"
    start = None
    if not errors.get("kind"):
        if data.get("period"):
            try:
                start = rules.period_of(kind, dates.parse_day(data.get("period"), "period"))
            except InvalidInput as exc:
                errors["period"] = exc.fields.get("period", "not a date")
        else:
            start = current_period(policy, kind)
        if start is not None and start > clock.today():
            errors["period"] = "a period that has begun"
    if errors:
        raise InvalidInput(N_("The report could not be handed in."), fields=errors)
    if not owes_reports(actor, policy):
        raise Forbidden(N_("You do not hand in work reports."))
    checked = _check_file(upload) if upload else None
    due, nominal = deadline(policy, kind, start)
    people.lock(actor.id)
    row = _row(actor.id, kind, start, lock=True)
    if row is not None and row.handed_in_at is not None:
        raise Conflict(N_("This report has already been handed in."), code="already_handed_in")
    if row is None:
        try:
            with savepoint():
                row = WorkReport(employee_id=actor.id, kind=kind, period_start=start, due_at=due,
                                 nominal_due_at=nominal)
                db.session.add(row)
                db.session.flush()
        except IntegrityError:  # the nightly run found it missing a moment ago: hand in on its row
            row = _row(actor.id, kind, start, lock=True)
            if row is None or row.handed_in_at is not None:
                raise Conflict(N_("This report has already been handed in."), code="already_handed_in") from None
    now = clock.now()
    row.body, row.handed_in_at, row.handed_in_by_id = text, now, actor.id
    if checked:
        name, blob, mime = checked
        row.file_path, row.file_name, row.file_type = _store(blob, mime), name, mime
        row.file_sha256 = hashlib.sha256(blob).hexdigest()
    db.session.flush()
    audit.record(actor, "work_report.hand_in", "work_report", row.id, kind=kind, period=start.isoformat(),
                 late=rules.is_late(row.due_at, now), sha256=row.file_sha256)
    return row


# --- the nightly run ---------------------------------------------------------------------------


@dataclass
class LateReport:
    checked: int = 0
    raised: list[Violation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _on_leave(person_ids: list[int], day: date) -> set[int]:
    """Who is on approved leave on ``day`` (a report due then is not theirs to hand in: product decision)."""
    marks = day_marks(live_leaves(person_ids, day, day), day, day)
    return {pid for (pid, _d) in marks}


def _claim(row: WorkReport, now: datetime) -> bool:
    """Whether this run is the one that raises the row's lateness (one conditional update; a second run, or
    a second process at the same moment, updates nothing)."""
    done = db.session.execute(update(WorkReport).where(WorkReport.id == row.id, WorkReport.late_raised_at.is_(None))
                              .values(late_raised_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    db.session.refresh(row)
    return True


@use_case
def raise_late(actor: Employee | None, *, first_day: date | None = None, last_day: date | None = None,
               team: str | None = None, now: datetime | None = None) -> LateReport:
    """For every report that fell due on ``first_day``..``last_day`` (the days the nightly run judges; by
    default the policy's look-back up to now) and is missing or came in late, raise the policy's rule
    (REPORT_LATE) once: at the deadline, with the deadline and the hand-in time as evidence."""
    from attendance.services import discipline

    now = now or clock.now()
    zone = clock.site_zone()
    policy = report_policy(now.astimezone(zone).date())
    if first_day is not None:
        after = datetime.combine(first_day, datetime.min.time(), tzinfo=zone) - timedelta(microseconds=1)
        until = min(now, datetime.combine((last_day or first_day) + timedelta(days=1), datetime.min.time(),
                                          tzinfo=zone) - timedelta(microseconds=1))
    else:
        after, until = now - timedelta(days=policy.lookback_days), now
    report = LateReport()
    stmt = select(Employee).where(Employee.active.is_(True), Employee.team_id.is_not(None)).order_by(Employee.id)
    if team:
        stmt = stmt.join(Team, Team.id == Employee.team_id).where(Team.code == team)
    persons = [p for p in db.session.scalars(stmt) if owes_reports(p, policy)]
    if not persons:
        return report
    calendar = site_calendar(after.astimezone(zone).date(), until.astimezone(zone).date())
    for kind in policy.kinds:
        for start, due in rules.periods_due_between(policy, kind, after, until, zone, calendar):
            nominal = rules.nominal_due_at(policy, kind, start, zone)
            away = _on_leave([p.id for p in persons], due.date())
            existing = {r.employee_id: r for r in db.session.scalars(
                select(WorkReport).where(WorkReport.kind == kind, WorkReport.period_start == start))}
            for person in persons:
                if person.id in away or (person.hire_date and person.hire_date > start):
                    continue
                report.checked += 1
                row = existing.get(person.id)
                if row is None:
                    try:
                        with savepoint():
                            row = WorkReport(employee_id=person.id, kind=kind, period_start=start, due_at=due,
                                             nominal_due_at=nominal, late_raised_at=now)
                            db.session.add(row)
                            db.session.flush()
                    except IntegrityError:
                        continue  # another run (or the person, just now) made it: that one decides
                elif row.late_raised_at is not None or not rules.is_late(due, row.handed_in_at):
                    continue
                elif not _claim(row, now):
                    continue
                if row.due_at != due:  # made before its deadline was moved (or the policy changed): judged by this one
                    row.due_at, row.nominal_due_at = due, nominal
                violation = _raise(actor, person, row, policy, report, discipline)
                if violation is not None:
                    row.violation_id = violation.id
                    report.raised.append(violation)
    return report


def _raise(actor, person: Employee, row: WorkReport, policy: rules.ReportPolicy, report: LateReport, discipline):
    handed = row.handed_in_at.astimezone(clock.site_zone()).strftime("%Y-%m-%d %H:%M") if row.handed_in_at else None
    due = row.due_at.astimezone(clock.site_zone()).strftime("%Y-%m-%d %H:%M")
    if row.nominal_due_at is not None and row.nominal_due_at != row.due_at:
        moved = row.nominal_due_at.astimezone(clock.site_zone()).strftime("%Y-%m-%d %H:%M")
        due += f" (moved from {moved}, a day off, to the next working day)"
    note = (f"{row.kind} report {row.period_start.isoformat()} · due {due} · "
            + (f"handed in {handed}" if handed else "not handed in"))
    try:
        return discipline.record_violation(actor, employee=person, rule_code=policy.rule, occurred_at=row.due_at,
                                           note=note, source="report",
                                           source_ref=source_ref(person.employee_no, row.kind, row.period_start))
    except DomainError as exc:
        report.problems.append(f"{source_ref(person.employee_no, row.kind, row.period_start)}: {exc.message}")
        return None


# --- reading -----------------------------------------------------------------------------------


@dataclass
class TeamRow:
    person: Employee
    report: WorkReport | None
    status: str  # on_time | late | missing | not_due | away

    @property
    def handed_in(self) -> bool:
        return self.report is not None and self.report.handed_in_at is not None


def team_status(viewer: Employee, team_code: str, kind: str, period: str | date | None = None
                ) -> tuple[Team, date, datetime, list[TeamRow]]:
    """Who of the team has handed in the report of ``kind`` for ``period`` (by default the current one)."""
    if not allowed(viewer.roles, "work_reports.team"):
        raise Forbidden(N_("Only leads and the office see who has handed in reports."))
    team = people.visible_team(viewer, team_code)
    policy = report_policy()
    if kind not in policy.kinds:
        raise InvalidInput(N_("Unknown report kind."), fields={"kind": "one of: " + ", ".join(policy.kinds)})
    start = (rules.period_of(kind, dates.parse_day(period, "period") if not isinstance(period, date) else period)
             if period else current_period(policy, kind))
    due, _nominal = deadline(policy, kind, start)
    members = [p for p in people.team_members(team) if owes_reports(p, policy)]
    rows = {r.employee_id: r for r in db.session.scalars(
        select(WorkReport).where(WorkReport.kind == kind, WorkReport.period_start == start,
                                 WorkReport.employee_id.in_([p.id for p in members])))}
    away = _on_leave([p.id for p in members], due.astimezone(clock.site_zone()).date())
    now = clock.now()
    out = []
    for p in members:
        r = rows.get(p.id)
        if r is not None and r.handed_in_at is not None:
            status = "late" if rules.is_late(r.due_at, r.handed_in_at) else "on_time"
        elif p.id in away:
            status = "away"
        else:
            status = "missing" if now > due else "not_due"
        out.append(TeamRow(p, r, status))
    return team, start, due, out


def my_reports(person: Employee, limit: int = 20) -> list[WorkReport]:
    return list(db.session.scalars(select(WorkReport).where(WorkReport.employee_id == person.id)
                                   .order_by(WorkReport.period_start.desc(), WorkReport.kind).limit(limit)))


def get_report(viewer: Employee, report_id: int) -> WorkReport:
    """:raise NotFound: unknown, or not the viewer's nor one they reach."""
    row = db.session.get(WorkReport, report_id)
    if row is None or not (row.employee_id == viewer.id or (
            allowed(viewer.roles, "work_reports.team") and people.can_see(viewer, row.employee))):
        raise NotFound(N_("no work report %(id)s", id=report_id))
    return row


def report_file(viewer: Employee, report_id: int) -> tuple[Path, str, str]:
    row = get_report(viewer, report_id)
    if not row.file_path:
        raise NotFound(N_("work report %(id)s has no file", id=report_id))
    if row.file_removed_at is not None:
        raise NotFound(N_("The file of work report %(id)s was removed: its retention period was over.", id=report_id))
    return Path(current_app.instance_path) / row.file_path, row.file_type or "application/octet-stream", \
        row.file_name or "report"


def is_late(row: WorkReport) -> bool:
    return rules.is_late(row.due_at, row.handed_in_at)
