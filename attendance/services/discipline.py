"""Discipline use cases: record a violation, the append-only ledger, appeals, re-stepping, dismissal reviews.

Locks, always taken in this order so two transactions never wait on each other in a circle:
an appeal or review row → the person's employee row → the ledger head. The person's row
serialises the numbering of their occurrences; the head serialises every ledger append,
so the hash chain stays one straight line. (FOR UPDATE is a no-op on SQLite, where the
whole database has one writer at a time anyway.)

Callers check the permission table; these functions check who may see whom (404 otherwise).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from attendance.domain import dates
from attendance.domain import ledger as chain
from attendance.domain.discipline import (
    APPEAL_OUTCOMES,
    DISMISSAL_OUTCOMES,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    SOURCES,
    sniff_image,
)
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.escalation import Decision, PriorOccurrence, escalate
from attendance.domain.permissions import reach
from attendance.domain.policy import Policy, parse_policy
from attendance.extensions import db
from attendance.models import (
    Appeal,
    DismissalReview,
    Employee,
    LedgerEntry,
    LedgerHead,
    PolicyVersion,
    Team,
    Violation,
)
from attendance.models.types import utcnow
from attendance.services import audit, clock, people
from attendance.services import policy as policy_service

MAX_TEXT = 2000
FUTURE_SLACK = timedelta(minutes=5)  # a clock a little fast is not an error


@dataclass
class Page:
    items: list
    next: str | None


# --- input -------------------------------------------------------------------------------------


def parse_month(value: str | None) -> tuple[date, date] | None:
    """``YYYY-MM`` → (first day, first day of the next month). :raise InvalidInput: otherwise."""
    if not value:
        return None
    first = dates.parse_month(value)
    return first, dates.add_months(first, 1)


def parse_instant(value: object, field: str = "occurred_at") -> datetime:
    """An ISO 8601 instant; a naive one is read on the site's clock (API.md). :raise InvalidInput:"""
    if isinstance(value, datetime):
        instant = value
    else:
        try:
            instant = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(f"not an instant: {value}", fields={field: "ISO 8601, like 2026-11-03T09:00+08:00"}
                               ) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        instant = instant.replace(tzinfo=clock.site_zone())
    return instant


def _text(value: str | None, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", fields={field: "required"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field} is too long", fields={field: f"at most {MAX_TEXT} characters"})
    return text


MAX_ID = 2**31 - 1  # an INTEGER column; a bigger number would be a database error, not a 404


def _cursor(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        cursor = int(str(value), 10)
    except ValueError:
        cursor = -1
    if not 0 <= cursor <= MAX_ID:
        raise InvalidInput("bad cursor", fields={"cursor": "not a cursor from a previous page"})
    return cursor


def _get(model, row_id: int):
    return db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None


# --- who may see what --------------------------------------------------------------------------


def recordable_employee(actor: Employee, employee_no: str) -> Employee:
    """The person ``actor`` may record a violation for. :raise NotFound: unknown, or out of reach."""
    person = people.get_employee(actor, (employee_no or "").strip())
    if not person.active:
        raise InvalidInput(f"{employee_no} is deactivated", fields={"employee_no": "deactivated"})
    return person


def get_violation(viewer: Employee, violation_id: int) -> Violation:
    """The violation, if ``viewer`` may see its person. :raise NotFound: otherwise, so nothing leaks."""
    violation = None if not 0 < violation_id <= MAX_ID else db.session.scalar(
        select(Violation).where(Violation.id == violation_id).options(
            joinedload(Violation.employee).joinedload(Employee.team), joinedload(Violation.recorded_by),
            joinedload(Violation.appeal), joinedload(Violation.review), selectinload(Violation.ledger_entries)))
    if violation is None or not people.can_see(viewer, violation.employee):
        raise NotFound(f"no violation {violation_id}")
    return violation


def _violation_query():
    return (select(Violation).join(Employee, Violation.employee_id == Employee.id).options(
        joinedload(Violation.employee).joinedload(Employee.team), joinedload(Violation.recorded_by),
        joinedload(Violation.appeal), joinedload(Violation.review), selectinload(Violation.ledger_entries)))


def violations_for(viewer: Employee, employee_no: str | None = None, month: str | None = None, *,
                   team: str | None = None, limit: int = 50, cursor: str | None = None) -> Page:
    """Violations ``viewer`` may see, newest first, ``limit`` at a time; reversed ones included and marked.

    :raise NotFound: for an ``employee_no`` the viewer may not see.
    """
    stmt = _violation_query().where(people.visible_clause(viewer)).order_by(Violation.id.desc())
    if employee_no:
        stmt = stmt.where(Violation.employee_id == people.get_employee(viewer, employee_no).id)
    if team:
        stmt = stmt.join(Team, Employee.team_id == Team.id).where(Team.code == team)
    span = parse_month(month)
    if span:
        stmt = stmt.where(Violation.occurred_on >= span[0], Violation.occurred_on < span[1])
    after = _cursor(cursor)
    if after is not None:
        stmt = stmt.where(Violation.id < after)
    rows = list(db.session.scalars(stmt.limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].id) if more else None)


