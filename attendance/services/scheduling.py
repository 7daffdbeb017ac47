"""Shift types, the roster (edit a day, copy a week, generate a rotation), holidays, punches and their import.

Every write re-judges the days it touches that were already evaluated, so a correction reverses
what the old reading of the day had raised (attendance.services.attendance.reevaluate).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from attendance.domain import rotation
from attendance.domain.attendance_rules import break_minutes, hhmm_to_minutes, shift_minutes
from attendance.domain.dates import parse_day, parse_month  # noqa: F401  (used by pages and API)
from attendance.domain.errors import Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import AttendanceDay, Employee, Punch, RosterEntry, ShiftType, Team
from attendance.services import audit, clock
from attendance.services.people import can_see, teams_led_by, teams_reached, visible_clause

REST = rotation.REST
SHIFT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{0,15}$")
MAX_LIST_DAYS = 93  # a listing covers at most a quarter, so one page is always a bounded query
MAX_GRACE = 120


# ------------------------------------------------------------------------------- small parsers


def month_days(first: date) -> list[date]:
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def check_range(start: date, end: date, limit: int = MAX_LIST_DAYS) -> list[date]:
    if end < start:
        raise InvalidInput("the range ends before it starts", fields={"to": "before from"})
    if (end - start).days + 1 > limit:
        raise InvalidInput(f"at most {limit} days at once", fields={"to": f"at most {limit} days after from"})
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ------------------------------------------------------------------------------- shift types


def _clean_breaks(value, span: tuple[int, int]) -> list[list[int]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):  # "12:00-14:00, 17:30-18:00" from a form
        value = [dict(zip(("start", "end"), part.split("-"), strict=False))
                 for part in re.split(r"[,;，\s]+", value.strip()) if part]
    if not isinstance(value, list):
        raise ValueError("a list of {start, end}")
    out = []
    for item in value:
        if not isinstance(item, dict) or "start" not in item or "end" not in item:
            raise ValueError("each break has a start and an end (HH:MM)")
        out.append(list(break_minutes(item["start"], item["end"], span)))
    out.sort()
    for (_, a1), (b0, _) in zip(out, out[1:], strict=False):
        if b0 < a1:
            raise ValueError("breaks overlap")
    return out


def clean_shift_type(data: dict, current: ShiftType | None = None) -> dict:
    """Check shift-type fields (every problem at once). :raise InvalidInput: naming each field."""
    errors: dict[str, str] = {}
    out: dict = {}
    if current is None:
        code = str(data.get("code") or "").strip().upper()
        if not SHIFT_CODE_RE.match(code) or code == REST:
            errors["code"] = "capital letters, digits, - and _, at most 16, not REST"
        elif db.session.scalar(select(ShiftType.id).where(ShiftType.code == code)):
            errors["code"] = "already exists"
        out["code"] = code
    if "name" in data or current is None:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 100:
            errors["name"] = "required, at most 100 characters"
        out["name"] = name
    span = (current.start_minute, current.end_minute) if current else None
    if "start" in data or "end" in data or current is None:
        start = data.get("start", current.start if current else None)
        end = data.get("end", current.end if current else None)
        span = None
        for name, value in (("start", start), ("end", end)):
            try:
                hhmm_to_minutes(str(value or ""))
            except ValueError:
                errors[name] = "not a time (HH:MM)"
        if not errors.keys() & {"start", "end"}:
            try:
                span = shift_minutes(str(start), str(end))
                out["start_minute"], out["end_minute"] = span
            except ValueError as exc:
                errors["start" if "start" in str(exc) else "end"] = str(exc)
    if span is not None and ("breaks" in data or "start" in data or "end" in data):
        raw = data.get("breaks", current.break_list if current else None)
        try:
            out["breaks"] = _clean_breaks(raw, span)
        except ValueError as exc:
            errors["breaks"] = str(exc)
    if "grace_minutes" in data:
        grace = data["grace_minutes"]
        if grace in (None, ""):
            out["grace_minutes"] = None
        else:
            try:
                grace = int(grace) if not isinstance(grace, bool) else -1
            except (TypeError, ValueError):
                grace = -1
            if not 0 <= grace <= MAX_GRACE:
                errors["grace_minutes"] = f"a whole number from 0 to {MAX_GRACE}, or empty"
            out["grace_minutes"] = grace
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "true or false"
        out["active"] = data["active"]
    if errors:
        raise InvalidInput("invalid shift type: " + ", ".join(f"{k}: {v}" for k, v in errors.items()),
                           fields=errors)
    return out


def list_shift_types(include_inactive: bool = False) -> list[ShiftType]:
    stmt = select(ShiftType).order_by(ShiftType.start_minute, ShiftType.code)
    if not include_inactive:
        stmt = stmt.where(ShiftType.active.is_(True))
    return list(db.session.scalars(stmt))


def get_shift_type(code: str) -> ShiftType:
    row = db.session.scalar(select(ShiftType).where(ShiftType.code == str(code).strip().upper()))
    if row is None:
        raise NotFound(f"no shift type {code}")
    return row


def save_shift_type(actor: Employee | None, data: dict, code: str | None = None) -> ShiftType:
    """Create a shift type (``code`` None) or change one. A change applies to days evaluated from now on."""
    row = get_shift_type(code) if code else None
    clean = clean_shift_type(data, row)
    if row is None:
        row = ShiftType(active=True, breaks=[])
        db.session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    db.session.flush()
    audit.record(actor, "shift_type.create" if code is None else "shift_type.update", "shift_type", row.code,
                 **{k: str(v) for k, v in clean.items()})
    db.session.commit()
    return row


def shift_types_by_code(codes: Iterable[str]) -> dict[str, ShiftType]:
    """Active shift types by code. :raise InvalidInput: for a code that is unknown or retired."""
    wanted = {c for c in codes if c != REST}
    found = {s.code: s for s in db.session.scalars(select(ShiftType).where(ShiftType.code.in_(wanted)))}
    unknown = sorted(c for c in wanted if c not in found or not found[c].active)
    if unknown:
        raise InvalidInput("unknown shift type: " + ", ".join(unknown), fields={"shift": "unknown shift type"})
    return found


# ------------------------------------------------------------------------------- holidays


@dataclass(frozen=True)
class HolidayMark:
    kind: str  # "holiday" (法定节假日) or "workday" (调休上班: a weekend made a working day)
    name_en: str
    name_zh: str


def holidays(start: date, end: date) -> dict[date, HolidayMark]:
    """China's public holidays and adjusted working days in the range, from the ``chinesecalendar``
    package (kept up to date upstream). Years it does not know yet show nothing."""
    import chinese_calendar

    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    out: dict[date, HolidayMark] = {}
    day = start
    while day <= end:
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            name = None
        if name:
            kind = "holiday" if on_holiday else "workday"
            out[day] = HolidayMark(kind, name, names.get(name, name))
        day += timedelta(days=1)
    return out


def public_holidays(start: date, end: date) -> frozenset[date]:
    return frozenset(d for d, mark in holidays(start, end).items() if mark.kind == "holiday")


# ------------------------------------------------------------------------------- who may do what


def _employee(viewer: Employee, employee_no: str) -> Employee:
    person = db.session.scalar(select(Employee).where(Employee.employee_no == str(employee_no)))
    if person is None or not can_see(viewer, person):
        raise NotFound(f"no employee {employee_no}")
    return person


def can_edit_roster(actor: Employee, person: Employee) -> bool:
    """Leads edit their own teams' roster; supervisors and managers any."""
    if not allowed(actor.roles, "roster.edit"):
        return False
    return reach(actor.roles) == "all" or person.team_id in teams_led_by(actor)


