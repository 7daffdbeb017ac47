"""Fixtures: an app on SQLite (a fresh file per test) or on PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import text
from werkzeug.security import generate_password_hash

os.environ.setdefault("SECRET_KEY", "test-secret")

from attendance import create_app  # noqa: E402
from attendance.extensions import db  # noqa: E402
from attendance.models import Employee, Team  # noqa: E402

PASSWORD = "secret-pass"
# Role groups the permission tests expect, written out here rather than read from the table under test.
OFFICE = {"supervisor", "manager", "gm", "hr", "admin"}
LEADERS = OFFICE | {"lead"}
# One hash for every test person keeps the suite fast (scrypt is slow on purpose).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgres")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (DATABASE_URL)")


def upgrade_to_head(url: str) -> None:
    """Build the schema the way production does: every migration, from empty."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pg_url() -> str:
    from attendance.config import _database_url

    return _database_url("/nonexistent")


@pytest.fixture(scope="session")
def _schema(tmp_path_factory):
    """PostgreSQL: migrate the CI database once. SQLite: migrate a template file once, copied per test."""
    if ON_POSTGRES:
        reset_postgres(pg_url())
        upgrade_to_head(pg_url())
        return None
    template = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    upgrade_to_head(f"sqlite:///{template}")
    return template


@pytest.fixture
def app(tmp_path, _schema):
    if ON_POSTGRES:
        url = pg_url()
    else:
        shutil.copy(_schema, tmp_path / "test.sqlite3")
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "REPORTS_FOLDER": str(tmp_path / "reports"),
        "WTF_CSRF_ENABLED": False,
    })
    app.before_request(_fresh_request_state)
    with app.app_context():
        if ON_POSTGRES:
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        from attendance.services import policy

        policy.ensure_default()
        yield app
        db.session.remove()
        db.engine.dispose()


def _fresh_request_state():
    """Tests hold one app context across requests (production never does): drop per-request caches."""
    import flask_babel
    from flask import g

    flask_babel.refresh()
    g.pop("_login_user", None)
    g.pop("actor", None)


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
