"""Attendance derived from roster, punches and approved leave; evaluation into LATE/EARLY/ABSENT violations.

``derive`` reads everything a set of people's days needs in a fixed number of queries and judges
each day with the pure domain (attendance.domain.attendance_rules). ``evaluate`` stores the days
that are over and raises their violations through the discipline engine: once per person, day
and kind (the violation's ``source_ref``), however often it runs; when a later correction changes
a day, what the earlier reading raised and no longer holds is reversed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, null, or_, select, union_all
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import dates
from attendance.domain import extra_shifts as extra_rules
from attendance.domain.attendance_rules import (
    KINDS,
    TRAINING,
    DayResult,
    DayRules,
    LeaveCover,
    Punch,
    ShiftWindow,
    assign_punches,
    classify_day,
    is_over,
    minutes_to_hhmm,
)
from attendance.domain.errors import N_, DomainError, InvalidInput, NotFound
from attendance.domain.leave import LeaveDay, covered_days
from attendance.domain.permissions import reach
from attendance.domain.policy import Policy, parse_policy
from attendance.domain.rotation import REST
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    Employee,
    LeaveRequest,
    PolicyVersion,
    RosterEntry,
    Team,
    TrainingDay,
    Violation,
)
from attendance.models import shifts as shiftmodels
from attendance.models.extra_shifts import approved_minutes
from attendance.models.handovers import unacknowledged as unacknowledged_handovers
from attendance.models.leave import day_marks, live_leaves
from attendance.models.swaps import Swap, swaps_touching
from attendance.services import audit, calendar, paging
from attendance.services.people import people_for_listing, team_members, teams_led_by, visible_team
from attendance.services.transaction import use_case

REEVALUATED = "re-evaluated"  # how a reversal made by a later reading of the day begins its reason
# Totals of the monthly sheet: how much of a day each status counts as worked / absent.
WORKED_SHARE = {"present": 1, "late": 1, "early": 1, "late_early": 1, "half_absent": 0.5}
ABSENT_SHARE = {"absent": 1, "half_absent": 0.5}
NOT_ROSTERED = (None, None)  # a day of the monthly sheet with no roster entry and no evaluation


# ------------------------------------------------------------------------------- reading a day


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.site_zone())


def shift_window(entry: RosterEntry | None, day: date) -> ShiftWindow | None:
    if entry is None or entry.shift_type is None:
        return None
    st = entry.shift_type
    return ShiftWindow.on(day, st.start_minute, st.end_minute, clock.site_zone(),
                          breaks=[tuple(b) for b in st.breaks or []], grace_minutes=st.grace_minutes,
                          code=st.code)


@dataclass(frozen=True)
class InForce:
    version_id: int | None
    policy: Policy | None
    rules: DayRules


def policies_for(days: Iterable[date]) -> dict[date, InForce]:
    """The policy in force on each day (one query); days before the first policy get the default rules."""
    days = sorted(set(days))
    if not days:
        return {}
    versions = list(db.session.scalars(
        select(PolicyVersion).where(PolicyVersion.effective_from <= days[-1])
        .order_by(PolicyVersion.effective_from, PolicyVersion.id)))
    parsed: dict[int, InForce] = {}
    out: dict[date, InForce] = {}
    for day in days:
        current = None
        for version in versions:
            if version.effective_from <= day:
                current = version
        if current is None:
            out[day] = InForce(None, None, DayRules())
            continue
        if current.id not in parsed:
            policy = parse_policy(current.document)
            parsed[current.id] = InForce(current.id, policy, DayRules.from_policy(policy.attendance,
                                                                                   policy.settings))
        out[day] = parsed[current.id]
    return out


def leave_covers(employee_ids: Iterable[int], start: date, end: date,
                 leaves: Iterable[LeaveRequest] | None = None) -> dict[tuple[int, date], LeaveCover]:
    """Approved, live leave over these people's days, as the type it counts as (sick leave without its
    certificate counts as personal). A half day covers the first or second half of the day's shift; on the
    day the person came back early (销假) the leave ends at that moment. Two queries (one when the caller
    already read ``leaves`` with ``models.leave.live_leaves``; those not approved are left out)."""
    ids = list(set(employee_ids))
    if not ids:
        return {}
    if leaves is None:
        leaves = live_leaves(ids, start, end)
    leaves = [x for x in leaves if x.request.status == "approved" and x.employee_id in ids]
    halves = [x for x in leaves if x.half_day]
    cells = shiftmodels.roster_cells({x.employee_id for x in halves}, min((x.start_day for x in halves), default=start),
                                     max((x.end_day for x in halves), default=start)) if halves else {}
    out: dict[tuple[int, date], LeaveCover] = {}
    for leave in leaves:
        back = leave.back_day
        for day in covered_days(leave.start_day, leave.end_day, back, start, end):
            cover_start = cover_end = None
            if back == day:
                cover_end = leave.returned_at
            if leave.half_day:
                window = shift_window(cells.get((leave.employee_id, day)), day)
                if window is not None:
                    middle = window.start + (window.end - window.start) / 2
                    if leave.half_day == "am":
                        cover_end = min(cover_end, middle) if cover_end else middle
                    else:
                        cover_start = middle
            out[(leave.employee_id, day)] = LeaveCover(leave.counted_as, cover_start, cover_end)
    # A day of a stand-down for retraining (待岗培训) takes the whole shift: the person is not due at it.
    training = TrainingDay.__table__.c
    for employee_id, day in db.session.execute(
            select(training.employee_id, training.day).where(
                training.employee_id.in_(ids), training.day >= start, training.day <= end,
                training.cancelled_at.is_(None))):
        out[(employee_id, day)] = LeaveCover(TRAINING)
    return out


@dataclass
class Derived:
    employee: Employee
    day: date
    entry: RosterEntry
    shift: ShiftWindow | None
    result: DayResult
    over: bool
    punches: list[Punch] = field(default_factory=list)
    leave: LeaveCover | None = None  # approved leave over (part of) the day

    @property
    def code(self) -> str:
        return self.entry.code


def derive(people: list[Employee], start: date, end: date, now: datetime | None = None,
           leave: dict[tuple[int, date], LeaveCover] | None = None) -> dict[tuple[int, date], Derived]:
    """Judge every rostered day of ``people`` from ``start`` to ``end`` (days with no roster entry are left
    out). Four queries, whatever the number of people or days; three when the caller read ``leave``
    (``leave_covers``) already."""
    now = now or clock.now()
    ids = [p.id for p in people]
    if not ids:
        return {}
    by_id = {p.id: p for p in people}
    cells = shiftmodels.roster_cells(ids, start - timedelta(days=1), end + timedelta(days=1))
    punches = shiftmodels.punches_between(ids, _midnight(start - timedelta(days=2)), _midnight(end + timedelta(days=3)))
    in_force = policies_for([start - timedelta(days=1) + timedelta(days=i) for i in range((end - start).days + 3)])
    if leave is None:
        leave = leave_covers(ids, start, end)
    punches_by_person: dict[int, list[Punch]] = defaultdict(list)
    for p in punches:
        punches_by_person[p.employee_id].append(Punch(p.at, p.direction))
    out: dict[tuple[int, date], Derived] = {}
    days = [start - timedelta(days=1) + timedelta(days=i) for i in range((end - start).days + 3)]
    for employee_id in ids:
        windows = {d: shift_window(cells.get((employee_id, d)), d) for d in days if (employee_id, d) in cells}
        # Each day's own rules decide its punch window; the widest rules of the range are used to
        # share punches between neighbouring days (they differ only when the policy changes mid-range).
        rules = in_force[start].rules
        assigned = assign_punches(windows, punches_by_person[employee_id], rules)
        for d in days[1:-1]:
            entry = cells.get((employee_id, d))
            if entry is None:
                continue
            day_rules = in_force[d].rules
            got = assigned.get(d, [])
            cover = leave.get((employee_id, d))
            result = classify_day(windows[d], got, day_rules, cover)
            out[(employee_id, d)] = Derived(by_id[employee_id], d, entry, windows[d], result,
                                            is_over(windows[d], day_rules, now) and d <= now.astimezone(
                                                clock.site_zone()).date(), got, cover)
    return out


# ------------------------------------------------------------------------------- evaluation


@dataclass
class EvaluationReport:
    days: int = 0  # days judged and stored
    raised: list[Violation] = field(default_factory=list)
    reversed: int = 0
    reversals: list[Violation] = field(default_factory=list)  # the violations ``reversed`` counts
    not_over: int = 0  # rostered days whose shift (and time for an out-punch) is not over yet
    problems: list[str] = field(default_factory=list)  # violations that could not be raised, and why


def source_ref(employee_no: str, day: date, kind: str) -> str:
    return f"attendance:{employee_no}:{day.isoformat()}:{kind}"


def _violations_by_ref(refs: list[str]) -> dict[str, Violation]:
    """The latest violation for each ref (counted or not)."""
    out: dict[str, Violation] = {}
    for i in range(0, len(refs), 500):
        rows = db.session.scalars(select(Violation).where(Violation.source_ref.in_(refs[i:i + 500]))
                                  .order_by(Violation.id))
        for v in rows:
            out[v.source_ref] = v
    return out


def _occurred_at(derived: Derived, kind: str) -> datetime:
    result, shift = derived.result, derived.shift
    if kind == "late" and result.in_at is not None:
        return result.in_at
    if kind == "early" and result.out_at is not None:
        return result.out_at
    return shift.start if shift is not None else _midnight(derived.day)


def _note(derived: Derived, kind: str) -> str:
    r, zone = derived.result, clock.site_zone()
    st = derived.entry.shift_type
    parts = [f"{derived.day.isoformat()} {st.code} {minutes_to_hhmm(st.start_minute)}–"
             f"{minutes_to_hhmm(st.end_minute)}" if st else derived.day.isoformat()]
    if r.in_at:
        parts.append(f"in {r.in_at.astimezone(zone):%H:%M}")
    if r.out_at:
        parts.append(f"out {r.out_at.astimezone(zone):%H:%M}")
    if kind == "late":
        parts.append(f"迟到 late {r.late_minutes} min")
    elif kind == "early":
        parts.append(f"早退 early {r.early_minutes} min")
    elif r.status == "half_absent":
        parts.append(f"旷工半天 half a day absent (late {r.late_minutes} / early {r.early_minutes} min)")
    else:
        parts.append("旷工 absent")
    return " · ".join(parts)


def _store(derived: Derived, existing: AttendanceDay | None) -> AttendanceDay:
    r = derived.result
    row = existing or AttendanceDay(employee_id=derived.employee.id, day=derived.day)
    row.shift_type_id = derived.entry.shift_type_id
    row.status, row.late_minutes, row.early_minutes = r.status, r.late_minutes, r.early_minutes
    row.worked_minutes, row.missing_in, row.missing_out = r.worked_minutes, r.missing_in, r.missing_out
    row.in_at, row.out_at, row.leave_type = r.in_at, r.out_at, r.leave_type
    row.evaluated_at = clock.now()
    if existing is None:
        db.session.add(row)
    return row


def _apply(actor: Employee | None, items: list[Derived], report: EvaluationReport) -> None:
    """Store each day and bring its violations in line with it."""
    from attendance.services import discipline

    if not items:
        return
    stored = {(r.employee_id, r.day): r for r in db.session.scalars(select(AttendanceDay).where(
        AttendanceDay.employee_id.in_({d.employee.id for d in items}),
        AttendanceDay.day >= min(d.day for d in items), AttendanceDay.day <= max(d.day for d in items)))}
    refs = [source_ref(d.employee.employee_no, d.day, k) for d in items for k in KINDS]
    latest = _violations_by_ref(refs)
    in_force = policies_for(d.day for d in items)
    for derived in items:
        _store(derived, stored.get((derived.employee.id, derived.day)))
        report.days += 1
        policy = in_force[derived.day].policy
        for kind in KINDS:
            ref = source_ref(derived.employee.employee_no, derived.day, kind)
            last = latest.get(ref)
            counted = last is not None and last.reversed_at is None
            if kind in derived.result.kinds:
                # A violation someone else reversed (an appeal upheld, a supervisor) stays reversed.
                if counted or (last is not None and not (last.reversed_reason or "").startswith(REEVALUATED)):
                    continue
                code = policy.attendance.rule_for(kind) if policy else None
                if not code or code not in policy.rules:
                    report.problems.append(f"{ref}: no rule for {kind} in the policy")
                    continue
                try:
                    violation = discipline.record_violation(
                        actor, employee=derived.employee, rule_code=code,
                        occurred_at=_occurred_at(derived, kind), note=_note(derived, kind),
                        source="attendance", source_ref=ref)
                except DomainError as exc:
                    report.problems.append(f"{ref}: {exc.message}")
                    continue
                report.raised.append(violation)
            elif counted:
                discipline.reverse_violation(
                    actor, last, f"{REEVALUATED}: {derived.day.isoformat()} is now {derived.result.status}")
                report.reversed += 1
                report.reversals.append(last)


def _people_rostered(start: date, end: date, *, team: Team | None = None,
                     employee_ids: Iterable[int] | None = None) -> list[Employee]:
    stmt = (select(Employee).where(Employee.active.is_(True), Employee.id.in_(
        select(RosterEntry.employee_id).where(RosterEntry.day >= start, RosterEntry.day <= end)))
        .order_by(Employee.employee_no))
    if team is not None:
        stmt = stmt.where(Employee.team_id == team.id)
    if employee_ids is not None:
        stmt = stmt.where(Employee.id.in_(list(employee_ids)))
    return list(db.session.scalars(stmt))


@use_case
def evaluate(actor: Employee | None, start, end=None, *, team: str | None = None,
             employee_nos: list[str] | None = None) -> EvaluationReport:
    """Judge and store every rostered day from ``start`` to ``end`` that is over, raising LATE, EARLY and
    ABSENT violations once per person and day and reversing those a corrected day no longer supports.

    Running it again changes nothing unless something about a day changed.
    """
    start = dates.parse_day(start, "date")
    end = dates.parse_day(end, "to") if end else start
    calendar.check_range(start, end)
    team_row = None
    if team:
        team_row = db.session.scalar(select(Team).where(Team.code == team))
        if team_row is None:
            raise NotFound(N_("no team %(team)s", team=team))
    ids = None
    if employee_nos:
        ids = list(db.session.scalars(select(Employee.id).where(Employee.employee_no.in_(employee_nos))))
    people = _people_rostered(start, end, team=team_row, employee_ids=ids)
    report = EvaluationReport()
    derived = derive(people, start, end)
    ready = [d for d in derived.values() if d.over]
    report.not_over = len(derived) - len(ready)
    _apply(actor, ready, report)
    audit.record(actor, "attendance.evaluate", "attendance", f"{start}..{end}", days=report.days,
                 raised=len(report.raised), reversed=report.reversed, team=team)
    return report


@use_case
def reevaluate(actor: Employee | None, pairs: set[tuple[int, date]], *,
               include_new: bool = False, report: EvaluationReport | None = None) -> int:
    """Judge again the (person, day) pairs a change touched: those already evaluated, and with
    ``include_new`` also rostered days not evaluated yet. Days not over are left alone. Returns the days judged;
    ``report``, when given, collects what was raised and reversed."""
    if not pairs:
        return 0
    db.session.flush()
    wanted = evaluated_pairs(pairs)
    if include_new:
        wanted |= shiftmodels.days_with_roster({e for e, _ in pairs}, {d for _, d in pairs}) & pairs
    if not wanted:
        return 0
    people = list(db.session.scalars(select(Employee).where(Employee.id.in_({e for e, _ in wanted}))))
    start, end = min(d for _, d in wanted), max(d for _, d in wanted)
    derived = derive(people, start, end)
    ready = [d for key, d in derived.items() if key in wanted and d.over]
    report = report if report is not None else EvaluationReport()
    _apply(actor, ready, report)
    return report.days


# ------------------------------------------------------------------------------- reading


def _row(person: Employee, day: date, entry: RosterEntry | None, record: AttendanceDay | None,
         derived: Derived | None) -> dict:
    zone = clock.site_zone()
    source = record if record is not None else (derived.result if derived else None)
    in_at = getattr(source, "in_at", None)
    out_at = getattr(source, "out_at", None)
    return {
        "employee_no": person.employee_no, "name": person.name, "date": day,
        "shift": entry.code if entry else None,
        "status": source.status if source else None,
        "late_minutes": source.late_minutes if source else 0,
        "early_minutes": source.early_minutes if source else 0,
        "worked_minutes": source.worked_minutes if source else None,
        "leave_type": source.leave_type if source else None,
        "missing_in": bool(source.missing_in) if source else False,
        "missing_out": bool(source.missing_out) if source else False,
        "in_at": in_at.astimezone(zone) if in_at else None,
        "out_at": out_at.astimezone(zone) if out_at else None,
        "evaluated": record is not None,
        "over": record is not None or bool(derived and derived.over),
    }


def _stored(ids: list[int], start: date, end: date) -> dict[tuple[int, date], AttendanceDay]:
    if not ids:
        return {}
    return {(r.employee_id, r.day): r for r in db.session.scalars(select(AttendanceDay).where(
        AttendanceDay.employee_id.in_(ids), AttendanceDay.day >= start, AttendanceDay.day <= end))}


def rows_for(people: list[Employee], start: date, end: date) -> list[dict]:
    """Per person per rostered day, by employee_no then date: the stored evaluation where there is one,
    else the day as the rules read it now (``evaluated`` false). Days not over are left out."""
    derived = derive(people, start, end)
    stored = _stored([p.id for p in people], start, end)
    rows = []
    for person in sorted(people, key=lambda p: p.employee_no):
        day = start
        while day <= end:
            d = derived.get((person.id, day))
            record = stored.get((person.id, day))
            if record is not None or (d is not None and d.over):
                rows.append(_row(person, day, d.entry if d else None, record, d))
            day += timedelta(days=1)
    return rows


def list_attendance(viewer: Employee, *, start, end, team: str | None = None, employee_no: str | None = None,
                    limit: int = 500, cursor: str | None = None) -> paging.Page:
    """``GET /attendance``: the viewer's reach (staff: themselves), per person per day, a page at a time."""
    start, end = dates.parse_day(start, "from"), dates.parse_day(end, "to")
    days = calendar.check_range(start, end)
    after = paging.read_cursor(cursor, paging.PERSON_DAY)
    need = limit // len(days) + 2
    listed = people_for_listing(viewer, team=team, employee_no=employee_no,
                                       after_no=after[0] if after else None, limit=need)
    return paging.page_person_days(rows_for(listed, start, end), after, limit, listed, need)


