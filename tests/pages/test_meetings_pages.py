"""My meetings (我的会议): sign in on the phone and ask to be excused; the lead names attendees on the meeting
form. At 375 px in a real browser, in Chinese and English."""

from __future__ import annotations

from datetime import date

import pytest

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.services import meetings
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login
from tests.duty_world import check_role_reach, duty_team

PAGES = [
    ("GET", "/attendance/meetings/mine", set(ROLES)),
    ("POST", "/attendance/meetings/{id}/sign-in", set(ROLES)),
    ("POST", "/attendance/meetings/{id}/excuse", set(ROLES)),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_my_meeting_pages_it_should(client, app, role):
    check_role_reach(client, role, PAGES)


@pytest.fixture
def world(app, moving_clock):
    return duty_team(moving_clock)


def test_the_lead_names_attendees_on_the_form(client, world):
    login(client, world["lead"])
    got = client.post("/attendance/meetings/new", data={"kind": "training", "team": "T1", "date": "2026-11-13",
                                                        "attendees": f"{world['a'].employee_no}, NOBODY"})
    assert got.status_code == 400 and "NOBODY" in got.get_data(as_text=True)
    got = client.post("/attendance/meetings/new", data={"kind": "training", "team": "T1", "date": "2026-11-13",
                                                        "attendees": world["a"].employee_no})
    assert got.status_code == 302


def test_in_a_phone_browser_in_chinese_and_english(app, world):
    m = meetings.create_meeting(world["lead"], {"kind": "training", "date": "2026-11-12", "team": "T1",
                                                "title": "新系统培训",
                                                "attendees": [world["a"].employee_no, world["b"].employee_no]})
    mid = m.id
    a, b = world["a"], world["b"]
    for person in (a, b):
        assert person.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, a)
        page.goto(base + "/attendance/meetings/mine")
        page.wait_for_selector("article.my-meeting")
        page.fill("input[name=reason]", "孩子生病需去医院")
        with page.expect_navigation():
            page.click("article.my-meeting form.filters button")
        assert "请假" in page.content()
        seen = measure_width(page)
        assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
        with page.expect_navigation():
            page.click("form.lang button")
        world["clock"].on(date(2026, 11, 12), "13:55")
        sign_in(page, base, b)
        page.goto(base + "/attendance/meetings/mine")
        page.wait_for_selector("article.my-meeting")
        with page.expect_navigation():
            page.click("article.my-meeting button.primary")
        content = page.content()
        assert "Signed in" in content or "签到" in content
        seen = measure_width(page)
        assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
        page.screenshot(path="/tmp/my-meetings-375.png", full_page=True)
    assert mid
