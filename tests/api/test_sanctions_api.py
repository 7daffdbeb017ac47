"""The recorder's choice on POST /violations, nominations for the month's reward and transfers over the API:
status, the error shape and who may (docs/api.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.domain.scoring import add_months, month_label
from attendance.services import discipline, scores
from tests.conftest import LEADERS, make_person, make_team, token_for
from tests.services.test_scores import attend, last_month, violation


@pytest.fixture
def world(app, client):
    team = make_team("T1", "热线一组")
    people = {"lead": make_person(["lead", "staff"], team, name="组长"),
              "staff": make_person(["staff"], team, name="张丽"),
              "supervisor": make_person(["supervisor"], name="陈主管"),
              "manager": make_person(["manager"], name="李经理"), "hr": make_person(["hr"], name="人事")}
    return {**people, "h": {k: token_for(client, p) for k, p in people.items()}}


def _record(client, world, **body):
    body = {"employee_no": world["staff"].employee_no, "rule": "FALSIFY",
            "occurred_at": (clock.now() - timedelta(days=1)).isoformat()} | body
    return client.post("/api/v1/violations", json=body, headers=world["h"]["supervisor"])


def test_falsify_with_dismissal_review_posts_no_fine_and_says_what_was_offered(client, world):
    r = _record(client, world, choice="dismissal_review", note="伪造回访记录")
    assert r.status_code == 201
    body = r.get_json()
    assert (body["sanction"], body["fine"], body["dismissal_review"], body["options"]) == (
        "dismissal_review", "0.00", True, ["fine", "dismissal_review"])
    why = client.get(f"/api/v1/violations/{body['id']}/explanation", headers=world["h"]["staff"]).get_json()
    assert why["choice"] == {"offered": ["fine", "dismissal_review"], "chosen": "dismissal_review"}


def test_falsify_with_fine_posts_the_fine_and_no_review(client, world):
    body = _record(client, world, choice="fine", amount="300.00").get_json()
    assert (body["sanction"], body["fine"], body["dismissal_review"]) == ("fine", "300.00", False)
    reviews = client.get("/api/v1/dismissal-reviews", headers=world["h"]["manager"]).get_json()["items"]
    assert reviews == []


@pytest.mark.parametrize(("body", "status", "code"), [
    ({}, 422, "sanction_choice"),
    ({"choice": "warning"}, 422, "sanction_choice"),
    ({"choice": "fine"}, 422, "FALSIFY"),  # the fine option still needs its amount
    ({"rule": "LATE", "choice": "fine"}, 400, "invalid_input"),
])
def test_a_bad_choice_is_refused_with_the_error_shape(client, world, body, status, code):
    r = _record(client, world, **body)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["error"]["code"] == code
    assert "choice" in r.get_json()["error"].get("fields", {}) or code == "FALSIFY"


def test_a_lead_nominates_the_supervisor_confirms_and_the_score_pays(client, world):
    month = month_label(last_month())
    attend(world["staff"], last_month())
    r = client.post("/api/v1/nominations", headers=world["h"]["lead"],
                    json={"employee_no": world["staff"].employee_no, "month": month, "reason": "连续零投诉"})
    assert r.status_code == 201
    n = r.get_json()
    assert (n["status"], n["nominated_by"], n["month"]) == ("pending", world["lead"].employee_no, month)
    assert client.post(f"/api/v1/nominations/{n['id']}/decide", json={"outcome": "confirmed"},
                       headers=world["h"]["lead"]).status_code == 403
    r = client.post(f"/api/v1/nominations/{n['id']}/decide", json={"outcome": "confirmed"},
                    headers=world["h"]["supervisor"])
    assert r.status_code == 200 and r.get_json()["decided_by"] == world["supervisor"].employee_no
    listed = client.get(f"/api/v1/nominations?month={month}", headers=world["h"]["supervisor"]).get_json()
    assert [x["status"] for x in listed] == ["confirmed"]
    mine = client.get(f"/api/v1/scores?month={month}", headers=world["h"]["staff"]).get_json()["items"][0]
    assert (mine["nomination"], mine["reward"]) == ("confirmed", "200.00")


@pytest.mark.parametrize(("who", "body", "status"), [
    ("staff", {"month": "2026-10", "reason": "x"}, 403),
    ("lead", {"month": "2026-13", "reason": "x"}, 400),
    ("lead", {"month": "2026-10", "reason": ""}, 400),
    ("lead", {"month": "2026-10"}, 400),
    ("lead", {"month": "2026-10", "reason": "x", "employee_no": "NOPE"}, 404),
])
def test_bad_nominations_answer_the_error_shape(client, world, who, body, status):
    body = {"employee_no": world["staff"].employee_no} | body
    r = client.post("/api/v1/nominations", json=body, headers=world["h"][who])
    assert r.status_code == status
    assert set(r.get_json()["error"]) >= {"code", "message"}


def test_a_second_nomination_and_a_second_decision_conflict(client, world):
    body = {"employee_no": world["staff"].employee_no, "month": month_label(last_month()), "reason": "突出"}
    n = client.post("/api/v1/nominations", json=body, headers=world["h"]["lead"]).get_json()
    assert client.post("/api/v1/nominations", json=body, headers=world["h"]["supervisor"]).status_code == 409
    decide = f"/api/v1/nominations/{n['id']}/decide"
    r = client.post(decide, json={"outcome": "declined"}, headers=world["h"]["supervisor"])
    assert r.status_code == 400 and "reason" in r.get_json()["error"]["fields"]
    assert client.post(decide, json={"outcome": "declined", "reason": "不够突出"},
                       headers=world["h"]["supervisor"]).status_code == 200
    assert client.post(decide, json={"outcome": "confirmed"}, headers=world["h"]["manager"]).status_code == 409
    assert client.post("/api/v1/nominations/999999/decide", json={"outcome": "confirmed"},
                       headers=world["h"]["supervisor"]).status_code == 404


def test_closing_a_month_with_a_pending_nomination_answers_422(client, world):
    month = month_label(last_month())
    client.post("/api/v1/nominations", headers=world["h"]["lead"],
                json={"employee_no": world["staff"].employee_no, "month": month, "reason": "突出"})
    r = client.post(f"/api/v1/months/{month}/close", headers=world["h"]["hr"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "nominations_pending"
    assert client.get(f"/api/v1/months/{month}", headers=world["h"]["hr"]).get_json()["pending_nominations"] == 1


def test_hr_completes_a_transfer_and_others_may_not(client, world):
    staff = world["staff"]
    violation(staff, "SHIRKING", add_months(last_month(), 0) + timedelta(days=1))
    v = violation(staff, "SHIRKING", last_month() + timedelta(days=2))
    t = discipline.transfer_of(v)
    assert client.get("/api/v1/transfers", headers=world["h"]["lead"]).status_code == 403
    listed = client.get("/api/v1/transfers", headers=world["h"]["hr"]).get_json()["items"]
    assert [x["id"] for x in listed] == [t.id]
    path = f"/api/v1/transfers/{t.id}/complete"
    assert client.post(path, json={"note": "调至投诉组"}, headers=world["h"]["supervisor"]).status_code == 403
    assert client.post(path, json={}, headers=world["h"]["hr"]).status_code == 400
    r = client.post(path, json={"note": "自 11 月 10 日调至投诉组"}, headers=world["h"]["hr"])
    assert r.status_code == 200 and r.get_json()["status"] == "done"
    assert client.post(path, json={"note": "again"}, headers=world["h"]["hr"]).status_code == 409
    assert scores.open_month()  # the month stays open: a transfer moves no money


# --- who may: the role matrix (tests/test_permissions_matrix.py checks every route is listed) -------------

TRANSFER_VIEWERS = {"supervisor", "manager", "gm", "hr"}
API = [
    ("GET", "/api/v1/nominations", set(LEADERS)),
    ("POST", "/api/v1/nominations", {"lead", "supervisor"}),
    ("POST", "/api/v1/nominations/1/decide", {"supervisor", "manager"}),
    ("GET", "/api/v1/transfers", TRANSFER_VIEWERS),
    ("POST", "/api/v1/transfers/1/complete", {"hr"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_nomination_and_transfer_routes_it_should(client, app, role):
    team = make_team("T9", "九组")
    caller = make_person([role], team if role in ("staff", "lead") else None)
    headers = token_for(client, caller)
    for method, path, roles in API:
        response = client.open(path, method=method, headers=headers, json={})
        if role in roles:  # an empty body is refused as bad input, never as forbidden
            assert response.status_code in (200, 400), (role, method, path, response.status_code)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
