"""Reading days and months as the API and forms write them: ``YYYY-MM-DD`` and ``YYYY-MM``."""

from __future__ import annotations

import re
from datetime import date, datetime

from attendance.domain.errors import N_, InvalidInput

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_day(value: object, field: str = "date") -> date:
    """A ``YYYY-MM-DD`` date (a ``date`` passes through). :raise InvalidInput: naming ``field``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value if value is not None else "").strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"{field}: not a date (YYYY-MM-DD)",
                           fields={field: N_("not a date (YYYY-MM-DD)")}) from None


def parse_month(text: object, field: str = "month") -> date:
    """The first day of the month ``YYYY-MM``. :raise InvalidInput: naming ``field`` otherwise."""
    match = _MONTH.fullmatch(str(text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1900 <= year <= 9999:
            return date(year, month, 1)
    raise InvalidInput(f"not a month (YYYY-MM): {text}", fields={field: N_("not a month (YYYY-MM)")})


def add_months(first: date, n: int) -> date:
    """The first day of the month ``n`` months after the month of ``first`` (n may be negative)."""
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
