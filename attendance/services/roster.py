"""The roster (排班): edit a day, copy a week, generate a rotation, a team's grid and a person's month.

Every write re-judges the days it touches that were already evaluated, so a correction reverses
what the old reading of the day had raised (``services.attendance.reevaluate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from attendance.domain import rotation
from attendance.domain.cover import Shortfall
from attendance.domain.dates import parse_day
from attendance.domain.errors import N_, Forbidden, InvalidInput
from attendance.domain.leave import LeaveDay
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import Employee, RosterEntry, ShiftType, Team
from attendance.models.discipline import live_training_days
from attendance.models.extra_shifts import ExtraShift, day_extra
from attendance.models.leave import day_marks, live_leaves
from attendance.models.shifts import roster_cells
from attendance.services import attendance, audit, cover, shift_types
from attendance.services.calendar import (
    LIVE_LEAVE,
    HolidayMark,
    check_range,
    holidays,
    public_holidays,
    week_start,
)
from attendance.services.paging import PERSON_DAY, Page, page_person_days, read_cursor
from attendance.services.people import (
    people_for_listing,
    team_members,
    teams_led_by,
    visible_employee,
    visible_team,
)
from attendance.services.transaction import in_transaction, transaction, use_case

REST = rotation.REST

def can_edit_roster(actor: Employee, person: Employee) -> bool:
    """Leads edit their own teams' roster; supervisors and managers any."""
    if not allowed(actor.roles, "roster.edit"):
        return False
    return reach(actor.roles) == "all" or person.team_id in teams_led_by(actor)


def can_edit_team(actor: Employee, team: Team) -> bool:
    if not allowed(actor.roles, "roster.edit"):
        return False
    return reach(actor.roles) == "all" or team.id in teams_led_by(actor)


# ------------------------------------------------------------------------------- the roster


@dataclass
class RosterGrid:
    team: Team
    days: list[date]
    people: list[Employee]
    cells: dict[tuple[int, date], RosterEntry]
    holidays: dict[date, HolidayMark]
    editable: bool
    leave: dict[tuple[int, date], LeaveDay] = field(default_factory=dict)  # approved and pending (请假待批)
    training: set[tuple[int, date]] = field(default_factory=set)  # stand-down days for retraining (待岗培训)
    extra: dict[tuple[int, date], list[ExtraShift]] = field(default_factory=dict)  # 加班, approved and asked
    below_cover: dict[date, list[Shortfall]] = field(default_factory=dict)  # the shifts short of the minimum

    def code(self, person: Employee, day: date) -> str | None:
        entry = self.cells.get((person.id, day))
        return entry.code if entry else None

    def swap(self, person: Employee, day: date) -> int | None:
        """The approved swap that set this cell (its request id), for the link beside it."""
        entry = self.cells.get((person.id, day))
        return entry.request_id if entry else None


def roster_grid(viewer: Employee, team_code: str, start: date, end: date) -> RosterGrid:
    """A team's roster from ``start`` to ``end`` as people × days, with the holidays of those days and the
    days leave covers (approved, or asked and waiting: the lead sees both while planning). One leave query."""
    team = visible_team(viewer, team_code)
    days = check_range(start, end)
    people = team_members(team)
    ids = [p.id for p in people]
    leave = day_marks(live_leaves(ids, start, end, LIVE_LEAVE), start, end)
    return RosterGrid(team, days, people, roster_cells(ids, start, end), holidays(start, end),
                      can_edit_team(viewer, team), leave, live_training_days(ids, start, end),
                      day_extra(ids, start, end), cover.grid_shortfalls(team, people, days))



def list_roster(viewer: Employee, *, start: date, end: date, team: str | None = None,
                employee_no: str | None = None, limit: int = 500, cursor: str | None = None) -> Page:
    """Roster rows (employee_no, name, date, shift) the viewer may see, by person then day."""
    days = check_range(start, end)
    after = read_cursor(cursor, PERSON_DAY)
    need = limit // len(days) + 2
    people = people_for_listing(viewer, team=team, employee_no=employee_no,
                                after_no=after[0] if after else None, limit=need)
    cells = roster_cells([p.id for p in people], start, end)
    rows = []
    for person in people:
        for day in days:
            entry = cells.get((person.id, day))
            if entry is not None:
                rows.append({"employee_no": person.employee_no, "name": person.name, "date": day,
                             "shift": entry.code, "note": entry.note, "swap": entry.request_id})
    return page_person_days(rows, after, limit, people, need)


