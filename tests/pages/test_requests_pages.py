"""The requests pages: 待办 (the approver's inbox), 我的申请, the 补卡 form, one request's timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Punch, Request
from attendance.services import requests, roster, shift_types
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import LEADERS, login, make_person, make_team, one_per_role

EVERYONE = set(ROLES)


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    people = one_per_role(t1)
    people["mate"] = make_person(["staff"], t1, name="王芳")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    roster.set_roster_day(people["lead"], people["staff"].employee_no, yesterday(), "D8")
    return people


def yesterday():
    return clock.today() - timedelta(days=1)


def filed(person, **more) -> Request:
    day = yesterday().isoformat()
    return requests.file_correction(person, {"date": day, "direction": "in", "at": f"{day}T07:58",
                                             "reason": "地铁故障，忘记打卡", **more})


@pytest.fixture
def as_(client, world):
    def sign_in_as(role):
        client.post("/logout")
        login(client, world[role])
        return client
    return sign_in_as


PAGES = [
    ("GET", "/approvals", LEADERS),
    ("GET", "/requests", EVERYONE),
    ("GET", "/requests/{request}", EVERYONE),
    ("GET", "/requests/corrections/new", EVERYONE),
    ("POST", "/requests/corrections/new", EVERYONE),
    ("POST", "/requests/{request}/approve", LEADERS),
    ("POST", "/requests/{request}/reject", LEADERS),
    ("POST", "/requests/{request}/withdraw", EVERYONE),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_request_pages_it_should(as_, world, role):
    c = as_(role)
    for method, path, roles in PAGES:
        status = c.open(path.format(request=999999), method=method, data={}).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)


def test_the_inbox_lists_own_team_with_a_badge_and_approves_in_one_tap(as_, world):
    request = filed(world["staff"])
    c = as_("lead")
    page = c.get("/approvals").get_data(as_text=True)
    assert world["staff"].name in page and "地铁故障" in page and yesterday().isoformat() in page
    assert re.search(r'class="badge"[^>]*>1</span>', page)
    response = c.post(f"/requests/{request.id}/approve", data={"note": "属实", "back": "inbox"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/approvals")
    assert db.session.get(Request, request.id).status == "approved"
    assert db.session.scalar(select(func.count()).select_from(Punch).where(Punch.source == "correction")) == 1
    after = c.get("/approvals").get_data(as_text=True)
    assert 'class="badge"' not in after and "地铁故障" not in after


def test_the_requester_sees_the_chain_as_a_timeline_and_can_withdraw(as_, world):
    request = filed(world["staff"])
    c = as_("staff")
    page = c.get(f"/requests/{request.id}").get_data(as_text=True)
    assert 'class="timeline"' in page and "withdraw" in page
    assert c.post(f"/requests/{request.id}/withdraw").status_code == 302
    assert db.session.get(Request, request.id).status == "withdrawn"
    mine = c.get("/requests").get_data(as_text=True)
    assert 'class="timeline"' in mine and f'/requests/{request.id}"' in mine


def test_a_bad_correction_form_keeps_what_was_typed_and_shows_the_error_beside_the_field(as_, world):
    c = as_("staff")
    response = c.post("/requests/corrections/new", data={"date": "2026-01-01", "direction": "in",
                                                          "time": "07:58", "reason": "很久以前的事"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="2026-01-01"' in page and "很久以前的事" in page
    assert re.search(r'name="date"[^>]*>\s*<small class="error">', page)
    empty = c.post("/requests/corrections/new", data={"date": "", "direction": "in", "time": "", "reason": ""})
    assert empty.status_code == 400 and empty.get_data(as_text=True).count('class="error"') >= 3
    assert db.session.scalar(select(func.count()).select_from(Request)) == 0


def test_the_correction_form_files_a_request_for_the_lead(as_, world):
    c = as_("staff")
    response = c.post("/requests/corrections/new", data={"date": yesterday().isoformat(), "direction": "out",
                                                          "time": "18:05", "reason": "忘记下班打卡"})
    assert response.status_code == 302
    request = db.session.scalar(select(Request))
    assert (request.subject_id, request.correction.direction, request.chain) == (world["staff"].id, "out",
                                                                                 ("lead",))


def test_the_inbox_and_the_correction_form_fit_a_375_px_phone(app, world, tmp_path):
    filed(world["staff"])
    filed(world["mate"], direction="in", reason="手机没电了，无法打卡，请领班确认当天到岗时间")
    for person in (world["lead"], world["staff"]):
        assert person.username  # loaded now: the session closes before the server's requests write
    db.session.close()  # an open read transaction here would hold SQLite's shared lock against the server
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, world["lead"])
        page.goto(base + "/approvals")
        inbox = measure_width(page)
        page.screenshot(path=str(tmp_path / "inbox-375.png"), full_page=True)
        buttons = page.eval_on_selector_all(".decide button", "els => els.map(e => e.getBoundingClientRect().height)")
        page.fill(".inbox-item input[name=note]", "属实")
        with page.expect_navigation():
            page.click(".inbox-item button.primary")
        assert "/approvals" in page.url
        sign_in(page, base, world["staff"])
        page.goto(base + "/requests/corrections/new")
        form = measure_width(page)
        page.screenshot(path=str(tmp_path / "correction-375.png"), full_page=True)
    for seen in (inbox, form):
        assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
    assert buttons and min(buttons) >= 44
    assert db.session.scalar(select(func.count()).select_from(Request).where(Request.status == "approved")) == 1
