"""The one pager of every list, in pages and API: keyset over a unique ordering, one cursor format.

A cursor is opaque to callers: the base64url (unpadded) of a compact JSON list of the sort-key values
of the last row given, typed (ints stay ints, dates and UTC instants are ISO strings), e.g. ``WzEyXQ`` for ``[12]``.
``read_cursor`` accepts only what ``make_cursor`` writes for the list's key types; anything else —
garbled, the wrong number or types of values, an integer its column cannot hold — is ``InvalidInput``
(HTTP 400), never a database error. A page is ``limit + 1`` rows after the cursor, never an OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Select, and_, or_

from attendance.domain.errors import N_, InvalidInput
from attendance.extensions import db
from attendance.models import Employee

MAX_CURSOR = 512  # characters; what the pager writes is far shorter
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class Page:
    items: list
    next: str | None


@dataclass(frozen=True)
class Key:
    """The type of one sort-key value in a cursor: ``int`` (``bits`` wide), ``str`` (at most ``length``
    characters), ``date`` or ``datetime`` (an aware instant, written in UTC)."""

    type: type
    bits: int = 32
    length: int = 255

    def dump(self, value):
        if self.type is datetime:
            return value.astimezone(UTC).isoformat()
        return value.isoformat() if self.type is date else value

    def load(self, value):
        """The value as the pager wrote it. :raise ValueError: otherwise."""
        if self.type is int and type(value) is int and -(2 ** (self.bits - 1)) <= value < 2 ** (self.bits - 1):
            return value
        if self.type is str and type(value) is str and len(value) <= self.length and "\x00" not in value:
            return value
        if self.type is date and type(value) is str:
            return date.fromisoformat(value)  # the round trip in read_cursor rejects other spellings
        if self.type is datetime and type(value) is str:
            instant = datetime.fromisoformat(value)
            if instant.tzinfo is None:
                raise ValueError("a naive instant")
            return instant
        raise ValueError(f"not a {self.type.__name__}")

    @classmethod
    def of(cls, column) -> Key:
        """The key type of a column (or any typed SQL expression)."""
        kind = getattr(column.type, "impl_instance", column.type).python_type  # a TypeDecorator: what it stores
        if kind is int:
            return cls(int, bits=64 if isinstance(column.type, BigInteger) else 32)
        if kind is str:
            return cls(str, length=getattr(column.type, "length", None) or cls.length)
        if kind is date:
            return cls(date)
        if kind is datetime:
            return cls(datetime)
        raise TypeError(f"no cursor for a {kind.__name__} key")


def make_cursor(values: Sequence, keys: Sequence[Key]) -> str:
    """The cursor after a row whose sort key is ``values``."""
    text = json.dumps([k.dump(v) for k, v in zip(keys, values, strict=True)], separators=(",", ":"),
                      ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def read_cursor(cursor: str | None, keys: Sequence[Key]) -> tuple | None:
    """The sort key a cursor holds; None for no cursor (the first page). :raise InvalidInput: if the
    pager did not write it for keys of these types."""
    if cursor in (None, ""):
        return None
    try:
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR or not _TOKEN.fullmatch(cursor):
            raise ValueError("not a token")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode("utf-8"))
        if type(values) is not list or len(values) != len(keys):
            raise ValueError("wrong arity")
        loaded = tuple(k.load(v) for k, v in zip(keys, values, strict=True))
        if make_cursor(loaded, keys) != cursor:
            raise ValueError("not written by the pager")
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise InvalidInput(N_("bad cursor"), fields={"cursor": N_("not a cursor from a previous page")}) from None
    return loaded


def _after(columns: Sequence, values: tuple, descending: bool):
    """Rows past ``values`` in the order of ``columns``: (a > x) or (a = x and (b > y or ...))."""
    beyond = operator.lt if descending else operator.gt
    clause = beyond(columns[-1], values[-1])
    for column, value in zip(reversed(columns[:-1]), reversed(values[:-1]), strict=True):
        clause = or_(beyond(column, value), and_(column == value, clause))
    return clause


def paginate(stmt: Select, keys, *, limit: int, cursor: str | None, descending: bool = False,
             key_of: Callable | None = None) -> Page:
    """Rows of ``stmt`` ordered by ``keys`` (a column or columns that together are unique), ``limit``
    after ``cursor``. ``stmt`` brings no ORDER BY of its own. One entity selected gives entities;
    several columns give rows, and ``key_of(row)`` says a row's key values.

    :raise InvalidInput: a cursor the pager did not write for these keys.
    """
    columns = list(keys) if isinstance(keys, list | tuple) else [keys]
    types = [Key.of(c) for c in columns]
    after = read_cursor(cursor, types)
    if after is not None:
        stmt = stmt.where(_after(columns, after, descending))
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in columns)).limit(limit + 1)
    result = db.session.execute(stmt)
    rows = list(result.scalars().unique() if len(stmt.column_descriptions) == 1 else result)
    if key_of is None:
        def key_of(row):
            return tuple(getattr(row, c.key) for c in columns)
    return _page(rows, limit, lambda row: make_cursor(key_of(row), types))


def page_rows(rows: list, key: Callable, keys: Sequence[Key], *, limit: int, cursor: str | None = None,
              after: tuple | None = None, descending: bool = False) -> Page:
    """The same for rows computed in memory: ``key(row)`` is unique; the rows are put in its order.
    Give ``cursor``, or ``after`` when the caller has read it already (``read_cursor``).

    :raise InvalidInput: a cursor the pager did not write for these keys.
    """
    after = after if after is not None else read_cursor(cursor, keys)
    ordered = sorted(rows, key=key, reverse=descending)
    if after is not None:
        beyond = operator.lt if descending else operator.gt
        ordered = [r for r in ordered if beyond(key(r), after)]
    return _page(ordered[:limit + 1], limit, lambda row: make_cursor(key(row), keys))


def _page(rows: list, limit: int, cursor_of: Callable) -> Page:
    if len(rows) > limit:
        return Page(rows[:limit], cursor_of(rows[limit - 1]))
    return Page(rows, None)


# Per-person-per-day listings (roster, attendance): the key is (employee_no, day). The people come a
# bounded batch at a time (``people_for_listing`` from the cursor's person on); their rows are computed.

PERSON_DAY = (Key.of(Employee.employee_no), Key(date))
LAST_DAY = date.max  # a cursor on a person's last possible day: the next page starts with the next person


def person_day(row: dict) -> tuple[str, date]:
    return row["employee_no"], row["date"]


def page_person_days(rows: list[dict], after: tuple[str, date] | None, limit: int,
                     people: list[Employee], people_limit: int) -> Page:
    """``rows`` of ``people`` (``after`` read with ``read_cursor(cursor, PERSON_DAY)``), ``limit`` at a
    time. When every row of the people fetched fits and more people may follow, the next page starts
    after the last of them."""
    page = page_rows(rows, person_day, PERSON_DAY, limit=limit, after=after)
    if page.next is None and people and len(people) >= people_limit:
        page.next = make_cursor((people[-1].employee_no, LAST_DAY), PERSON_DAY)
    return page
