"""Work reports (周报、月报): which reports are owed, for which period, and when each is due — read from the
policy's ``settings.work_reports`` (docs/rules.md §8). Plain Python: the service asks, the policy decides.

A weekly report covers a week from Monday; it is due ``due_after_days`` after that Monday at ``due_time``
(000 §2 报表3: the next Monday 09:00 → 7 days; 001 第七条: before the Friday 16:00 meeting → 4 days). A monthly
report covers a calendar month; it is due ``due_before_meeting_days`` before the month's monthly meeting (the
policy's ``settings.meeting_times.monthly``) at ``due_time`` (000 §2: the day before the monthly meeting).

A deadline that falls on a public holiday or a rest day of the site's calendar moves to the next working day,
same time (``deadline_on_holiday: next_working_day``; ``keep`` leaves it where the book puts it): nobody is in
the office to hand a report to on 国庆 Monday. The calendar is the site's — Monday to Friday, less the public
holidays, plus the adjusted working days (调休) — handed in by the service as a ``SiteCalendar``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from attendance.domain.meetings import MeetingTimes, meeting_times

REPORT_KINDS = ("weekly", "monthly")
DEADLINE_ON_HOLIDAY = ("next_working_day", "keep")
# The longest run of days off the calendar can hold (the Spring Festival: 8 or 9 with its weekends), with room
# to spare: a walk past this finds no working day and keeps the nominal deadline rather than loop.
MAX_DAYS_OFF = 31

DEFAULT_ROLES = ("staff", "lead")
DEFAULT_LOOKBACK_DAYS = 35


@dataclass(frozen=True)
class ReportDeadline:
    kind: str
    due_time: time
    due_after_days: int = 7  # weekly: days after the week's Monday
    due_before_meeting_days: int = 1  # monthly: days before the monthly meeting
    source: str = ""


@dataclass(frozen=True)
class ReportPolicy:
    kinds: dict[str, ReportDeadline]
    roles: tuple[str, ...] = DEFAULT_ROLES
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    rule: str = "REPORT_LATE"
    meetings: MeetingTimes | None = None
    deadline_on_holiday: str = "next_working_day"  # one of DEADLINE_ON_HOLIDAY


@dataclass(frozen=True)
class SiteCalendar:
    """The site's working days: Monday to Friday, less the public holidays (法定节假日), plus the adjusted
    working days (调休上班, a weekend made a working day)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5


def next_working_day(day: date, calendar: SiteCalendar) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    for step in range(MAX_DAYS_OFF + 1):
        candidate = day + timedelta(days=step)
        if calendar.is_working_day(candidate):
            return candidate
    return day


class BadReportSettings(ValueError):
    """``settings.work_reports`` says something that cannot be read (the message names the key)."""