def _put(person: Employee, day: date, shift: ShiftType | None, actor: Employee | None,
         existing: RosterEntry | None, note: str | None = None, request_id: int | None = None) -> bool:
    """Set one cell; True when it changed. ``request_id``: the approved swap that sets it. A cell a swap set
    and then changed by hand loses the swap's link and note (they described the shift that went)."""
    new_id = shift.id if shift else None
    if existing is not None:
        same_shift = existing.shift_type_id == new_id
        if same_shift and (note is None or existing.note == note) and request_id in (None, existing.request_id):
            return False
        if not same_shift and request_id is None and existing.request_id is not None:
            existing.request_id = None
            if note is None:
                existing.note = None
        if request_id is not None:
            existing.request_id = request_id
        existing.shift_type_id, existing.shift_type = new_id, shift
        existing.updated_by_id = actor.id if actor else None
        if note is not None:
            existing.note = note
        return True
    db.session.add(RosterEntry(employee_id=person.id, day=day, shift_type_id=new_id, shift_type=shift,
                               note=note, request_id=request_id, updated_by_id=actor.id if actor else None))
    return True


def set_roster_day(actor: Employee, employee_no: str, day, shift_code: str | None,
                   note: str | None = None) -> RosterEntry:
    """Put one shift (or REST) on one person's day.

    :raise NotFound: unknown person, or one the actor may not see. :raise Forbidden: not the actor's team.
    :raise InvalidInput: bad date or unknown shift code.
    """
    return put_day(actor, employee_no, day, shift_code, note)[0]


@use_case
def put_day(actor: Employee, employee_no: str, day, shift_code: str | None,
            note: str | None = None) -> tuple[RosterEntry, RosterChange]:
    """``set_roster_day``, answering also what the change raised or reversed on a day already judged."""
    person = visible_employee(actor, employee_no)
    day = parse_day(day)
    if note is not None and len(note) > 200:
        raise InvalidInput(N_("note is too long"), fields={"note": N_("at most 200 characters")})
    change = apply_cells(actor, [(person.employee_no, day, shift_code)], note=note)
    return roster_cells([person.id], day, day)[(person.id, day)], change


@dataclass(frozen=True)
class Effect:
    """A violation a roster change raises or reverses on a day already judged (plain values: a preview's
    effects outlive the transaction it rolled back)."""

    action: str  # "raised" or "reversed"
    employee_no: str
    name: str
    day: date
    rule_code: str
    rule_name_zh: str
    rule_name_en: str
    sanction: str
    fine: Decimal
    points: int

    @classmethod
    def of(cls, action: str, violation) -> Effect:
        return cls(action, violation.employee.employee_no, violation.employee.name, violation.occurred_on,
                   violation.rule_code, violation.rule_name_zh, violation.rule_name_en, violation.sanction,
                   violation.fine, violation.points)


@dataclass
class RosterChange:
    """What saving roster cells did (or, previewed, would do): the cells changed, the days already judged that
    were judged again, and the violations that raised or reversed."""

    changed: int = 0
    rejudged: int = 0
    raised: list[Effect] = field(default_factory=list)
    reversed: list[Effect] = field(default_factory=list)

    @property
    def effects(self) -> list[Effect]:
        return self.raised + self.reversed

    @property
    def needs_confirmation(self) -> bool:
        """A change to a day already judged is shown before it is saved."""
        return self.rejudged > 0


@use_case
def save_cells(actor: Employee, cells: list[tuple[str, object, str | None]], note: str | None = None) -> int:
    """Put several (employee_no, day, shift code or REST) cells at once, all or nothing; returns how many changed.

    :raise NotFound: a person the actor may not see. :raise Forbidden: not the actor's team.
    :raise InvalidInput: a bad date or an unknown shift code.
    """
    return apply_cells(actor, cells, note).changed