# ------------------------------------------------------------------------------- views


@dataclass
class BoardRow:
    person: Employee
    code: str | None
    shift: ShiftWindow | None
    state: str  # rest, leave, due, in, out, missing, or the day's status once it is over
    result: DayResult | None
    over: bool
    record: AttendanceDay | None
    leave: LeaveDay | None = None  # the leave over the day (approved, or pending: 请假待批)
    swap_id: int | None = None  # the approved swap that set this person's day (its request id)


@dataclass
class Board:
    team: Team
    day: date
    rows: list[BoardRow]
    swaps: list[Swap] = field(default_factory=list)  # approved and asked swaps of the day, with their handover
    handovers: list = field(default_factory=list)  # the day's handovers (交接本) nobody has acknowledged yet

    def count(self, *states: str) -> int:
        return sum(r.state in states for r in self.rows)

    @property
    def arrived(self) -> int:
        return sum(1 for r in self.rows if r.result is not None and r.result.in_at is not None)

    @property
    def late(self) -> int:
        return sum(1 for r in self.rows if r.result is not None and r.result.late_minutes > 0)

    @property
    def on_leave(self) -> int:
        """People on approved leave that day, a half day included."""
        return sum(1 for r in self.rows if r.leave is not None and not r.leave.pending)

    @property
    def unresolved(self) -> int:
        """Days over with a punch missing: the lead's to resolve."""
        return sum(1 for r in self.rows if r.over and r.result is not None and r.result.needs_resolution)


