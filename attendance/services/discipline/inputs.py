"""What the discipline use cases read from callers: months, instants, bounded text and row ids."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from attendance import clock
from attendance.domain import dates
from attendance.domain.errors import N_, InvalidInput
from attendance.extensions import db

MAX_TEXT = 2000
FUTURE_SLACK = timedelta(minutes=5)  # a clock a little fast is not an error


# --- input -------------------------------------------------------------------------------------


def parse_month(value: str | None) -> tuple[date, date] | None:
    """``YYYY-MM`` → (first day, first day of the next month). :raise InvalidInput: otherwise."""
    if not value:
        return None
    first = dates.parse_month(value)
    return first, dates.add_months(first, 1)


def parse_instant(value: object, field: str = "occurred_at") -> datetime:
    """An ISO 8601 instant; a naive one is read on the site's clock (docs/api.md). :raise InvalidInput:"""
    if isinstance(value, datetime):
        instant = value
    else:
        try:
            instant = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(N_("not an instant: %(value)s", value=value),
                               fields={field: N_("ISO 8601, like 2026-11-03T09:00+08:00")}
                               ) from None
    dates.check_range(instant, field)
    if instant.tzinfo is None or instant.utcoffset() is None:
        instant = instant.replace(tzinfo=clock.site_zone())
    return instant


def _text(value: str | None, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(N_("%(field)s is required", field=field), fields={field: N_("required")})
    if len(text) > MAX_TEXT:
        raise InvalidInput(N_("%(field)s is too long", field=field),
                           fields={field: N_("at most %(max_text)s characters", max_text=MAX_TEXT)})
    return text


MAX_ID = 2**31 - 1  # an INTEGER column; a bigger number would be a database error, not a 404


def _get(model, row_id: int):
    return db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
