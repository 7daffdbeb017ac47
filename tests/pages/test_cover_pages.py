"""Cover on the pages and the API: the roster marks shifts below cover; approving a leave that breaks cover
warns the approver and refuses without a note (beside the field; API 422 ``cover_note_required``)."""

from __future__ import annotations

from datetime import date

import pytest

from attendance import clock
from attendance.extensions import db
from attendance.models import Request
from attendance.services import requests
from tests import leave_world as lw
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login, token_for
from tests.services.test_cover import DAY, with_cover

MONDAY = date(2026, 11, 9)


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: lw.NOW)
    world = lw.build()
    with_cover(4)
    return world


def at_last_step(world) -> Request:
    asked = lw.ask(world, world["crew"][0], "personal", DAY)
    for role in asked.chain[:-1]:
        requests.decide(world[role], asked.id, "approve")
    return asked


def test_the_leave_page_warns_and_refuses_without_a_note_beside_the_field(client, world):
    asked = at_last_step(world)
    login(client, world[asked.chain[-1]])
    page = client.get(f"/leave/{asked.id}").get_data(as_text=True)
    assert "cover-warning" in page and "低于最低在岗人数" in page and "D8" in page
    refused = client.post(f"/leave/{asked.id}/approve", data={"note": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "has-error" in text and "须在说明中写明原因" in text
    assert db.session.get(Request, asked.id).status == "pending"
    done = client.post(f"/leave/{asked.id}/approve", data={"note": "已安排顶岗"})
    assert done.status_code == 302 and db.session.get(Request, asked.id).status == "approved"
    grid = client.get(f"/roster?team=T1&week={MONDAY.isoformat()}").get_data(as_text=True)
    assert 'class="tag below-cover"' in grid and "D8 3/4" in grid


def test_the_api_answers_422_cover_note_required_then_approves_with_a_note(client, world):
    asked = at_last_step(world)
    headers = token_for(client, world[asked.chain[-1]])
    refused = client.post(f"/api/v1/leave-requests/{asked.id}/approve", json={}, headers=headers)
    error = refused.get_json()["error"]
    assert refused.status_code == 422 and error["code"] == "cover_note_required" and "note" in error["fields"]
    done = client.post(f"/api/v1/leave-requests/{asked.id}/approve", json={"note": "已安排顶岗"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "approved"


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_warning_and_the_roster_marks_fit_a_375_px_phone(app, world, tmp_path, locale):
    asked = at_last_step(world)
    approver = world[asked.chain[-1]]
    approver.locale = locale
    db.session.commit()
    assert approver.username
    request_id = asked.id
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, approver)
        page.goto(base + f"/leave/{request_id}")
        page.wait_for_selector(".cover-warning")
        warned = measure_width(page)
        with page.expect_navigation():
            page.click("form[data-section=decide] button.primary")
        page.wait_for_selector(".field.has-error")
        page.fill("form[data-section=decide] input[name=note]", "已安排顶岗" if locale == "zh" else "cover arranged")
        with page.expect_navigation():
            page.click("form[data-section=decide] button.primary")
        page.goto(base + f"/roster?team=T1&week={MONDAY.isoformat()}")
        page.wait_for_selector(".tag.below-cover")
        page.screenshot(path=str(tmp_path / f"cover-{locale}-375.png"), full_page=True)
    assert warned["inner"] == 375 and warned["scroll"] <= 375 and warned["right"] <= 376, warned["widest"]
    assert db.session.get(Request, request_id).status == "approved"
