"""The load test's people and work, made ready on the benchmark department, and what is checked afterwards.

``prepare`` runs in an app context on a database the ``benchmark`` command built: it gives every
synthetic person a sign-in (one password, hashed once), rosters today and the three days before, makes
a time-clock account (HR's punch feed) with an API token, and has the staff of a few teams file
missed-punch corrections (补卡) for their lead to approve. It picks teams nobody has used in an earlier
run, so the script can be run again on the same data.

``snapshot`` and ``check`` compare the database before and after a run with what the load test was
told succeeded: every punch sent is stored exactly once, every approval is one decision, every
violation has one fine in the ledger, occurrence numbers are unique per person and rule, and the
ledger's hash chain verifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from attendance import clock
from attendance.extensions import db
from attendance.models import (
    ApprovalStep,
    Employee,
    EmployeeRole,
    LedgerEntry,
    PolicyVersion,
    Punch,
    Request,
    Team,
    Violation,
)
from attendance.services import accounts, discipline
from attendance.services import policy as policy_service
from attendance.services import requests as requests_service

PASSWORD = "shift-start-load-1"
CLOCK_NO = "LOADCLOCK"
CORRECTIONS_PER_PERSON = 2  # of the policy's monthly quota (3): yesterday's in and out


def _roster_recent_days() -> None:
    """Today and the three days before on each person's usual shift (the one they worked most recently)."""
    today = clock.today()
    for back in range(4):
        day = today - timedelta(days=back)
        db.session.execute(text(
            "INSERT INTO roster_entries (employee_id, day, shift_type_id, updated_at) "
            "SELECT r.employee_id, :day, max(r.shift_type_id), :now FROM roster_entries r "
            "WHERE r.shift_type_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM roster_entries x "
            "  WHERE x.employee_id = r.employee_id AND x.day = :day) GROUP BY r.employee_id"),
            {"day": day, "now": clock.now()})


def _sign_ins() -> None:
    hashed = accounts.hash_password(PASSWORD)  # once: scrypt for 5,000 people would take minutes
    db.session.execute(text("UPDATE employees SET username = lower(employee_no), password_hash = :h "
                            "WHERE username IS NULL"), {"h": hashed})


def _publish_in_force() -> None:
    """Publish every draft already in force: recording a penalty under an unpublished rule book is refused
    (the grooming check's failures would answer 422), and a real department has published its rules."""
    for version in db.session.scalars(select(PolicyVersion).where(PolicyVersion.published_at.is_(None),
                                                                   PolicyVersion.effective_from <= clock.today())
                                      .order_by(PolicyVersion.effective_from)).all():
        policy_service.publish(None, version.id, adopted_on=version.effective_from, adopted_by="负载测试 (load test)")


def _clock_account() -> Employee:
    person = db.session.scalar(select(Employee).where(Employee.employee_no == CLOCK_NO))
    if person is None:
        person = Employee(employee_no=CLOCK_NO, name="考勤机", active=True, username=CLOCK_NO.lower(),
                          password_hash=accounts.hash_password(PASSWORD))
        db.session.add(person)
        db.session.flush()
        db.session.add(EmployeeRole(employee_id=person.id, role="hr"))
        db.session.flush()
    return person


def _unused_teams(count: int) -> list[Team]:
    """Teams none of whose people has a correction this month yet, in order."""
    used = select(Employee.team_id).join(Request, Request.subject_id == Employee.id).where(
        Request.kind == "punch_correction")
    return list(db.session.scalars(select(Team).where(Team.lead_id.is_not(None), Team.id.not_in(used))
                                   .order_by(Team.id).limit(count)))


def prepare(*, lead_teams: int, staff_sessions: int, hosts: list[str]) -> dict:
    """Make the run ready; return the Locust configuration (who signs in, what the clock sends)."""
    _sign_ins()
    _publish_in_force()
    _roster_recent_days()
    clock_person = _clock_account()
    token, _expires = accounts.issue_token(clock_person, 24)
    yesterday = clock.today() - timedelta(days=1)
    zone = clock.site_zone()
    leads, busy = [], set()
    for team in _unused_teams(lead_teams):
        members = db.session.scalars(select(Employee).where(Employee.team_id == team.id, Employee.active,
                                                            Employee.id != team.lead_id)
                                     .order_by(Employee.id)).all()
        ids = []
        for person in members:
            for direction, hour in (("in", 8), ("out", 17))[:CORRECTIONS_PER_PERSON]:
                at = datetime(yesterday.year, yesterday.month, yesterday.day, hour, 1, tzinfo=zone)
                ids.append(requests_service.file_correction(person, {
                    "date": yesterday.isoformat(), "direction": direction, "at": at.isoformat(),
                    "reason": "打卡机没反应 (load test)"}).id)
        lead = db.session.get(Employee, team.lead_id)
        leads.append({"username": lead.username, "team": team.code, "requests": ids})
        busy.add(team.id)
    staff = db.session.scalars(
        select(Employee.username).join(EmployeeRole, EmployeeRole.employee_id == Employee.id)
        .where(EmployeeRole.role == "staff", Employee.team_id.not_in(busy) if busy else True,
               Employee.id.not_in(select(Team.lead_id).where(Team.lead_id.is_not(None))))
        .order_by(Employee.id).limit(staff_sessions)).all()
    clock_people = db.session.scalars(
        select(Employee.employee_no).join(EmployeeRole, EmployeeRole.employee_id == Employee.id)
        .where(EmployeeRole.role == "staff").order_by(Employee.id)).all()
    db.session.commit()
    # The planner's statistics as a running database has them (autovacuum analyses what changed): just after
    # the requests above were filed it still believes the tables empty, and the inbox's query, planned as a
    # nested loop over "4" approval steps, took 80 ms instead of 4 on every lead's page.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"hosts": hosts, "password": PASSWORD, "clock_token": token, "clock_people": clock_people,
            "staff": staff, "leads": leads, "zone": str(zone)}