def day_board(viewer: Employee, team_code: str, day) -> Board:
    """A team's day for its lead: who is in, who is late, who is missing, who is on leave (and which type,
    a half day or asked and not decided yet), and which days need a punch resolved. Someone on approved
    leave is never "not in yet" or missing; a morning off is due at the middle of the shift."""
    team = visible_team(viewer, team_code)
    day = dates.parse_day(day)
    people = team_members(team)
    now = clock.now()
    ids = [p.id for p in people]
    leaves = live_leaves(ids, day, day, ("approved", "pending"))
    marks = day_marks(leaves, day, day)
    derived = derive(people, day, day, now, leave_covers(ids, day, day, leaves))
    stored = _stored(ids, day, day)
    rules = policies_for([day])[day].rules
    rows = []
    for person in people:
        d = derived.get((person.id, day))
        record = stored.get((person.id, day))
        mark = marks.get((person.id, day))
        if d is None:
            state = "leave" if mark is not None and not mark.pending else "unscheduled"
            rows.append(BoardRow(person, None, None, state, None, True, record, mark))
            continue
        r = d.result
        due = d.leave.due_at(d.shift) if d.leave is not None and d.shift is not None else None
        if d.shift is None or r.status in ("rest", "leave"):
            state = r.status
        elif d.over:
            state = record.status if record else r.status
        elif r.in_at is not None and r.out_at is not None:
            state = "out"
        elif r.in_at is not None:
            state = "in"
        elif now >= (due or d.shift.start) + timedelta(minutes=rules.grace_for(d.shift)):
            state = "missing"
        else:
            state = "due"
        rows.append(BoardRow(person, d.code, d.shift, state, r, d.over, record, mark, d.entry.request_id))
    return Board(team, day, rows, swaps_touching([p.id for p in people], day, day),
                 unacknowledged_handovers([team.id], day))


