"""Fixtures: one app for the whole run, on SQLite or on PostgreSQL when DATABASE_URL says so.

Each test starts from the same database: the migrated schema plus the default policy, restored
from a snapshot taken once (building an app or parsing the policy for every test was most of the run).
"""

from __future__ import annotations

import copy
import os
import sqlite3
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import settings
from sqlalchemy import event, text
from werkzeug.security import generate_password_hash

os.environ.setdefault("SECRET_KEY", "test-secret")
# Every app a test builds hashes passwords cheaply and takes the test hash below as current (so signing in
# does not re-hash it); tests/pages/test_auth_pages.py checks the production method and the upgrade.
TEST_HASH_METHOD = "pbkdf2:sha256:1000"
os.environ.setdefault("PASSWORD_HASH_METHOD", TEST_HASH_METHOD)

from attendance import create_app  # noqa: E402
from attendance.extensions import db  # noqa: E402
from attendance.models import Employee, Team  # noqa: E402

PASSWORD = "secret-pass"
# Role groups the permission tests expect, written out here rather than read from the table under test.
OFFICE = {"supervisor", "manager", "gm", "hr", "admin"}
LEADERS = OFFICE | {"lead"}
# One hash for every test person keeps the suite fast (scrypt is slow on purpose).
PASSWORD_HASH = generate_password_hash(PASSWORD, method=TEST_HASH_METHOD)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Property tests judge correctness, not speed: on a busy CI machine a slow example is not a failure, and a
# fixed seed keeps every run the same.
settings.register_profile("suite", deadline=None, derandomize=True)
settings.load_profile("suite")

ON_POSTGRES = DATABASE_URL.startswith("postgres")
_SNAPSHOT = "test_snapshot_"  # PostgreSQL: schemas beside public holding the snapshots of a run


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (DATABASE_URL)")


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        for schema in conn.scalars(text(f"SELECT nspname FROM pg_namespace WHERE nspname LIKE '{_SNAPSHOT}%'")):
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def pg_url() -> str:
    from attendance.config import _database_url

    return _database_url("/nonexistent")


class _SqliteDatabase:
    """Snapshots are in-memory copies; restoring one writes it over the live file through SQLite."""

    def snapshot(self) -> sqlite3.Connection:
        copy_ = sqlite3.connect(":memory:")
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.backup(copy_)
        finally:
            raw.close()
        return copy_

    def restore(self, snapshot: sqlite3.Connection) -> None:
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            snapshot.backup(raw.driver_connection)  # pooled connections stay valid: no dispose, no reconnect
        finally:
            raw.close()


class _PostgresDatabase:
    """Snapshots are copies of the non-empty tables in a schema of their own, beside public.

    Emptying is one DELETE of every table (foreign keys are checked at the end of the statement, so
    the order does not matter, cycles included) and refilling one INSERT ... SELECT of every table;
    the id sequences are set back to where they were. TRUNCATE of every table cost 0.1-0.4 s a test.
    """

    def __init__(self):
        self.tables = [t.name for t in db.metadata.sorted_tables]
        self.empty = text(_one_statement([f"DELETE FROM {t}" for t in self.tables]))
        # Row triggers that refuse DELETE (the append-only ledger) are off only inside a restore.
        self.guarded = db.session.scalars(text(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")).all()
        self.sequences = [s for s in (
            db.session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": c.name})
            for t in db.metadata.sorted_tables for c in t.primary_key.columns) if s]
        self.made = 0

    def snapshot(self) -> tuple[str | None, list[tuple]]:
        self.made += 1
        schema = f"{_SNAPSHOT}{self.made}"
        db.session.execute(text(f"CREATE SCHEMA {schema}"))
        filled = [t for t in self.tables if db.session.scalar(text(f"SELECT EXISTS (SELECT FROM {t})"))]
        for t in filled:
            db.session.execute(text(f"CREATE TABLE {schema}.{t} AS SELECT * FROM {t}"))
        sequences = [tuple(db.session.execute(text(f"SELECT last_value, is_called FROM {s}")).one())
                     for s in self.sequences]
        db.session.commit()
        fill = _one_statement([f"INSERT INTO {t} SELECT * FROM {schema}.{t}" for t in filled]) if filled else None
        return fill, sequences

    def restore(self, snapshot=None) -> None:
        """The tables as in ``snapshot``; with none, empty and their ids starting again from 1."""
        fill, sequences = snapshot or (None, [(1, False)] * len(self.sequences))
        db.session.remove()
        for name in self.guarded:
            db.session.execute(text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
        db.session.execute(self.empty)
        if fill:
            db.session.execute(text(fill))
        for name in self.guarded:
            db.session.execute(text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))
        db.session.execute(text("SELECT " + ", ".join(
            f"setval('{s}', :v{i}, :c{i})" for i, s in enumerate(self.sequences))),
            {f"{k}{i}": v for i, pair in enumerate(sequences) for k, v in zip("vc", pair, strict=True)})
        db.session.commit()


def _one_statement(statements: list[str]) -> str:
    """Several INSERTs or DELETEs as one statement, its foreign keys checked only at its end."""
    *first, last = statements
    return (f"WITH {', '.join(f's{i} AS ({s})' for i, s in enumerate(first))} " if first else "") + last


def _no_fsync(dbapi_connection, _record) -> None:
    """A test database need not survive a power cut: commit without waiting for the disk.

    Nothing a test can see changes (locks, visibility and rollback are the same); on SQLite the
    fsyncs were most of the run.
    """
    cursor = dbapi_connection.cursor()
    if ON_POSTGRES:
        cursor.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()  # a SET inside a transaction that is rolled back would be undone
    else:
        cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


class _Session:
    """The app built once, its database and the snapshot each test starts from."""

    def __init__(self, folder):
        from flask_migrate import upgrade

        from attendance.services import policy

        if ON_POSTGRES:
            url = pg_url()
            reset_postgres(url)
        else:
            url = f"sqlite:///{folder / 'test.sqlite3'}"
        self.app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                               "TASK_QUEUE_IMMEDIATE": True, "NOTIFICATIONS_SEND_AT_ONCE": False})
        # First of all the request hooks: the app's own (the one-time password gate) look at who is signed in.
        self.app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)
        self.config, self.instance_path = copy.deepcopy(dict(self.app.config)), self.app.instance_path
        with self.app.app_context():
            event.listen(db.engine, "connect", _no_fsync)
            upgrade()  # the schema the way production builds it: every migration, from empty
            db.session.remove()
            db.engine.dispose()
            self.database = _PostgresDatabase() if ON_POSTGRES else _SqliteDatabase()
            if ON_POSTGRES:
                self.database.restore()  # every table empty, as the per-test TRUNCATE used to leave them
            # Published, as adopted long ago: tests record violations on any date since; a test of drafts adds
            # its own unpublished version (tests/services/test_policy_publication.py).
            policy.publish_default(date(2020, 1, 1))
            self.clean = self.database.snapshot()
            db.session.remove()
        self.demo = None  # the first `flask demo` on the clean database: (day, result, snapshot)


