"""Today (今日): staff land on their clock and what is asked of them; leads and the office land where they did.
The world, the week and the fixed clock are those of tests/api/test_swaps_api.py (2026-11-05 10:00)."""

from __future__ import annotations

import pytest

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.services import swaps
from tests.api.test_swaps_api import MON, WED, Clock, make_world
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import PASSWORD, login


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", Clock())
    return make_world()


PAGES = [("GET", "/today", {"staff", "lead"})]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_should(client, world, role):
    login(client, world[role])
    for method, path, roles in PAGES:
        status = client.open(path, method=method).status_code
        assert (status < 400) if role in roles else status in (403, 404), (role, path, status)


def test_staff_land_on_today_after_signing_in_and_at_the_root(client, world):
    response = client.post("/login", data={"username": world["mate"].username, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/today")
    assert client.get("/").location.endswith("/today")


@pytest.mark.parametrize("role", ["lead", "supervisor", "hr"])
def test_leads_and_the_office_keep_landing_on_their_record(client, world, role):
    response = client.post("/login", data={"username": world[role].username, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/me")


def test_today_shows_the_shift_the_clock_and_the_swap_waiting_for_my_answer(client, world):
    swaps.file_swap(world["staff"], {
        "requester_date": MON.isoformat(), "counterpart_no": world["mate"].employee_no,
        "counterpart_date": WED.isoformat(), "kind": "swap", "reason": "孩子开家长会", "handover_note": ""})
    login(client, world["mate"])
    page = client.get("/today").get_data(as_text=True)
    assert "08:00–18:00" in page and page.count('name="direction"') == 1
    assert world["staff"].name in page and "等待你的答复" in page
    assert 'class="clock-link"' in page  # the clock in the header, not behind the menu
    login(client, world["staff"])
    assert "没有需要你处理的事项" in client.get("/today").get_data(as_text=True)


def test_today_and_the_header_clock_fit_a_phone(app, world):
    mate = world["mate"]
    assert mate.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, mate)
        assert page.url.endswith("/today")
        assert page.locator("header .clock-link").is_visible()  # visible without opening the menu
        width = measure_width(page)
        page.screenshot(path="/tmp/everyday-today.png", full_page=True)
        with page.expect_navigation():
            page.click("header .clock-link")
        assert page.url.endswith("/clock")
    assert width["scroll"] <= 375 and width["right"] <= 376, width["widest"]