def can_edit_team(actor: Employee, team: Team) -> bool:
    if not allowed(actor.roles, "roster.edit"):
        return False
    return reach(actor.roles) == "all" or team.id in teams_led_by(actor)


def visible_team(viewer: Employee, code: str) -> Team:
    """A team ``viewer`` reaches (a lead: their own). :raise NotFound: otherwise."""
    team = db.session.scalar(select(Team).where(Team.code == str(code)))
    if team is None or (reach(viewer.roles) != "all" and team.id not in teams_led_by(viewer)):
        raise NotFound(f"no team {code}")
    return team


def teams_for(viewer: Employee) -> list[Team]:
    return teams_reached(viewer)


def team_members(team: Team, *, staff_only: bool = False) -> list[Employee]:
    people = list(db.session.scalars(
        select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True))
        .order_by(Employee.employee_no)))
    return [p for p in people if "staff" in p.roles] if staff_only else people


# ------------------------------------------------------------------------------- the roster


def entries(employee_ids: Iterable[int], start: date, end: date) -> dict[tuple[int, date], RosterEntry]:
    ids = list(set(employee_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(RosterEntry).options(joinedload(RosterEntry.shift_type))
        .where(RosterEntry.employee_id.in_(ids), RosterEntry.day >= start, RosterEntry.day <= end))
    return {(r.employee_id, r.day): r for r in rows}


@dataclass
class RosterGrid:
    team: Team
    days: list[date]
    people: list[Employee]
    cells: dict[tuple[int, date], RosterEntry]
    holidays: dict[date, HolidayMark]
    editable: bool

    def code(self, person: Employee, day: date) -> str | None:
        entry = self.cells.get((person.id, day))
        return entry.code if entry else None


def roster_grid(viewer: Employee, team_code: str, start: date, end: date) -> RosterGrid:
    """A team's roster from ``start`` to ``end`` as people × days, with the holidays of those days."""
    team = visible_team(viewer, team_code)
    days = check_range(start, end)
    people = team_members(team)
    return RosterGrid(team, days, people, entries([p.id for p in people], start, end), holidays(start, end),
                      can_edit_team(viewer, team))


@dataclass
class Page:
    items: list
    next: str | None


def split_cursor(cursor: str | None) -> tuple[str, date | None] | None:
    """``E0101/2026-11-03``: the last row of the previous page. :raise InvalidInput: if garbled."""
    if not cursor:
        return None
    no, _, day = cursor.rpartition("/")
    try:
        return no, date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("bad cursor", fields={"cursor": "not a cursor from a previous page"}) from None


def people_for_listing(viewer: Employee, *, team: str | None, employee_no: str | None,
                       after_no: str | None, limit: int) -> list[Employee]:
    """The people a per-person-per-day listing covers, in employee_no order, from ``after_no`` on."""
    stmt = select(Employee).where(visible_clause(viewer)).order_by(Employee.employee_no)
    if employee_no:
        person = _employee(viewer, employee_no)
        stmt = stmt.where(Employee.id == person.id)
    if team:
        team_row = visible_team(viewer, team) if reach(viewer.roles) != "self" else None
        if team_row is None:
            raise NotFound(f"no team {team}")
        stmt = stmt.where(Employee.team_id == team_row.id)
    if not employee_no:
        stmt = stmt.where(Employee.active.is_(True))
    if after_no is not None:
        stmt = stmt.where(Employee.employee_no >= after_no)
    return list(db.session.scalars(stmt.limit(limit)))


LAST_DAY = date.max  # a cursor on a person's last possible day: the next page starts with the next person


def page_rows(rows: list[dict], cursor: tuple[str, date | None] | None, limit: int,
              people: list[Employee], people_limit: int) -> Page:
    """``rows`` (of ``people``, sorted by employee_no then date): skip what the cursor already gave, keep
    ``limit``. When every person fetched fits and more people may follow, the next page starts after the last."""
    if cursor is not None:
        no, day = cursor
        rows = [r for r in rows if (r["employee_no"], r["date"]) > (no, day)]
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, f"{rows[-1]['employee_no']}/{rows[-1]['date'].isoformat()}")
    if len(people) >= people_limit:
        return Page(rows, f"{people[-1].employee_no}/{LAST_DAY.isoformat()}")
    return Page(rows, None)