@dataclass
class CalendarDay:
    day: date
    code: str | None
    shift: ShiftWindow | None
    status: str | None
    result: DayResult | None
    record: AttendanceDay | None
    holiday: calendar.HolidayMark | None
    over: bool
    leave: LeaveDay | None = None  # the leave over the day (approved, or pending: 请假待批)


def my_calendar(viewer: Employee, month, employee_no: str | None = None) -> tuple[Employee, list[CalendarDay]]:
    """One person's month: roster, what each day came to, leave, holidays. Staff see only their own."""
    roster = calendar.my_month(viewer, month, employee_no)
    person, days = roster.person, roster.days
    derived = derive([person], days[0], days[-1], leave=leave_covers([person.id], days[0], days[-1], roster.leaves))
    stored = _stored([person.id], days[0], days[-1])
    out = []
    for day in days:
        d = derived.get((person.id, day))
        record = stored.get((person.id, day))
        status = record.status if record else (d.result.status if d and d.over else None)
        out.append(CalendarDay(day, d.code if d else None, d.shift if d else None, status,
                               d.result if d else None, record, roster.holidays.get(day), bool(d and d.over),
                               roster.leave.get(day)))
    return person, out


@dataclass
class SheetTotals:
    scheduled: int = 0
    worked: float = 0
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    absent_days: float = 0
    leave_days: float = 0  # days of leave over, by the balance's count (a half day 0.5)
    rest_days: int = 0
    missing_punches: int = 0
    corrections: int = 0  # 补卡: punches added by a correction, approved on request or made by the lead
    leave_by_type: dict[str, float] = field(default_factory=dict)  # the same days by the type they count as
    # approved extra shifts (加班), hours by the kind of day: working day, rest day, public holiday
    extra_hours: dict[str, float] = field(default_factory=dict)

    def add_leave(self, leave_type: str | None, days: float) -> None:
        self.leave_days = _whole(self.leave_days + days)
        if leave_type is not None:
            self.leave_by_type[leave_type] = _whole(self.leave_by_type.get(leave_type, 0) + days)


