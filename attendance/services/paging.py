"""Keyset pagination shared by every list: ordered by a unique key, ``limit`` rows after ``cursor``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select

from attendance.domain.errors import InvalidInput
from attendance.extensions import db
from attendance.models import Employee


@dataclass
class Page:
    items: list
    next: str | None


def paginate(stmt: Select, key, *, limit: int, cursor: str | None, descending: bool = False) -> Page:
    """Rows of ``stmt`` ordered by the unique column ``key``; ``next`` is the cursor for the following page."""
    if cursor:
        value = int(cursor) if key.type.python_type is int and cursor.isdigit() else cursor
        stmt = stmt.where(key < value if descending else key > value)
    stmt = stmt.order_by(key.desc() if descending else key).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(getattr(rows[-1], key.key)) if more and rows else None)


# Per-person-per-day listings (roster, attendance): the key is (employee_no, day).

def split_cursor(cursor: str | None) -> tuple[str, date | None] | None:
    """``E0101/2026-11-03``: the last row of the previous page. :raise InvalidInput: if garbled."""
    if not cursor:
        return None
    no, _, day = cursor.rpartition("/")
    try:
        return no, date.fromisoformat(day)
    except ValueError:
        raise InvalidInput("bad cursor", fields={"cursor": "not a cursor from a previous page"}) from None



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

