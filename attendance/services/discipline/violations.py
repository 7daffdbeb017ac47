"""Recording and reversing violations (stepped by the policy in force that day), re-stepping after an
occurrence stops counting, the lists and the person's own record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain.discipline import (
    SOURCES,
)
from attendance.domain.errors import N_, Conflict, InvalidInput, NotFound, RuleRefused
from attendance.domain.escalation import Decision, PriorOccurrence, escalate
from attendance.domain.permissions import reach
from attendance.domain.policy import Policy, parse_policy
from attendance.extensions import db
from attendance.models import (
    DismissalReview,
    Employee,
    LedgerEntry,
    PolicyVersion,
    Team,
    TrainingDay,
    Transfer,
    Violation,
)
from attendance.models.types import utcnow
from attendance.services import audit, notifications, people
from attendance.services import policy as policy_service
from attendance.services.discipline import evidence as evidence_store
from attendance.services.discipline.evidence import check_evidence, stored_path
from attendance.services.discipline.inputs import (
    FUTURE_SLACK,
    MAX_ID,
    _text,
    parse_month,
)
from attendance.services.discipline.ledger import LedgerRow, _append, get_entry, ledger_for
from attendance.services.paging import Page, paginate
from attendance.services.transaction import savepoint, use_case

# --- who may see what --------------------------------------------------------------------------


def recordable_employee(actor: Employee, employee_no: str) -> Employee:
    """The person ``actor`` may record a violation for. :raise NotFound: unknown, or out of reach."""
    person = people.get_employee(actor, (employee_no or "").strip())
    if not person.active:
        raise InvalidInput(N_("%(employee_no)s is deactivated", employee_no=employee_no),
                           fields={"employee_no": N_("deactivated")})
    return person


def get_violation(viewer: Employee, violation_id: int) -> Violation:
    """The violation, if ``viewer`` may see its person. :raise NotFound: otherwise, so nothing leaks."""
    violation = None if not 0 < violation_id <= MAX_ID else db.session.scalar(
        select(Violation).where(Violation.id == violation_id).options(
            joinedload(Violation.employee).joinedload(Employee.team), joinedload(Violation.recorded_by),
            joinedload(Violation.appeal), joinedload(Violation.review), selectinload(Violation.ledger_entries)))
    if violation is None or not people.can_see(viewer, violation.employee):
        raise NotFound(N_("no violation %(violation_id)s", violation_id=violation_id))
    return violation


def _violation_query():
    return (select(Violation).join(Employee, Violation.employee_id == Employee.id).options(
        joinedload(Violation.employee).joinedload(Employee.team), joinedload(Violation.recorded_by),
        joinedload(Violation.appeal), joinedload(Violation.review), selectinload(Violation.ledger_entries)))


def violations_for(viewer: Employee, employee_no: str | None = None, month: str | None = None, *,
                   team: str | None = None, limit: int = 50, cursor: str | None = None) -> Page:
    """Violations ``viewer`` may see, the latest to happen first (then the latest recorded), ``limit`` at a
    time; reversed ones included and marked.

    :raise NotFound: for an ``employee_no`` the viewer may not see.
    """
    stmt = _violation_query().where(people.visible_clause(viewer))
    if employee_no:
        stmt = stmt.where(Violation.employee_id == people.get_employee(viewer, employee_no).id)
    if team:
        stmt = stmt.join(Team, Employee.team_id == Team.id).where(Team.code == team)
    span = parse_month(month)
    if span:
        stmt = stmt.where(Violation.occurred_on >= span[0], Violation.occurred_on < span[1])
    return paginate(stmt, [Violation.occurred_at, Violation.id], limit=limit, cursor=cursor, descending=True)


def violation_log(viewer: Employee, team_code: str, month: str) -> tuple[Team, list[Violation]]:
    """《客服人员违纪记录表》: every violation of a team's people in a month, in the order they happened."""
    team = people.get_team(team_code)
    span = parse_month(month)
    if span is None:
        raise InvalidInput(N_("month is required"), fields={"month": N_("YYYY-MM")})
    if reach(viewer.roles) != "all" and team.id not in people.teams_led_by(viewer):
        raise NotFound(N_("no team %(team_code)s", team_code=team_code))
    stmt = (_violation_query().where(Employee.team_id == team.id, Violation.occurred_on >= span[0],
                                     Violation.occurred_on < span[1])
            .order_by(Violation.occurred_at, Violation.id))
    return team, list(db.session.scalars(stmt).unique())