def _whole(value: float) -> float:
    """2.0 → 2 (a sum of half days shows as people write it), 1.5 stays."""
    return int(value) if value == int(value) else value


@dataclass(slots=True)
class SheetCell:
    code: str | None  # the rostered shift code, REST, or None when not rostered
    status: str | None  # None while the day is not over
    late_minutes: int = 0
    early_minutes: int = 0
    missing: bool = False
    leave_type: str | None = None  # approved leave over the day (or half of it): the type it counts as
    half: bool = False  # the leave is half of the day (the other half is judged on its punches)


@dataclass
class SheetRow:
    person: Employee
    cells: dict[date, SheetCell]
    totals: SheetTotals


@dataclass
class Sheet:
    month: date
    team: Team | None
    days: list[date]
    holidays: dict[date, calendar.HolidayMark]
    rows: list[SheetRow]


def month_sheet(viewer: Employee, month, team_code: str | None = None) -> Sheet:
    """The monthly attendance sheet 考勤表 of the people ``viewer`` reaches (or of one team): people × days
    with a mark per day and each person's totals."""
    first = dates.parse_month(month) if not isinstance(month, date) else month.replace(day=1)
    team = visible_team(viewer, team_code) if team_code else None
    stmt = _sheet_people(first)
    if team is not None:
        stmt = stmt.where(Employee.team_id == team.id)
    elif reach(viewer.roles) == "team":
        stmt = stmt.where(Employee.team_id.in_(teams_led_by(viewer)))
    elif reach(viewer.roles) == "self":
        stmt = stmt.where(Employee.id == viewer.id)
    else:
        stmt = stmt.where(Employee.team_id.is_not(None))
    return _sheet(first, team, list(db.session.scalars(stmt)))


