"""The extra-shift pages (加班): the form, bad input kept, the request page, the roster's mark, the phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import ExtraShift, Request
from attendance.services import extra_shifts, requests, roster, shift_types
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login, make_person, make_team, one_per_role

EVERYONE = set(ROLES)

# Who reaches which page (the coverage test in tests/test_permissions_matrix.py reads this list).
PAGES = [
    ("GET", "/requests/extra-shifts/new", EVERYONE),
    ("POST", "/requests/extra-shifts/new", EVERYONE),
]


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    people = one_per_role(t1)
    people["mate"] = make_person(["staff"], t1, name="王芳")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    roster.set_roster_day(people["lead"], people["staff"].employee_no, today(), "D8")
    return people


def today() -> date:
    return clock.today()


@pytest.fixture
def as_(client, world):
    def sign_in_as(role):
        client.post("/logout")
        login(client, world[role])
        return client
    return sign_in_as


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_extra_shift_pages_it_should(as_, world, role):
    c = as_(role)
    for method, path, roles in PAGES:
        status = c.open(path, method=method, data={}).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)


def test_staff_ask_on_the_phone_the_lead_approves_and_the_roster_shows_it(as_, world):
    c = as_("staff")
    page = c.get("/requests/extra-shifts/new").get_data(as_text=True)
    assert "加班" in page and 'type="time"' in page
    made = c.post("/requests/extra-shifts/new", data={"date": today().isoformat(), "start": "18:30", "end": "21:00",
                                                     "reason": "双十一促销"})
    assert made.status_code == 302, made.get_data(as_text=True)
    request = db.session.scalar(select(Request).where(Request.kind == "extra_shift"))
    shown = c.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "双十一促销" in shown and "工作日" in shown and "18:30" in shown

    lead = as_("lead")
    assert "双十一促销" in lead.get("/approvals").get_data(as_text=True)
    assert lead.post(f"/requests/{request.id}/approve", data={"note": "同意"}).status_code == 302
    monday = today() - timedelta(days=today().weekday())
    grid = lead.get(f"/roster?team=T1&week={monday.isoformat()}").get_data(as_text=True)
    assert 'class="tag extra"' in grid and "18:30–21:00" in grid
    sheet = lead.get(f"/attendance/sheet?team=T1&month={today():%Y-%m}").get_data(as_text=True)
    assert "加班" in sheet and "2.5" in sheet


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong_in_chinese(as_, world):
    c = as_("staff")
    before = count(Request)
    bad = c.post("/requests/extra-shifts/new", data={"date": today().isoformat(), "start": "06:00", "end": "20:00",
                                                    "reason": "盘点"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="06:00"' in text and "盘点" in text
    assert "has-error" in text
    empty = c.post("/requests/extra-shifts/new", data={"date": "", "start": "", "end": "", "reason": ""})
    assert empty.status_code == 400
    assert count(Request) == before


def test_english_pages_say_extra_shift(as_, world):
    world["staff"].locale = "en"
    db.session.commit()
    c = as_("staff")
    page = c.get("/requests/extra-shifts/new").get_data(as_text=True)
    assert "Ask for an extra shift" in page


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_extra_shift_form_and_the_roster_fit_a_375_px_phone(app, world, tmp_path, locale):
    made = extra_shifts.file(world["staff"], {"date": today().isoformat(), "start": "18:00", "end": "22:00",
                                              "reason": "促销活动需要加班"})
    requests.decide(world["lead"], made.id, "approve")
    for person in (world["lead"], world["staff"]):
        person.locale = locale
    db.session.commit()
    for person in (world["lead"], world["staff"]):
        assert person.username
    db.session.close()
    monday = today() - timedelta(days=today().weekday())
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, world["staff"])
        page.goto(base + "/requests/extra-shifts/new")
        page.wait_for_selector("form.card")
        form = measure_width(page)
        page.fill("input[name=start]", "22:30")
        page.fill("input[name=end]", "23:30")
        page.fill("textarea[name=reason]", "晚高峰" if locale == "zh" else "evening peak")
        with page.expect_navigation():
            page.click("form.card button.primary")
        assert "/requests/" in page.url
        shown = measure_width(page)
        page.screenshot(path=str(tmp_path / f"extra-shift-{locale}-375.png"), full_page=True)
        sign_in(page, base, world["lead"])
        page.goto(base + f"/roster?team=T1&week={monday.isoformat()}")
        page.wait_for_selector(".tag.extra")
    for seen in (form, shown):
        assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
    assert db.session.scalar(select(func.count()).select_from(ExtraShift)) == 2
