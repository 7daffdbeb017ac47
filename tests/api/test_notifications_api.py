"""GET /api/v1/notifications, POST /api/v1/notifications/{id}/read, POST /api/v1/notifications/read-all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Notification
from attendance.services import discipline, notifications
from tests.conftest import make_person, make_team, token_for

# (method, path, roles allowed); {own} one of the caller's notifications, {other} someone else's
API = [
    ("GET", "/api/v1/notifications", set(ROLES)),
    ("GET", "/api/v1/notifications?unread=true&limit=1", set(ROLES)),
    ("POST", "/api/v1/notifications/{own}/read", set(ROLES)),
    ("POST", "/api/v1/notifications/{other}/read", set()),  # nobody marks someone else's: 404
    ("POST", "/api/v1/notifications/read-all", set(ROLES)),
]
FIELDS = {"id", "kind", "title", "body", "link", "created_at", "read_at"}


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "staff": make_person(["staff"], team, name="张丽"),
            "lead": make_person(["lead", "staff"], team), "other": make_person(["staff"], team)}


def _violation(person, rule="COMPLAINT", hours=1):
    return discipline.record_violation(None, employee=person, rule_code=rule,
                                       occurred_at=clock.now() - timedelta(hours=hours))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_its_own_notifications_and_nobody_elses(client, world, role):
    caller = make_person([role], world["team"] if role in ("staff", "lead") else None)
    own = notifications.notify([caller.id], "violation", "x")[0].id
    other = notifications.notify([world["other"].id], "violation", "y")[0].id
    headers = token_for(client, caller)
    for method, path, roles in API:
        url = path.format(own=own, other=other)
        response = client.open(url, method=method, headers=headers)
        if role in roles:
            assert response.status_code == 200, (role, method, url, response.get_json())
        else:
            assert response.status_code == 404, (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "not_found"


def test_the_list_is_the_callers_newest_first_rendered_in_their_language(client, world):
    staff = world["staff"]
    v = _violation(staff)
    _violation(world["other"])
    headers = token_for(client, staff)
    body = client.get("/api/v1/notifications", headers=headers).get_json()
    assert body["next"] is None and len(body["items"]) == 1
    item = body["items"][0]
    assert set(item) == FIELDS
    assert item["kind"] == "violation" and item["link"] == f"/violations/{v.id}/explanation" and item["read_at"] is None
    assert item["title"] == "记录了一次违纪：因服务原因被客户投诉"
    assert item["body"].endswith("第 1 次 · 罚款 30.00 元 · 扣 6 分")
    assert item["created_at"].endswith("+00:00")
    staff.locale = "en"  # the person's saved language, as on the pages
    db.session.commit()
    item = client.get("/api/v1/notifications", headers=headers).get_json()["items"][0]
    assert item["title"] == "A violation was recorded: Customer complaint about service"
    assert item["body"].endswith("occurrence 1 · fine 30.00 yuan · 6 points")


def test_unread_filter_paging_and_marking(client, world):
    staff = world["staff"]
    ids = [n.id for n in (notifications.notify([staff.id], "violation", f"n{i}")[0] for i in range(5))]
    headers = token_for(client, staff)
    first = client.get("/api/v1/notifications?limit=2", headers=headers).get_json()
    assert [i["id"] for i in first["items"]] == ids[::-1][:2] and first["next"]
    rest = client.get(f"/api/v1/notifications?limit=3&cursor={first['next']}", headers=headers).get_json()
    assert [i["id"] for i in rest["items"]] == ids[::-1][2:] and rest["next"] is None

    read = client.post(f"/api/v1/notifications/{ids[0]}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    again = client.post(f"/api/v1/notifications/{ids[0]}/read", headers=headers)
    assert again.get_json()["read_at"] == read.get_json()["read_at"]  # idempotent
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).get_json()
    assert [i["id"] for i in unread["items"]] == ids[::-1][:4]

    marked = client.post("/api/v1/notifications/read-all", headers=headers)
    assert marked.status_code == 200 and marked.get_json() == {"marked": 4}
    assert client.get("/api/v1/notifications?unread=true", headers=headers).get_json() == {"items": [], "next": None}
    assert all(n.read_at is not None for n in db.session.scalars(select(Notification)))


@pytest.mark.parametrize("query", ["cursor=abc", "cursor=99999999999", "limit=0", "limit=501", "unread=perhaps"])
def test_bad_queries_are_400_in_the_error_shape(client, world, query):
    response = client.get(f"/api/v1/notifications?{query}", headers=token_for(client, world["staff"]))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and error["message"] and error["fields"]


def test_unknown_ids_are_404_and_no_token_is_401(client, world):
    headers = token_for(client, world["staff"])
    for path in ("/api/v1/notifications/0/read", "/api/v1/notifications/99999999999/read"):
        response = client.post(path, headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    for method, path, _ in API:
        response = client.open(path.format(own=1, other=2), method=method)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/notifications/1/read", headers=headers).status_code == 405


def test_the_openapi_document_describes_the_notification(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = spec["components"]["schemas"]["NotificationOut"]
    assert set(schema["properties"]) == FIELDS
    assert {"get"} <= set(spec["paths"]["/api/v1/notifications"])
    assert "unread" in {p["name"] for p in spec["paths"]["/api/v1/notifications"]["get"]["parameters"]}