def list_roster(viewer: Employee, *, start: date, end: date, team: str | None = None,
                employee_no: str | None = None, limit: int = 500, cursor: str | None = None) -> Page:
    """Roster rows (employee_no, name, date, shift) the viewer may see, by person then day."""
    days = check_range(start, end)
    after = split_cursor(cursor)
    need = limit // len(days) + 2
    people = people_for_listing(viewer, team=team, employee_no=employee_no,
                                after_no=after[0] if after else None, limit=need)
    cells = entries([p.id for p in people], start, end)
    rows = []
    for person in people:
        for day in days:
            entry = cells.get((person.id, day))
            if entry is not None:
                rows.append({"employee_no": person.employee_no, "name": person.name, "date": day,
                             "shift": entry.code, "note": entry.note})
    return page_rows(rows, after, limit, people, need)


def _put(person: Employee, day: date, shift: ShiftType | None, actor: Employee | None,
         existing: RosterEntry | None, note: str | None = None) -> bool:
    """Set one cell; True when it changed."""
    new_id = shift.id if shift else None
    if existing is not None:
        if existing.shift_type_id == new_id and (note is None or existing.note == note):
            return False
        existing.shift_type_id, existing.shift_type = new_id, shift
        existing.updated_by_id = actor.id if actor else None
        if note is not None:
            existing.note = note
        return True
    db.session.add(RosterEntry(employee_id=person.id, day=day, shift_type_id=new_id, shift_type=shift,
                               note=note, updated_by_id=actor.id if actor else None))
    return True


