"""Backup and restore: a backup taken while violations are being recorded restores into an empty database
whose fines ledger verifies, whose head is an entry of the live chain, and whose balances are the live
ones up to that entry. On SQLite and on PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from attendance import clock, create_app
from attendance.domain.errors import Conflict
from attendance.extensions import db
from attendance.models import Employee, LedgerEntry
from attendance.services import backup, discipline
from tests.conftest import ON_POSTGRES, make_person, make_team


def _balances(session, up_to_id: int) -> dict[int, object]:
    rows = session.execute(select(LedgerEntry.employee_id, func.sum(LedgerEntry.amount))
                           .where(LedgerEntry.id <= up_to_id).group_by(LedgerEntry.employee_id))
    return dict(rows.all())


@pytest.fixture
def empty_database(app, tmp_path):
    """The URL of a new, empty database beside the test's."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{url.database}_restore"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_backup_taken_while_fines_are_recorded_restores_and_verifies(app, tmp_path, empty_database):
    team = make_team("T1", "热线一组")
    lead_id = make_person(["lead", "staff"], team).id
    staff_ids = [make_person(["staff"], team).id for _ in range(3)]
    at = clock.now() - timedelta(hours=1)
    lead = db.session.get(Employee, lead_id)
    for staff_id in staff_ids:
        discipline.record_violation(lead, employee=db.session.get(Employee, staff_id), rule_code="COMPLAINT",
                                    occurred_at=at)
    db.session.commit()
    done = threading.Event()

    def keep_recording():
        with app.app_context():
            n = 0
            while not done.is_set() and n < 40:
                actor = db.session.get(Employee, lead_id)
                person = db.session.get(Employee, staff_ids[n % 3])
                discipline.record_violation(actor, employee=person, rule_code="OFF_TASK", occurred_at=at)
                n += 1
            db.session.remove()

    writer = threading.Thread(target=keep_recording)
    writer.start()
    try:
        report = backup.backup(tmp_path / "floor.backup")
    finally:
        done.set()
        writer.join(timeout=60)
    assert report.ledger.ok and report.anchor.entries >= 3
    with pytest.raises(Conflict):
        backup.backup(tmp_path / "floor.backup")  # never over a file

    live_entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    restored_app = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                               "SQLALCHEMY_DATABASE_URI": empty_database})
    with restored_app.app_context():
        try:
            restored = backup.restore(tmp_path / "floor.backup")
            assert restored.ledger.ok
            count, head = restored.anchor.entries, restored.anchor.head
            assert count >= 3 and (count == report.anchor.entries or not report.of_copy)
            assert live_entries[count - 1].hash == head  # the restored head is an entry of the live chain
            assert _balances(db.session, live_entries[count - 1].id) == _balances_of(live_entries[:count])
            with pytest.raises(Conflict):
                backup.restore(tmp_path / "floor.backup")  # never into a database with data
        finally:
            db.session.remove()
            db.engine.dispose()


def _balances_of(entries) -> dict[int, object]:
    out: dict[int, object] = {}
    for entry in entries:
        out[entry.employee_id] = out.get(entry.employee_id, 0) + entry.amount
    return out


def test_the_cli_backs_up_and_refuses_to_restore_over_data(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "one.backup")])
    assert result.exit_code == 0, result.output
    assert " ok, 0 entries" in result.output and (tmp_path / "one.backup").stat().st_size > 0
    result = runner.invoke(args=["restore", str(tmp_path / "one.backup")])
    assert result.exit_code == 1 and "not empty" in result.output