@use_case
def apply_cells(actor: Employee, cells: list[tuple[str, object, str | None]],
                note: str | None = None) -> RosterChange:
    """``save_cells``, answering what the change did to the days already judged (raised, reversed)."""
    wanted = []
    for employee_no, day, shift_code in cells:
        person = visible_employee(actor, employee_no)
        day = parse_day(day)
        code = str(shift_code or "").strip().upper()
        if not code:
            raise InvalidInput(N_("shift is required (a shift code or REST)"), fields={"shift": N_("required")})
        if not can_edit_roster(actor, person):
            raise Forbidden(N_("you may edit only your own team's roster"))
        wanted.append((person, day, code))
    wanted = list({(p.id, d): (p, d, c) for p, d, c in wanted}.values())  # the last word on a cell wins
    result = RosterChange()
    if not wanted:
        return result
    shifts = shift_types.shift_types_by_code({code for _, _, code in wanted})
    days = [d for _, d, _ in wanted]
    existing = roster_cells({p.id for p, _, _ in wanted}, min(days), max(days))
    changed: set[tuple[int, date]] = set()
    for person, day, code in wanted:
        cell = existing.get((person.id, day))
        before = cell.code if cell else None
        if _put(person, day, shifts.get(code), actor, cell, note):
            changed.add((person.id, day))
            audit.record(actor, "roster.set", "roster_entry", f"{person.employee_no}:{day}",
                         before=before, after=code)
    db.session.flush()
    report = attendance.EvaluationReport()
    result.changed = len(changed)
    result.rejudged = attendance.reevaluate(actor, changed, report=report)
    result.raised = [Effect.of("raised", v) for v in report.raised]
    result.reversed = [Effect.of("reversed", v) for v in report.reversals]
    return result


class _Undo(Exception):
    """Raised to roll a preview's transaction back, carrying what it found."""


def preview_cells(actor: Employee, cells: list[tuple[str, object, str | None]]) -> RosterChange:
    """What saving these cells would do, without saving anything: the change is made and judged in a
    transaction of its own (the same code path as saving, so the fines are the real ones) and rolled back."""
    if in_transaction():
        raise RuntimeError("a roster preview runs in a transaction of its own, not inside another use case")
    try:
        with transaction():
            raise _Undo(apply_cells(actor, cells))
    except _Undo as undo:
        return undo.args[0]


@use_case
def set_by_swap(actor: Employee | None, cells: list[tuple[Employee, date, ShiftType | None]], *,
                note: str, request_id: int | None = None, judge_new: bool = False) -> set[tuple[int, date]]:
    """Put the cells an approved swap (``request_id``) or a confirmed private swap changes, with its note and
    link, inside the caller's use case. The approval is the permission: no lead's team check here. Days
    already judged are judged again (``judge_new``: also days over and not judged yet). Returns the cells
    changed."""
    if not cells:
        return set()
    days = [d for _, d, _ in cells]
    existing = roster_cells({p.id for p, _, _ in cells}, min(days), max(days))
    changed: set[tuple[int, date]] = set()
    for person, day, shift in cells:
        cell = existing.get((person.id, day))
        before = cell.code if cell else None
        if _put(person, day, shift, actor, cell, note, request_id):
            changed.add((person.id, day))
            audit.record(actor, "roster.set", "roster_entry", f"{person.employee_no}:{day}", before=before,
                         after=shift.code if shift else REST, request=request_id, note=note)
    db.session.flush()
    attendance.reevaluate(actor, changed, include_new=judge_new)
    return changed


@use_case
def copy_week(actor: Employee, team_code: str, target_monday) -> int:
    """Copy the week before ``target_monday`` onto its week for the team; returns the cells changed."""
    team = visible_team(actor, team_code)
    if not can_edit_team(actor, team):
        raise Forbidden(N_("you may edit only your own team's roster"))
    monday = week_start(parse_day(target_monday, "week"))
    people = team_members(team)
    source = roster_cells([p.id for p in people], monday - timedelta(days=7), monday - timedelta(days=1))
    target = roster_cells([p.id for p in people], monday, monday + timedelta(days=6))
    changed: set[tuple[int, date]] = set()
    for person in people:
        for offset in range(7):
            src = source.get((person.id, monday - timedelta(days=7 - offset)))
            if src is None:
                continue
            day = monday + timedelta(days=offset)
            if _put(person, day, src.shift_type, actor, target.get((person.id, day))):
                changed.add((person.id, day))
    db.session.flush()
    audit.record(actor, "roster.copy_week", "team", team.code, week=monday.isoformat(), cells=len(changed))
    attendance.reevaluate(actor, changed)
    return len(changed)


