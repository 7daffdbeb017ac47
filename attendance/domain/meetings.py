"""When meetings are held, from the policy's ``settings.meeting_times`` (docs/rules.md §2): the morning,
weekly and monthly meetings' usual times and days, and how far ahead topic and training meetings are announced.

The defaults are the call-centre book's (000 §2 会议1, §4 五.1); other departments' books set other values
(000 §3 五.1: morning meeting 08:00; 001 第七、八条: weekly meeting Friday 16:00), which a template carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MEETING_KINDS = ("morning", "weekly", "monthly", "topic", "training")
ANNOUNCED_KINDS = ("topic", "training")  # announced to those who must attend, a week ahead (000 §2 会议1)

DEFAULT_TIMES = {
    "morning": {"start": "08:05", "end": "08:30"},
    "weekly": {"weekday": 0, "start": "14:30", "end": "15:30"},
    "monthly": {"weekday": 5, "start": "10:00", "end": "11:30"},  # the month's last such weekday
    "topic": {"start": "14:00", "end": "15:00"},
    "training": {"start": "14:00", "end": "16:00"},
}
DEFAULT_NOTICE_DAYS = 7
DEFAULT_EXCUSE_DAYS_BEFORE = 1


class BadMeetingSettings(ValueError):
    """``settings.meeting_times`` says something that cannot be read (the message names the key)."""


def _hhmm(value, path: str) -> int:
    try:
        hours, minutes = str(value).split(":")
        h, m = int(hours), int(minutes)
    except (TypeError, ValueError):
        raise BadMeetingSettings(f"{path}: not a time (HH:MM)") from None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise BadMeetingSettings(f"{path}: not a time (HH:MM)")
    return h * 60 + m


@dataclass(frozen=True)
class KindTimes:
    start: int  # minutes after midnight
    end: int
    weekday: int | None = None  # weekly: the weekday; monthly: the month's last such weekday

    def start_text(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}"

    def end_text(self) -> str:
        return f"{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True)
class MeetingTimes:
    kinds: dict[str, KindTimes]
    notice_days: int = DEFAULT_NOTICE_DAYS
    excuse_days_before: int = DEFAULT_EXCUSE_DAYS_BEFORE
    sign_in_before_minutes: int = 15

    def monthly_day(self, month_start: date) -> date:
        """The monthly meeting's day in the month of ``month_start``: the month's last ``weekday``."""
        weekday = self.kinds["monthly"].weekday
        weekday = 5 if weekday is None else weekday
        nxt = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = nxt - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)

    def default_day(self, kind: str, today: date) -> date:
        """The next day a meeting of ``kind`` usually falls on, from ``today``."""
        if kind == "weekly":
            weekday = self.kinds["weekly"].weekday or 0
            return today + timedelta(days=(weekday - today.weekday()) % 7)
        if kind == "monthly":
            day = self.monthly_day(today.replace(day=1))
            if day < today:
                day = self.monthly_day((today.replace(day=28) + timedelta(days=4)).replace(day=1))
            return day
        if kind in ANNOUNCED_KINDS:
            return today + timedelta(days=self.notice_days)
        return today


def meeting_times(settings: dict | None) -> MeetingTimes:
    """The meeting times of a policy's ``settings`` (each kind's defaults where it says nothing).
    :raise BadMeetingSettings: a value that cannot be read."""
    raw = (settings or {}).get("meeting_times") or {}
    if not isinstance(raw, dict):
        raise BadMeetingSettings("settings.meeting_times: must be a mapping")
    kinds = {}
    for kind in MEETING_KINDS:
        path = f"settings.meeting_times.{kind}"
        given = raw.get(kind) or {}
        if not isinstance(given, dict):
            raise BadMeetingSettings(f"{path}: must be a mapping")
        item = {**DEFAULT_TIMES[kind], **given}
        start, end = _hhmm(item["start"], f"{path}.start"), _hhmm(item["end"], f"{path}.end")
        if end <= start:
            raise BadMeetingSettings(f"{path}.end: after the start")
        weekday = item.get("weekday")
        if weekday is not None and (not isinstance(weekday, int) or isinstance(weekday, bool)
                                    or weekday not in range(7)):
            raise BadMeetingSettings(f"{path}.weekday: 0 (Monday) to 6 (Sunday)")
        kinds[kind] = KindTimes(start, end, weekday)
    notice = raw.get("notice_days", DEFAULT_NOTICE_DAYS)
    excuse = raw.get("excuse_days_before", DEFAULT_EXCUSE_DAYS_BEFORE)
    sign_in = raw.get("sign_in_before_minutes", 15)
    for name, value in (("notice_days", notice), ("excuse_days_before", excuse), ("sign_in_before_minutes", sign_in)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
            raise BadMeetingSettings(f"settings.meeting_times.{name}: a whole number from 0 to 60")
    return MeetingTimes(kinds, notice, excuse, sign_in)
