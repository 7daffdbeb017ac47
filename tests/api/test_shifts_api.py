"""/api/v1 shift-types, roster and punches: the contract of docs/api.md, roles, and bad input as 400/404."""

from __future__ import annotations

import pytest

from attendance.domain.policy import ROLES
from attendance.services import shift_types
from tests.conftest import make_person, make_team, one_per_role, token_for

EVERYONE = set(ROLES)


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    people = one_per_role(t1)
    mate = make_person(["staff"], t1, employee_no="E101")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00",
                                      "breaks": [{"start": "12:00", "end": "14:00"}]})
    return people, mate


def test_shift_types_are_listed_created_and_changed(client, world):
    people, _ = world
    admin = token_for(client, people["admin"])
    created = client.post("/api/v1/shift-types", headers=admin, json={
        "code": "E", "name": "晚班", "start": "18:30", "end": "24:00", "grace_minutes": 3})
    assert created.status_code == 201, created.get_json()
    assert created.get_json() == {"code": "E", "name": "晚班", "start": "18:30", "end": "24:00", "breaks": [],
                                  "grace_minutes": 3, "crosses_midnight": False, "active": True}
    patched = client.patch("/api/v1/shift-types/E", headers=admin, json={"end": "02:00", "active": False})
    assert patched.get_json()["crosses_midnight"] is True and patched.get_json()["active"] is False
    listed = client.get("/api/v1/shift-types", headers=token_for(client, people["staff"]))
    assert [s["code"] for s in listed.get_json()] == ["D8", "E"]


def test_a_bad_shift_type_is_a_400_naming_each_field(client, world):
    people, _ = world
    admin = token_for(client, people["admin"])
    response = client.post("/api/v1/shift-types", headers=admin, json={
        "code": "bad code!", "name": "", "start": "25:00", "end": "18:00", "grace_minutes": "x"})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) >= {"code", "name", "start", "grace_minutes"}
    assert client.patch("/api/v1/shift-types/NOPE", headers=admin, json={"name": "x"}).status_code == 404


def test_changing_a_judged_day_answers_the_violation_it_raised_with_its_fine(client, world):
    from attendance.services import attendance

    people, mate = world
    lead = token_for(client, people["lead"])
    client.put("/api/v1/roster/E101/2026-11-03", headers=lead, json={"shift": "REST"})
    attendance.evaluate(people["hr"], "2026-11-03")
    put = client.put("/api/v1/roster/E101/2026-11-03", headers=lead, json={"shift": "D8"})
    body = put.get_json()
    assert put.status_code == 200 and body["shift"] == "D8" and body["reversed"] == []
    [raised] = body["raised"]
    assert raised["employee_no"] == "E101" and raised["date"] == "2026-11-03" and raised["rule_code"]
    assert "fine" in raised and raised["sanction"]
    back = client.put("/api/v1/roster/E101/2026-11-03", headers=lead, json={"shift": "REST"}).get_json()
    assert [r["rule_code"] for r in back["reversed"]] == [raised["rule_code"]] and back["raised"] == []


def test_roster_put_get_and_generate(client, world):
    people, mate = world
    lead = token_for(client, people["lead"])
    put = client.put("/api/v1/roster/E101/2026-11-03", headers=lead, json={"shift": "D8"})
    assert put.status_code == 200 and put.get_json() == {"employee_no": "E101", "date": "2026-11-03",
                                                         "shift": "D8", "note": None, "swap": None,
                                                         "raised": [], "reversed": []}
    client.put("/api/v1/roster/E101/2026-11-04", headers=lead, json={"shift": "REST"})
    rows = client.get("/api/v1/roster?team=T1&from=2026-11-01&to=2026-11-30", headers=lead).get_json()
    assert [(r["date"], r["shift"]) for r in rows["items"]] == [("2026-11-03", "D8"), ("2026-11-04", "REST")]
    generated = client.post("/api/v1/roster/generate", headers=lead, json={
        "team": "T1", "pattern": "weekly_rest", "shift": "D8", "from": "2026-12-01", "to": "2026-12-31"})
    assert generated.status_code == 200, generated.get_json()
    body = generated.get_json()
    assert body["from"] == "2026-12-01" and body["people"] == 3 and body["cells"] == 93
    mine = client.get("/api/v1/roster?from=2026-12-01&to=2026-12-31",
                      headers=token_for(client, people["staff"])).get_json()
    assert {r["employee_no"] for r in mine["items"]} == {people["staff"].employee_no}


