"""/api/v1/inspections (质检): roles, the transcript check, the violation it raises, the month per team."""

from __future__ import annotations

import pytest

from attendance.domain.policy import ROLES
from tests.conftest import make_person, make_team, one_per_role, token_for

REPORT = {"inspector", "hr", "admin", "manager", "gm", "supervisor"}

# Who reaches which route (the coverage test in tests/test_permissions_matrix.py reads this list).
API = [
    ("POST", "/api/v1/inspections/check-transcript", {"inspector"}),
    ("POST", "/api/v1/inspections", {"inspector"}),
    ("GET", "/api/v1/inspections", set(ROLES)),
    ("GET", "/api/v1/inspections/summary", REPORT),
]


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    people = one_per_role(team)
    people["mate"] = make_person(["staff"], team, name="王芳")
    return people


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_inspection_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        status = client.open(path, method=method, headers=headers, json={} if method == "POST" else None).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)


def test_check_record_list_and_summary(client, world):
    headers = token_for(client, world["inspector"])
    checked = client.post("/api/v1/inspections/check-transcript", json={"text": "喂，叫你呢！少啰嗦"}, headers=headers)
    assert checked.status_code == 200
    assert [(m["kind"], m["start"], m["end"]) for m in checked.get_json()["items"]] == [
        ("forbidden", 0, 5), ("forbidden", 6, 9)]
    made = client.post("/api/v1/inspections", headers=headers, json={
        "employee_no": world["staff"].employee_no, "channel": "call", "reference": "CALL-77", "score": 60,
        "transcript": "喂，叫你呢！少啰嗦"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["violation"]["rule"] == "FORBIDDEN_PHRASE" and body["reference"] == "CALL-77"
    mine = client.get("/api/v1/inspections", headers=token_for(client, world["staff"])).get_json()["items"]
    assert [i["id"] for i in mine] == [body["id"]]
    assert client.get("/api/v1/inspections", headers=token_for(client, world["mate"])).get_json()["items"] == []
    month = body["occurred_at"][:7]
    summary = client.get(f"/api/v1/inspections/summary?month={month}", headers=token_for(client, world["hr"]))
    assert summary.get_json()["teams"][0]["with_forbidden"] == 1


def test_bad_input_answers_400_with_fields_and_stores_nothing(client, world):
    headers = token_for(client, world["inspector"])
    bad = client.post("/api/v1/inspections", headers=headers, json={
        "employee_no": world["staff"].employee_no, "channel": "fax", "reference": "", "score": "lots",
        "phrases": "F01"})
    assert bad.status_code == 400
    assert {"channel", "reference", "score", "phrases"} <= set(bad.get_json()["error"]["fields"])
    assert client.get("/api/v1/inspections", headers=headers).get_json()["items"] == []
    assert client.get("/api/v1/inspections/summary?month=2026-13", headers=headers).status_code == 400
    nobody = client.post("/api/v1/inspections", headers=headers, json={
        "employee_no": "NOBODY", "channel": "call", "reference": "X", "score": 1})
    assert nobody.status_code == 404
