"""Punches (打卡): the web clock, punches added or voided by the office, and the time-clock CSV import.

Every punch written re-judges the days it may belong to that were already evaluated
(``services.attendance.reevaluate``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from attendance import clock
from attendance.domain import attendance_rules as rules_
from attendance.domain.attendance_rules import PunchReading, ShiftWindow
from attendance.domain.dates import OUT_OF_RANGE, in_range, parse_day
from attendance.domain.errors import N_, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import Employee, Punch, RosterEntry
from attendance.models import shifts as shiftmodels
from attendance.services import attendance, audit
from attendance.services.people import (
    can_see,
    teams_led_by,
    visible_employee,
)
from attendance.services.transaction import savepoint, use_case

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
    """An ISO 8601 instant; a naive one is the site's time. :raise ValueError: when unreadable or out of range."""
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
    if not in_range(moment):
        raise ValueError(OUT_OF_RANGE)
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
    at = at.replace(microsecond=0).astimezone(UTC)  # as the database gives it back: the answer reads the same
    key = dedupe_key(person.id, at)
    found = db.session.scalar(select(Punch).where(Punch.dedupe_key == key))
    if found is not None:
        return found, False
    punch = Punch(employee=person, at=at, direction=direction, source=source, dedupe_key=key,
                  note=note, created_by_id=actor.id if actor else None)
    try:
        with savepoint():
            db.session.add(punch)
    except IntegrityError:  # the same punch arrived by another door at the same moment
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


@use_case
def clock_punch(actor: Employee, direction: str) -> Punch:
    """Clock the actor in or out at the server's time (never the browser's)."""
    if not allowed(actor.roles, "punches.own"):
        raise Forbidden(N_("your roles do not allow clocking in"))
    try:
        direction = parse_direction(direction)
    except ValueError:
        direction = None
    if direction is None:
        raise InvalidInput(N_("direction is in or out"), fields={"direction": N_("in or out")})
    punch, _ = _store_punch(actor, clock.now(), direction, "web", actor)
    attendance.reevaluate(actor, _days_touched([(actor.id, punch.at)]))
    return punch


@use_case
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
        raise InvalidInput(N_("invalid punch"), fields=errors)
    person = visible_employee(actor, employee_no)
    own = person.id == actor.id
    may_import = allowed(actor.roles, "punches.import")
    may_correct = can_correct(actor, person)
    if at is None and own and allowed(actor.roles, "punches.own"):
        at, source = clock.now(), source if source in ("web", "api") else "api"
    elif at is None:
        raise InvalidInput(N_("at is required for someone else's punch"), fields={"at": N_("required")})
    elif not (may_import or may_correct):
        raise Forbidden(N_("only the server's time is taken for your own punch"))
    else:
        source = source or ("clock" if may_import else "correction")
    if at > clock.now() + FUTURE_SLACK:
        raise InvalidInput(N_("a punch cannot be in the future"), fields={"at": N_("in the future")})
    punch, created = _store_punch(person, at, direction, source, actor, note)
    if created:
        attendance.reevaluate(actor, _days_touched([(person.id, punch.at)]))
    return punch, created


@use_case
def void_punch(actor: Employee, punch_id: int, reason: str) -> Punch:
    """Take a wrong punch out of the reckoning (kept, marked void) and re-judge its day."""
    punch = db.session.get(Punch, punch_id)
    if punch is None or not can_see(actor, punch.employee):
        raise NotFound(N_("no punch %(punch_id)s", punch_id=punch_id))
    if not can_correct(actor, punch.employee):
        raise Forbidden(N_("you may correct only your own team's punches, not your own"))
    if not str(reason or "").strip():
        raise InvalidInput(N_("a reason is required"), fields={"reason": N_("required")})
    if punch.voided_at is None:
        punch.voided_at, punch.voided_by_id, punch.void_reason = clock.now(), actor.id, reason.strip()[:200]
        audit.record(actor, "punch.void", "punch", punch.id, reason=reason)
        db.session.flush()
        attendance.reevaluate(actor, _days_touched([(punch.employee_id, punch.at)]))
    return punch


# ------------------------------------------------------------------------------- the clock page


