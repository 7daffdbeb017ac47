"""/api/v1 attendance, evaluation, the monthly sheet and meetings."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Punch
from attendance.services import punches, roster, shift_types
from tests.conftest import LEADERS, make_team, one_per_role, token_for

EVERYONE = set(ROLES)


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    people = one_per_role(t1)
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    staff = people["staff"]
    for day in (2, 3, 4):
        roster.set_roster_day(people["lead"], staff.employee_no, date(2026, 11, day), "D8")
    roster.set_roster_day(people["lead"], staff.employee_no, date(2026, 11, 5), "REST")
    for moment in ("2026-11-02T08:06:00+08:00", "2026-11-02T18:00:00+08:00", "2026-11-03T07:59:00+08:00"):
        at = punches.parse_instant(moment)
        db.session.add(Punch(employee_id=staff.id, at=at, source="import",
                             dedupe_key=punches.dedupe_key(staff.id, at)))
    db.session.commit()
    return people


def test_attendance_lists_each_rostered_day_with_its_status_and_minutes(client, world):
    hr = token_for(client, world["hr"])
    body = client.get("/api/v1/attendance?team=T1&from=2026-11-02&to=2026-11-05", headers=hr).get_json()
    rows = {r["date"]: r for r in body["items"]}
    assert rows["2026-11-02"]["status"] == "late" and rows["2026-11-02"]["late_minutes"] == 6
    assert rows["2026-11-03"]["status"] == "present" and rows["2026-11-03"]["missing_out"] is True
    assert rows["2026-11-04"]["status"] == "absent"
    assert rows["2026-11-05"]["status"] == "rest" and rows["2026-11-05"]["shift"] == "REST"
    assert set(rows["2026-11-02"]) >= {"employee_no", "date", "shift", "status", "late_minutes", "early_minutes",
                                       "leave_type", "evaluated"}
    assert rows["2026-11-02"]["evaluated"] is False


def test_evaluation_raises_once_and_is_idempotent_by_key(client, world):
    hr = token_for(client, world["hr"])
    first = client.post("/api/v1/attendance/evaluate", headers=hr, json={"date": "2026-11-02", "to": "2026-11-05"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["days"] == 4 and len(first.get_json()["raised"]) == 2
    second = client.post("/api/v1/attendance/evaluate", headers=hr, json={"date": "2026-11-02", "to": "2026-11-05"})
    assert second.get_json()["raised"] == [] and second.get_json()["reversed"] == 0
    rows = client.get("/api/v1/attendance?employee_no=" + world["staff"].employee_no
                      + "&from=2026-11-02&to=2026-11-02", headers=hr).get_json()["items"]
    assert rows[0]["evaluated"] is True
    violations = client.get("/api/v1/violations?employee_no=" + world["staff"].employee_no, headers=hr).get_json()
    assert sorted(v["rule"] for v in violations["items"]) == ["ABSENT", "LATE"]


def test_staff_see_only_their_own_attendance(client, world):
    staff = token_for(client, world["staff"])
    own = client.get("/api/v1/attendance?from=2026-11-02&to=2026-11-05", headers=staff).get_json()
    assert {r["employee_no"] for r in own["items"]} == {world["staff"].employee_no}
    other = client.get(f"/api/v1/attendance?employee_no={world['lead'].employee_no}&from=2026-11-02&to=2026-11-05",
                       headers=staff)
    assert other.status_code == 404
    assert client.get("/api/v1/attendance?team=T1&from=2026-11-02&to=2026-11-05", headers=staff).status_code == 404


@pytest.mark.parametrize("url, status", [
    ("/api/v1/attendance?from=2026-11-02", 400),
    ("/api/v1/attendance?from=2026-11-02&to=2026-11-32", 400),
    ("/api/v1/attendance?from=2026-11-05&to=2026-11-01", 400),
    ("/api/v1/attendance?from=2026-11-02&to=2026-11-05&employee_no=NOBODY", 404),
    ("/api/v1/attendance?from=2026-11-02&to=2026-11-05&team=NOTEAM", 404),
    ("/api/v1/attendance/sheet.xlsx?month=2026-13", 400),
    ("/api/v1/attendance/sheet.xlsx?month=2026-11&team=NOTEAM", 404),
])
def test_bad_attendance_queries_are_400_or_404(client, world, url, status):
    response = client.get(url, headers=token_for(client, world["hr"]))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] in ("invalid_input", "not_found")


def test_the_monthly_sheet_downloads_as_xlsx(client, world):
    response = client.get("/api/v1/attendance/sheet.xlsx?month=2026-11&team=T1",
                          headers=token_for(client, world["lead"]))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(response.data)).active
    assert "考勤表" in ws["A1"].value
    names = [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)]
    assert world["staff"].name in names


def test_meetings_are_created_and_attendance_marked(client, world):
    lead = token_for(client, world["lead"])
    created = client.post("/api/v1/meetings", headers=lead, json={"kind": "morning", "date": "2026-11-02",
                                                                  "team": "T1"})
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["starts_at"] == "2026-11-02T00:05:00+00:00"
    marked = client.put(f"/api/v1/meetings/{meeting['id']}/attendance", headers=lead,
                        json={"marks": {world["staff"].employee_no: "absent"}})
    assert marked.status_code == 200 and len(marked.get_json()["raised"]) == 1
    again = client.put(f"/api/v1/meetings/{meeting['id']}/attendance", headers=lead,
                       json={"marks": {world["staff"].employee_no: "absent"}})
    assert again.get_json()["raised"] == []
    bad = client.put(f"/api/v1/meetings/{meeting['id']}/attendance", headers=lead, json={"marks": {"NOBODY": "late"}})
    assert bad.status_code == 400
    wrong_team = client.post("/api/v1/meetings", headers=lead, json={"kind": "weekly", "date": "2026-11-02",
                                                                     "team": "T2"})
    assert wrong_team.status_code == 403
    listed = client.get("/api/v1/meetings?month=2026-11", headers=lead).get_json()
    assert [m["id"] for m in listed] == [meeting["id"]]
    assert client.get("/api/v1/meetings/999", headers=lead).status_code == 404


API = [
    ("GET", "/api/v1/attendance?from=2026-11-02&to=2026-11-05", EVERYONE),
    ("POST", "/api/v1/attendance/evaluate", {"hr", "admin", "supervisor"}),
    ("GET", "/api/v1/attendance/sheet.xlsx?month=2026-11", LEADERS),
    ("GET", "/api/v1/meetings", LEADERS),
    ("POST", "/api/v1/meetings", {"lead", "supervisor"}),
    ("GET", "/api/v1/meetings/1", LEADERS),
    ("PUT", "/api/v1/meetings/1/attendance", {"lead", "supervisor"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        response = client.open(path, method=method, headers=headers, json={})
        if role in roles:
            assert response.status_code not in (401, 403), (role, method, path, response.get_json())
        else:
            assert response.status_code in (403, 404), (role, method, path, response.status_code)
            assert response.get_json()["error"]["code"] in ("forbidden", "not_found")


def test_without_a_token_every_route_is_401(client, world):
    for method, path, _ in API:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401