def notice_citation(violation: Violation) -> dict:
    """The rule book a violation stands on, for the penalty notice: the version, its adoption and
    publication, and when the person acknowledged it (None: not yet)."""
    row = violation.policy_version or db.session.get(PolicyVersion, violation.policy_version_id)
    ack = policy_service.acknowledgement_of(row.id, violation.employee_id)
    return {"version": row.label, "version_id": row.id, "adopted_on": row.adopted_on,
            "adopted_by": row.adopted_by, "published_at": row.published_at,
            "acknowledged_at": ack.acknowledged_at if ack else None}


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
        restep_of_id=restep_of.id if restep_of else None,
        offered=",".join(decision.options) or None, forfeits=decision.forfeits)
    db.session.add(violation)
    db.session.flush()
    _add_effects(violation, decision)
    entry = _append(actor, employee_id=employee.id, kind="fine", amount=decision.fine, points=decision.points,
                    occurred_on=violation.occurred_on, violation_id=violation.id,
                    reason=f"{rule.code} #{decision.occurrence}")
    if decision.dismissal_review:
        db.session.add(DismissalReview(violation_id=violation.id, employee_id=employee.id, status="pending"))
    audit.record(actor, "violation.restep" if restep_of else "violation.record", "violation", violation.id,
                 choice=decision.choice, offered=list(decision.options) or None, forfeits=decision.forfeits,
                 stand_down_days=decision.stand_down_days or None,
                 employee=employee.employee_no, rule=rule.code, occurrence=decision.occurrence,
                 step=decision.step, sanction=decision.sanction, fine=str(decision.fine),
                 points=decision.points, source=source, source_ref=source_ref, ledger_entry=entry.id,
                 restep_of=restep_of.id if restep_of else None)
    return violation


def _add_effects(violation: Violation, decision: Decision) -> None:
    """What a stand-down or a transfer leaves besides the entry: the training days on the roster, from the day
    after the occurrence (a day already marked by an earlier stand-down is not marked twice, the stand-down
    then runs on past it), or the transfer HR is to complete."""
    if decision.stand_down_days:
        taken = set(db.session.scalars(select(TrainingDay.day).where(
            TrainingDay.employee_id == violation.employee_id, TrainingDay.cancelled_at.is_(None),
            TrainingDay.day > violation.occurred_on)))
        day, marked = violation.occurred_on, 0
        while marked < decision.stand_down_days:
            day += timedelta(days=1)
            if day not in taken:
                db.session.add(TrainingDay(employee_id=violation.employee_id, day=day, violation_id=violation.id))
                marked += 1
    if decision.sanction == "transfer":
        db.session.add(Transfer(violation_id=violation.id, employee_id=violation.employee_id, status="pending"))


def training_days_of(violation: Violation) -> list[date]:
    return list(db.session.scalars(select(TrainingDay.day).where(TrainingDay.violation_id == violation.id)
                                   .order_by(TrainingDay.day)))


@use_case
def record_violation(actor: Employee | None, *, employee: Employee, rule_code: str, occurred_at: datetime,
                     note: str = "", amount: Decimal | None = None, source: str = "manual",
                     source_ref: str | None = None, evidence: tuple[str, bytes, str] | None = None,
                     choice: str | None = None) -> Violation:
    """Judge and record one violation with the policy in force on its local date, and post its fine entry.

    :param source_ref: an idempotency key for automated sources; while a counted violation with
        the same key exists, that one is returned and nothing is created.
    :param evidence: ``(filename, bytes, content type)`` of a photo (JPEG/PNG/WebP, at most 5 MB).
    :param choice: the option chosen where the step offers the recorder a choice (``fine`` or
        ``dismissal_review`` for FALSIFY); the note should say why.
    :raise InvalidInput: naive or future time, unknown rule or source, bad amount or evidence, a choice where
        the step offers none.
    :raise RuleRefused: a range step without an amount inside the range (``code`` names the rule); a choice
        step without one of its options (``code`` ``sanction_choice``).
    """
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise InvalidInput(N_("occurred_at needs a time zone"), fields={"occurred_at": N_("needs a time zone")})
    if occurred_at > clock.now() + FUTURE_SLACK:
        raise InvalidInput(N_("occurred_at is in the future"), fields={"occurred_at": N_("in the future")})
    if source not in SOURCES:
        raise InvalidInput(N_("unknown source %(source)s", source=source),
                           fields={"source": N_("one of %(values)s", values=", ".join(SOURCES))})
    note = _text(note, "note", required=False)
    source_ref = (source_ref or "").strip() or None
    if source_ref and len(source_ref) > 200:
        raise InvalidInput(N_("source_ref is too long"), fields={"source_ref": N_("at most 200 characters")})
    photo = check_evidence(evidence) if evidence else None
    rule_code = (rule_code or "").strip().upper()

    people.lock(employee.id)
    if source_ref and (existing := _counted_by_ref(source_ref)) is not None:
        return existing
    day = _local_day(occurred_at)
    try:
        in_force = policy_service.in_force(day)
    except NotFound:
        raise InvalidInput(N_("no policy is in force on %(day)s", day=day),
                           fields={"occurred_at": N_("before the first policy")}
                           ) from None
    policy_service.check_published_for(in_force.version, day)
    prior = [PriorOccurrence(v.occurred_at) for v in _prior(employee.id, rule_code)]
    # Calendar windows are read on the site's clock, whatever offset the caller sent.
    decision = escalate(in_force.policy, rule_code, occurred_at.astimezone(clock.site_zone()), prior, amount,
                        choice=choice)
    stored = evidence_store.save(*photo) if photo else None
    try:
        with savepoint():
            violation = _add_violation(actor, employee=employee, decision=decision, policy=in_force.policy,
                                       version_id=in_force.version.id, occurred_at=occurred_at, note=note,
                                       source=source, source_ref=source_ref, evidence=stored)
    except IntegrityError:
        if source_ref and (existing := _counted_by_ref(source_ref)) is not None:
            if stored:
                evidence_store.remove([stored[0]])
            return existing  # another process recorded the same thing a moment ago
        raise
    _tell_person(violation)
    return violation