@dataclass
class ClockState:
    """What the clock shows: the shift it is about, the one button that makes sense now, and what the
    person's last punch (``reading``) counted as."""

    now: datetime
    day: date  # the day of the shift the clock is about (yesterday's evening shift until its window closes)
    entry: RosterEntry | None  # that day's roster entry (None: not on the roster)
    shift: ShiftWindow | None
    action: str  # "in" or "out"
    punches: list[Punch]  # the person's punches of today, void ones too
    reading: PunchReading | None = None


def _clock_context(person: Employee, now: datetime):
    """The person's roster around ``now``, their punches shared out between those shifts, and the rules."""
    zone = clock.site_zone()
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=1), today, today + timedelta(days=1)]
    cells = shiftmodels.roster_cells([person.id], days[0], days[-1])
    windows = {d: attendance.shift_window(cells.get((person.id, d)), d) for d in days}
    in_force = attendance.policies_for(days)
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=zone) - timedelta(days=1)
    stored = shiftmodels.punches_between([person.id], start, start + timedelta(days=5))
    assigned = rules_.assign_punches(windows, [rules_.Punch(p.at, p.direction) for p in stored],
                                     in_force[today].rules)
    return today, cells, windows, in_force, assigned, stored


def clock_state(person: Employee, punch_id: int | None = None) -> ClockState:
    """The clock page for ``person`` now; with ``punch_id`` (their own punch), what that punch counted as."""
    now = clock.now()
    today, cells, windows, in_force, assigned, stored = _clock_context(person, now)
    rules = in_force[today].rules
    day = rules_.current_shift(windows, rules, now, today)
    shift = windows.get(day) if day else None
    if shift is not None:
        action = rules_.clock_action(shift, assigned.get(day, []), in_force[day].rules, now)
    else:
        zone = clock.site_zone()
        mine = [rules_.Punch(p.at, p.direction) for p in stored if p.at.astimezone(zone).date() == today]
        action = rules_.clock_action(None, mine, rules, now)
    state = ClockState(now, day or today, cells.get((person.id, day or today)), shift, action,
                       punches_of_day(person, person.employee_no, today))
    state.punches = [p for p in state.punches if p.at.astimezone(clock.site_zone()).date() == today]
    if punch_id is not None:
        state.reading = read_own_punch(person, punch_id)
    return state


def read_own_punch(person: Employee, punch_id: int) -> PunchReading | None:
    """What the person's own punch ``punch_id`` counted as (None when it is not theirs, or void)."""
    punch = db.session.get(Punch, punch_id)
    if punch is None or punch.employee_id != person.id or punch.voided_at is not None:
        return None
    today, cells, windows, in_force, assigned, _ = _clock_context(person, punch.at)
    mine = rules_.Punch(punch.at, punch.direction)
    day = next((d for d, got in assigned.items() if any(p.at == punch.at for p in got)), None)
    if day is None:
        day = rules_.current_shift(windows, in_force[today].rules, punch.at, today)
    shift = windows.get(day) if day else None
    if shift is None:
        return rules_.read_punch(None, mine, [], in_force[today].rules)
    earlier = [p for p in assigned.get(day, []) if p.at < punch.at]
    cover = attendance.leave_covers([person.id], day, day).get((person.id, day))
    return rules_.read_punch(shift, mine, earlier, in_force[day].rules, cover)


def punches_of_day(viewer: Employee, employee_no: str, day) -> list[Punch]:
    """Every punch (void ones too) from the start of ``day`` to the morning after, for the lead to resolve."""
    person = visible_employee(viewer, employee_no)
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


@use_case
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
        raise InvalidInput(N_("the file is empty"), fields={"file": N_("empty")})
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
        # Another import stored some of the same punches meanwhile: nothing of this one is kept (the use
        # case rolls back); run it again.
        raise InvalidInput(N_("another import of the same punches ran at the same time; import the file again"),
                           fields={"file": N_("try again")}) from None
    touched = _days_touched(new)
    if touched:

        report.evaluated = attendance.reevaluate(actor, touched, include_new=True)
    return report


@use_case
def add_corrected_punch(actor: Employee, person: Employee, at: datetime, direction: str, note: str) -> Punch:
    """The punch an approved correction (补卡) adds, with source ``correction``; the day is judged again,
    so what it had raised for a missing punch is reversed."""
    punch, created = _store_punch(person, at, direction, "correction", actor, note)
    if created:
        attendance.reevaluate(actor, _days_touched([(person.id, punch.at)]))
    return punch