def test_the_roster_list_is_paged(client, world):
    people, _ = world
    lead = token_for(client, people["lead"])
    client.post("/api/v1/roster/generate", headers=lead, json={
        "team": "T1", "pattern": "one_on_one_off", "shift": "D8", "from": "2026-12-01", "to": "2026-12-10"})
    seen, cursor = [], None
    while True:
        url = "/api/v1/roster?team=T1&from=2026-12-01&to=2026-12-10&limit=7" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=lead).get_json()
        assert len(body["items"]) <= 7
        seen += [(r["employee_no"], r["date"]) for r in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 30 and seen == sorted(seen)


@pytest.mark.parametrize("method, url, body, status, field", [
    ("PUT", "/api/v1/roster/E101/2026-02-30", {"shift": "D8"}, 400, "date"),
    ("PUT", "/api/v1/roster/E101/2026-11-03", {"shift": "NOPE"}, 400, "shift"),
    ("PUT", "/api/v1/roster/E101/2026-11-03", {}, 400, "shift"),
    ("PUT", "/api/v1/roster/NOBODY/2026-11-03", {"shift": "D8"}, 404, None),
    ("GET", "/api/v1/roster?from=2026-11-01&to=2026-13-01", None, 400, "to"),
    ("GET", "/api/v1/roster?from=2026-11-30&to=2026-11-01", None, 400, "to"),
    ("GET", "/api/v1/roster?from=2026-01-01&to=2026-12-31", None, 400, "to"),
    ("GET", "/api/v1/roster?from=2026-11-01&to=2026-11-30&cursor=zzz", None, 400, "cursor"),
    ("GET", "/api/v1/roster?from=2026-11-01&to=2026-11-30&team=NOTEAM", None, 404, None),
    ("POST", "/api/v1/roster/generate", {"team": "T1", "pattern": "zigzag", "from": "2026-12-01",
                                         "to": "2026-12-31"}, 400, "pattern"),
    ("POST", "/api/v1/roster/generate", {"team": "T1", "pattern": "cycle", "cycle": [],
                                         "from": "2026-12-01", "to": "2026-12-31"}, 400, "cycle"),
    ("POST", "/api/v1/roster/generate", {"team": "T1", "pattern": "weekly_rest", "shift": "D8",
                                         "from": "2026-12-01", "to": "2026-12-31",
                                         "weekday_shifts": {"x": "D8"}}, 400, "weekday_shifts"),
    ("POST", "/api/v1/roster/generate", {"team": "T2", "pattern": "weekly_rest", "shift": "D8",
                                         "from": "2026-12-01", "to": "2026-12-31"}, 404, None),
])
def test_bad_roster_input_is_400_or_404_in_the_error_shape(client, world, method, url, body, status, field):
    people, _ = world
    response = client.open(url, method=method, json=body, headers=token_for(client, people["lead"]))
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] in ("invalid_input", "not_found")
    if field:
        assert field in error["fields"]