# What the person is told of a sanction that moves no money (docs/rules.md §7)
SANCTION_NOTICES = {
    "criticism": N_("%(date)s · occurrence %(occurrence)s · criticism: a recorded notice, no money · "
                    "%(points)s points"),
    "forfeit_reward": N_("%(date)s · occurrence %(occurrence)s · the reward for %(month)s is forfeited · "
                         "%(points)s points"),
    "stand_down": N_("%(date)s · occurrence %(occurrence)s · stand-down for retraining: %(days)s days from "
                     "%(start)s, on the roster as training · %(points)s points"),
    "transfer": N_("%(date)s · occurrence %(occurrence)s · a transfer off your post, which HR completes · "
                   "%(points)s points"),
}


def _tell_person(violation: Violation) -> None:
    """The person hears of it in the same transaction: a constant number of statements per violation.
    The rule's name is kept in both languages and chosen when the notification is read."""
    params = {"rule_code": violation.rule_code, "rule_zh": violation.rule_name_zh,
              "rule_en": violation.rule_name_en, "date": violation.occurred_on.isoformat(),
              "occurrence": violation.occurrence, "fine": str(violation.fine), "points": violation.points}
    body = SANCTION_NOTICES.get(violation.sanction)
    if violation.sanction == "forfeit_reward":
        params["month"] = violation.occurred_on.strftime("%Y-%m")
    if violation.sanction == "stand_down":
        days = training_days_of(violation)
        params.update(days=len(days), start=days[0].isoformat() if days else "")
    notifications.notify(
        [violation.employee_id], "violation", N_("A violation was recorded: %(rule)s"),
        body or N_("%(date)s · occurrence %(occurrence)s · fine %(fine)s yuan · %(points)s points"),
        params=params, link=f"/violations/{violation.id}/explanation")



def _fine_entry(violation: Violation) -> LedgerEntry | None:
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.violation_id == violation.id,
                                                       LedgerEntry.kind.in_(("fine", "adjustment")))
                           .order_by(LedgerEntry.id))


def _reverse(actor: Employee | None, original: LedgerEntry, reason: str) -> LedgerEntry:
    if original.kind == "reversal":
        raise Conflict(N_("a reversal is not reversed; post an adjustment instead"))
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id)) is not None:
        raise Conflict(N_("ledger entry %(id)s is already reversed", id=original.id))
    return _append(actor, employee_id=original.employee_id, kind="reversal", amount=-original.amount,
                   points=-original.points, occurred_on=original.occurred_on, reason=reason,
                   violation_id=original.violation_id, reverses_id=original.id)


