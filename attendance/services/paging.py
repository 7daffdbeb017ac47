"""Keyset pagination shared by every list: ordered by a unique key, ``limit`` rows after ``cursor``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

from attendance.extensions import db


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