@dataclass
class Snapshot:
    at: datetime
    punches: int
    violations: int
    ledger: int
    decided: int


def snapshot() -> Snapshot:
    db.session.rollback()
    return Snapshot(
        at=clock.now(),
        punches=db.session.scalar(select(func.count()).select_from(Punch)),
        violations=db.session.scalar(select(func.count()).select_from(Violation)),
        ledger=db.session.scalar(select(func.count()).select_from(LedgerEntry)),
        decided=db.session.scalar(select(func.count()).select_from(ApprovalStep)
                                  .where(ApprovalStep.decided_at.is_not(None))))


@dataclass
class Check:
    lines: list[tuple[str, bool, str]] = field(default_factory=list)

    def add(self, what: str, ok: bool, detail: str) -> None:
        self.lines.append((what, ok, detail))

    @property
    def ok(self) -> bool:
        return all(ok for _w, ok, _d in self.lines)


def check(before: Snapshot, sent: dict) -> Check:
    """Compare the database with what the load test was told succeeded (``sent``, from the locustfile)."""
    db.session.rollback()
    result = Check()
    report = discipline.verify_ledger()
    result.add("ledger verify", report.ok,
               f"{report.entries:,} entries" if report.ok else f"entry {report.first_bad}: {report.problem}")

    punched = sent.get("punches", [])
    new_punches = db.session.execute(
        select(Employee.employee_no, func.count()).join(Punch, Punch.employee_id == Employee.id)
        .where(Punch.created_at >= before.at, Punch.source == "clock").group_by(Employee.employee_no)).all()
    stored = dict(new_punches)
    doubled = sorted(no for no, n in stored.items() if n > 1)
    lost = sorted(set(punched) - set(stored))
    extra = sorted(set(stored) - set(punched))
    result.add("punches stored exactly once", not doubled and not lost and not extra,
               f"{len(punched):,} accepted, {sum(stored.values()):,} stored; doubled {len(doubled)}, "
               f"lost {len(lost)}, unexplained {len(extra)}")

    approved = sent.get("approvals", [])
    decided = db.session.execute(
        select(ApprovalStep.request_id, func.count()).where(ApprovalStep.decided_at >= before.at)
        .group_by(ApprovalStep.request_id)).all()
    by_request = dict(decided)
    approved_rows = set(db.session.scalars(select(Request.id).where(Request.id.in_(approved),
                                                                     Request.status == "approved"))) \
        if approved else set()
    result.add("approvals: one decision each", set(approved) == set(by_request) == approved_rows
               and all(n == 1 for n in by_request.values()),
               f"{len(approved):,} accepted, {len(by_request):,} decided, {len(approved_rows):,} approved")

    new_violations = db.session.scalars(select(Violation.id).where(Violation.recorded_at >= before.at)).all()
    fines = dict(db.session.execute(
        select(LedgerEntry.violation_id, func.count()).where(LedgerEntry.kind == "fine",
                                                              LedgerEntry.violation_id.in_(new_violations))
        .group_by(LedgerEntry.violation_id)).all()) if new_violations else {}
    result.add("violations: one fine each", all(fines.get(v) == 1 for v in new_violations),
               f"{len(new_violations):,} violations recorded, {sum(fines.values()):,} fines "
               f"(grooming checks sent: {sent.get('grooming', 0):,}, items failed: {sent.get('failed', 0):,})")

    duplicates = db.session.execute(text(
        "SELECT count(*) FROM (SELECT employee_id, rule_code, occurrence FROM violations "
        "WHERE reversed_at IS NULL GROUP BY employee_id, rule_code, occurrence HAVING count(*) > 1) d")).scalar()
    result.add("occurrence unique per person and rule", duplicates == 0, f"{duplicates} duplicated")
    return result
