"""The policy over the API: in force on a day, versions, and refusing a bad document whole."""

from __future__ import annotations

import copy

import yaml
from sqlalchemy import func, select

from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import PolicyVersion
from tests.conftest import make_person, token_for


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(PolicyVersion))


def test_everyone_reads_the_policy_in_force(client, app):
    headers = token_for(client, make_person(["staff"]))
    body = client.get("/api/v1/policy", headers=headers).get_json()
    codes = [r["code"] for r in body["document"]["rules"]]
    assert "COMPLAINT" in codes and "LATE" in codes
    complaint = next(r for r in body["document"]["rules"] if r["code"] == "COMPLAINT")
    assert [s.get("amount") for s in complaint["ladder"]][:2] == ["30.00", "60.00"]


def test_a_bad_document_lists_every_problem_with_its_path_and_stores_nothing(client, app):
    headers = token_for(client, make_person(["admin"]))
    doc = copy.deepcopy(default_policy_document())
    doc["rules"][3]["ladder"].append({"sanction": "fine", "amount": "ten yuan", "points": 2})
    doc["rules"][0]["colour"] = "red"
    doc["timezone"] = "Mars/Olympus"
    del doc["effective_from"]
    before = _versions()
    response = client.post("/api/v1/policy/versions", headers=headers, json=yaml.safe_load(yaml.safe_dump(doc)))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "policy_invalid"
    n = len(doc["rules"][3]["ladder"]) - 1
    assert set(error["fields"]) == {f"rules[3].ladder[{n}].amount", "rules[0].colour", "timezone",
                                    "effective_from"}
    assert error["fields"][f"rules[3].ladder[{n}].amount"] == "not a money amount"
    assert _versions() == before


def test_a_yaml_document_becomes_a_version_in_force_from_its_date_only(client, app):
    headers = token_for(client, make_person(["hr"]))
    doc = default_policy_document()
    doc["version"] = "2027-01"
    doc["effective_from"] = "2027-01-01"
    text = yaml.safe_dump(doc, allow_unicode=True)
    response = client.post("/api/v1/policy/versions", headers=headers | {"Content-Type": "application/yaml"},
                           data=text.encode())
    assert response.status_code == 201, response.get_json()
    assert client.get("/api/v1/policy?on=2026-12-31", headers=headers).get_json()["version"]["label"] != "2027-01"
    assert client.get("/api/v1/policy?on=2027-01-01", headers=headers).get_json()["version"]["label"] == "2027-01"
    assert len(client.get("/api/v1/policy/versions", headers=headers).get_json()["items"]) == 2


def test_unreadable_text_and_bad_dates_are_400(client, app):
    headers = token_for(client, make_person(["hr"]))
    response = client.post("/api/v1/policy/versions", headers=headers | {"Content-Type": "application/yaml"},
                           data=b"rules: [unclosed")
    assert response.status_code == 400
    assert client.get("/api/v1/policy?on=yesterday", headers=headers).status_code == 400
    assert client.get("/api/v1/policy?on=1900-01-01", headers=headers).status_code == 404