def department_sheet(month: date) -> Sheet:
    """The 考勤表 of every team, as HR sees it on the page without a team: the monthly report's sheet."""
    first = month.replace(day=1)
    return _sheet(first, None, list(db.session.scalars(_sheet_people(first).where(Employee.team_id.is_not(None)))))


def _sheet_people(first: date):
    """Who is on a month's sheet: the active staff, and whoever was rostered that month and has left since."""
    rostered = select(RosterEntry.employee_id).where(RosterEntry.day >= first,
                                                     RosterEntry.day <= calendar.month_days(first)[-1])
    return (select(Employee).options(joinedload(Employee.team))
            .where(or_(Employee.active.is_(True), Employee.id.in_(rostered)))
            .order_by(Employee.team_id, Employee.employee_no))


def _sheet(first: date, team: Team | None, people: list[Employee]) -> Sheet:
    """The one builder of the 考勤表 (page, downloads, monthly report). A day already evaluated is read
    from its stored row; only the people with rostered days not evaluated yet are derived from their
    punches, so a past month of 5,000 staff costs one plain query for the days. Approved leave is read once
    for everyone: it names the half days, and shows on the days not over yet."""
    days = calendar.month_days(first)
    start, end = days[0], days[-1]
    ids = [p.id for p in people]
    known = _month_days(ids, start, end)
    leaves = live_leaves(ids, start, end)
    marks = day_marks(leaves, start, end)
    pending = {employee_id for employee_id, mine in known.items()
               if any(record is None for _code, record in mine.values())}
    derived = derive([p for p in people if p.id in pending], start, end,
                     leave=leave_covers(pending, start, end, leaves)) if pending else {}
    corrected = _corrections(ids, start, end)
    extra = approved_minutes(ids, start, end)
    out = []
    for person in people:
        mine = known.get(person.id, {})
        cells: dict[date, SheetCell] = {}
        counts: dict[str, int] = defaultdict(int)
        totals = SheetTotals()
        for day in days:
            code, record = mine.get(day, NOT_ROSTERED)
            mark = marks.get((person.id, day))
            if record is not None:
                status, late, early, missing, leave_type = record
            elif code is not None and (person.id, day) in derived and derived[(person.id, day)].over:
                r = derived[(person.id, day)].result
                status, late, early, missing = r.status, r.late_minutes, r.early_minutes, r.missing_in or r.missing_out
                leave_type = r.leave_type
            else:  # not over yet, or not rostered: the rostered shift shows, or the leave planned for the day
                cell = SheetCell(code, None)
                if mark is not None and not mark.returned:
                    cell.leave_type, cell.half = mark.counted_as, mark.half_day is not None
                cells[day] = cell
                if code is not None and code != REST:
                    totals.scheduled += 1
                continue
            cell = cells[day] = SheetCell(code, status, late, early, missing)
            worked, absent = WORKED_SHARE.get(status, 0), ABSENT_SHARE.get(status, 0)
            if status == "leave":
                cell.leave_type = leave_type
                totals.add_leave(leave_type, 1)
            elif leave_type is not None and mark is not None and mark.half_day and not mark.returned:
                # half a day off: the status judged the other half, so it is at most half a day worked
                # or absent (present → ½ worked; no punch at all, half_absent → ½ absent)
                cell.leave_type, cell.half = leave_type, True
                totals.add_leave(leave_type, 0.5)
                worked, absent = max(0, worked - 0.5), min(absent, 0.5)
            totals.worked += worked
            totals.absent_days += absent
            if code is not None and code != REST:
                totals.scheduled += 1
            counts[status] += 1
            if late:
                totals.late_count += 1
                totals.late_minutes += late
            if early:
                totals.early_count += 1
                totals.early_minutes += early
            totals.missing_punches += missing
        totals.worked, totals.absent_days = _whole(totals.worked), _whole(totals.absent_days)
        totals.rest_days = counts["rest"]
        totals.corrections = corrected.get(person.id, 0)
        totals.extra_hours = {kind: extra_rules.hours(n) for kind, n in extra.get(person.id, {}).items()}
        out.append(SheetRow(person, cells, totals))
    return Sheet(first, team, days, calendar.holidays(start, end), out)