def violation_log(viewer: Employee, team_code: str, month: str) -> tuple[Team, list[Violation]]:
    """《客服人员违纪记录表》: every violation of a team's people in a month, in the order they happened."""
    team = people.get_team(team_code)
    span = parse_month(month)
    if span is None:
        raise InvalidInput("month is required", fields={"month": "YYYY-MM"})
    if reach(viewer.roles) != "all" and team.id not in people.teams_led_by(viewer):
        raise NotFound(f"no team {team_code}")
    stmt = (_violation_query().where(Employee.team_id == team.id, Violation.occurred_on >= span[0],
                                     Violation.occurred_on < span[1])
            .order_by(Violation.occurred_at, Violation.id))
    return team, list(db.session.scalars(stmt).unique())


# --- the ledger --------------------------------------------------------------------------------


def _lock_person(employee_id: int) -> None:
    db.session.execute(select(Employee.id).where(Employee.id == employee_id).with_for_update())


def _lock_head() -> LedgerHead:
    stmt = (select(LedgerHead).where(LedgerHead.id == 1).with_for_update()
            .execution_options(populate_existing=True))
    head = db.session.scalar(stmt)
    if head is None:  # the migration writes the head; only a TRUNCATE (the test suite) removes it
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(LedgerHead).values(id=1, last_id=None, last_hash=chain.GENESIS,
                                                             entries=0).on_conflict_do_nothing())
        head = db.session.scalar(stmt)
    return head


def _content(entry: LedgerEntry) -> chain.EntryContent:
    return chain.EntryContent(
        id=entry.id, employee_id=entry.employee_id, kind=entry.kind, amount=entry.amount, points=entry.points,
        violation_id=entry.violation_id, reverses_id=entry.reverses_id, reason=entry.reason,
        created_by_id=entry.created_by_id, created_at=entry.created_at, occurred_on=entry.occurred_on)


def _append(actor: Employee | None, *, employee_id: int, kind: str, amount: Decimal, points: int,
            occurred_on: date, reason: str = "", violation_id: int | None = None,
            reverses_id: int | None = None) -> LedgerEntry:
    """Add one entry at the end of the chain, holding the head until the transaction ends."""
    head = _lock_head()
    from attendance.services.scores import ledger_month_for

    if (open_month := ledger_month_for(occurred_on)) is not None:
        # Its month is closed (issue 6): the correction lands in the open month, visibly, as an adjustment.
        reason = f"{reason} ({occurred_on.isoformat()}, month closed)".strip()
        kind = "adjustment" if kind == "fine" else kind
        occurred_on = open_month
    entry = LedgerEntry(
        id=(head.last_id or 0) + 1, employee_id=employee_id, kind=kind, amount=amount, points=points,
        violation_id=violation_id, reverses_id=reverses_id, reason=reason,
        created_by_id=actor.id if actor else None, created_at=utcnow(), occurred_on=occurred_on,
        prev_hash=head.last_hash)
    entry.hash = chain.entry_hash(head.last_hash, _content(entry))
    db.session.add(entry)
    head.last_id, head.last_hash, head.entries = entry.id, entry.hash, head.entries + 1
    db.session.flush()
    return entry