@use_case
def reverse_violation(actor: Employee | None, violation: Violation, reason: str) -> LedgerEntry:
    """Post a reversal of the violation's fine entry and mark it reversed; it stops counting.

    :raise Conflict: already reversed.
    """
    reason = _text(reason, "reason", required=True)
    people.lock(violation.employee_id)
    db.session.refresh(violation)
    if violation.reversed_at is not None:
        raise Conflict(N_("violation %(id)s is already reversed", id=violation.id))
    original = _fine_entry(violation)
    if original is None:  # cannot happen: every violation is posted with its entry
        raise Conflict(N_("violation %(id)s has no ledger entry", id=violation.id))
    entry = _reverse(actor, original, reason)
    violation.reversed_at = utcnow()
    violation.reversed_by_id = actor.id if actor else None
    violation.reversed_reason = reason
    # what the sanction set going stops with it: the training days come off the roster, a transfer not yet
    # completed is cancelled (one completed stays: HR undoes a move by hand)
    for day in db.session.scalars(select(TrainingDay).where(TrainingDay.violation_id == violation.id,
                                                            TrainingDay.cancelled_at.is_(None))):
        day.cancelled_at, day.cancelled_by_id = violation.reversed_at, violation.reversed_by_id
    transfer = db.session.scalar(select(Transfer).where(Transfer.violation_id == violation.id,
                                                        Transfer.status == "pending"))
    if transfer is not None:
        transfer.status = "cancelled"
    audit.record(actor, "violation.reverse", "violation", violation.id, reason=reason, ledger_entry=entry.id,
                 reverses=original.id)
    return entry


@use_case
def reverse_entry(actor: Employee, entry_id: int, reason: str) -> LedgerEntry:
    """Reverse one ledger entry; for a violation's fine this is reversing the violation."""
    original = get_entry(actor, entry_id)
    if original.kind in ("fine", "adjustment") and original.violation_id is not None:
        return reverse_violation(actor, original.violation, reason)
    reason = _text(reason, "reason", required=True)
    people.lock(original.employee_id)
    entry = _reverse(actor, original, reason)
    audit.record(actor, "ledger.reverse", "ledger_entry", entry.id, reverses=original.id, reason=reason)
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
            violation.flagged_for_review, violation.dismissal_review, tuple(violation.options)) == (
        decision.occurrence, decision.step, decision.sanction, decision.fine, decision.points,
        decision.flagged_for_review, decision.dismissal_review, decision.options)


def _judge_again(policy: Policy, rule_code: str, at: datetime, prior: list[PriorOccurrence],
                 violation: Violation) -> Decision | None:
    """The step the violation should have now, keeping the recorder's choice and amount where they still fit;
    None when its new step needs a choice or an amount made afresh."""
    tries: list[dict] = [{}, {"amount": violation.fine}]
    if violation.offered:
        tries = [{"choice": violation.sanction}, {"choice": violation.sanction, "amount": violation.fine}, *tries]
    for more in tries:
        try:
            return escalate(policy, rule_code, at, prior, **more)
        except (RuleRefused, InvalidInput):
            continue
    return None


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
        decision = _judge_again(policy, rule_code, at, prior, violation)
        if decision is None or not _same(violation, decision):
            wrong.append(OutOfStep(violation, decision))
    return wrong


@use_case
def restep(actor: Employee, employee: Employee, rule_code: str, reason: str) -> list[Violation]:
    """Put every out-of-step violation of the rule right: a reversal and a new, correctly stepped
    violation with its own entry. Nothing is changed silently. :raise RuleRefused: one needs a new amount."""
    reason = _text(reason, "reason", required=True)
    people.lock(employee.id)
    items = out_of_step(employee, rule_code)
    if any(item.decision is None for item in items):
        raise RuleRefused(N_("a violation now falls on a step with an amount range; reverse it and record it again"),
                          code=rule_code)
    cache: dict[int, Policy] = {}
    created = []
    for item in items:
        old = item.violation
        reverse_violation(actor, old, f"re-step: {reason}")
        created.append(_add_violation(
            actor, employee=employee, decision=item.decision, policy=_policy_of(old.policy_version_id, cache),
            version_id=old.policy_version_id, occurred_at=old.occurred_at, note=old.note, source=old.source,
            source_ref=old.source_ref, evidence=(old.evidence_path, old.evidence_type, old.evidence_sha256)
            if old.evidence_path else None, restep_of=old))
    return created


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


@use_case
def evidence_file(viewer: Employee, violation_id: int) -> tuple[Path, str]:
    """The photo of a violation for someone who may see the violation; every view is recorded (a photo of a
    person is sensitive, PIPL Art. 28). :raise NotFound: no photo, or deleted under the retention period."""
    violation = get_violation(viewer, violation_id)
    path = stored_path(violation.evidence_path or "")
    if not violation.evidence_path or violation.evidence_removed_at is not None or not path.is_file():
        raise NotFound(N_("violation %(violation_id)s has no evidence", violation_id=violation_id))
    audit.record(viewer, "violation.evidence.view", "violation", violation_id, sha256=violation.evidence_sha256)
    return path, violation.evidence_type or "application/octet-stream"
