"""Pre-shift grooming and workstation checks (docs/rules.md §6): who is on the shift, recording a
whole team at once, the violations failed items raise, corrections, history and monthly insight.

A lead checks only their own team; supervisors and managers any team; nobody checks themselves.
Each failed item raises one violation of the rule the item names, through the discipline engine
(``source_ref`` makes it once per person, day and item). Re-submitting a check is a correction:
the old check is superseded, never deleted; violations of items no longer failed are reversed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain import dates
from attendance.domain import grooming as rules
from attendance.domain.attendance_rules import ShiftWindow
from attendance.domain.dates import parse_day  # noqa: F401  (used by pages and API)
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.leave import LeaveDay
from attendance.domain.permissions import allowed, reach
from attendance.domain.policy import GroomingItem, GroomingSettings, Name, parse_policy
from attendance.extensions import db
from attendance.models import Employee, PolicyVersion, RosterEntry, ShiftType, Team, Violation
from attendance.models.grooming import NO_SHIFT, GroomingCheck, GroomingFailure
from attendance.models.leave import day_marks, live_leaves
from attendance.models.types import utcnow
from attendance.services import attendance, audit, discipline, people
from attendance.services import policy as policy_service
from attendance.services.paging import Page, paginate
from attendance.services.transaction import savepoint, use_case

_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")


# --- input -------------------------------------------------------------------------------------


def parse_month(value: object) -> tuple[str, date, date]:
    """``YYYY-MM`` → (the text, first day, first day of the next month). :raise InvalidInput:"""
    first = dates.parse_month(value)
    return f"{first:%Y-%m}", first, dates.add_months(first, 1)


def _note(value: object, field_name: str) -> str:
    text = str(value or "").strip()
    if len(text) > rules.NOTE_MAX:
        raise InvalidInput(N_("%(field_name)s is too long", field_name=field_name),
                           fields={field_name: N_("at most %(note_max)s characters", note_max=rules.NOTE_MAX)})
    return text


def _shift(code: str | None) -> ShiftType | None:
    """The shift type named by ``code`` (None or "" for none). :raise InvalidInput: unknown code."""
    code = (code or "").strip()
    if not code:
        return None
    shift = db.session.scalar(select(ShiftType).where(ShiftType.code == code))
    if shift is None:
        raise InvalidInput(N_("unknown shift type %(code)s", code=code), fields={"shift": N_("unknown shift type")})
    return shift


def _policy_on(day: date) -> policy_service.PolicyInForce:
    try:
        return policy_service.in_force(day)
    except NotFound:
        raise InvalidInput(N_("no policy is in force on %(day)s", day=day),
                           fields={"date": N_("before the first policy")}) from None


# --- who may check whom ------------------------------------------------------------------------


def checkable_teams(actor: Employee) -> list[Team]:
    """The active teams ``actor`` may check: all of them for the office, a lead's own teams, else none."""
    return people.teams_reached(actor) if allowed(actor.roles, "grooming.check") else []


def report_teams(viewer: Employee) -> list[Team]:
    """The teams whose monthly insight ``viewer`` may read: all for the office, a lead's own."""
    if not allowed(viewer.roles, "grooming.report"):
        return []
    return people.teams_reached(viewer, include_inactive=True)


def _require_team(actor: Employee, team: Team, action: str = "grooming.check") -> None:
    if not allowed(actor.roles, action):
        raise Forbidden(N_("your roles do not allow %(action)s", action=action))
    if reach(actor.roles) != "all" and team.id not in people.teams_led_by(actor):
        raise Forbidden(N_("team %(code)s is not yours to check", code=team.code) if action == "grooming.check"
                        else N_("team %(code)s is not yours", code=team.code))


