"""The grooming API: the checklist, recording a check (once), corrections, listing, errors, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import GroomingCheck, Violation
from tests.conftest import LEADERS, make_person, make_team, token_for
from tests.policies import publish_grooming_per_item


@pytest.fixture
def per_item(app):
    """One violation per failed item (the policy setting ``grooming.violation_per: item``)."""
    publish_grooming_per_item()


@pytest.fixture
def crew(app):
    t1 = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], t1)
    staff = [make_person(["staff"], t1) for _ in range(12)]
    t2 = make_team("T2", "投诉组")
    other = make_person(["staff"], t2)
    return {"lead": lead, "staff": staff, "other": other}


def _today() -> str:
    return clock.today().isoformat()


def _violations() -> int:
    return db.session.scalar(select(func.count()).select_from(Violation).where(Violation.source == "grooming"))


def test_the_checklist_lists_the_policy_items_in_order_with_chinese_unescaped(client, crew):
    headers = token_for(client, crew["staff"][0])
    response = client.get("/api/v1/grooming/checklist", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    codes = [i["code"] for i in body["items"]]
    assert codes[:3] == ["UNIFORM", "SHOES", "BADGE"] and "DESK_TIDY" in codes
    first = body["items"][0]
    assert first["rule"] == "GROOMING" and first["kind"] == "grooming" and first["teams"] is None
    assert "工作服".encode() in response.data
    assert body["policy_version"]["id"] == 1
    assert client.get("/api/v1/grooming/checklist?team=T1", headers=headers).status_code == 200
    assert client.get("/api/v1/grooming/checklist?team=NOPE", headers=headers).status_code == 404
    assert client.get("/api/v1/grooming/checklist?on=soon", headers=headers).status_code == 400


def test_a_failed_item_raises_a_violation_of_its_rule_with_money_as_strings(client, crew, per_item):
    a = crew["staff"][0]
    headers = token_for(client, crew["lead"])
    response = client.post("/api/v1/grooming-checks", headers=headers, json={
        "employee_no": a.employee_no, "date": _today(), "items": {"UNIFORM": "fail", "BADGE": "fail", "HAIR": "pass"},
        "notes": {"UNIFORM": "袖子卷起"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["employee_no"] == a.employee_no and body["status"] == "present" and body["shift"] is None
    assert body["items"]["UNIFORM"] == "fail" and body["items"]["HAIR"] == "pass" and len(body["items"]) == 15
    assert [(v["rule"], v["item"], v["occurrence"], v["step"], v["fine"]) for v in body["violations"]] == [
        ("GROOMING", "UNIFORM", 1, 1, "10.00"), ("GROOMING", "BADGE", 2, 1, "10.00")]
    assert body["failures"][0]["note"] == "袖子卷起" and body["recorded"] is True
    assert all(v["ledger_entry"] for v in body["violations"])


def test_the_same_idempotency_key_or_the_same_check_again_records_it_once(client, crew):
    a = crew["staff"][0]
    headers = token_for(client, crew["lead"]) | {"Idempotency-Key": "groom-1"}
    body = {"employee_no": a.employee_no, "date": _today(), "items": {"NAILS": "fail"}}
    first = client.post("/api/v1/grooming-checks", headers=headers, json=body)
    second = client.post("/api/v1/grooming-checks", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replay") == "true" and first.get_json() == second.get_json()
    del headers["Idempotency-Key"]
    third = client.post("/api/v1/grooming-checks", headers=headers, json=body)
    assert third.status_code == 200 and third.get_json()["recorded"] is False
    assert third.get_json()["violations"] == []
    assert _violations() == 1
    assert db.session.scalar(select(func.count()).select_from(GroomingCheck)) == 1


def test_a_different_check_for_the_same_day_corrects_and_reverses_what_it_removes(client, crew, per_item):
    a = crew["staff"][0]
    headers = token_for(client, crew["lead"])
    client.post("/api/v1/grooming-checks", headers=headers, json={
        "employee_no": a.employee_no, "date": _today(), "items": {"NAILS": "fail", "HAIR": "fail"}})
    response = client.post("/api/v1/grooming-checks", headers=headers, json={
        "employee_no": a.employee_no, "date": _today(), "items": {"HAIR": "fail"}})
    assert response.status_code == 201
    body = response.get_json()
    assert body["violations"] == [] and [v["item"] for v in body["reversed"]] == ["NAILS"]
    assert body["reversed"][0]["reversed"] is True and body["supersedes"] is not None
    listed = client.get(f"/api/v1/grooming-checks?employee_no={a.employee_no}&include_superseded=true",
                        headers=headers).get_json()["items"]
    assert [c["current"] for c in listed] == [True, False]
    assert listed[1]["superseded_by"] == crew["lead"].employee_no
    absent = client.post("/api/v1/grooming-checks", headers=headers, json={
        "employee_no": a.employee_no, "date": _today(), "status": "absent"})
    assert [v["item"] for v in absent.get_json()["reversed"]] == ["HAIR"]


@pytest.mark.parametrize("body, status, field", [
    ({"items": {"NOPE": "fail"}}, 400, "items.NOPE"),
    ({"items": {"HAIR": "maybe"}}, 400, "items.HAIR.value"),
    ({"date": "2026-02-30"}, 400, "date"),
    ({"date": "yesterday"}, 400, "date"),
    ({"shift": "NOPE"}, 400, "shift"),
    ({"status": "sick"}, 400, "status"),
    ({"notes": 5}, 400, "notes"),
    ({"colour": "red"}, 400, "colour"),
    ({"employee_no": "NOBODY"}, 404, None),
    ({"employee_no": "{other}"}, 403, None),
    ({"employee_no": "{lead}"}, 403, None),
])
def test_bad_input_is_refused_in_the_documented_shape(client, crew, body, status, field):
    headers = token_for(client, crew["lead"])
    data = {"employee_no": crew["staff"][0].employee_no, "date": _today()} | body
    data["employee_no"] = data["employee_no"].format(other=crew["other"].employee_no,
                                                     lead=crew["lead"].employee_no)
    response = client.post("/api/v1/grooming-checks", headers=headers, json=data)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message"}
    if field:
        assert field in error["fields"], error
    assert db.session.scalar(select(func.count()).select_from(GroomingCheck)) == 0


def test_a_future_day_is_refused(client, crew):
    headers = token_for(client, crew["lead"])
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client.post("/api/v1/grooming-checks", headers=headers,
                           json={"employee_no": crew["staff"][0].employee_no, "date": tomorrow})
    assert response.status_code == 400 and "date" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("role", ROLES)
def test_only_leads_supervisors_and_managers_record_checks(client, crew, role):
    caller = make_person([role], None)
    headers = token_for(client, caller)
    target = crew["staff"][0]
    response = client.post("/api/v1/grooming-checks", headers=headers,
                           json={"employee_no": target.employee_no, "date": _today()})
    if role in ("supervisor", "manager"):
        assert response.status_code == 201
    else:  # a lead without a team reaches nobody; staff, gm, hr, admin may not check at all
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


# Everyone but the quality inspector, whose work is the inspections alone.
EVERYONE = set(ROLES) - {"inspector"}
# (method, path, roles allowed); the caller is in team T1 (the lead leads it), {mate} in T1, {month} this month.
API = [
    ("GET", "/api/v1/grooming/checklist", EVERYONE),
    ("GET", "/api/v1/grooming-checks", EVERYONE),
    ("POST", "/api/v1/grooming-checks", {"lead", "supervisor", "manager"}),
    ("GET", "/api/v1/grooming/insight?team=T1&month={month}", LEADERS),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_grooming_routes_it_should(client, crew, role):
    t1 = crew["lead"].team
    caller = make_person([role], t1 if role in ("staff", "lead") else None)
    if role == "lead":
        t1.lead_id = caller.id
        db.session.commit()
    headers = token_for(client, caller)
    mate = crew["staff"][0]
    for method, path, roles in API:
        url = path.format(month=clock.today().strftime("%Y-%m"))
        body = {"employee_no": mate.employee_no, "date": _today()} if method == "POST" else None
        response = client.open(url, method=method, headers=headers, json=body)
        if role in roles:
            assert response.status_code in (200, 201), (role, method, url, response.get_json())
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "forbidden"


def test_staff_list_only_their_own_checks_and_leads_their_team(client, crew):
    a, b = crew["staff"][:2]
    lead_headers = token_for(client, crew["lead"])
    for person in (a, b):
        client.post("/api/v1/grooming-checks", headers=lead_headers,
                    json={"employee_no": person.employee_no, "date": _today()})
    supervisor = token_for(client, make_person(["supervisor"]))
    client.post("/api/v1/grooming-checks", headers=supervisor,
                json={"employee_no": crew["other"].employee_no, "date": _today()})
    mine = client.get("/api/v1/grooming-checks", headers=token_for(client, a)).get_json()
    assert [c["employee_no"] for c in mine["items"]] == [a.employee_no]
    team = client.get(f"/api/v1/grooming-checks?team=T1&date={_today()}", headers=lead_headers).get_json()
    assert {c["employee_no"] for c in team["items"]} == {a.employee_no, b.employee_no}
    assert client.get(f"/api/v1/grooming-checks?employee_no={b.employee_no}",
                      headers=token_for(client, a)).status_code == 404
    page = client.get("/api/v1/grooming-checks?limit=1", headers=supervisor).get_json()
    assert len(page["items"]) == 1 and page["next"]
    rest = client.get(f"/api/v1/grooming-checks?limit=5&cursor={page['next']}", headers=supervisor).get_json()
    assert len(rest["items"]) == 2 and rest["next"] is None
    for bad in ("date=2026-99-01", "month=11-2026", "cursor=x", "limit=0"):
        assert client.get(f"/api/v1/grooming-checks?{bad}", headers=supervisor).status_code == 400


def test_the_insight_ranks_items_and_people_for_leaders_only(client, crew):
    a = crew["staff"][0]
    headers = token_for(client, crew["lead"])
    client.post("/api/v1/grooming-checks", headers=headers,
                json={"employee_no": a.employee_no, "date": _today(), "items": {"HAIR": "fail"}})
    month = clock.today().strftime("%Y-%m")
    body = client.get(f"/api/v1/grooming/insight?team=T1&month={month}", headers=headers).get_json()
    assert body["items"] == [{"code": "HAIR", "name": body["items"][0]["name"], "failures": 1, "people": 1}]
    assert body["people"][0]["employee_no"] == a.employee_no
    assert client.get(f"/api/v1/grooming/insight?team=T2&month={month}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/grooming/insight?team=T1&month={month}",
                      headers=token_for(client, a)).status_code == 403
    assert client.get("/api/v1/grooming/insight?team=T1&month=2026-13", headers=headers).status_code == 400


def test_without_a_token_the_grooming_routes_answer_401(client, crew):
    for method, url in (("GET", "/api/v1/grooming/checklist"), ("POST", "/api/v1/grooming-checks"),
                        ("GET", "/api/v1/grooming-checks"), ("GET", "/api/v1/grooming/insight")):
        response = client.open(url, method=method, json={})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_the_openapi_document_describes_the_grooming_routes(client, app):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get"} <= set(paths["/api/v1/grooming/checklist"])
    assert {"get", "post"} <= set(paths["/api/v1/grooming-checks"])
    assert {"200", "201"} <= set(paths["/api/v1/grooming-checks"]["post"]["responses"])