def post_entry(actor: Employee | None, employee: Employee, *, kind: str, amount: Decimal, points: int,
               reason: str, occurred_on: date, commit: bool = True) -> LedgerEntry:
    """A reward or an adjustment (signs: attendance.domain.ledger). Fines come only from violations."""
    if kind not in ("reward", "adjustment"):
        raise InvalidInput("only rewards and adjustments are posted directly", fields={"kind": "reward or adjustment"})
    reason = _text(reason, "reason", required=True)
    _lock_person(employee.id)
    entry = _append(actor, employee_id=employee.id, kind=kind, amount=amount, points=points,
                    occurred_on=occurred_on, reason=reason)
    audit.record(actor, f"ledger.{kind}", "ledger_entry", entry.id, employee=employee.employee_no,
                 amount=str(amount), points=points, reason=reason)
    if commit:
        db.session.commit()
    return entry


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    balance: Decimal  # what the person owes after this entry
    points_total: int  # points taken off the person after this entry


def ledger_for(viewer: Employee, employee_no: str | None = None, month: str | None = None, *,
               limit: int = 100, cursor: str | None = None) -> Page:
    """Entries ``viewer`` may see in chain order, each with the person's running balance."""
    visible = select(Employee.id).where(people.visible_clause(viewer))
    if employee_no:
        visible = select(Employee.id).where(Employee.id == people.get_employee(viewer, employee_no).id)
    window = {"partition_by": LedgerEntry.employee_id, "order_by": LedgerEntry.id}
    running = (select(LedgerEntry.id.label("id"),
                      func.sum(LedgerEntry.amount).over(**window).label("balance"),
                      func.sum(LedgerEntry.points).over(**window).label("points_total"))
               .where(LedgerEntry.employee_id.in_(visible)).subquery())
    stmt = (select(LedgerEntry, running.c.balance, running.c.points_total)
            .join(running, running.c.id == LedgerEntry.id)
            .options(joinedload(LedgerEntry.employee), joinedload(LedgerEntry.created_by),
                     joinedload(LedgerEntry.violation))
            .order_by(LedgerEntry.id))
    span = parse_month(month)
    if span:
        stmt = stmt.where(LedgerEntry.occurred_on >= span[0], LedgerEntry.occurred_on < span[1])
    after = _cursor(cursor)
    if after is not None:
        stmt = stmt.where(LedgerEntry.id > after)
    rows = [LedgerRow(e, b, int(p)) for e, b, p in db.session.execute(stmt.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].entry.id) if more else None)


def get_entry(viewer: Employee, entry_id: int) -> LedgerEntry:
    entry = _get(LedgerEntry, entry_id)
    if entry is None or not people.can_see(viewer, entry.employee):
        raise NotFound(f"no ledger entry {entry_id}")
    return entry


def verify_ledger() -> chain.ChainReport:
    """Walk the whole chain in order; the report names the first entry that does not match."""
    head = db.session.scalar(select(LedgerHead).where(LedgerHead.id == 1)
                             .execution_options(populate_existing=True))
    return chain.walk(_stored_chain(), head_hash=head.last_hash if head else None,
                      head_entries=head.entries if head else None)


def _stored_chain(batch: int = 1000):
    """Entries as stored (never as this session remembers them), a batch at a time, in chain order."""
    last = 0
    while True:
        rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.id > last).order_by(LedgerEntry.id)
                                  .limit(batch).execution_options(populate_existing=True)).all()
        if not rows:
            return
        for entry in rows:
            yield _content(entry), entry.prev_hash, entry.hash
        last = rows[-1].id


# --- evidence ----------------------------------------------------------------------------------


def check_evidence(evidence: tuple[str, bytes, str]) -> tuple[bytes, str]:
    """The photo's bytes and real type. :raise InvalidInput: empty, too large, or not JPEG/PNG/WebP."""
    _name, data, _declared = evidence  # the declared type is not trusted: the bytes decide
    limit = current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    if not data:
        raise InvalidInput("the evidence file is empty", fields={"evidence": "empty"})
    if len(data) > limit:
        raise InvalidInput("the evidence photo is too large",
                           fields={"evidence": f"at most {limit // 1048576} MB" if limit >= 1048576
                                   else f"at most {limit} bytes"})
    mime = sniff_image(data)
    if mime is None:
        raise InvalidInput("evidence must be a JPEG, PNG or WebP photo", fields={"evidence": "JPEG, PNG or WebP"})
    return data, mime


def _save_evidence(data: bytes, mime: str) -> tuple[str, str, str]:
    folder = Path(current_app.instance_path) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{EVIDENCE_TYPES[mime]}"
    (folder / name).write_bytes(data)
    return f"evidence/{name}", mime, hashlib.sha256(data).hexdigest()