def _checkable_people(actor: Employee, numbers: list[str]) -> dict[str, Employee]:
    """The people ``actor`` may check, by employee_no, loaded at once.

    :raise NotFound: one is unknown; Forbidden: not theirs, or the actor themselves; InvalidInput: deactivated.
    """
    if not allowed(actor.roles, "grooming.check"):
        raise Forbidden(N_("your roles do not allow grooming.check"))
    wanted = [str(no or "").strip() for no in numbers]
    found = {p.employee_no: p for p in db.session.scalars(
        select(Employee).options(joinedload(Employee.team)).where(Employee.employee_no.in_([w for w in wanted if w])))}
    led = None if reach(actor.roles) == "all" else set(people.teams_led_by(actor))
    for no in wanted:
        person = found.get(no)
        if person is None:
            raise NotFound(N_("no employee %(no)s", no=no))
        if person.id == actor.id:
            raise Forbidden(N_("nobody checks their own grooming"))
        if led is not None and person.team_id not in led:
            raise Forbidden(N_("%(employee_no)s is not in a team you lead", employee_no=person.employee_no))
        if not person.active:
            raise InvalidInput(N_("%(employee_no)s is deactivated", employee_no=person.employee_no),
                               fields={"employee_no": N_("deactivated")})
    return found


# --- the checklist and who is on the shift -----------------------------------------------------


def checklist(on: date | None = None, team_code: str | None = None) -> tuple[PolicyVersion, tuple[GroomingItem, ...]]:
    """The active items in force on a day (today), in order; for one team when ``team_code`` is given."""
    in_force = _policy_on(on or clock.today())
    if team_code:
        people.get_team(team_code)
        return in_force.version, rules.items_for_team(in_force.policy, team_code)
    return in_force.version, tuple(i for i in in_force.policy.grooming_items if i.active)


@dataclass
class Roll:
    """A team's people on one day's shift, with the checklist and their current checks."""

    team: Team
    day: date
    shift: ShiftType | None
    shifts: list[ShiftType]  # the shift types rostered for the team that day, by start time
    rostered: bool  # False: nobody rostered, so every active member is listed
    people: list[Employee]
    items: tuple[GroomingItem, ...]
    version: PolicyVersion
    current: dict[int, GroomingCheck]  # by employee id
    on_leave: list[tuple[Employee, LeaveDay]] = field(default_factory=list)  # not checked: approved leave

    @property
    def shift_code(self) -> str:
        return self.shift.code if self.shift else NO_SHIFT


def _coming(shifts: list[ShiftType], day: date) -> ShiftType | None:
    """The first shift of the day that has not ended yet (the last one when all have ended)."""
    if not shifts:
        return None
    now = clock.now()
    for shift in shifts:
        if ShiftWindow.on(day, shift.start_minute, shift.end_minute, clock.site_zone()).end > now:
            return shift
    return shifts[-1]


def roll(actor: Employee, team_code: str | None = None, day: date | None = None,
         shift_code: str | None = None) -> Roll:
    """Who ``actor`` checks: the team's people rostered on the day's (coming) shift, or every active
    member when nobody is rostered; never ``actor``. :raise Forbidden: not their team; NotFound: no team."""
    if team_code:
        team = people.get_team(team_code)
    else:
        teams = checkable_teams(actor)
        if not teams:
            raise Forbidden(N_("you lead no team to check"))
        team = teams[0]
    _require_team(actor, team)
    day = day or clock.today()
    chosen = _shift(shift_code)
    entries = list(db.session.scalars(
        select(RosterEntry).join(Employee, RosterEntry.employee_id == Employee.id)
        .options(joinedload(RosterEntry.employee))
        .where(Employee.team_id == team.id, Employee.active.is_(True), RosterEntry.day == day,
               RosterEntry.shift_type_id.is_not(None))))
    shifts = sorted({e.shift_type.id: e.shift_type for e in entries}.values(),
                    key=lambda s: (s.start_minute, s.code))
    rostered = bool(entries)
    shift = chosen or _coming(shifts, day)
    if rostered and shift is not None:
        members = [e.employee for e in entries if e.shift_type_id == shift.id]
    else:
        members = list(db.session.scalars(
            select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True))))
    members = sorted((p for p in members if p.id != actor.id), key=lambda p: p.employee_no)
    members, on_leave = _without_leave(members, day, shift)
    in_force = _policy_on(day)
    shift_key = shift.code if shift else NO_SHIFT
    current = {c.employee_id: c for c in _current_checks([p.id for p in members], day, shift_key)}
    return Roll(team=team, day=day, shift=shift, shifts=shifts, rostered=rostered, people=members,
                items=rules.items_for_team(in_force.policy, team.code), version=in_force.version,
                current=current, on_leave=on_leave)


