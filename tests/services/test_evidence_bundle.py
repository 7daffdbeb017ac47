"""The evidence bundle of a violation for a labour dispute: one ZIP whose files are named, whose ledger
hashes are the stored ones, whose photo is the stored photo, and whose every download is audited."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from attendance.extensions import db
from attendance.models import AuditEvent, LedgerEntry
from attendance.services import discipline
from tests.conftest import login, make_person, make_team, token_for
from tests.images import PNG

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(app, tmp_path):
    app.instance_path = str(tmp_path)
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team, name="刘组长")
    person = make_person(["staff"], team, name="张丽")
    supervisor = make_person(["supervisor"], name="陈主管")
    hr = make_person(["hr"], name="人事")
    v = discipline.record_violation(lead, employee=person, rule_code="PHONE", note="当着客人玩手机",
                                    occurred_at=datetime.now(SH) - timedelta(days=2),
                                    evidence=("p.png", PNG, "image/png"))
    v2 = discipline.record_violation(lead, employee=person, rule_code="PHONE",
                                     occurred_at=datetime.now(SH) - timedelta(days=1))
    appeal = discipline.file_appeal(person, v2.id, "当时在查订单")
    discipline.decide_appeal(supervisor, appeal.id, "overturned", "监控显示在查订单")
    db.session.commit()
    return {"lead": lead, "person": person, "supervisor": supervisor, "hr": hr, "v": v, "v2": v2}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name.split("/", 1)[1]: zf.read(name) for name in zf.namelist()}


def test_the_bundle_unzips_to_its_named_files_and_its_hashes_are_the_stored_ones(client, world):
    v = world["v"]
    response = client.get(f"/api/v1/violations/{v.id}/evidence-bundle", headers=token_for(client, world["hr"]))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    files = unzip(response.data)
    photo = next(name for name in files if name.startswith(f"evidence/violation-{v.id}"))
    assert {"summary.pdf", "explanation.json", "ledger.json", "trail.json", "SHA256SUMS", photo} <= set(files)
    assert files["summary.pdf"].startswith(b"%PDF")
    assert hashlib.sha256(files[photo]).hexdigest() == db.session.get(type(v), v.id).evidence_sha256
    ledger = json.loads(files["ledger.json"])
    stored = {e.id: e.hash for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.violation_id == v.id))}
    assert {e["id"]: e["hash"] for e in ledger["entries"]} == stored
    assert all(e["hash_recomputed"] == e["hash"] for e in ledger["entries"])
    assert ledger["verify"]["ok"] is True
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(files[name]).hexdigest() == digest
    explanation = json.loads(files["explanation.json"])
    assert explanation["rule"]["code"] == "PHONE" and explanation["rule_book"]["adopted_on"] == "2020-01-01"
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "violation.evidence_bundle")).all()
    assert event.entity_key == str(v.id) and event.details["sha256"] == hashlib.sha256(response.data).hexdigest()


def test_an_overturned_violations_bundle_carries_the_appeal_its_decision_and_the_reversal(client, world):
    v2 = world["v2"]
    login(client, world["hr"])
    response = client.get(f"/violations/{v2.id}/evidence-bundle")
    assert response.status_code == 200
    files = unzip(response.data)
    explanation = json.loads(files["explanation.json"])
    assert explanation["appeal"]["status"] == "overturned"
    assert explanation["appeal"]["decision_reason"] == "监控显示在查订单"
    kinds = [e["kind"] for e in json.loads(files["ledger.json"])["entries"]]
    assert kinds == ["fine", "reversal"]
    actions = [t["action"] for t in json.loads(files["trail.json"])]
    assert "violation.record" in actions and "appeal.file" in actions and "appeal.decide" in actions
    assert f'/violations/{v2.id}/evidence-bundle' in client.get(f"/violations/{v2.id}").get_data(as_text=True)


def test_staff_and_the_lead_get_no_bundle(client, world):
    for who in ("person", "lead", "supervisor"):
        answer = client.get(f"/api/v1/violations/{world['v'].id}/evidence-bundle",
                            headers=token_for(client, world[who]))
        assert answer.status_code == 403