def _reevaluate(actor: Employee | None, pairs: set[tuple[int, date]]) -> None:
    if pairs:
        from attendance.services import attendance

        attendance.reevaluate(actor, pairs, commit=False)


def set_roster_day(actor: Employee, employee_no: str, day, shift_code: str | None,
                   note: str | None = None) -> RosterEntry:
    """Put one shift (or REST) on one person's day.

    :raise NotFound: unknown person, or one the actor may not see. :raise Forbidden: not the actor's team.
    :raise InvalidInput: bad date or unknown shift code.
    """
    person = _employee(actor, employee_no)
    day = parse_day(day)
    if note is not None and len(note) > 200:
        raise InvalidInput("note is too long", fields={"note": "at most 200 characters"})
    save_cells(actor, [(person.employee_no, day, shift_code)], note=note)
    return entries([person.id], day, day)[(person.id, day)]


def save_cells(actor: Employee, cells: list[tuple[str, object, str | None]], note: str | None = None) -> int:
    """Put several (employee_no, day, shift code or REST) cells at once, all or nothing; returns how many changed.

    :raise NotFound: a person the actor may not see. :raise Forbidden: not the actor's team.
    :raise InvalidInput: a bad date or an unknown shift code.
    """
    wanted = []
    for employee_no, day, shift_code in cells:
        person = _employee(actor, employee_no)
        day = parse_day(day)
        code = str(shift_code or "").strip().upper()
        if not code:
            raise InvalidInput("shift is required (a shift code or REST)", fields={"shift": "required"})
        if not can_edit_roster(actor, person):
            raise Forbidden("you may edit only your own team's roster")
        wanted.append((person, day, code))
    wanted = list({(p.id, d): (p, d, c) for p, d, c in wanted}.values())  # the last word on a cell wins
    if not wanted:
        return 0
    shifts = shift_types_by_code({code for _, _, code in wanted})
    days = [d for _, d, _ in wanted]
    existing = entries({p.id for p, _, _ in wanted}, min(days), max(days))
    changed: set[tuple[int, date]] = set()
    for person, day, code in wanted:
        cell = existing.get((person.id, day))
        before = cell.code if cell else None
        if _put(person, day, shifts.get(code), actor, cell, note):
            changed.add((person.id, day))
            audit.record(actor, "roster.set", "roster_entry", f"{person.employee_no}:{day}",
                         before=before, after=code)
    db.session.flush()
    _reevaluate(actor, changed)
    db.session.commit()
    return len(changed)


def copy_week(actor: Employee, team_code: str, target_monday) -> int:
    """Copy the week before ``target_monday`` onto its week for the team; returns the cells changed."""
    team = visible_team(actor, team_code)
    if not can_edit_team(actor, team):
        raise Forbidden("you may edit only your own team's roster")
    monday = week_start(parse_day(target_monday, "week"))
    people = team_members(team)
    source = entries([p.id for p in people], monday - timedelta(days=7), monday - timedelta(days=1))
    target = entries([p.id for p in people], monday, monday + timedelta(days=6))
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
    _reevaluate(actor, changed)
    db.session.commit()
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
        raise InvalidInput("cycle is a list of shift codes and REST", fields={"cycle": "a list of codes"})
    weekday_shifts = data.get("weekday_shifts") or {}
    if not isinstance(weekday_shifts, dict):
        raise InvalidInput("weekday_shifts maps 0–6 to a code", fields={"weekday_shifts": "a mapping"})
    try:
        weekday_shifts = {int(k): str(v).strip().upper() for k, v in weekday_shifts.items()}
    except (TypeError, ValueError):
        raise InvalidInput("weekday_shifts maps 0–6 to a code",
                           fields={"weekday_shifts": "weekdays are 0 (Monday) to 6 (Sunday)"}) from None
    stagger = data.get("stagger", 1)
    if isinstance(stagger, bool) or not isinstance(stagger, int):
        raise InvalidInput("stagger is a whole number", fields={"stagger": "a whole number"})
    pattern = rotation.RotationPattern(
        kind=kind, shift=(str(data.get("shift") or "").strip().upper() or None),
        cycle=tuple(c.strip().upper() for c in cycle), stagger=stagger, weekday_shifts=weekday_shifts,
        rest_on_holidays=bool(data.get("rest_on_holidays", False)))
    pattern.check()
    return pattern