def _without_leave(members: list[Employee], day: date, shift: ShiftType | None
                   ) -> tuple[list[Employee], list[tuple[Employee, LeaveDay]]]:
    """Who is checked and who is on approved leave at the check: leave holding the shift's start (a whole
    day, or a morning off) takes the person off the roll, so they are neither checked nor absent; with no
    shift known, only a whole day does. An afternoon off is checked as usual. Two queries, one for the team."""
    ids = [p.id for p in members]
    leaves = live_leaves(ids, day, day)
    if not leaves:
        return members, []
    covers = attendance.leave_covers(ids, day, day, leaves)
    marks = day_marks(leaves, day, day)
    window = ShiftWindow.on(day, shift.start_minute, shift.end_minute, clock.site_zone()) if shift else None
    checked, away = [], []
    for person in members:
        cover = covers.get((person.id, day))
        whole = cover is not None and cover.start is None and cover.end is None
        if cover is not None and (cover.covers_start(window) if window else whole):
            away.append((person, marks[(person.id, day)]))
        else:
            checked.append(person)
    return checked, away


def _refuse_on_leave(people_checked: list[Employee], day: date, shift: ShiftType | None) -> None:
    """Someone off the roll for approved leave is not checked — not even as absent (that would fine a
    person the company let go). :raise RuleRefused: ``on_leave`` naming each of them."""
    _checked, away = _without_leave(people_checked, day, shift)
    if away:
        raise RuleRefused(N_("On approved leave at the check: not checked."), code="on_leave",
                          fields={f"people.{p.employee_no}": N_("on approved leave") for p, _mark in away})


def _current_checks(employee_ids: list[int], day: date, shift_code: str) -> list[GroomingCheck]:
    if not employee_ids:
        return []
    return list(db.session.scalars(
        select(GroomingCheck).options(selectinload(GroomingCheck.failures).joinedload(GroomingFailure.violation))
        .where(GroomingCheck.employee_id.in_(employee_ids), GroomingCheck.day == day,
               GroomingCheck.shift_code == shift_code, GroomingCheck.superseded_at.is_(None))))


# --- recording ---------------------------------------------------------------------------------


@dataclass
class Entry:
    """What the lead saw of one person: absent, or present with the failed items (code → note)."""

    employee_no: str
    absent: bool = False
    failed: dict[str, str] = field(default_factory=dict)
    note: str = ""
    evidence: tuple[str, bytes, str] | None = None  # (filename, bytes, declared type) of one photo
    expect_current: int | None = None  # the current check id the lead saw (with ``check_current``)
    check_current: bool = False


@dataclass
class Outcome:
    check: GroomingCheck
    changed: bool  # a new check was stored (a first check or a correction)
    raised: list[Violation] = field(default_factory=list)  # violations this check raised
    reversed: list[Violation] = field(default_factory=list)  # violations this correction reversed
    superseded: GroomingCheck | None = None

    @property
    def violations(self) -> list[Violation]:
        """Every violation the check's failed items stand for, raised now or earlier (once each: under
        ``violation_per: check`` several items share one)."""
        return _distinct(f.violation for f in self.check.failures if f.violation is not None)