def evidence_file(viewer: Employee, violation_id: int) -> tuple[Path, str]:
    violation = get_violation(viewer, violation_id)
    path = Path(current_app.instance_path) / (violation.evidence_path or "")
    if not violation.evidence_path or not path.is_file():
        raise NotFound(f"violation {violation_id} has no evidence")
    return path, violation.evidence_type or "application/octet-stream"


# --- recording ---------------------------------------------------------------------------------


def _counted_by_ref(source_ref: str) -> Violation | None:
    return db.session.scalar(select(Violation).where(Violation.source_ref == source_ref,
                                                     Violation.reversed_at.is_(None)))


def _prior(employee_id: int, rule_code: str) -> list[Violation]:
    """The person's counted violations of a rule, in the order they happened."""
    return list(db.session.scalars(
        select(Violation).where(Violation.employee_id == employee_id, Violation.rule_code == rule_code,
                                Violation.reversed_at.is_(None))
        .order_by(Violation.occurred_at, Violation.id)))


def _local_day(instant: datetime) -> date:
    return instant.astimezone(clock.site_zone()).date()


def _add_violation(actor: Employee | None, *, employee: Employee, decision: Decision, policy: Policy,
                   version_id: int, occurred_at: datetime, note: str, source: str, source_ref: str | None,
                   evidence: tuple[str, str | None, str | None] | None = None,
                   restep_of: Violation | None = None) -> Violation:
    rule = policy.rule(decision.rule)
    path, mime, sha = evidence or (None, None, None)
    violation = Violation(
        employee_id=employee.id, rule_code=rule.code, rule_name_zh=rule.name.zh, rule_name_en=rule.name.en,
        policy_version_id=version_id, occurred_at=occurred_at, occurred_on=_local_day(occurred_at),
        occurrence=decision.occurrence, step=decision.step, sanction=decision.sanction, fine=decision.fine,
        points=decision.points, flagged_for_review=decision.flagged_for_review,
        dismissal_review=decision.dismissal_review, source=source, source_ref=source_ref, note=note,
        evidence_path=path, evidence_type=mime, evidence_sha256=sha,
        recorded_by_id=actor.id if actor else None, recorded_at=utcnow(),
        restep_of_id=restep_of.id if restep_of else None)
    db.session.add(violation)
    db.session.flush()
    entry = _append(actor, employee_id=employee.id, kind="fine", amount=decision.fine, points=decision.points,
                    occurred_on=violation.occurred_on, violation_id=violation.id,
                    reason=f"{rule.code} #{decision.occurrence}")
    if decision.dismissal_review:
        db.session.add(DismissalReview(violation_id=violation.id, employee_id=employee.id, status="pending"))
    audit.record(actor, "violation.restep" if restep_of else "violation.record", "violation", violation.id,
                 employee=employee.employee_no, rule=rule.code, occurrence=decision.occurrence,
                 step=decision.step, sanction=decision.sanction, fine=str(decision.fine),
                 points=decision.points, source=source, source_ref=source_ref, ledger_entry=entry.id,
                 restep_of=restep_of.id if restep_of else None)
    return violation


def record_violation(actor: Employee | None, *, employee: Employee, rule_code: str, occurred_at: datetime,
                     note: str = "", amount: Decimal | None = None, source: str = "manual",
                     source_ref: str | None = None, evidence: tuple[str, bytes, str] | None = None,
                     commit: bool = True) -> Violation:
    """Judge and record one violation with the policy in force on its local date, and post its fine entry.

    :param source_ref: an idempotency key for automated sources; while a counted violation with
        the same key exists, that one is returned and nothing is created.
    :param evidence: ``(filename, bytes, content type)`` of a photo (JPEG/PNG/WebP, at most 5 MB).
    :raise InvalidInput: naive or future time, unknown rule or source, bad amount or evidence.
    :raise RuleRefused: a range step without an amount inside the range (``code`` names the rule).
    """
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidInput("occurred_at needs a time zone", fields={"occurred_at": "needs a time zone"})
    if occurred_at > clock.now() + FUTURE_SLACK:
        raise InvalidInput("occurred_at is in the future", fields={"occurred_at": "in the future"})
    if source not in SOURCES:
        raise InvalidInput(f"unknown source {source}", fields={"source": "one of " + ", ".join(SOURCES)})
    note = _text(note, "note", required=False)
    source_ref = (source_ref or "").strip() or None
    if source_ref and len(source_ref) > 200:
        raise InvalidInput("source_ref is too long", fields={"source_ref": "at most 200 characters"})
    photo = check_evidence(evidence) if evidence else None
    rule_code = (rule_code or "").strip().upper()

    _lock_person(employee.id)
    if source_ref and (existing := _counted_by_ref(source_ref)) is not None:
        return existing
    day = _local_day(occurred_at)
    try:
        in_force = policy_service.in_force(day)
    except NotFound:
        raise InvalidInput(f"no policy is in force on {day}", fields={"occurred_at": "before the first policy"}
                           ) from None
    prior = [PriorOccurrence(v.occurred_at) for v in _prior(employee.id, rule_code)]
    # Calendar windows are read on the site's clock, whatever offset the caller sent.
    decision = escalate(in_force.policy, rule_code, occurred_at.astimezone(clock.site_zone()), prior, amount)
    stored = _save_evidence(*photo) if photo else None
    try:
        violation = _add_violation(actor, employee=employee, decision=decision, policy=in_force.policy,
                                   version_id=in_force.version.id, occurred_at=occurred_at, note=note,
                                   source=source, source_ref=source_ref, evidence=stored)
        if commit:
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _forget(stored)
        if source_ref and commit and (existing := _counted_by_ref(source_ref)) is not None:
            return existing  # another process recorded the same thing a moment ago
        raise
    except Exception:
        _forget(stored)
        raise
    return violation