def _corrections(ids: list[int], start: date, end: date) -> dict[int, int]:
    """Per person, the correction punches (not voided) of the month on the site's clock: one grouped query."""
    if not ids:
        return {}
    Stored = shiftmodels.Punch  # the stored punch (the domain's Punch is the rules' view of one)
    rows = db.session.execute(
        select(Stored.employee_id, func.count()).where(
            Stored.employee_id.in_(ids), Stored.source == "correction", Stored.voided_at.is_(None),
            Stored.at >= _midnight(start), Stored.at < _midnight(end + timedelta(days=1)))
        .group_by(Stored.employee_id))
    return {employee_id: n for employee_id, n in rows}


def _month_days(ids: list[int], start: date, end: date) -> dict[int, dict[date, tuple]]:
    """Per person, each rostered or evaluated day: the shift code (REST; None when no longer rostered) and,
    once evaluated, the status, late and early minutes, whether a punch is missing and the type of any
    leave over (part of) the day (else None).

    One pass over the roster joined to the stored days, and the stored days left without a roster entry."""
    if not ids:
        return {}
    r, st, a = RosterEntry.__table__.c, shiftmodels.ShiftType.__table__.c, AttendanceDay.__table__.c
    stored = (a.status, a.late_minutes, a.early_minutes, a.missing_in, a.missing_out, a.leave_type)
    rostered = (
        select(r.employee_id, r.day, st.code, r.id.label("rostered"), *stored)
        .select_from(RosterEntry.__table__
                     .outerjoin(shiftmodels.ShiftType.__table__, st.id == r.shift_type_id)
                     .outerjoin(AttendanceDay.__table__, (a.employee_id == r.employee_id) & (a.day == r.day)))
        .where(r.employee_id.in_(ids), r.day >= start, r.day <= end))
    unrostered = (
        select(a.employee_id, a.day, null(), null(), *stored)
        .where(a.employee_id.in_(ids), a.day >= start, a.day <= end,
               ~select(r.id).where(r.employee_id == a.employee_id, r.day == a.day).exists()))
    out: dict[int, dict[date, tuple]] = defaultdict(dict)
    for e, d, code, on_roster, status, late, early, mi, mo, leave_type in db.session.execute(
            union_all(rostered, unrostered)):
        out[e][d] = ((code or REST) if on_roster is not None else None,
                     None if status is None else (status, late or 0, early or 0, bool(mi or mo), leave_type))
    return out


def parse_evaluation_range(data: dict) -> tuple[date, date]:
    start = dates.parse_day(data.get("date") or data.get("from"), "date")
    end = dates.parse_day(data["to"], "to") if data.get("to") else start
    if end < start:
        raise InvalidInput(N_("to is before date"), fields={"to": N_("before date")})
    return start, end



def evaluated_pairs(pairs: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Which of these (person, day) pairs already have an attendance record."""
    if not pairs:
        return set()
    ids = {e for e, _ in pairs}
    days = sorted({d for _, d in pairs})
    rows = db.session.execute(select(AttendanceDay.employee_id, AttendanceDay.day).where(
        AttendanceDay.employee_id.in_(ids), AttendanceDay.day >= days[0], AttendanceDay.day <= days[-1]))
    return {(e, d) for e, d in rows} & pairs