@dataclass
class TeamOutcome:
    team: Team
    day: date
    shift_code: str
    outcomes: list[Outcome]
    replayed: bool = False  # the same form came again (a double click): nothing new was stored

    @property
    def raised(self) -> list[Violation]:
        return [v for o in self.outcomes for v in o.raised]

    @property
    def reversed(self) -> list[Violation]:
        return [v for o in self.outcomes for v in o.reversed]

    @property
    def changed(self) -> int:
        return sum(1 for o in self.outcomes if o.changed)


def _distinct(violations) -> list[Violation]:
    return list({v.id: v for v in violations}.values())


def _occurred_at(day: date, shift: ShiftType | None) -> datetime:
    """When a failure counts as having happened: the shift's start once it has begun; a check before
    the shift, today, happens now; a past day with no shift known, at the start of that day."""
    zone, now = clock.site_zone(), clock.now()
    if shift is not None:
        start = ShiftWindow.on(day, shift.start_minute, shift.end_minute, zone).start
        if start <= now:
            return start
    if day >= now.date():
        return now
    return datetime.combine(day, time(0), tzinfo=zone)


def _unchanged(check: GroomingCheck, status: str, failed: dict[str, str], note: str) -> bool:
    return (check.status == status and check.note == note
            and {f.item_code: f.note for f in check.failures} == failed)


def _still_failed_elsewhere(violation_id: int) -> bool:
    """Whether a current check (another shift's, the same day) still fails the item of this violation."""
    return db.session.scalar(
        select(func.count()).select_from(GroomingFailure)
        .join(GroomingCheck, GroomingFailure.check_id == GroomingCheck.id)
        .where(GroomingFailure.violation_id == violation_id, GroomingCheck.superseded_at.is_(None))) > 0