def _forget(stored: tuple[str, str, str] | None) -> None:
    if stored:
        (Path(current_app.instance_path) / stored[0]).unlink(missing_ok=True)


def _fine_entry(violation: Violation) -> LedgerEntry | None:
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.violation_id == violation.id,
                                                       LedgerEntry.kind.in_(("fine", "adjustment")))
                           .order_by(LedgerEntry.id))


def _reverse(actor: Employee | None, original: LedgerEntry, reason: str) -> LedgerEntry:
    if original.kind == "reversal":
        raise Conflict("a reversal is not reversed; post an adjustment instead")
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id)) is not None:
        raise Conflict(f"ledger entry {original.id} is already reversed")
    return _append(actor, employee_id=original.employee_id, kind="reversal", amount=-original.amount,
                   points=-original.points, occurred_on=original.occurred_on, reason=reason,
                   violation_id=original.violation_id, reverses_id=original.id)


def reverse_violation(actor: Employee | None, violation: Violation, reason: str, *,
                      commit: bool = True) -> LedgerEntry:
    """Post a reversal of the violation's fine entry and mark it reversed; it stops counting.

    :raise Conflict: already reversed.
    """
    reason = _text(reason, "reason", required=True)
    _lock_person(violation.employee_id)
    db.session.refresh(violation)
    if violation.reversed_at is not None:
        raise Conflict(f"violation {violation.id} is already reversed")
    original = _fine_entry(violation)
    if original is None:  # cannot happen: every violation is posted with its entry
        raise Conflict(f"violation {violation.id} has no ledger entry")
    entry = _reverse(actor, original, reason)
    violation.reversed_at = utcnow()
    violation.reversed_by_id = actor.id if actor else None
    violation.reversed_reason = reason
    audit.record(actor, "violation.reverse", "violation", violation.id, reason=reason, ledger_entry=entry.id,
                 reverses=original.id)
    if commit:
        db.session.commit()
    return entry


def reverse_entry(actor: Employee, entry_id: int, reason: str) -> LedgerEntry:
    """Reverse one ledger entry; for a violation's fine this is reversing the violation."""
    original = get_entry(actor, entry_id)
    if original.kind in ("fine", "adjustment") and original.violation_id is not None:
        return reverse_violation(actor, original.violation, reason)
    reason = _text(reason, "reason", required=True)
    _lock_person(original.employee_id)
    entry = _reverse(actor, original, reason)
    audit.record(actor, "ledger.reverse", "ledger_entry", entry.id, reverses=original.id, reason=reason)
    db.session.commit()
    return entry


# --- re-stepping after a change in what counts -------------------------------------------------


@dataclass(frozen=True)
class OutOfStep:
    violation: Violation
    decision: Decision | None  # what it should be now; None when its new step needs an amount chosen


def _policy_of(version_id: int, cache: dict[int, Policy]) -> Policy:
    if version_id not in cache:
        cache[version_id] = parse_policy(db.session.get(PolicyVersion, version_id).document)
    return cache[version_id]


