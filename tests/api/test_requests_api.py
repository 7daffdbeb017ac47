"""/api/v1 punch corrections (补卡) and the approvals inbox: roles, error shape, refusals, races."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Punch, PunchCorrection, Request
from attendance.services import roster, shift_types
from tests.concurrency import run_together
from tests.conftest import make_person, make_team, one_per_role, token_for


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    people = one_per_role(t1)
    people["mate"] = make_person(["staff"], t1, name="王芳")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    roster.set_roster_day(people["lead"], people["staff"].employee_no, yesterday(), "D8")
    return people


def yesterday() -> date:
    return clock.today() - timedelta(days=1)


def body(**more) -> dict:
    day = yesterday()
    return {"date": day.isoformat(), "direction": "in", "at": f"{day.isoformat()}T07:58",
            "reason": "忘记打卡", **more}


# Who reaches which route (the coverage test in tests/test_permissions_matrix.py reads this list).
API = [
    ("POST", "/api/v1/punch-corrections", set(ROLES)),
    ("GET", "/api/v1/punch-corrections", set(ROLES)),
    ("GET", "/api/v1/punch-corrections/{id}", set(ROLES)),
    ("POST", "/api/v1/punch-corrections/{id}/approve", {"lead", "supervisor", "manager", "gm", "hr", "admin"}),
    ("POST", "/api/v1/punch-corrections/{id}/reject", {"lead", "supervisor", "manager", "gm", "hr", "admin"}),
    ("POST", "/api/v1/punch-corrections/{id}/withdraw", set(ROLES)),
    ("GET", "/api/v1/approvals", {"lead", "supervisor", "manager", "gm", "hr", "admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_request_routes_it_should(client, world, role):
    caller = world[role]
    headers = token_for(client, caller)
    for method, path, roles in API:
        url = path.format(id=999999)  # a request nobody has: allowed roles get 404, not 403
        payload = {} if method == "POST" else None
        status = client.open(url, method=method, headers=headers, json=payload).status_code
        if role in roles:
            assert status != 403, (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


def test_staff_file_the_lead_approves_and_the_punch_is_added(client, world):
    staff, lead = world["staff"], world["lead"]
    filed = client.post("/api/v1/punch-corrections", json=body(), headers=token_for(client, staff))
    assert filed.status_code == 201, filed.get_json()
    answer = filed.get_json()
    assert (answer["status"], answer["employee_no"], answer["direction"]) == ("pending", staff.employee_no, "in")
    assert [(s["role"], s["status"]) for s in answer["approval_chain"]] == [("lead", "pending")]

    lead_headers = token_for(client, lead)
    inbox = client.get("/api/v1/approvals", headers=lead_headers).get_json()["items"]
    assert [(i["kind"], i["id"], i["employee_no"], i["step"]) for i in inbox] == [
        ("punch_correction", answer["id"], staff.employee_no, "lead")]
    assert "补卡" in inbox[0]["summary"] or yesterday().isoformat() in inbox[0]["summary"]

    approved = client.post(f"/api/v1/punch-corrections/{answer['id']}/approve", json={"note": "属实"},
                           headers=lead_headers)
    assert approved.status_code == 200, approved.get_json()
    chain = approved.get_json()["approval_chain"]
    assert (approved.get_json()["status"], chain[0]["by"], chain[0]["note"]) == ("approved", lead.employee_no, "属实")
    punch = db.session.get(Punch, approved.get_json()["punch"])
    assert (punch.source, punch.employee_id) == ("correction", staff.id)
    again = client.post(f"/api/v1/punch-corrections/{answer['id']}/approve", json={}, headers=lead_headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_decided"


def test_refusals_answer_422_with_the_rule_and_store_nothing(client, world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 5, 10, tzinfo=clock.site_zone()))
    headers = token_for(client, world["staff"])
    for day in ("2026-11-02", "2026-11-03", "2026-11-04"):
        made = client.post("/api/v1/punch-corrections", headers=headers, json=body(date=day, at=f"{day}T07:58"))
        assert made.status_code == 201, made.get_json()
    before = (count(Request), count(PunchCorrection))
    over = client.post("/api/v1/punch-corrections", headers=headers,
                       json=body(date="2026-11-04", direction="out", at="2026-11-04T18:05"))
    assert (over.status_code, over.get_json()["error"]["code"]) == (422, "correction_quota")
    old = client.post("/api/v1/punch-corrections", headers=token_for(client, world["mate"]),
                      json=body(date="2026-11-01", at="2026-11-01T08:00"))
    assert (old.status_code, old.get_json()["error"]["code"]) == (422, "correction_window")
    assert (count(Request), count(PunchCorrection)) == before


def test_bad_input_is_400_naming_every_field(client, world):
    response = client.post("/api/v1/punch-corrections", headers=token_for(client, world["staff"]),
                           json={"date": "yesterday", "direction": "up", "at": "soon", "reason": ""})
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["code"] == "invalid_input"
    assert set(error["fields"]) == {"date", "direction", "at", "reason"}
    assert client.post("/api/v1/punch-corrections", headers=token_for(client, world["staff"]),
                       json={"date": "2026-11-01"}).status_code == 400  # required fields missing
    assert count(Request) == 0


def test_a_staff_member_calling_approve_gets_403_and_approving_ones_own_gets_403(client, world):
    staff_headers = token_for(client, world["staff"])
    made = client.post("/api/v1/punch-corrections", json=body(), headers=staff_headers).get_json()
    refused = client.post(f"/api/v1/punch-corrections/{made['id']}/approve", json={}, headers=staff_headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    lead_headers = token_for(client, world["lead"])
    own = client.post("/api/v1/punch-corrections", json=body(), headers=lead_headers).get_json()
    assert [s["role"] for s in own["approval_chain"]] == ["supervisor"]  # a lead's own goes one level up
    mine = client.post(f"/api/v1/punch-corrections/{own['id']}/approve", json={}, headers=lead_headers)
    assert mine.status_code == 403 and mine.get_json()["error"]["code"] == "own_request"
    withdrawn = client.post(f"/api/v1/punch-corrections/{made['id']}/withdraw", headers=staff_headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    late = client.post(f"/api/v1/punch-corrections/{made['id']}/approve", json={}, headers=lead_headers)
    assert late.status_code == 409


def test_staff_see_only_their_own_corrections(client, world):
    mine = client.post("/api/v1/punch-corrections", json=body(), headers=token_for(client, world["staff"]))
    mate_headers = token_for(client, world["mate"])
    assert client.get(f"/api/v1/punch-corrections/{mine.get_json()['id']}", headers=mate_headers).status_code == 404
    assert client.get("/api/v1/punch-corrections", headers=mate_headers).get_json()["items"] == []
    listed = client.get("/api/v1/punch-corrections?status=pending", headers=token_for(client, world["lead"]))
    assert [r["id"] for r in listed.get_json()["items"]] == [mine.get_json()["id"]]


def test_two_approvers_pressing_at_the_same_moment_one_succeeds_the_other_gets_409(app, client, world):
    team = world["lead"].team
    second_lead = make_person(["lead", "staff"], team)
    made = client.post("/api/v1/punch-corrections", json=body(), headers=token_for(client, world["staff"])).get_json()
    headers = [token_for(client, world["lead"]), token_for(client, second_lead)]

    def press(h):
        def run():
            response = app.test_client().post(f"/api/v1/punch-corrections/{made['id']}/approve", json={}, headers=h)
            return response.status_code
        return run

    assert sorted(run_together(app, [press(h) for h in headers])) == [200, 409]
    assert db.session.scalar(select(func.count()).select_from(Punch).where(Punch.source == "correction")) == 1
    request = db.session.get(Request, made["id"])
    assert request.status == "approved" and request.steps[0].decided_by_id in (world["lead"].id, second_lead.id)


def test_the_openapi_document_has_the_request_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/punch-corrections", "/api/v1/approvals",
            "/api/v1/punch-corrections/{request_id}/approve"} <= set(paths)