def _record(actor: Employee, person: Employee, team_id: int | None, day: date, shift: ShiftType | None,
            entry: Entry, items: tuple[GroomingItem, ...], version_id: int,
            form_token: str | None, current: GroomingCheck | None, stored: list[str],
            settings: GroomingSettings | None = None) -> Outcome:
    """Store one person's check against their ``current`` one (None: the first of the day and shift).
    Photos saved for new violations are noted in ``stored``: a double submit caught by the unique key
    undoes this person's rows in a savepoint, and its photos must go with them. ``settings``: the policy's
    grooming settings (how failures become violations; None: one violation per item, as before they existed)."""
    settings = settings or GroomingSettings()
    shift_code = shift.code if shift else NO_SHIFT
    status = "absent" if entry.absent else "present"
    failed = {} if entry.absent else entry.failed
    if entry.check_current and (current.id if current else None) != entry.expect_current:
        raise Conflict(N_("the check of %(employee_no)s was changed by someone else meanwhile; reload",
                          employee_no=person.employee_no),
                       fields={"employee_no": person.employee_no})
    if current is not None and _unchanged(current, status, failed, entry.note) and entry.evidence is None:
        return Outcome(current, changed=False)

    by_code = {i.code: i for i in items}
    ordered = [code for code in by_code if code in failed]
    change = rules.correction(current.failed_codes if current else (), ordered)
    now = utcnow()
    if current is not None:
        current.superseded_at, current.superseded_by_id = now, actor.id
        db.session.flush()  # the partial unique index must see the old check retired first
    check = GroomingCheck(employee_id=person.id, team_id=team_id, day=day, shift_code=shift_code,
                          status=status, note=entry.note, checked_by_id=actor.id, checked_at=now,
                          policy_version_id=version_id, form_token=form_token,
                          supersedes_id=current.id if current else None)
    db.session.add(check)
    db.session.flush()

    old = {f.item_code: f for f in current.failures} if current else {}
    occurred_at = _occurred_at(day, shift) if change.added else None
    raised: list[Violation] = []
    positions = {code: n for n, code in enumerate(by_code)}
    keys = rules.violation_keys([by_code[code] for code in ordered], settings)
    # A kept item carries its violation forward, and a newly failed item sharing its key shares it.
    shared: dict[str, tuple[int | None, str | None]] = {}
    for code in change.kept:
        if keys[code] is not None and old[code].violation_id is not None:
            shared.setdefault(keys[code], (old[code].violation_id, old[code].evidence_path))
    for code in ordered:
        item, key = by_code[code], keys[code]
        if code in change.kept:
            kept = old[code]
            violation_id, evidence_path = kept.violation_id, kept.evidence_path
        elif key is None:  # a desk item under a policy that fines no desk: recorded, raises nothing
            violation_id, evidence_path = None, None
        elif key in shared:
            violation_id, evidence_path = shared[key]
        else:
            ref = rules.source_ref(person.employee_no, day.isoformat(), key)
            before = db.session.scalar(select(Violation.id).where(Violation.source_ref == ref,
                                                                  Violation.reversed_at.is_(None)))
            members = [c for c in ordered if keys[c] == key and c not in change.kept]
            note = "; ".join(f"{by_code[c].name.zh} / {by_code[c].name.en}" for c in members)
            remarks = [failed[c] for c in members if failed[c]] + ([entry.note] if entry.note else [])
            if remarks:
                note += " — " + "; ".join(remarks)
            violation = discipline.record_violation(
                actor, employee=person, rule_code=item.rule, occurred_at=occurred_at, note=note,
                source="grooming", source_ref=ref, evidence=entry.evidence)
            if before is None:
                raised.append(violation)
                if violation.evidence_path:
                    stored.append(violation.evidence_path)
            violation_id, evidence_path = violation.id, violation.evidence_path
            shared[key] = (violation_id, evidence_path)
        db.session.add(GroomingFailure(check_id=check.id, item_code=code, position=positions[code],
                                       rule_code=item.rule, note=failed[code], evidence_path=evidence_path,
                                       violation_id=violation_id))
    db.session.flush()

    reversed_: list[Violation] = []
    why = "absent" if entry.absent else "passed"
    for code in change.removed:
        violation = old[code].violation
        if violation is None or violation.reversed_at is not None or _still_failed_elsewhere(violation.id):
            continue
        discipline.reverse_violation(actor, violation, f"grooming check {check.id} corrected: {code} {why}")
        reversed_.append(violation)
    db.session.refresh(check, ["failures"])
    audit.record(actor, "grooming.correct" if current else "grooming.check", "grooming_check", check.id,
                 employee=person.employee_no, day=day.isoformat(), shift=shift_code, status=status,
                 failed=ordered, raised=[v.id for v in raised], reversed=[v.id for v in reversed_],
                 supersedes=current.id if current else None)
    return Outcome(check, changed=True, raised=raised, reversed=reversed_, superseded=current)


def _check_failed(failed: dict[str, str], items: tuple[GroomingItem, ...], where: str) -> dict[str, str]:
    try:
        rules.failed_codes({code: "fail" for code in failed}, items)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, fields={f"{where}{k}": v for k, v in exc.fields.items()}) from None
    return {code: _note(note, f"{where}notes.{code}") for code, note in failed.items()}


def _check_day(day: object) -> date:
    day = parse_day(day)
    if day > clock.today():
        raise InvalidInput(N_("a check records what was seen: the day cannot be in the future"),
                           fields={"date": N_("in the future")})
    return day


def _replay(form_token: str) -> list[GroomingCheck]:
    return list(db.session.scalars(
        select(GroomingCheck).options(selectinload(GroomingCheck.failures).joinedload(GroomingFailure.violation),
                                      joinedload(GroomingCheck.employee))
        .where(GroomingCheck.form_token == form_token).order_by(GroomingCheck.id)))