@pytest.fixture(scope="session")
def _session(tmp_path_factory):
    session = _Session(tmp_path_factory.mktemp("db"))
    yield session
    with session.app.app_context():
        if ON_POSTGRES:
            for i in range(1, session.database.made + 1):
                db.session.execute(text(f"DROP SCHEMA {_SNAPSHOT}{i} CASCADE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(_session, tmp_path):
    """The session's app as a new one would be: its configuration as built, its database reset."""
    app = _session.app
    app.config.clear()
    app.config.update(copy.deepcopy(_session.config))
    app.config["REPORTS_FOLDER"] = str(tmp_path / "reports")
    app.instance_path = _session.instance_path
    with app.app_context():
        _session.database.restore(_session.clean)
        yield app
        db.session.remove()


@pytest.fixture
def demo(app, _session):
    """`flask demo` run on the clean database: its result, and the demo department in the database.

    The department takes seconds to build, so the first test that asks for it builds it and the
    next get a copy (built again if the site's day has changed since: the demo is dated from today).
    """
    from attendance import clock

    if _session.demo is None or _session.demo[0] != clock.today():
        result = app.test_cli_runner().invoke(args=["demo"])
        if result.exit_code != 0:
            return result  # not kept: the next test builds it again and sees the failure too
        _session.demo = (clock.today(), result, _session.database.snapshot())
    else:
        _session.database.restore(_session.demo[2])
    return _session.demo[1]


def _fresh_request_state():
    """Tests hold one app context across requests (production never does): drop per-request caches."""
    import flask_babel
    from flask import g

    flask_babel.refresh()
    g.pop("_login_user", None)
    g.pop("actor", None)
    # kept per request by the id of the request object, which a later request may be given again
    g.pop("_pay_wording", None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_numbers = count(1)


@pytest.fixture
def team(app):
    return make_team("T1", "热线一组")


def make_team(code: str, name: str, lead: Employee | None = None) -> Team:
    team = Team(code=code, name=name, active=True, lead_id=lead.id if lead else None)
    db.session.add(team)
    db.session.commit()
    return team


def make_person(roles=("staff",), team: Team | None = None, *, name: str | None = None,
                employee_no: str | None = None, wage: str = "3500.00", login: bool = True) -> Employee:
    n = next(_numbers)
    no = employee_no or f"E{n:04d}"
    person = Employee(employee_no=no, name=name or f"员工{n}", team_id=team.id if team else None,
                      monthly_wage=Decimal(wage), active=True,
                      username=no.lower() if login else None,
                      password_hash=PASSWORD_HASH if login else None)
    person.set_roles(set(roles))
    db.session.add(person)
    db.session.commit()
    if "lead" in roles and team is not None and team.lead_id is None:
        team.lead_id = person.id
        db.session.commit()
    return person


def one_per_role(team: Team) -> dict[str, Employee]:
    """One person holding each role; staff and the lead (also staff) in ``team``, the office in none."""
    from attendance.domain.policy import ROLES

    return {role: make_person([role] + (["staff"] if role == "lead" else []),
                              team if role in ("staff", "lead") else None) for role in ROLES}


@pytest.fixture
def person_factory(app):
    return make_person


def login(client, person: Employee) -> None:
    response = client.post("/login", data={"username": person.username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def token_for(client, person: Employee) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": person.username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": "Bearer " + response.get_json()["token"]}


@pytest.fixture
def moving_clock(monkeypatch):
    """The shared fixed clock (tests/clocks.py) in place of ``attendance.clock.now``; set ``.at`` to move it."""
    from attendance import clock
    from tests.clocks import Clock

    fixed = Clock()
    monkeypatch.setattr(clock, "now", fixed)
    return fixed
