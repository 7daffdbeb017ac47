"""The unit of work: every use case runs inside exactly one database transaction.

A service function that writes is a use case; it opens ``with transaction():`` (or is decorated with
``@use_case``). The outermost one commits when the block ends and rolls back on any exception; a use case
called from inside another joins the outer transaction, so a page, the API or the CLI calling one service
gets all of its effects or none. Services never call ``commit`` or ``rollback`` themselves, and views never
roll back on a service's behalf.

A step that may fail on purpose inside a transaction (a duplicate caught by a unique key) runs in
``savepoint()``, which undoes only that step.

Side effects outside the database (a stored photo) register ``on_rollback`` to be undone when the
transaction does not commit, and ``on_commit`` for what may only happen once it has.

On SQLite a use case's transaction starts with ``BEGIN IMMEDIATE``: it holds the database's write lock
from its first statement, so two use cases never both read what decides an outcome and then both write
(SQLite ignores ``FOR UPDATE``). Reads outside a use case start a plain deferred transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from sqlalchemy import event
from sqlalchemy.engine import Engine

from attendance.extensions import db

_DEPTH = "unit_of_work.depth"
_ON_COMMIT = "unit_of_work.on_commit"
_ON_ROLLBACK = "unit_of_work.on_rollback"

# Read by the SQLite "begin" hook: the next transaction on this thread is a use case's.
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


def discard() -> None:
    """End what the session read or half did outside any use case (a background job's work that failed
    part-way, leaving PostgreSQL's transaction aborted), so the next use case starts clean. Inside a use case
    this is never needed: the use case rolls back itself."""
    db.session.rollback()


def in_transaction() -> bool:
    """True inside a use case (its outermost ``transaction()`` has begun and not ended)."""
    return db.session().info.get(_DEPTH, 0) > 0


@contextmanager
def transaction() -> Iterator[None]:
    """One use case: commit at the end of the outermost block, roll back on any exception."""
    session = db.session()
    info = session.info
    depth = info.get(_DEPTH, 0)
    if depth == 0:
        _start(session)
    info[_DEPTH] = depth + 1
    try:
        yield
    except BaseException:
        info[_DEPTH] = depth
        if depth == 0:
            _end(session, commit=False)
        raise
    info[_DEPTH] = depth
    if depth == 0:
        _end(session, commit=True)


def use_case(function: Callable) -> Callable:
    """Decorator: the function runs inside ``transaction()``."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with transaction():
            return function(*args, **kwargs)

    return wrapper


@contextmanager
def savepoint() -> Iterator[None]:
    """A step that may fail on purpose: its failure undoes only the step, and the exception propagates."""
    with db.session.begin_nested():
        yield


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` after the current use case commits (at once when there is none)."""
    if not in_transaction():
        callback()
        return
    db.session().info.setdefault(_ON_COMMIT, []).append(callback)


def on_rollback(callback: Callable[[], None]) -> None:
    """Run ``callback`` if the current use case rolls back (undo a side effect outside the database)."""
    if in_transaction():
        db.session().info.setdefault(_ON_ROLLBACK, []).append(callback)


def _start(session) -> None:
    # What was read before the use case (the signed-in person, say) belonged to a read transaction;
    # end it, so the use case starts with the write lock (SQLite) and sees what others committed. Changes
    # made before the use case and not yet written are not committed on their own: they join it.
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return
        session.commit()
    token = _write_intent.set(True)
    try:
        session.connection()  # begins now: BEGIN IMMEDIATE on SQLite, waiting for the write lock
    finally:
        _write_intent.reset(token)


def _end(session, *, commit: bool) -> None:
    info = session.info
    after_commit, after_rollback = info.pop(_ON_COMMIT, []), info.pop(_ON_ROLLBACK, [])
    if commit:
        try:
            session.commit()
        except BaseException:
            session.rollback()
            _run(after_rollback)
            raise
        _run(after_commit)
    else:
        session.rollback()
        _run(after_rollback)


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()


def _sqlite_connect(dbapi_connection, _record) -> None:
    # pysqlite begins transactions on its own, late and never for SAVEPOINT; hand that to SQLAlchemy
    # (the recipe in SQLAlchemy's pysqlite documentation, "Serializable isolation / Savepoints").
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def configure_engine(engine: Engine) -> None:
    """Install the SQLite transaction hooks (PostgreSQL needs none: row locks do the serialising)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "begin", _sqlite_begin):
        return
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
