"""GET /api/v1/me/export (issue 14 item 5): the caller's own data as a ZIP — JSON and one workbook — with
nothing about anyone else, and audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import AuditEvent, LedgerEntry, Notification, Violation
from attendance.services import discipline, notifications, punches
from tests.conftest import login, make_person, make_team, token_for

# (method, path, roles allowed)
API = [
    ("GET", "/api/v1/me/export", set(ROLES)),
]
KINDS = {"profile", "punches", "roster", "attendance_days", "meetings", "requests", "approval_steps",
         "corrections", "leave", "leave_entitlements", "swaps", "extra_shifts", "inspections", "work_reports",
         "grooming_checks",
         "grooming_failures",
         "violations", "appeals", "dismissal_reviews", "training_days", "transfers", "reward_nominations", "ledger",
         "scores", "payroll", "notifications"}


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    me = make_person(["staff"], team, name="张丽")
    other = make_person(["staff"], team, name="王秘密")
    for person in (me, other):
        discipline.record_violation(None, employee=person, rule_code="COMPLAINT",
                                    occurred_at=clock.now() - timedelta(hours=2))
        punches.clock_punch(person, "in")
        notifications.notify([person.id], "violation", "x")
    return {"team": team, "me": me, "other": other}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_everyone_may_download_their_own_data(client, world):
    for role in ROLES:
        caller = make_person([role], world["team"] if role in ("staff", "lead") else None)
        response = client.get("/api/v1/me/export", headers=token_for(client, caller))
        assert response.status_code == 200, role
        assert response.mimetype == "application/zip"


def test_the_export_holds_my_rows_and_nothing_of_anyone_else(client, world):
    me, other = world["me"], world["other"]
    response = client.get("/api/v1/me/export", headers=token_for(client, me))
    files = unzip(response.data)
    assert {"README.txt", "all.json", "my-data.xlsx"} <= set(files)
    assert {f"data/{kind}.json" for kind in KINDS} <= set(files)
    whole = json.loads(files["all.json"])
    assert set(whole["data"]) == KINDS and whole["employee_no"] == me.employee_no
    data = whole["data"]
    assert data["profile"][0]["name"] == "张丽" and "password_hash" not in data["profile"][0]
    mine = db.session.scalars(select(Violation.id).where(Violation.employee_id == me.id)).all()
    assert [v["id"] for v in data["violations"]] == list(mine)
    assert {e["employee_id"] for e in data["ledger"]} == {me.id} and data["ledger"]
    assert {n["employee_id"] for n in data["notifications"]} == {me.id} and data["notifications"]
    assert {p["employee_id"] for p in data["punches"]} == {me.id} and data["punches"]
    for kind, rows in data.items():
        for row in rows:
            assert row.get("employee_id", me.id) == me.id, kind
    theirs = {
        "violations": set(db.session.scalars(select(Violation.id).where(Violation.employee_id == other.id))),
        "ledger": set(db.session.scalars(select(LedgerEntry.id).where(LedgerEntry.employee_id == other.id))),
        "notifications": set(db.session.scalars(select(Notification.id)
                                                 .where(Notification.employee_id == other.id))),
    }
    for kind, ids in theirs.items():
        assert ids and not ids & {r["id"] for r in data[kind]}, kind
    book = load_workbook(io.BytesIO(files["my-data.xlsx"]))
    assert set(book.sheetnames) == KINDS
    text = "\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
    everything = files["all.json"].decode() + text + "".join(b.decode("utf-8", "replace") for b in files.values())
    assert "王秘密" not in everything and other.employee_no not in everything
    ledger_hashes = set(db.session.scalars(select(LedgerEntry.hash).where(LedgerEntry.employee_id == other.id)))
    assert not any(h in everything for h in ledger_hashes if h)


def test_the_export_is_audited_and_the_me_page_has_the_button(client, world):
    me = world["me"]
    login(client, me)
    html = client.get("/me").get_data(as_text=True)
    assert 'href="/me/export.zip"' in html
    response = client.get("/me/export.zip")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "all.json" in unzip(response.data)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.export")).all()
    assert [(e.actor_id, e.entity_key) for e in events] == [(me.id, me.employee_no)]