def test_staff_clock_themselves_at_server_time_and_a_time_clock_sends_punches(client, world):
    people, mate = world
    staff = token_for(client, people["staff"])
    own = client.post("/api/v1/punches", headers=staff, json={"direction": "in"})
    assert own.status_code == 201 and own.get_json()["source"] == "api"
    assert own.get_json()["employee_no"] == people["staff"].employee_no
    chosen = client.post("/api/v1/punches", headers=staff, json={"direction": "in", "at": "2026-11-20T08:00:00"})
    assert chosen.status_code == 403
    other = client.post("/api/v1/punches", headers=staff, json={"employee_no": "E101", "direction": "in"})
    assert other.status_code == 404
    hr = token_for(client, people["hr"])
    body = {"employee_no": "E101", "at": "2026-11-20T08:01:02+08:00", "direction": "in", "source": "clock"}
    first = client.post("/api/v1/punches", headers=hr, json=body)
    again = client.post("/api/v1/punches", headers=hr, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["at"] == "2026-11-20T00:01:02+00:00"


@pytest.mark.parametrize("body, field", [
    ({"employee_no": "E101", "at": "not a time", "direction": "in"}, "at"),
    ({"employee_no": "E101", "at": "2026-11-20T08:00", "direction": "sideways"}, "direction"),
    ({"employee_no": "E101", "at": "2026-11-20T08:00", "source": "pigeon"}, "source"),
    ({"employee_no": "E101", "at": "2999-01-01T08:00"}, "at"),
    ({"employee_no": "E101"}, "at"),
])
def test_a_bad_punch_is_a_400(client, world, body, field):
    people, _ = world
    response = client.post("/api/v1/punches", headers=token_for(client, people["hr"]), json=body)
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


def test_an_unknown_person_punch_is_a_404(client, world):
    people, _ = world
    response = client.post("/api/v1/punches", headers=token_for(client, people["hr"]),
                           json={"employee_no": "NOBODY", "at": "2026-11-20T08:00"})
    assert response.status_code == 404


EXPORT = ("工号,打卡时间,方向\nE101,2026-11-02 08:00:00,上班\nX1,2026-11-02 08:00:00,上班\n"
          "E101,2026-11-02 18:00:00,下班\n")


def test_the_punch_import_answers_line_by_line_and_a_second_import_adds_nothing(client, world):
    people, _ = world
    hr = token_for(client, people["hr"]) | {"Content-Type": "text/csv"}
    first = client.post("/api/v1/punches/import", headers=hr, data=EXPORT.encode("gb18030"))
    assert first.status_code == 200
    assert first.get_json() == {"imported": 2, "duplicates": 0, "duplicate_lines": [], "evaluated": 0,
                                "rejected": [{"line": 3, "reason": "employee_no: unknown employee X1"}]}
    second = client.post("/api/v1/punches/import", headers=hr, data=EXPORT.encode())
    assert second.get_json()["imported"] == 0 and second.get_json()["duplicate_lines"] == [2, 4]
    empty = client.post("/api/v1/punches/import", headers=hr, data=b"")
    assert empty.status_code == 400


def test_a_sparse_roster_still_pages_through_everyone(client, world):
    people, _ = world
    lead = token_for(client, people["lead"])
    for person in (people["lead"], people["staff"]):
        client.put(f"/api/v1/roster/{person.employee_no}/2026-12-31", headers=lead, json={"shift": "D8"})
    seen, cursor, pages = [], None, 0
    while pages < 20:
        url = "/api/v1/roster?team=T1&from=2026-12-01&to=2026-12-31&limit=31" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=lead).get_json()
        seen += [r["employee_no"] for r in body["items"]]
        cursor, pages = body["next"], pages + 1
        if not cursor:
            break
    assert sorted(seen) == sorted([people["lead"].employee_no, people["staff"].employee_no])


def test_a_lead_cannot_set_the_time_of_their_own_punch(client, world):
    people, _ = world
    lead = token_for(client, people["lead"])
    response = client.post("/api/v1/punches", headers=lead, json={"at": "2026-11-20T08:00", "direction": "in"})
    assert response.status_code == 403


def test_a_lead_lists_and_voids_a_team_punch(client, world):
    people, _ = world
    hr = token_for(client, people["hr"])
    punch = client.post("/api/v1/punches", headers=hr, json={"employee_no": "E101", "at": "2026-11-20T08:00"})
    lead = token_for(client, people["lead"])
    listed = client.get("/api/v1/punches?employee_no=E101&date=2026-11-20", headers=lead).get_json()
    assert [p["id"] for p in listed] == [punch.get_json()["id"]]
    voided = client.post(f"/api/v1/punches/{punch.get_json()['id']}/void", headers=lead, json={"reason": "错卡"})
    assert voided.status_code == 200 and voided.get_json()["voided"] is True
    assert client.post("/api/v1/punches/99999/void", headers=lead, json={"reason": "x"}).status_code == 404


API = [
    ("GET", "/api/v1/shift-types", EVERYONE),
    ("POST", "/api/v1/shift-types", {"admin", "supervisor", "manager"}),
    ("PATCH", "/api/v1/shift-types/D8", {"admin", "supervisor", "manager"}),
    ("GET", "/api/v1/roster?from=2026-11-01&to=2026-11-30", EVERYONE),
    ("PUT", "/api/v1/roster/{own}/2026-11-03", {"lead", "supervisor", "manager"}),
    ("POST", "/api/v1/roster/generate", {"lead", "supervisor", "manager"}),
    ("POST", "/api/v1/punches", {"staff", "lead", "supervisor", "hr", "admin"}),
    ("GET", "/api/v1/punches?employee_no={own}&date=2026-11-03", EVERYONE),
    ("POST", "/api/v1/punches/1/void", {"lead", "supervisor", "hr", "admin"}),
    ("POST", "/api/v1/punches/import", {"hr", "admin", "supervisor"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_it_should(client, world, role):
    people, _ = world
    caller = people[role]
    headers = token_for(client, caller)
    for method, path, roles in API:
        url = path.format(own=caller.employee_no)
        response = client.open(url, method=method, headers=headers, json={})
        if role in roles:
            assert response.status_code not in (401, 403), (role, method, url, response.get_json())
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] in ("forbidden", "not_found")


def test_without_a_token_every_route_is_401(client, world):
    for method, path, _ in API:
        response = client.open(path.format(own="X"), method=method, json={})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