@dataclass
class GenerateReport:
    team: str
    start: date
    end: date
    people: int
    cells: int
    changed: int


def pattern_from(data: dict) -> rotation.RotationPattern:
    """A rotation pattern from API/form fields. :raise InvalidInput: naming each bad field."""
    kind = str(data.get("pattern") or "").strip()
    cycle = data.get("cycle") or ()
    if isinstance(cycle, str):
        cycle = [c for c in re.split(r"[,;，\s]+", cycle.strip()) if c]
    if not isinstance(cycle, list | tuple) or not all(isinstance(c, str) for c in cycle):
        raise InvalidInput(N_("cycle is a list of shift codes and REST"), fields={"cycle": N_("a list of codes")})
    weekday_shifts = data.get("weekday_shifts") or {}
    if not isinstance(weekday_shifts, dict):
        raise InvalidInput(N_("weekday_shifts maps 0–6 to a code"), fields={"weekday_shifts": N_("a mapping")})
    try:
        weekday_shifts = {int(k): str(v).strip().upper() for k, v in weekday_shifts.items()}
    except (TypeError, ValueError):
        raise InvalidInput(N_("weekday_shifts maps 0–6 to a code"),
                           fields={"weekday_shifts": N_("weekdays are 0 (Monday) to 6 (Sunday)")}) from None
    stagger = data.get("stagger", 1)
    if isinstance(stagger, bool) or not isinstance(stagger, int):
        raise InvalidInput(N_("stagger is a whole number"), fields={"stagger": N_("a whole number")})
    pattern = rotation.RotationPattern(
        kind=kind, shift=(str(data.get("shift") or "").strip().upper() or None),
        cycle=tuple(c.strip().upper() for c in cycle), stagger=stagger, weekday_shifts=weekday_shifts,
        rest_on_holidays=bool(data.get("rest_on_holidays", False)))
    pattern.check()
    return pattern


@use_case
def generate_roster(actor: Employee, team_code: str, data: dict) -> GenerateReport:
    """Build a team's roster from ``from`` to ``to`` with a rotation pattern; existing cells are replaced.

    ``data``: pattern, shift, cycle, stagger, weekday_shifts, rest_on_holidays, from, to and optionally
    employee_nos (default: the team's active staff, by employee_no).
    """
    team = visible_team(actor, team_code)
    if not can_edit_team(actor, team):
        raise Forbidden(N_("you may edit only your own team's roster"))
    start, end = parse_day(data.get("from"), "from"), parse_day(data.get("to"), "to")
    rotation.days_between(start, end)
    pattern = pattern_from(data)
    shifts = shift_types.shift_types_by_code(pattern.codes())
    members = team_members(team, staff_only=True)
    wanted = data.get("employee_nos")
    if wanted:
        by_no = {p.employee_no: p for p in team_members(team)}
        unknown = [no for no in wanted if no not in by_no]
        if unknown:
            unknown_text = ", ".join(map(str, unknown))
            raise InvalidInput(N_("not in this team: %(numbers)s", numbers=unknown_text),
                               fields={"employee_nos": N_("not in this team: %(numbers)s", numbers=unknown_text)})
        members = [by_no[no] for no in wanted]
    plan = rotation.generate(pattern, [p.employee_no for p in members], start, end,
                             public_holidays(start, end) if pattern.rest_on_holidays else frozenset())
    existing = roster_cells([p.id for p in members], start, end)
    changed: set[tuple[int, date]] = set()
    for person in members:
        for day in rotation.days_between(start, end):
            code = plan[(person.employee_no, day)]
            if _put(person, day, shifts.get(code), actor, existing.get((person.id, day))):
                changed.add((person.id, day))
    db.session.flush()
    audit.record(actor, "roster.generate", "team", team.code, pattern=pattern.kind, start=start.isoformat(),
                 end=end.isoformat(), people=len(members), changed=len(changed))
    attendance.reevaluate(actor, changed)
    return GenerateReport(team.code, start, end, len(members), len(plan), len(changed))