@use_case
def submit_team(actor: Employee, team_code: str, day: object, shift_code: str | None, entries: list[Entry], *,
                form_token: str | None = None) -> TeamOutcome:
    """Record a whole team's check in one transaction: everyone listed, absent or present, items
    passing unless failed. The same ``form_token`` again (a double click, a replay) records nothing.

    :raise NotFound: unknown team or employee; Forbidden: not the actor's team, or the actor themselves;
        InvalidInput: bad date, shift, item code, note or photo; Conflict: changed meanwhile.
    """
    team = people.get_team(team_code)
    _require_team(actor, team)
    day = _check_day(day)
    shift = _shift(shift_code)
    shift_key = shift.code if shift else NO_SHIFT
    if form_token is not None and not _TOKEN.match(form_token):
        raise InvalidInput(N_("bad form token"), fields={"form_token": N_("reload the page")})
    if form_token and (done := _replay(form_token)):
        return TeamOutcome(team, day, shift_key, [
            Outcome(c, changed=True, raised=_distinct(f.violation for f in c.failures if f.violation)) for c in done],
            replayed=True)
    if not entries:
        raise InvalidInput(N_("nobody to record"), fields={"people": N_("required")})
    in_force = _policy_on(day)
    items = rules.items_for_team(in_force.policy, team.code)
    seen: set[str] = set()
    checked: list[tuple[Employee, Entry]] = []
    found = _checkable_people(actor, [e.employee_no for e in entries])
    for entry in entries:
        person = found[str(entry.employee_no or "").strip()]
        if person.team_id != team.id:
            raise InvalidInput(N_("%(employee_no)s is not in team %(code)s", employee_no=person.employee_no,
                               code=team.code),
                               fields={f"people.{person.employee_no}": N_("not in team %(code)s", code=team.code)})
        if person.employee_no in seen:
            raise InvalidInput(N_("%(employee_no)s is listed twice", employee_no=person.employee_no),
                               fields={f"people.{person.employee_no}": N_("listed twice")})
        seen.add(person.employee_no)
        entry.failed = {} if entry.absent else _check_failed(entry.failed, items, f"people.{person.employee_no}.")
        entry.note = _note(entry.note, f"people.{person.employee_no}.note")
        if entry.evidence is not None:
            if entry.absent or not entry.failed:
                entry.evidence = None  # a photo proves a failure; with none it is not kept
            else:
                discipline.check_evidence(entry.evidence)
        checked.append((person, entry))
    _refuse_on_leave([p for p, _e in checked], day, shift)
    current = {c.employee_id: c for c in _current_checks([p.id for p, _e in checked], day, shift_key)}
    stored: list[str] = []
    try:
        with savepoint():
            outcomes = [_record(actor, person, team.id, day, shift, entry, items, in_force.version.id, form_token,
                                current.get(person.id), stored, in_force.policy.grooming)
                        for person, entry in checked]
    except IntegrityError:
        discipline.evidence.remove(stored)  # the savepoint undid the rows that named them
        if form_token and (done := _replay(form_token)):
            return TeamOutcome(team, day, shift_key, [
                Outcome(c, changed=True, raised=_distinct(f.violation for f in c.failures if f.violation))
                for c in done], replayed=True)
        raise Conflict(N_("the check was recorded by someone else meanwhile; reload and try again")) from None
    return TeamOutcome(team, day, shift_key, outcomes)


