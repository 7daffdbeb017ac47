"""Extra shifts (加班): the hours asked for, the kind of day they fall on, and what refuses them.

The rule books ask staff to come back for extra shifts when a promotion needs it (000 §4 四.2(3); 002 A
4.13). The product records the hours through the approval chain and sums them by the kind of day —
working day, rest day, public holiday — because that is how HR reads them (the 劳动法 Art. 44 rates differ
by day type); it computes no pay.

A rest day is the person's own: a day the roster gives them no shift (REST, or nothing), since a shift
department's rest days are rostered, not Saturday and Sunday. A public holiday (法定节假日) beats both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from attendance.domain.errors import N_, InvalidInput, RuleRefused

DAY_TYPES = ("working", "rest", "holiday")


@dataclass(frozen=True)
class Asked:
    day: date
    start: time
    end: time  # at or before ``start``: the extra shift ends the morning after


def day_type(day: date, *, rostered_shift: bool, public_holidays: frozenset[date] | set[date]) -> str:
    """``holiday`` on a public holiday, ``rest`` on a day the person is not rostered to work, else ``working``."""
    if day in public_holidays:
        return "holiday"
    return "working" if rostered_shift else "rest"


def window(asked: Asked, zone) -> tuple[datetime, datetime]:
    """The extra shift's start and end as instants in ``zone``; an end at or before the start is next day."""
    start = datetime.combine(asked.day, asked.start, tzinfo=zone)
    end_day = asked.day + timedelta(days=1) if asked.end <= asked.start else asked.day
    return start, datetime.combine(end_day, asked.end, tzinfo=zone)


def minutes(asked: Asked) -> int:
    """How long it is, in whole minutes (wall clock: the site keeps no summer time)."""
    start = asked.start.hour * 60 + asked.start.minute
    end = asked.end.hour * 60 + asked.end.minute
    return end - start if end > start else end + 24 * 60 - start


def check(asked: Asked, today: date, *, max_hours: int, within_days: int) -> int:
    """The minutes of an extra shift asked ``today``. :raise RuleRefused: ``extra_shift_too_long`` over
    ``max_hours``; ``extra_shift_window`` for a day more than ``within_days`` ago (one may ask ahead)."""
    length = minutes(asked)
    if length > max_hours * 60:
        raise RuleRefused(N_("An extra shift is at most the policy's hours."), code="extra_shift_too_long",
                          fields={"end": N_("longer than the policy allows")})
    if (today - asked.day).days > within_days:
        raise RuleRefused(N_("This day is too long ago to ask for an extra shift (see the policy's time limit)."),
                          code="extra_shift_window", fields={"date": N_("too long ago for the policy")})
    return length


def parse_time(value: object, field: str) -> time:
    """``HH:MM``. :raise InvalidInput: naming ``field``."""
    text = str(value if value is not None else "").strip()
    try:
        hour, minute = (int(part) for part in text.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60) or len(text) > 5:
            raise ValueError(text)
    except (ValueError, TypeError):
        raise InvalidInput(f"{field}: not a time (HH:MM)", fields={field: N_("not a time (HH:MM)")}) from None
    return time(hour, minute)


def hours(total_minutes: int) -> float:
    """Minutes as hours for the sheet: 90 → 1.5, 120 → 2 (as HR writes them)."""
    value = round(total_minutes / 60, 2)
    return int(value) if value == int(value) else value
