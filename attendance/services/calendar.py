"""The calendar the roster is drawn on: month days, bounded ranges, weeks, and China's public holidays
and adjusted working days (调休)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance.domain.dates import parse_month
from attendance.domain.errors import N_, InvalidInput
from attendance.domain.leave import LeaveDay
from attendance.models import Employee, LeaveRequest, RosterEntry
from attendance.models.leave import day_marks, live_leaves
from attendance.models.shifts import roster_cells
from attendance.services.people import (
    visible_employee,
)

MAX_LIST_DAYS = 93  # a listing covers at most a quarter, so one page is always a bounded query
# The leave the roster and the calendars show: approved, and asked but not decided yet (shown as 请假待批 so
# the lead planning the roster and the person see it coming; it counts nowhere until approved).
LIVE_LEAVE = ("approved", "pending")

def month_days(first: date) -> list[date]:
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def check_range(start: date, end: date, limit: int = MAX_LIST_DAYS) -> list[date]:
    if end < start:
        raise InvalidInput(N_("the range ends before it starts"), fields={"to": N_("before from")})
    if (end - start).days + 1 > limit:
        raise InvalidInput(N_("at most %(limit)s days at once", limit=limit),
                           fields={"to": N_("at most %(limit)s days after from", limit=limit)})
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


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


@dataclass
class MonthRoster:
    person: Employee
    days: list[date]
    cells: dict[date, RosterEntry]
    holidays: dict[date, HolidayMark]
    leave: dict[date, LeaveDay] = field(default_factory=dict)  # approved leave, and pending (请假待批)
    leaves: list[LeaveRequest] = field(default_factory=list)  # the leaves behind ``leave``


def my_month(viewer: Employee, month, employee_no: str | None = None) -> MonthRoster:
    """One person's roster for a month (the viewer's own unless they may see ``employee_no``), with the
    days their leave covers: approved, or asked and waiting for a decision."""
    first = parse_month(month) if not isinstance(month, date) else month.replace(day=1)
    person = visible_employee(viewer, employee_no) if employee_no else viewer
    days = month_days(first)
    cells = {d: e for (_, d), e in roster_cells([person.id], days[0], days[-1]).items()}
    leaves = live_leaves([person.id], days[0], days[-1], LIVE_LEAVE)
    leave = {d: mark for (_, d), mark in day_marks(leaves, days[0], days[-1]).items()}
    return MonthRoster(person, days, cells, holidays(days[0], days[-1]), leave, leaves)