@use_case
def submit_check(actor: Employee, data: dict) -> Outcome:
    """One person's check (the API): ``employee_no``, ``date``, ``shift`` (default: their rostered
    shift that day), ``items`` {code: pass|fail}, ``notes`` (text, or {code: note}), ``status``."""
    no = str(data.get("employee_no") or "").strip()
    person = _checkable_people(actor, [no])[no]
    day = _check_day(data.get("date"))
    shift_given = data.get("shift")
    if shift_given is None:
        rostered = db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == person.id,
                                                               RosterEntry.day == day))
        shift = rostered.shift_type if rostered is not None else None
    else:
        shift = _shift(shift_given)
    status = data.get("status") or "present"
    if status not in rules.STATUSES:
        raise InvalidInput(N_("status is present or absent"), fields={"status": N_("present or absent")})
    in_force = _policy_on(day)
    team_code = person.team.code if person.team else None
    items = rules.items_for_team(in_force.policy, team_code)
    results = data.get("items") or {}
    if not isinstance(results, dict):
        raise InvalidInput(N_("items maps item codes to pass or fail"), fields={"items": N_("an object")})
    failed = rules.failed_codes(results, items)
    notes = data.get("notes")
    check_note, item_notes = "", {}
    if isinstance(notes, dict):
        stray = {f"notes.{k}": "only for a failed item" for k in notes if k not in failed}
        if stray:
            raise InvalidInput(N_("a note per item is only for a failed item"), fields=stray)
        item_notes = {k: _note(v, f"notes.{k}") for k, v in notes.items()}
    elif notes is not None:
        check_note = _note(notes, "notes")
    if status == "absent" and failed:
        raise InvalidInput(N_("someone absent is marked absent, not failed"),
                           fields={"items": N_("must pass when absent")})
    _refuse_on_leave([person], day, shift)
    entry = Entry(person.employee_no, absent=status == "absent",
                  failed={code: item_notes.get(code, "") for code in failed}, note=check_note)
    try:
        existing = _current_checks([person.id], day, shift.code if shift else NO_SHIFT)
        outcome = _record(actor, person, person.team_id, day, shift, entry, items, in_force.version.id, None,
                          existing[0] if existing else None, [], in_force.policy.grooming)
    except IntegrityError:
        raise Conflict(N_("the check was recorded by someone else meanwhile; try again")) from None
    return outcome


# --- reading -----------------------------------------------------------------------------------


def _check_query():
    return (select(GroomingCheck).join(Employee, GroomingCheck.employee_id == Employee.id)
            .options(joinedload(GroomingCheck.employee), joinedload(GroomingCheck.team),
                     joinedload(GroomingCheck.checked_by),
                     selectinload(GroomingCheck.failures).joinedload(GroomingFailure.violation)))


def list_checks(viewer: Employee, *, team: str | None = None, day: object = None, employee_no: str | None = None,
                month: str | None = None, include_superseded: bool = False, limit: int = 50,
                cursor: str | None = None) -> Page:
    """Checks ``viewer`` may see (staff: their own), newest first, ``limit`` at a time.

    :raise NotFound: unknown team, or an ``employee_no`` the viewer may not see.
    """
    stmt = _check_query().where(people.visible_clause(viewer))
    if not include_superseded:
        stmt = stmt.where(GroomingCheck.superseded_at.is_(None))
    if team:
        stmt = stmt.where(GroomingCheck.team_id == people.get_team(team).id)
    if day:
        stmt = stmt.where(GroomingCheck.day == parse_day(day))
    if month:
        _text, first, after = parse_month(month)
        stmt = stmt.where(GroomingCheck.day >= first, GroomingCheck.day < after)
    if employee_no:
        stmt = stmt.where(GroomingCheck.employee_id == people.get_employee(viewer, employee_no).id)
    return paginate(stmt, GroomingCheck.id, limit=limit, cursor=cursor, descending=True)


def history(viewer: Employee, employee_no: str, *, limit: int = 200) -> tuple[Employee, list[GroomingCheck]]:
    """A person's checks, newest day first, corrected ones kept beside their corrections.

    :raise NotFound: unknown, or not visible to ``viewer``.
    """
    person = people.get_employee(viewer, employee_no)
    rows = list(db.session.scalars(
        _check_query().where(GroomingCheck.employee_id == person.id)
        .order_by(GroomingCheck.day.desc(), GroomingCheck.id.desc()).limit(limit)).unique())
    return person, rows


