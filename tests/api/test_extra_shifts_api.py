"""/api/v1/extra-shifts (加班): roles, the chain through the inbox, refusals and the error shape."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import ExtraShift, Request
from attendance.services import roster, shift_types
from tests.conftest import make_person, make_team, one_per_role, token_for

DECIDERS = {"lead", "supervisor", "manager", "gm", "hr", "admin"}

# Who reaches which route (the coverage test in tests/test_permissions_matrix.py reads this list).
API = [
    ("POST", "/api/v1/extra-shifts", set(ROLES)),
    ("GET", "/api/v1/extra-shifts", set(ROLES)),
    ("GET", "/api/v1/extra-shifts/{id}", set(ROLES)),
    ("POST", "/api/v1/extra-shifts/{id}/approve", DECIDERS),
    ("POST", "/api/v1/extra-shifts/{id}/reject", DECIDERS),
    ("POST", "/api/v1/extra-shifts/{id}/withdraw", set(ROLES)),
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def today() -> date:
    return clock.today()


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    people = one_per_role(t1)
    people["mate"] = make_person(["staff"], t1, name="王芳")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    roster.set_roster_day(people["lead"], people["staff"].employee_no, today(), "D8")
    return people


def body(**more) -> dict:
    return {"date": today().isoformat(), "start": "18:00", "end": "20:30", "reason": "促销加班", **more}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_extra_shift_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        status = client.open(path.format(id=999999), method=method, headers=headers,
                             json={} if method == "POST" else None).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)


def test_staff_ask_the_lead_approves_through_the_inbox_and_hours_show_in_the_scores(client, world):
    staff, lead = world["staff"], world["lead"]
    filed = client.post("/api/v1/extra-shifts", json=body(), headers=token_for(client, staff))
    assert filed.status_code == 201, filed.get_json()
    answer = filed.get_json()
    assert (answer["status"], answer["start"], answer["end"], answer["hours"], answer["day_type"]) == (
        "pending", "18:00", "20:30", 2.5, "working")
    lead_headers = token_for(client, lead)
    inbox = client.get("/api/v1/approvals", headers=lead_headers).get_json()["items"]
    assert [(i["kind"], i["id"]) for i in inbox] == [("extra_shift", answer["id"])]
    approved = client.post(f"/api/v1/extra-shifts/{answer['id']}/approve", json={"note": "同意"}, headers=lead_headers)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/extra-shifts/{answer['id']}/approve", json={}, headers=lead_headers)
    assert again.status_code == 409
    listed = client.get(f"/api/v1/extra-shifts?month={today():%Y-%m}", headers=token_for(client, world["mate"]))
    assert listed.get_json()["items"] == []  # staff see only their own
    scores = client.get(f"/api/v1/scores?month={today():%Y-%m}", headers=lead_headers).get_json()["items"]
    mine = next(s for s in scores if s["employee_no"] == staff.employee_no)
    assert mine["extra_hours"]["working"] == 2.5
    sheet = client.get(f"/api/v1/attendance/sheet.xlsx?month={today():%Y-%m}&team=T1", headers=lead_headers)
    assert sheet.status_code == 200


def test_refusals_and_bad_input_answer_the_error_shape_and_store_nothing(client, world):
    headers = token_for(client, world["staff"])
    before = (count(Request), count(ExtraShift))
    too_long = client.post("/api/v1/extra-shifts", json=body(start="06:00", end="20:00"), headers=headers)
    assert (too_long.status_code, too_long.get_json()["error"]["code"]) == (422, "extra_shift_too_long")
    old = (today() - timedelta(days=10)).isoformat()
    late = client.post("/api/v1/extra-shifts", json=body(date=old), headers=headers)
    assert (late.status_code, late.get_json()["error"]["code"]) == (422, "extra_shift_window")
    bad = client.post("/api/v1/extra-shifts", json=body(start="25:00", end="18:00", date="nope"), headers=headers)
    assert bad.status_code == 400 and {"start", "date"} <= set(bad.get_json()["error"]["fields"])
    missing = client.post("/api/v1/extra-shifts", json={}, headers=headers)
    assert missing.status_code in (400, 422)
    assert client.get("/api/v1/extra-shifts?month=2026-13", headers=headers).status_code == 400
    assert (count(Request), count(ExtraShift)) == before