def _same(violation: Violation, decision: Decision) -> bool:
    return (violation.occurrence, violation.step, violation.sanction, violation.fine, violation.points,
            violation.flagged_for_review, violation.dismissal_review) == (
        decision.occurrence, decision.step, decision.sanction, decision.fine, decision.points,
        decision.flagged_for_review, decision.dismissal_review)


def out_of_step(employee: Employee, rule_code: str) -> list[OutOfStep]:
    """The person's counted violations of a rule whose step is no longer right, e.g. after an
    earlier one was overturned or a forgotten earlier one was recorded late. Each is judged again
    by the policy version it was judged by, seeing only the counted ones before it."""
    cache: dict[int, Policy] = {}
    counted = _prior(employee.id, rule_code)
    wrong = []
    for i, violation in enumerate(counted):
        policy = _policy_of(violation.policy_version_id, cache)
        prior = [PriorOccurrence(v.occurred_at) for v in counted[:i]]
        at = violation.occurred_at.astimezone(clock.site_zone())
        try:
            decision = escalate(policy, rule_code, at, prior)
        except RuleRefused:  # a range step: keep the amount chosen, if it still fits
            try:
                decision = escalate(policy, rule_code, at, prior, violation.fine)
            except RuleRefused:
                decision = None
        if decision is None or not _same(violation, decision):
            wrong.append(OutOfStep(violation, decision))
    return wrong


def restep(actor: Employee, employee: Employee, rule_code: str, reason: str) -> list[Violation]:
    """Put every out-of-step violation of the rule right: a reversal and a new, correctly stepped
    violation with its own entry. Nothing is changed silently. :raise RuleRefused: one needs a new amount."""
    reason = _text(reason, "reason", required=True)
    _lock_person(employee.id)
    items = out_of_step(employee, rule_code)
    if any(item.decision is None for item in items):
        raise RuleRefused("a violation now falls on a step with an amount range; reverse it and record it again",
                          code=rule_code)
    cache: dict[int, Policy] = {}
    created = []
    for item in items:
        old = item.violation
        reverse_violation(actor, old, f"re-step: {reason}", commit=False)
        created.append(_add_violation(
            actor, employee=employee, decision=item.decision, policy=_policy_of(old.policy_version_id, cache),
            version_id=old.policy_version_id, occurred_at=old.occurred_at, note=old.note, source=old.source,
            source_ref=old.source_ref, evidence=(old.evidence_path, old.evidence_type, old.evidence_sha256)
            if old.evidence_path else None, restep_of=old))
    db.session.commit()
    return created


# --- appeals -----------------------------------------------------------------------------------


def file_appeal(actor: Employee, violation_id: int, reason: str) -> Appeal:
    """The person appeals their own violation, once. :raise Forbidden: someone else's; Conflict: twice."""
    violation = get_violation(actor, violation_id)
    if violation.employee_id != actor.id:
        raise Forbidden("only the person it concerns can appeal a violation")
    reason = _text(reason, "reason", required=True)
    if violation.reversed_at is not None:
        raise Conflict("this violation is already reversed")
    if violation.appeal is not None:
        raise Conflict("this violation has already been appealed")
    appeal = Appeal(violation_id=violation.id, employee_id=actor.id, reason=reason, filed_by_id=actor.id,
                    filed_at=utcnow(), status="pending")
    db.session.add(appeal)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("this violation has already been appealed") from None
    audit.record(actor, "appeal.file", "appeal", appeal.id, violation=violation.id, reason=reason)
    db.session.commit()
    return appeal


def _locked(model, row_id: int):
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update()
                             .execution_options(populate_existing=True))


def get_appeal(viewer: Employee, appeal_id: int) -> Appeal:
    appeal = _get(Appeal, appeal_id)
    if appeal is None or not people.can_see(viewer, appeal.employee):
        raise NotFound(f"no appeal {appeal_id}")
    return appeal


def appeals(viewer: Employee, status: str | None = "pending", *, limit: int = 50,
            cursor: str | None = None) -> Page:
    stmt = (select(Appeal).join(Employee, Appeal.employee_id == Employee.id)
            .where(people.visible_clause(viewer))
            .options(joinedload(Appeal.employee), joinedload(Appeal.violation), joinedload(Appeal.decided_by))
            .order_by(Appeal.id))
    if status:
        stmt = stmt.where(Appeal.status == status)
    after = _cursor(cursor)
    if after is not None:
        stmt = stmt.where(Appeal.id > after)
    rows = list(db.session.scalars(stmt.limit(limit + 1)).unique())
    return Page(rows[:limit], str(rows[limit - 1].id) if len(rows) > limit else None)


