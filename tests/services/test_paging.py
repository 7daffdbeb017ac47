"""The one pager: walking pages visits every row exactly once, in order, in both directions and over a
composite key; the cursor round-trips and nothing else passes for one."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, delete, event, insert, select

from attendance.domain.errors import InvalidInput
from attendance.extensions import db
from attendance.services.paging import Key, make_cursor, page_rows, paginate, read_cursor

probe = Table("paging_probe", MetaData(), Column("id", Integer, primary_key=True), Column("a", Integer),
              Column("b", String(8)), Column("d", Date))

# Few distinct first keys, so many rows tie on it and the second key decides.
rows_st = st.lists(st.tuples(st.integers(0, 3), st.text("xyz", min_size=1, max_size=4),
                             st.dates(date(2026, 1, 1), date(2026, 1, 9))),
                   max_size=25, unique_by=lambda r: (r[0], r[1]))


def walk(next_page) -> list:
    """Every item of every page, following ``next`` until it is None."""
    seen, cursor, pages = [], None, 0
    while True:
        page = next_page(cursor)
        seen += page.items
        pages += 1
        assert pages <= 100, "the walk does not end"
        if page.next is None:
            return seen
        assert page.items, "a page with a next is never empty"
        cursor = page.next


@pytest.fixture
def table(app):
    probe.create(db.engine, checkfirst=True)
    yield probe
    db.session.rollback()
    probe.drop(db.engine)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_st, limit=st.integers(1, 4), descending=st.booleans(), single=st.booleans())
def test_walking_a_query_visits_every_row_once_in_order(table, rows, limit, descending, single):
    db.session.execute(delete(table))
    if rows:
        db.session.execute(insert(table), [{"id": i + 1, "a": a, "b": b, "d": d} for i, (a, b, d) in enumerate(rows)])
    keys = [table.c.id] if single else [table.c.a, table.c.b]
    statements = []

    def seen(conn, cursor, statement, parameters, *args):
        statements.append((statement.upper(), parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        got = walk(lambda c: paginate(select(table), keys, limit=limit, cursor=c, descending=descending))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    order = [(i + 1,) if single else (a, b) for i, (a, b, _) in enumerate(rows)]
    assert [tuple(getattr(r, k.key) for k in keys) for r in got] == sorted(order, reverse=descending)
    for statement, parameters in statements:  # a bounded fetch that skips nothing
        assert "LIMIT" in statement
        if "OFFSET" in statement:  # SQLite writes LIMIT ? OFFSET ? for every limit
            assert statement.rstrip().endswith("OFFSET ?") and parameters[-1] == 0


@settings(max_examples=200)
@given(rows=rows_st, limit=st.integers(1, 4), descending=st.booleans())
def test_walking_rows_in_memory_visits_every_row_once_in_order(rows, limit, descending):
    keys = (Key(int), Key(str), Key(date))
    got = walk(lambda c: page_rows(rows, lambda r: r, keys, limit=limit, cursor=c, descending=descending))
    assert got == sorted(rows, reverse=descending)


values_st = st.tuples(st.integers(-(2**31), 2**31 - 1), st.text(max_size=32).filter(lambda t: "\x00" not in t),
                      st.dates())


@given(values=values_st)
def test_a_cursor_reads_back_as_the_values_it_was_made_from(values):
    keys = (Key(int), Key(str, length=32), Key(date))
    cursor = make_cursor(values, keys)
    assert all(c.isalnum() and c.isascii() or c in "-_" for c in cursor)
    assert read_cursor(cursor, keys) == values


@given(text=st.text(max_size=40) | st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True))
def test_anything_the_pager_did_not_write_is_invalid_input(text):
    keys = (Key(int), Key(str, length=32))
    try:
        values = read_cursor(text, keys)
    except InvalidInput as error:
        assert error.fields == {"cursor": "not a cursor from a previous page"}
    else:
        assert values is None and text == "" or make_cursor(values, keys) == text


@pytest.mark.parametrize("cursor", ["²", "abc", "12", make_cursor([2**31], [Key(int, bits=64)]),
                                    make_cursor([-(2**31) - 1], [Key(int, bits=64)]), make_cursor(["1"], [Key(str)]),
                                    make_cursor([1, 2], [Key(int), Key(int)]), "WzEyXQ=="])
def test_bad_cursors_for_an_integer_key_are_refused(cursor):
    with pytest.raises(InvalidInput):
        read_cursor(cursor, [Key(int)])
    assert read_cursor("WzEyXQ", [Key(int)]) == (12,)
    assert read_cursor(make_cursor([2**31], [Key(int, bits=64)]), [Key(int, bits=64)]) == (2**31,)


def test_the_key_of_a_column_follows_its_type():
    assert Key.of(probe.c.id) == Key(int, bits=32)
    assert Key.of(probe.c.b) == Key(str, length=8)
    assert Key.of(probe.c.d) == Key(date)
    with pytest.raises(InvalidInput):
        read_cursor(make_cursor(["123456789"], [Key(str)]), [Key.of(probe.c.b)])
