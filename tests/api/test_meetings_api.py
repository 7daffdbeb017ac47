"""/api/v1 meetings, completed: attendees, announcement, sign-in, requests to be excused; roles, bad input."""

from __future__ import annotations

from datetime import date

import pytest

from attendance.domain.policy import ROLES
from tests.conftest import make_person, make_team, one_per_role, token_for

LEADERS = {"lead", "supervisor", "manager", "gm", "hr", "admin"}
API = [
    ("GET", "/api/v1/meetings/mine", set(ROLES)),
    ("POST", "/api/v1/meetings/{id}/sign-in", set(ROLES)),
    ("POST", "/api/v1/meetings/{id}/excuse-requests", set(ROLES)),
    ("POST", "/api/v1/meeting-excuses/{id}/approve", LEADERS),
    ("POST", "/api/v1/meeting-excuses/{id}/reject", LEADERS),
]


@pytest.fixture
def world(app, moving_clock):
    team = make_team("T1", "热线一组")
    people = one_per_role(team)
    people["mate"] = make_person(["staff"], team)
    people["clock"] = moving_clock
    return people


def test_announce_excuse_and_sign_in(client, world):
    lead = token_for(client, world["lead"])
    made = client.post("/api/v1/meetings", json={"kind": "topic", "date": "2026-11-12", "team": "T1",
                                                  "title": "投诉处理专题", "attendees": [world["staff"].employee_no,
                                                                                    world["mate"].employee_no]},
                       headers=lead)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert sorted(body["attendees"]) == sorted([world["staff"].employee_no, world["mate"].employee_no])
    mid = body["id"]
    early = client.post("/api/v1/meetings", json={"kind": "training", "date": "2026-11-06", "team": "T1"},
                        headers=lead)
    assert early.status_code == 422 and early.get_json()["error"]["code"] == "meeting_notice"
    staff = token_for(client, world["staff"])
    assert [m["id"] for m in client.get("/api/v1/meetings/mine", headers=staff).get_json()] == [mid]
    asked = client.post(f"/api/v1/meetings/{mid}/excuse-requests", json={"reason": "出差"}, headers=staff)
    assert asked.status_code == 201 and asked.get_json()["status"] == "pending"
    rid = asked.get_json()["id"]
    decided = client.post(f"/api/v1/meeting-excuses/{rid}/approve", json={"note": "同意"}, headers=lead)
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    assert client.post(f"/api/v1/meeting-excuses/{rid}/approve", json={}, headers=lead).status_code == 409
    world["clock"].on(date(2026, 11, 12), "13:55")
    mate = token_for(client, world["mate"])
    signed = client.post(f"/api/v1/meetings/{mid}/sign-in", headers=mate)
    assert signed.status_code == 201 and signed.get_json()["mark"] == "present"
    assert client.post(f"/api/v1/meetings/{mid}/sign-in", headers=mate).status_code == 409
    bad = client.post(f"/api/v1/meetings/{mid}/excuse-requests", json={"reason": "x"}, headers=mate)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "excuse_too_late"
    assert client.post(f"/api/v1/meetings/{mid}/excuse-requests", json={}, headers=mate).status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_meeting_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        url = path.format(id=999999)
        status = client.open(url, method=method, headers=headers, json={} if method != "GET" else None).status_code
        assert (status != 403) if role in roles else (status == 403), (role, method, path, status)
        assert status < 500, (role, method, path, status)