def generate_roster(actor: Employee, team_code: str, data: dict) -> GenerateReport:
    """Build a team's roster from ``from`` to ``to`` with a rotation pattern; existing cells are replaced.

    ``data``: pattern, shift, cycle, stagger, weekday_shifts, rest_on_holidays, from, to and optionally
    employee_nos (default: the team's active staff, by employee_no).
    """
    team = visible_team(actor, team_code)
    if not can_edit_team(actor, team):
        raise Forbidden("you may edit only your own team's roster")
    start, end = parse_day(data.get("from"), "from"), parse_day(data.get("to"), "to")
    rotation.days_between(start, end)
    pattern = pattern_from(data)
    shifts = shift_types_by_code(pattern.codes())
    members = team_members(team, staff_only=True)
    wanted = data.get("employee_nos")
    if wanted:
        by_no = {p.employee_no: p for p in team_members(team)}
        unknown = [no for no in wanted if no not in by_no]
        if unknown:
            raise InvalidInput("not in this team: " + ", ".join(map(str, unknown)),
                               fields={"employee_nos": "not in this team: " + ", ".join(map(str, unknown))})
        members = [by_no[no] for no in wanted]
    plan = rotation.generate(pattern, [p.employee_no for p in members], start, end,
                             public_holidays(start, end) if pattern.rest_on_holidays else frozenset())
    existing = entries([p.id for p in members], start, end)
    changed: set[tuple[int, date]] = set()
    for person in members:
        for day in rotation.days_between(start, end):
            code = plan[(person.employee_no, day)]
            if _put(person, day, shifts.get(code), actor, existing.get((person.id, day))):
                changed.add((person.id, day))
    db.session.flush()
    audit.record(actor, "roster.generate", "team", team.code, pattern=pattern.kind, start=start.isoformat(),
                 end=end.isoformat(), people=len(members), changed=len(changed))
    _reevaluate(actor, changed)
    db.session.commit()
    return GenerateReport(team.code, start, end, len(members), len(plan), len(changed))


@dataclass
class MonthRoster:
    person: Employee
    days: list[date]
    cells: dict[date, RosterEntry]
    holidays: dict[date, HolidayMark]


def my_month(viewer: Employee, month, employee_no: str | None = None) -> MonthRoster:
    """One person's roster for a month (the viewer's own unless they may see ``employee_no``)."""
    first = parse_month(month) if not isinstance(month, date) else month.replace(day=1)
    person = _employee(viewer, employee_no) if employee_no else viewer
    days = month_days(first)
    cells = {d: e for (_, d), e in entries([person.id], days[0], days[-1]).items()}
    return MonthRoster(person, days, cells, holidays(days[0], days[-1]))


# ------------------------------------------------------------------------------- punches


DIRECTION_WORDS = {
    "in": "in", "i": "in", "上班": "in", "签到": "in", "上班签到": "in", "进": "in", "入": "in",
    "checkin": "in", "check-in": "in", "check in": "in", "c/in": "in", "clock in": "in",
    "out": "out", "o": "out", "下班": "out", "签退": "out", "下班签退": "out", "出": "out",
    "checkout": "out", "check-out": "out", "check out": "out", "c/out": "out", "clock out": "out",
}
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                     "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y%m%d %H:%M:%S", "%Y%m%d %H%M%S")
FUTURE_SLACK = timedelta(minutes=5)  # a time clock a little ahead of the server is not "in the future"


def parse_direction(value) -> str | None:
    """``in``/``out`` (also 上班/下班, 签到/签退, C/In, ...), None when empty. :raise ValueError: otherwise."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if text in DIRECTION_WORDS:
        return DIRECTION_WORDS[text]
    raise ValueError(f"bad direction {value!r} (in or out)")


def parse_instant(value) -> datetime:
    """An ISO 8601 instant; a naive one is the site's time. :raise ValueError: when unreadable."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        moment = None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in TIMESTAMP_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValueError(f"bad timestamp {text!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=clock.site_zone())
    return moment


