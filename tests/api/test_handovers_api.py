"""/api/v1/handovers: write, list, acknowledge, fine; roles and bad input."""

from __future__ import annotations

import pytest

from attendance.domain.policy import ROLES
from tests.conftest import make_person, make_team, one_per_role, token_for

FLOOR = {"lead", "supervisor", "manager"}
API = [
    ("POST", "/api/v1/handovers", {"staff", "lead"}),
    ("GET", "/api/v1/handovers", set(ROLES)),
    ("GET", "/api/v1/handovers/{id}", set(ROLES)),
    ("POST", "/api/v1/handovers/{id}/acknowledge", set(ROLES)),
    ("POST", "/api/v1/handovers/{id}/fine", FLOOR),
]


@pytest.fixture
def world(app, moving_clock):
    team = make_team("T1", "热线一组")
    people = one_per_role(team)
    people["mate"] = make_person(["staff"], team)
    return people


def test_write_acknowledge_and_fine(client, world):
    staff = token_for(client, world["staff"])
    made = client.post("/api/v1/handovers", json={"open_cases": "2 单投诉", "incoming_no": world["mate"].employee_no},
                       headers=staff)
    assert made.status_code == 201, made.get_json()
    hid = made.get_json()["id"]
    lead = token_for(client, world["lead"])
    waiting = client.get("/api/v1/handovers?acknowledged=false", headers=lead).get_json()["items"]
    assert [h["id"] for h in waiting] == [hid]
    fined = client.post(f"/api/v1/handovers/{hid}/fine", json={}, headers=lead)
    assert fined.status_code == 201 and fined.get_json()["rule"] == "SWAP_HANDOVER"
    mate = token_for(client, world["mate"])
    assert client.post(f"/api/v1/handovers/{hid}/acknowledge", headers=staff).status_code == 403
    assert client.post(f"/api/v1/handovers/{hid}/acknowledge", headers=mate).status_code == 200
    again = client.post(f"/api/v1/handovers/{hid}/acknowledge", headers=mate)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_acknowledged"


def test_bad_input_is_a_400(client, world):
    staff = token_for(client, world["staff"])
    for body, field in (({}, "notes"), ({"notes": "x", "date": "nope"}, "date"),
                        ({"notes": "x", "incoming_no": "NOBODY"}, "incoming_no")):
        got = client.post("/api/v1/handovers", json=body, headers=staff)
        assert got.status_code == 400 and field in got.get_json()["error"]["fields"], got.get_json()
    assert client.get("/api/v1/handovers", headers=staff).get_json()["items"] == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_handover_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        url = path.format(id=999999)
        status = client.open(url, method=method, headers=headers, json={} if method != "GET" else None).status_code
        assert (status != 403) if role in roles else (status == 403), (role, method, path, status)
        assert status < 500, (role, method, path, status)
