"""Backup and restore of the whole database, each ending with a walk of the fines ledger's hash chain.

SQLite: the online backup API (a consistent copy while the app keeps writing). PostgreSQL: ``pg_dump`` in
its custom format and ``pg_restore`` into an empty database (the client tools of the server's major version
must be on the PATH). Restoring never writes over data: the target must have no tables.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from attendance.domain.errors import N_, Conflict, InvalidInput
from attendance.domain.ledger import Anchor, ChainReport
from attendance.extensions import db
from attendance.services import discipline

Progress = Callable[[int, int], None]  # (done, total) pages, for a progress bar


@dataclass(frozen=True)
class Report:
    path: Path
    ledger: ChainReport
    anchor: Anchor
    of_copy: bool = True  # the walk was of the copy itself (False: of the live database, after pg_dump)


def _sqlite_file(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise InvalidInput(N_("an in-memory database has nothing to back up"))
    return Path(url.database)


def _libpq(url) -> str:
    """The URL as pg_dump/pg_restore read it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InvalidInput(N_("%(name)s is not on the PATH (install the PostgreSQL client tools)", name=name))
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise InvalidInput(N_("%(name)s failed: %(detail)s", name=Path(command[0]).name,
                              detail=done.stderr.strip()[-500:]))


def backup(target: Path, progress: Progress | None = None) -> Report:
    """Copy the database to ``target`` (which must not exist), then walk the ledger of what was copied
    where it can be read directly (SQLite), or of the live database (PostgreSQL)."""
    target = Path(target)
    if target.exists():
        raise Conflict(N_("%(target)s exists already; a backup never overwrites a file", target=target))
    url = make_url(str(db.engine.url))
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        copy = sqlite3.connect(target)
        try:
            # All pages in one step: a step-wise copy starts again whenever another connection writes, and
            # may never finish on a busy floor; one step holds a read lock for the copy (writers wait, as they
            # do for any long read) and gives one consistent moment.
            source.backup(copy, pages=-1, progress=(lambda _s, left, total: progress(total - left, total))
                          if progress else None)
        finally:
            copy.close()
            source.close()
        ledger, anchor = _walk(f"sqlite:///{target}")
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
        return Report(target, discipline.verify_ledger(), discipline.ledger_anchor(), of_copy=False)
    return Report(target, ledger, anchor)


def _walk(url: str) -> tuple[ChainReport, Anchor]:
    """Walk the ledger of another database (a backup file) with the app's own code."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return discipline.verify_ledger(session=session), discipline.ledger_anchor(session=session)
    finally:
        engine.dispose()


def restore(source: Path, progress: Progress | None = None) -> Report:
    """Load a backup into this app's database, which must be empty, then walk its ledger.
    :raise Conflict: the database has tables already. :raise InvalidInput: no such file, or the tool failed."""
    source = Path(source)
    if not source.is_file():
        raise InvalidInput(N_("no backup file %(source)s", source=source))
    url = make_url(str(db.engine.url))
    if inspect(db.engine).get_table_names():
        raise Conflict(N_("the database is not empty; restore into a new, empty database"))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        origin = sqlite3.connect(source)
        target = sqlite3.connect(_sqlite_file(url))
        try:
            origin.backup(target, pages=-1, progress=(lambda _s, left, total: progress(total - left, total))
                          if progress else None)
        finally:
            target.close()
            origin.close()
    else:
        _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(source)])
    return Report(source, discipline.verify_ledger(), discipline.ledger_anchor())