def dedupe_key(employee_id: int, at: datetime) -> str:
    """The person and the second of the punch: the same punch from anywhere is stored once."""
    return f"{employee_id}:{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S')}"


def _days_touched(punches: Iterable[tuple[int, datetime]]) -> set[tuple[int, date]]:
    """A punch can belong to its own day's shift or to the evening shift of the day before."""
    zone = clock.site_zone()
    out = set()
    for employee_id, at in punches:
        local = at.astimezone(zone).date()
        out |= {(employee_id, local), (employee_id, local - timedelta(days=1))}
    return out


def _store_punch(person: Employee, at: datetime, direction: str | None, source: str, actor: Employee | None,
                 note: str | None = None) -> tuple[Punch, bool]:
    at = at.replace(microsecond=0)
    key = dedupe_key(person.id, at)
    found = db.session.scalar(select(Punch).where(Punch.dedupe_key == key))
    if found is not None:
        return found, False
    punch = Punch(employee_id=person.id, at=at, direction=direction, source=source, dedupe_key=key,
                  note=note, created_by_id=actor.id if actor else None)
    db.session.add(punch)
    try:
        db.session.flush()
    except IntegrityError:  # the same punch arrived by another door at the same moment
        db.session.rollback()
        return db.session.scalar(select(Punch).where(Punch.dedupe_key == key)), False
    audit.record(actor, "punch.add", "punch", punch.id, employee_no=person.employee_no,
                 at=at.isoformat(), direction=direction, source=source)
    return punch, True


def can_correct(actor: Employee, person: Employee) -> bool:
    """The office corrects anyone's punches; a lead those of their team, never their own."""
    if not allowed(actor.roles, "punches.correct"):
        return False
    if reach(actor.roles) == "all":
        return True
    return person.id != actor.id and person.team_id in teams_led_by(actor)


def clock_punch(actor: Employee, direction: str) -> Punch:
    """Clock the actor in or out at the server's time (never the browser's)."""
    if not allowed(actor.roles, "punches.own"):
        raise Forbidden("your roles do not allow clocking in")
    try:
        direction = parse_direction(direction)
    except ValueError:
        direction = None
    if direction is None:
        raise InvalidInput("direction is in or out", fields={"direction": "in or out"})
    punch, _ = _store_punch(actor, clock.now(), direction, "web", actor)
    _reevaluate(actor, _days_touched([(actor.id, punch.at)]))
    db.session.commit()
    return punch


def add_punch(actor: Employee, data: dict) -> tuple[Punch, bool]:
    """``POST /punches``: a person's own punch at server time, or a time clock's / a correction at ``at``.

    Returns the punch and whether it is new (the same person and second again gives the first one).
    """
    errors: dict[str, str] = {}
    employee_no = str(data.get("employee_no") or "").strip() or actor.employee_no
    try:
        direction = parse_direction(data.get("direction"))
    except ValueError as exc:
        errors["direction"], direction = str(exc), None
    source = str(data.get("source") or "").strip().lower() or None
    if source is not None and source not in ("web", "api", "clock", "import", "correction"):
        errors["source"] = "one of: web, api, clock, import, correction"
    at = None
    if data.get("at") not in (None, ""):
        try:
            at = parse_instant(data["at"])
        except ValueError as exc:
            errors["at"] = str(exc)
    note = str(data.get("note") or "").strip() or None
    if note and len(note) > 200:
        errors["note"] = "at most 200 characters"
    if errors:
        raise InvalidInput("invalid punch", fields=errors)
    person = _employee(actor, employee_no)
    own = person.id == actor.id
    may_import = allowed(actor.roles, "punches.import")
    may_correct = can_correct(actor, person)
    if at is None and own and allowed(actor.roles, "punches.own"):
        at, source = clock.now(), source if source in ("web", "api") else "api"
    elif at is None:
        raise InvalidInput("at is required for someone else's punch", fields={"at": "required"})
    elif not (may_import or may_correct):
        raise Forbidden("only the server's time is taken for your own punch")
    else:
        source = source or ("clock" if may_import else "correction")
    if at > clock.now() + FUTURE_SLACK:
        raise InvalidInput("a punch cannot be in the future", fields={"at": "in the future"})
    punch, created = _store_punch(person, at, direction, source, actor, note)
    if created:
        _reevaluate(actor, _days_touched([(person.id, punch.at)]))
    db.session.commit()
    return punch, created


