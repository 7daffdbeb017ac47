"""Handover book pages: write, acknowledge on the phone, the board's list of unacknowledged handovers and the
lead's fine; at 375 px in a real browser, in Chinese and English."""

from __future__ import annotations

import pytest

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.services import handovers
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login
from tests.duty_world import check_role_reach, duty_team

PAGES = [
    ("GET", "/handovers", set(ROLES)),
    ("POST", "/handovers", set(ROLES)),
    ("GET", "/handovers/{id}", set(ROLES)),
    ("POST", "/handovers/{id}/acknowledge", set(ROLES)),
    ("POST", "/handovers/{id}/fine", {"lead", "supervisor", "manager"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_handover_pages_it_should(client, app, role):
    check_role_reach(client, role, PAGES)


@pytest.fixture
def world(app, moving_clock):
    world = duty_team(moving_clock)
    return {**world, "out": world["a"], "in": world["b"]}


def test_write_keeps_what_was_typed_on_bad_input(client, world):
    login(client, world["out"])
    got = client.post("/handovers", data={"notes": "钥匙在前台", "date": "2026-02-30"})
    assert got.status_code == 400 and "钥匙在前台" in got.get_data(as_text=True)
    got = client.post("/handovers", data={"open_cases": "投诉单 3 张", "incoming_no": world["in"].employee_no})
    assert got.status_code == 302


def test_in_a_phone_browser_in_chinese_and_english(app, world):
    row = handovers.write(world["out"], {"open_cases": "3 张投诉单未结，客户王先生下午回电",
                                         "incoming_no": world["in"].employee_no})
    hid = row.id
    lead, incoming = world["lead"], world["in"]
    for person in (lead, incoming):
        assert person.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        for lang in ("zh", "en"):
            sign_in(page, base, lead)
            page.goto(base + "/attendance/board?team=T1&date=2026-11-05")
            page.wait_for_selector("article.handover-open")
            seen = measure_width(page)
            assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
            assert ("未确认" in page.content()) if lang == "zh" else ("not acknowledged" in page.content())
            page.goto(base + f"/handovers/{hid}")
            seen = measure_width(page)
            assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
            page.screenshot(path=f"/tmp/handover-{lang}-375.png", full_page=True)
            if lang == "zh":
                with page.expect_navigation():
                    page.click("form.lang button")
        sign_in(page, base, incoming)
        page.goto(base + "/handovers")
        page.wait_for_selector("article.handover-waiting")
        seen = measure_width(page)
        assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
        with page.expect_navigation():
            page.click("article.handover-waiting button.primary")
        assert f"/handovers/{hid}" in page.url
