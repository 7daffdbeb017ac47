"""Reading days and months as the API and forms write them: ``YYYY-MM-DD`` and ``YYYY-MM``."""

from __future__ import annotations

import re
from datetime import date, datetime

from attendance.domain.errors import N_, InvalidInput

_MONTH = re.compile(r"(\d{4})-(\d{2})")

# The days the system takes in, from a hire date long ago to plans far ahead. Outside them, the arithmetic
# around a day (the day before, the week, the month after, an instant's UTC) would leave the calendar
# (year 1 or 9999): such a day is bad input, never an OverflowError (found by tests/api/test_fuzz_api.py).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
OUT_OF_RANGE = N_("out of range: 1900-01-01 to 2100-12-31")


def in_range(day: date) -> bool:
    """Whether ``day`` (or an instant's day) lies within FIRST_DAY..LAST_DAY."""
    return FIRST_DAY <= (day.date() if isinstance(day, datetime) else day) <= LAST_DAY


def check_range(day: date, field: str) -> date:
    """``day`` itself when in range. :raise InvalidInput: naming ``field`` otherwise."""
    if not in_range(day):
        raise InvalidInput(N_("%(field)s: %(day)s is out of range", field=field, day=day.isoformat()),
                           fields={field: OUT_OF_RANGE})
    return day


def parse_day(value: object, field: str = "date") -> date:
    """A ``YYYY-MM-DD`` date in range (a ``date`` passes through). :raise InvalidInput: naming ``field``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        day = date.fromisoformat(str(value if value is not None else "").strip())
    except (TypeError, ValueError):
        raise InvalidInput(N_("%(field)s: not a date (YYYY-MM-DD)", field=field),
                           fields={field: N_("not a date (YYYY-MM-DD)")}) from None
    return check_range(day, field)


def parse_month(text: object, field: str = "month") -> date:
    """The first day of the month ``YYYY-MM``, in range. :raise InvalidInput: naming ``field`` otherwise."""
    match = _MONTH.fullmatch(str(text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and FIRST_DAY.year <= year <= LAST_DAY.year:
            return date(year, month, 1)
    raise InvalidInput(N_("not a month (YYYY-MM): %(text)s", text=text), fields={field: N_("not a month (YYYY-MM)")})


def add_months(first: date, n: int) -> date:
    """The first day of the month ``n`` months after the month of ``first`` (n may be negative)."""
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