def void_punch(actor: Employee, punch_id: int, reason: str) -> Punch:
    """Take a wrong punch out of the reckoning (kept, marked void) and re-judge its day."""
    punch = db.session.get(Punch, punch_id)
    if punch is None or not can_see(actor, punch.employee):
        raise NotFound(f"no punch {punch_id}")
    if not can_correct(actor, punch.employee):
        raise Forbidden("you may correct only your own team's punches, not your own")
    if not str(reason or "").strip():
        raise InvalidInput("a reason is required", fields={"reason": "required"})
    if punch.voided_at is None:
        punch.voided_at, punch.voided_by_id, punch.void_reason = clock.now(), actor.id, reason.strip()[:200]
        audit.record(actor, "punch.void", "punch", punch.id, reason=reason)
        db.session.flush()
        _reevaluate(actor, _days_touched([(punch.employee_id, punch.at)]))
    db.session.commit()
    return punch


def punches_between(employee_ids: Iterable[int], start: datetime, end: datetime) -> list[Punch]:
    ids = list(set(employee_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(Punch).where(Punch.employee_id.in_(ids), Punch.at >= start, Punch.at < end,
                            Punch.voided_at.is_(None)).order_by(Punch.employee_id, Punch.at)))


def punches_of_day(viewer: Employee, employee_no: str, day) -> list[Punch]:
    """Every punch (void ones too) from the start of ``day`` to the morning after, for the lead to resolve."""
    person = _employee(viewer, employee_no)
    day = parse_day(day)
    zone = clock.site_zone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return list(db.session.scalars(
        select(Punch).where(Punch.employee_id == person.id, Punch.at >= start,
                            Punch.at < start + timedelta(hours=36)).order_by(Punch.at)))


# ------------------------------------------------------------------------------- CSV import


HEADER_ALIASES = {
    "employee_no": {"employee_no", "employee no", "employee", "emp_no", "empno", "no", "id", "badge",
                    "user_id", "userid", "ac-no.", "ac-no", "工号", "员工编号", "员工工号", "考勤号码", "人员编号",
                    "编号"},
    "timestamp": {"timestamp", "datetime", "date_time", "at", "punch_time", "clock_time", "time stamp",
                  "打卡时间", "签到时间", "考勤时间", "刷卡时间", "日期时间"},
    "date": {"date", "日期", "打卡日期"},
    "time": {"time", "时间", "打卡时刻"},
    "direction": {"direction", "dir", "in_out", "in/out", "type", "state", "status", "方向", "状态",
                  "打卡类型", "签到/签退", "进出"},
}


@dataclass
class PunchImportReport:
    imported: int = 0
    duplicates: list[int] = field(default_factory=list)  # lines already stored by an earlier import
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    evaluated: int = 0  # days re-judged because of the new punches

    @property
    def lines(self) -> int:
        return self.imported + len(self.duplicates) + len(self.rejected)


def _columns(first_row: list[str]) -> dict[str, int] | None:
    """Column positions from a header row, or None when the first row is data."""
    cells = [c.strip().lower().lstrip("\ufeff") for c in first_row]
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        for name, aliases in HEADER_ALIASES.items():
            if cell in aliases and name not in found:
                found[name] = i
                break
    if "time" in found and "date" not in found and "timestamp" not in found:
        found["timestamp"] = found.pop("time")
    if "employee_no" in found and ("timestamp" in found or "date" in found):
        return found
    return None