def item_results(check: GroomingCheck, checklists: dict) -> dict[str, str]:
    """Every item of the check's checklist (its policy version, its team) as pass/fail, in order.

    ``checklists`` is the caller's memo of (version, team) → item codes, so a list of checks parses
    each policy version once.
    """
    team = check.team.code if check.team else None
    key = (check.policy_version_id, team)
    if key not in checklists:
        policy = parse_policy(db.session.get(PolicyVersion, check.policy_version_id).document)
        checklists[key] = [i.code for i in rules.items_for_team(policy, team)]
    failed = set(check.failed_codes)
    codes = checklists[key] + [c for c in check.failed_codes if c not in checklists[key]]
    return {code: "fail" if code in failed else "pass" for code in codes}


def item_names(version_ids) -> dict[str, Name]:
    """Item code → name, from the given policy versions (newest wins), so retired items keep a name."""
    names: dict[str, Name] = {}
    ids = sorted(set(version_ids))
    if not ids:
        return names
    for row in db.session.scalars(select(PolicyVersion).where(PolicyVersion.id.in_(ids)).order_by(PolicyVersion.id)):
        for item in parse_policy(row.document).grooming_items:
            names[item.code] = item.name
    return names


@dataclass
class ItemCount:
    code: str
    name: Name | None
    failures: int
    people: int


@dataclass
class PersonCount:
    employee: Employee
    checks: int
    absent: int
    failed_checks: int
    failures: int
    items: list[str]  # the items failed, most often first


@dataclass
class MonthInsight:
    team: Team
    month: str
    checks: int
    absent: int
    failed_checks: int
    failures: int
    items: list[ItemCount]  # most failed first
    people: list[PersonCount]  # who fails most first; everyone checked is listed

    @property
    def present(self) -> int:
        return self.checks - self.absent

    @property
    def pass_rate(self) -> float | None:
        """Share of present checks with no failed item (a ratio for display, not money)."""
        return None if not self.present else (self.present - self.failed_checks) / self.present


def month_insight(viewer: Employee, team_code: str, month: str) -> MonthInsight:
    """Per team and month: the most failed items and who fails most, from the current checks.

    :raise NotFound: unknown team; Forbidden: a lead asking about another team.
    """
    team = people.get_team(team_code)
    _require_team(viewer, team, "grooming.report")
    text, first, after = parse_month(month)
    checks = list(db.session.scalars(
        select(GroomingCheck).options(selectinload(GroomingCheck.failures), joinedload(GroomingCheck.employee))
        .where(GroomingCheck.team_id == team.id, GroomingCheck.day >= first, GroomingCheck.day < after,
               GroomingCheck.superseded_at.is_(None))).unique())
    names = item_names(c.policy_version_id for c in checks)
    item_failures: Counter[str] = Counter()
    item_people: dict[str, set[int]] = {}
    by_person: dict[int, PersonCount] = {}
    person_items: dict[int, Counter[str]] = {}
    for c in checks:
        row = by_person.setdefault(c.employee_id, PersonCount(c.employee, 0, 0, 0, 0, []))
        row.checks += 1
        row.absent += c.status == "absent"
        row.failed_checks += bool(c.failures)
        row.failures += len(c.failures)
        for f in c.failures:
            item_failures[f.item_code] += 1
            item_people.setdefault(f.item_code, set()).add(c.employee_id)
            person_items.setdefault(c.employee_id, Counter())[f.item_code] += 1
    for employee_id, counts in person_items.items():
        by_person[employee_id].items = [code for code, _n in counts.most_common()]
    items = [ItemCount(code, names.get(code), n, len(item_people[code]))
             for code, n in sorted(item_failures.items(), key=lambda kv: (-kv[1], kv[0]))]
    ranked = sorted(by_person.values(), key=lambda p: (-p.failures, -p.failed_checks, p.employee.employee_no))
    return MonthInsight(team=team, month=text, checks=len(checks), absent=sum(p.absent for p in ranked),
                        failed_checks=sum(p.failed_checks for p in ranked),
                        failures=sum(p.failures for p in ranked), items=items, people=ranked)
