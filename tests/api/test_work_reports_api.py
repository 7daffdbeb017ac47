"""/api/v1/work-reports: hand in (text, a base64 file), one's own list, the team's list; roles and bad input."""

from __future__ import annotations

import base64
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.services import work_reports
from tests.conftest import make_person, make_team, one_per_role, token_for

SH = ZoneInfo("Asia/Shanghai")
HAND_IN = {"staff", "lead"}
LEADERS = {"lead", "supervisor", "manager", "gm", "hr", "admin"}
API = [
    ("POST", "/api/v1/work-reports", HAND_IN),
    ("GET", "/api/v1/work-reports", HAND_IN),
    ("GET", "/api/v1/work-reports/team", LEADERS),
    ("GET", "/api/v1/work-reports/{id}", set(ROLES)),
]


@pytest.fixture
def world(app, moving_clock):
    team = make_team("T1", "热线一组")
    people = one_per_role(team)
    for p in people.values():
        p.hire_date = date(2026, 11, 2)
    db.session.commit()
    return {"team": team, "clock": moving_clock, **people}


def test_hand_in_then_see_it_in_the_team_list(client, world):
    staff = token_for(client, world["staff"])
    got = client.post("/api/v1/work-reports", json={"kind": "weekly", "text": "本周接线 312 通",
                                                    "file": {"filename": "w.pdf",
                                                             "data": base64.b64encode(b"%PDF-1.4").decode()}},
                      headers=staff)
    assert got.status_code == 201, got.get_json()
    body = got.get_json()
    assert body["period_start"] == "2026-11-02" and body["late"] is False and body["file_name"] == "w.pdf"
    assert client.get("/api/v1/work-reports", headers=staff).get_json()["items"][0]["id"] == body["id"]
    again = client.post("/api/v1/work-reports", json={"kind": "weekly", "text": "x"}, headers=staff)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_handed_in"
    lead = token_for(client, world["lead"])
    team = client.get("/api/v1/work-reports/team?team=T1&kind=weekly&period=2026-11-02", headers=lead).get_json()
    statuses = {row["employee_no"]: row["status"] for row in team["items"]}
    assert statuses[world["staff"].employee_no] == "on_time" and statuses[world["lead"].employee_no] == "not_due"
    assert client.get(f"/api/v1/work-reports/{body['id']}", headers=lead).status_code == 200
    colleague = make_person(["staff"], world["team"])
    assert client.get(f"/api/v1/work-reports/{body['id']}",
                      headers=token_for(client, colleague)).status_code == 404  # a colleague's is not theirs


@pytest.mark.parametrize("payload, field", [
    ({"kind": "daily", "text": "x"}, "kind"),
    ({"kind": "weekly", "text": ""}, "text"),
    ({"kind": "weekly", "text": "x", "period": "2026-13-01"}, "period"),
    ({"kind": "weekly", "file": {"filename": "a.pdf", "data": "***"}}, "file"),
    ({"kind": "weekly", "file": {"filename": "a.exe", "data": base64.b64encode(b"MZ").decode()}}, "file"),
])
def test_bad_input_is_a_400_naming_the_field(client, world, payload, field):
    got = client.post("/api/v1/work-reports", json=payload, headers=token_for(client, world["staff"]))
    assert got.status_code in (400, 422), got.get_json()
    assert field in str(got.get_json()), got.get_json()
    assert work_reports.my_reports(world["staff"]) == []


def test_roles(client, world):
    hr = token_for(client, world["hr"])
    assert client.post("/api/v1/work-reports", json={"kind": "weekly", "text": "x"}, headers=hr).status_code == 403
    staff = token_for(client, world["staff"])
    assert client.get("/api/v1/work-reports/team?team=T1", headers=staff).status_code == 403
    other = make_team("T2", "二组")
    outsider = make_person(["lead", "staff"], other)
    got = client.get("/api/v1/work-reports/team?team=T1", headers=token_for(client, outsider))
    assert got.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_work_report_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        url = path.format(id=999999)
        status = client.open(url, method=method, headers=headers, json={} if method != "GET" else None).status_code
        assert (status != 403) if role in roles else (status == 403), (role, method, path, status)
        assert status < 500, (role, method, path, status)


def test_a_deadline_national_day_moved_answers_both_deadlines(client, world):
    world["clock"].on(date(2026, 10, 6), "10:00")
    staff = token_for(client, world["staff"])
    got = client.post("/api/v1/work-reports", json={"kind": "weekly", "text": "国庆前一周"}, headers=staff)
    assert got.status_code == 201, got.get_json()
    body = got.get_json()
    assert body["period_start"] == "2026-09-28" and body["late"] is False
    assert datetime.fromisoformat(body["due_at"]) == datetime(2026, 10, 8, 9, 0, tzinfo=SH)
    assert datetime.fromisoformat(body["nominal_due_at"]) == datetime(2026, 10, 5, 9, 0, tzinfo=SH)
    assert body["file_removed_at"] is None
    lead = token_for(client, world["lead"])
    team = client.get("/api/v1/work-reports/team?team=T1&kind=weekly&period=2026-09-28", headers=lead).get_json()
    assert datetime.fromisoformat(team["due_at"]) == datetime(2026, 10, 8, 9, 0, tzinfo=SH)
