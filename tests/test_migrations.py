"""The schema comes from migrations: one head, from empty to head on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from attendance import create_app
from attendance.extensions import db
from tests.conftest import ON_POSTGRES, pg_url


def _app(url):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})


def test_there_is_exactly_one_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def _up_down_up_and_compare(url):
    app = _app(url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"employees", "teams", "policy_versions", "alembic_version"} <= tables
        with db.engine.connect() as conn:
            # Column types too: a migration that creates String(50) where the model says String(100), or a
            # naive DateTime under a UTCDateTime, is a difference. (The TypeDecorators Money and UTCDateTime
            # compare by their impl, BigInteger and DateTime(timezone=True), with no false positive today.)
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_migrations_build_the_whole_schema_from_empty_on_sqlite(tmp_path):
    _up_down_up_and_compare(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL pointing at PostgreSQL")
def test_migrations_build_the_whole_schema_from_empty_on_postgresql():
    base = pg_url()
    name = f"att_migr_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _up_down_up_and_compare(base.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