def decide_appeal(actor: Employee, appeal_id: int, outcome: str, reason: str) -> Appeal:
    """Uphold or overturn; overturning posts the reversal. :raise Conflict: already decided."""
    get_appeal(actor, appeal_id)
    if outcome not in APPEAL_OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome}", fields={"outcome": "upheld or overturned"})
    reason = _text(reason, "reason", required=True)
    appeal = _locked(Appeal, appeal_id)
    if appeal.status != "pending":
        raise Conflict(f"appeal {appeal_id} is already decided ({appeal.status})")
    if appeal.employee_id == actor.id:
        raise Forbidden("nobody decides their own appeal")
    appeal.status, appeal.decision_reason = outcome, reason
    appeal.decided_by_id, appeal.decided_at = actor.id, utcnow()
    if outcome == "overturned" and appeal.violation.reversed_at is None:
        entry = reverse_violation(actor, appeal.violation, f"appeal {appeal.id} overturned: {reason}", commit=False)
        appeal.reversal_entry_id = entry.id
    audit.record(actor, "appeal.decide", "appeal", appeal.id, outcome=outcome, reason=reason,
                 violation=appeal.violation_id)
    db.session.commit()
    return appeal


# --- dismissal reviews -------------------------------------------------------------------------


def dismissal_reviews(viewer: Employee, status: str | None = "pending", *, limit: int = 50,
                      cursor: str | None = None) -> Page:
    stmt = (select(DismissalReview).join(Employee, DismissalReview.employee_id == Employee.id)
            .where(people.visible_clause(viewer))
            .options(joinedload(DismissalReview.employee).joinedload(Employee.team),
                     joinedload(DismissalReview.violation).options(
                         joinedload(Violation.employee).joinedload(Employee.team),
                         joinedload(Violation.recorded_by), joinedload(Violation.appeal),
                         selectinload(Violation.ledger_entries)),
                     joinedload(DismissalReview.decided_by))
            .order_by(DismissalReview.id))
    if status:
        stmt = stmt.where(DismissalReview.status == status)
    after = _cursor(cursor)
    if after is not None:
        stmt = stmt.where(DismissalReview.id > after)
    rows = list(db.session.scalars(stmt.limit(limit + 1)).unique())
    return Page(rows[:limit], str(rows[limit - 1].id) if len(rows) > limit else None)


def decide_dismissal(actor: Employee, review_id: int, outcome: str, reason: str) -> DismissalReview:
    """Record a manager's decision with who and when. :raise Conflict: already decided."""
    review = _get(DismissalReview, review_id)
    if review is None or not people.can_see(actor, review.employee):
        raise NotFound(f"no dismissal review {review_id}")
    if outcome not in DISMISSAL_OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome}", fields={"outcome": "one of " + ", ".join(DISMISSAL_OUTCOMES)})
    reason = _text(reason, "reason", required=True)
    review = _locked(DismissalReview, review_id)
    if review.status != "pending":
        raise Conflict(f"dismissal review {review_id} is already decided ({review.status})")
    if review.employee_id == actor.id:
        raise Forbidden("nobody decides their own dismissal review")
    review.status, review.decision_reason = outcome, reason
    review.decided_by_id, review.decided_at = actor.id, utcnow()
    audit.record(actor, "dismissal.decide", "dismissal_review", review.id, outcome=outcome, reason=reason,
                 violation=review.violation_id, employee=review.employee.employee_no)
    db.session.commit()
    return review


# --- the person's own page ---------------------------------------------------------------------


@dataclass(frozen=True)
class MyDiscipline:
    violations: list[Violation]
    ledger: list[LedgerRow]
    month: str
    fines_this_month: Decimal
    points_this_month: int


def my_discipline(person: Employee) -> MyDiscipline:
    """What the person sees on their own page: recent violations, this month's ledger."""
    month = clock.today().strftime("%Y-%m")
    rows = ledger_for(person, person.employee_no, month, limit=200).items
    return MyDiscipline(
        violations=violations_for(person, person.employee_no, limit=20).items, ledger=rows, month=month,
        fines_this_month=sum((r.entry.amount for r in rows), Decimal("0.00")),
        points_this_month=sum(r.entry.points for r in rows))