def import_punches(actor: Employee | None, text: str) -> PunchImportReport:
    """Import a time clock's export: employee number, timestamp, optional direction (in/out, 上班/下班).

    A header row is optional (工号,打卡时间,方向 or employee_no,timestamp,direction; separate date and time
    columns work too; other columns are ignored). Good lines are stored, bad ones reported with the reason;
    a line already stored (same person, same second) is counted as a duplicate, so importing the same file
    twice adds nothing. The days the new punches touch are judged again.
    """
    report = PunchImportReport()
    sample = text[:2000]
    delimiter = "\t" if "\t" in sample and "," not in sample else (";" if ";" in sample and "," not in sample
                                                                    else ",")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise InvalidInput("the file is empty", fields={"file": "empty"})
    columns = _columns(rows[0])
    start_line = 2 if columns else 1
    if columns is None:
        columns = {"employee_no": 0, "timestamp": 1, "direction": 2}
    body = rows[start_line - 1:]
    numbers = {r[columns["employee_no"]].strip() for r in body if len(r) > columns["employee_no"]}
    people = {p.employee_no: p for p in db.session.scalars(select(Employee).where(
        Employee.employee_no.in_(numbers)))} if numbers else {}
    now = clock.now()
    parsed: list[tuple[int, Employee, datetime, str | None, str]] = []
    seen: dict[str, int] = {}

    def cell(row: list[str], name: str) -> str:
        i = columns.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    for offset, row in enumerate(body):
        line = start_line + offset
        if not any(c.strip() for c in row):
            continue
        problems = []
        no = cell(row, "employee_no")
        person = people.get(no)
        if not no:
            problems.append("employee_no: missing")
        elif person is None:
            problems.append(f"employee_no: unknown employee {no}")
        stamp = cell(row, "timestamp") or f"{cell(row, 'date')} {cell(row, 'time')}".strip()
        at = None
        try:
            at = parse_instant(stamp).replace(microsecond=0)
            if at > now + FUTURE_SLACK:
                problems.append(f"timestamp: {stamp} is in the future")
                at = None
        except ValueError:
            problems.append(f"timestamp: bad timestamp {stamp!r}" if stamp else "timestamp: missing")
        direction = None
        try:
            direction = parse_direction(cell(row, "direction"))
        except ValueError as exc:
            problems.append(f"direction: {exc}")
        if person is not None and at is not None and not problems:
            key = dedupe_key(person.id, at)
            if key in seen:
                problems.append(f"duplicate of line {seen[key]}")
            else:
                seen[key] = line
                parsed.append((line, person, at, direction, key))
        if problems:
            report.rejected.append((line, "; ".join(problems)))
    stored: set[str] = set()
    keys = [p[4] for p in parsed]
    for i in range(0, len(keys), 500):
        stored |= set(db.session.scalars(select(Punch.dedupe_key).where(Punch.dedupe_key.in_(keys[i:i + 500]))))
    new = []
    for line, person, at, direction, key in parsed:
        if key in stored:
            report.duplicates.append(line)
            continue
        db.session.add(Punch(employee_id=person.id, at=at, direction=direction, source="import",
                             dedupe_key=key, created_by_id=actor.id if actor else None))
        new.append((person.id, at))
    report.imported = len(new)
    report.rejected.sort()
    audit.record(actor, "punch.import", "punch", "*", imported=report.imported,
                 duplicates=len(report.duplicates), rejected=len(report.rejected))
    try:
        db.session.flush()
    except IntegrityError:
        # Another import stored some of the same punches meanwhile: nothing of this one is kept; run it again.
        db.session.rollback()
        raise InvalidInput("another import of the same punches ran at the same time; import the file again",
                           fields={"file": "try again"}) from None
    touched = _days_touched(new)
    if touched:
        from attendance.services import attendance

        report.evaluated = attendance.reevaluate(actor, touched, commit=False, include_new=True)
    db.session.commit()
    return report


def days_with_roster(employee_ids: Iterable[int], days: Iterable[date]) -> set[tuple[int, date]]:
    """Which of these (person, day) pairs have a roster entry."""
    ids, days = list(set(employee_ids)), sorted(set(days))
    if not ids or not days:
        return set()
    rows = db.session.execute(select(RosterEntry.employee_id, RosterEntry.day).where(
        RosterEntry.employee_id.in_(ids), RosterEntry.day >= days[0], RosterEntry.day <= days[-1]))
    return {(e, d) for e, d in rows}


def evaluated_pairs(pairs: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Which of these (person, day) pairs already have an attendance record."""
    if not pairs:
        return set()
    ids = {e for e, _ in pairs}
    days = sorted({d for _, d in pairs})
    rows = db.session.execute(select(AttendanceDay.employee_id, AttendanceDay.day).where(
        AttendanceDay.employee_id.in_(ids), AttendanceDay.day >= days[0], AttendanceDay.day <= days[-1]))
    return {(e, d) for e, d in rows} & pairs