def _hhmm(value, path: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (TypeError, ValueError):
        raise BadReportSettings(f"{path}: not a time (HH:MM)") from None


def _int(value, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadReportSettings(f"{path}: a whole number from {low} to {high}")
    return value


DEFAULT_SETTINGS = {
    "roles": list(DEFAULT_ROLES),
    "lookback_days": DEFAULT_LOOKBACK_DAYS,
    "rule": "REPORT_LATE",
    "deadline_on_holiday": "next_working_day",
    "weekly": {"due_after_days": 7, "due_time": "09:00"},
    "monthly": {"due_before_meeting_days": 1, "due_time": "18:00"},
}


def report_policy(settings: dict | None) -> ReportPolicy:
    """The report deadlines of a policy's ``settings`` (the defaults where it has no ``work_reports``).
    :raise BadReportSettings: a value that cannot be read."""
    settings = settings or {}
    raw = settings.get("work_reports")
    if raw is None:
        raw = DEFAULT_SETTINGS
    if not isinstance(raw, dict):
        raise BadReportSettings("settings.work_reports: must be a mapping")
    kinds: dict[str, ReportDeadline] = {}
    for kind in REPORT_KINDS:
        item = raw.get(kind)
        if item is None:
            continue  # this department asks for no report of this kind
        if not isinstance(item, dict):
            raise BadReportSettings(f"settings.work_reports.{kind}: must be a mapping")
        path = f"settings.work_reports.{kind}"
        kinds[kind] = ReportDeadline(
            kind=kind, due_time=_hhmm(item.get("due_time", "09:00"), f"{path}.due_time"),
            due_after_days=_int(item.get("due_after_days", 7), f"{path}.due_after_days", 0, 28),
            due_before_meeting_days=_int(item.get("due_before_meeting_days", 1),
                                         f"{path}.due_before_meeting_days", 0, 20),
            source=str(item.get("source") or ""))
    roles = raw.get("roles", list(DEFAULT_ROLES))
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise BadReportSettings("settings.work_reports.roles: a list of roles")
    on_holiday = raw.get("deadline_on_holiday", "next_working_day")
    if on_holiday not in DEADLINE_ON_HOLIDAY:
        raise BadReportSettings("settings.work_reports.deadline_on_holiday: one of " + ", ".join(DEADLINE_ON_HOLIDAY))
    return ReportPolicy(kinds=kinds, roles=tuple(roles), deadline_on_holiday=on_holiday,
                        lookback_days=_int(raw.get("lookback_days", DEFAULT_LOOKBACK_DAYS),
                                           "settings.work_reports.lookback_days", 1, 400),
                        rule=str(raw.get("rule") or "REPORT_LATE"), meetings=_meetings(settings))


def _meetings(settings: dict) -> MeetingTimes | None:
    try:
        return meeting_times(settings)
    except ValueError:
        return None  # reported under settings.meeting_times by whoever reads them


def period_of(kind: str, day: date) -> date:
    """The first day of the period of ``kind`` that ``day`` falls in (a Monday, or the 1st)."""
    if kind == "weekly":
        return day - timedelta(days=day.weekday())
    if kind == "monthly":
        return day.replace(day=1)
    raise ValueError(f"unknown report kind {kind}")


def next_period(kind: str, start: date) -> date:
    if kind == "weekly":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def nominal_due_at(policy: ReportPolicy, kind: str, period_start: date, zone: tzinfo) -> datetime:
    """When the rule book puts the deadline of the report of ``kind`` for the period beginning
    ``period_start``, on the site's clock, before any holiday moves it."""
    deadline = policy.kinds[kind]
    if kind == "weekly":
        day = period_start + timedelta(days=deadline.due_after_days)
    else:
        times = policy.meetings or meeting_times({})
        day = times.monthly_day(period_start) - timedelta(days=deadline.due_before_meeting_days)
    return datetime.combine(day, deadline.due_time, tzinfo=zone)


def due_at(policy: ReportPolicy, kind: str, period_start: date, zone: tzinfo,
           calendar: SiteCalendar | None = None) -> datetime:
    """When the report of ``kind`` for the period beginning ``period_start`` is due, on the site's clock: the
    nominal deadline, moved to the next working day of ``calendar`` (same time) when it falls on a day off and
    the policy says so. No calendar: the nominal deadline."""
    nominal = nominal_due_at(policy, kind, period_start, zone)
    if calendar is None or policy.deadline_on_holiday == "keep":
        return nominal
    day = next_working_day(nominal.date(), calendar)
    return nominal if day == nominal.date() else datetime.combine(day, nominal.timetz())


def periods_due_between(policy: ReportPolicy, kind: str, after: datetime, until: datetime,
                        zone: tzinfo, calendar: SiteCalendar | None = None) -> list[tuple[date, datetime]]:
    """The periods of ``kind`` whose report fell due in ``(after, until]``, oldest first: ``(start, due)``."""
    out = []
    # A deadline falls at most ~5 weeks after its period began, a holiday moves it at most MAX_DAYS_OFF more;
    # start the walk early enough to see it.
    start = period_of(kind, (after - timedelta(days=40 + MAX_DAYS_OFF)).astimezone(zone).date())
    while True:
        due = due_at(policy, kind, start, zone, calendar)
        if due > until and start > until.astimezone(zone).date():
            break
        if after < due <= until:
            out.append((start, due))
        start = next_period(kind, start)
    return out


def is_late(due: datetime, handed_in_at: datetime | None) -> bool:
    """Late: not handed in, or handed in after the deadline (a hand-in exactly at it is on time)."""
    return handed_in_at is None or handed_in_at > due
