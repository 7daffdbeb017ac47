"""The swaps pages: ask, answer, approve, withdraw; the printable 《换班、换休申请表》; the month's counts; the
roster's and the day board's links to a swap; suspected private swaps; and the whole journey in a real
browser at 375 px. The week and the fixed clock are those of tests/api/test_swaps_api.py."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Request, RosterEntry, Swap, Violation
from attendance.services import attendance, swaps
from tests.api.test_swaps_api import MON, SHANGHAI, WED, make_world, punch
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import LEADERS, login

EVERYONE = set(ROLES)
FLOOR = {"lead", "supervisor", "manager"}



@pytest.fixture
def world(app, moving_clock):
    return make_world()


@pytest.fixture
def as_(client, world):
    def sign_in_as(role):
        client.post("/logout")
        login(client, world[role])
        return client
    return sign_in_as


def asked(world, **more) -> Request:
    return swaps.file_swap(world["staff"], {
        "requester_date": MON.isoformat(), "counterpart_no": world["mate"].employee_no,
        "counterpart_date": WED.isoformat(), "kind": "swap", "reason": "孩子开家长会",
        "handover_note": "周一回访名单在共享盘", **more})


PAGES = [
    ("GET", "/swaps", EVERYONE),
    ("GET", "/swaps/new", EVERYONE),
    ("POST", "/swaps/new", EVERYONE),
    ("GET", "/swaps/{swap}", EVERYONE),
    ("GET", "/swaps/{swap}/form", EVERYONE),
    ("POST", "/swaps/{swap}/accept", EVERYONE),
    ("POST", "/swaps/{swap}/decline", EVERYONE),
    ("POST", "/swaps/{swap}/withdraw", EVERYONE),
    ("POST", "/swaps/{swap}/approve", LEADERS),
    ("POST", "/swaps/{swap}/reject", LEADERS),
    ("POST", "/swaps/{swap}/handover-fine", FLOOR),
    ("GET", "/swaps/private", FLOOR),
    ("POST", "/swaps/private/confirm", FLOOR),
    ("POST", "/swaps/private/dismiss", FLOOR),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_swap_pages_it_should(as_, world, role):
    c = as_(role)
    for method, path, roles in PAGES:
        status = c.open(path.format(swap=999999), method=method, data={}).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)
        assert status < 500, (role, method, path, status)


def test_the_swap_journey_through_the_pages_changes_the_roster_and_shows_the_handover(as_, world):
    c = as_("staff")
    form = c.get("/swaps/new").get_data(as_text=True)
    assert world["mate"].name in form and world["other"].name not in form  # colleagues of the same team
    response = c.post("/swaps/new", data={"kind": "swap", "requester_date": MON.isoformat(),
                                          "counterpart_no": world["mate"].employee_no,
                                          "counterpart_date": WED.isoformat(), "reason": "孩子开家长会",
                                          "handover_note": "周一回访名单在共享盘"})
    assert response.status_code == 302, response.get_data(as_text=True)
    swap_id = db.session.scalar(select(Swap.request_id))
    page = c.get(f"/swaps/{swap_id}").get_data(as_text=True)
    assert "周一回访名单在共享盘" in page and 'class="timeline"' in page and "withdraw" in page
    assert "still responsible" in page or "仍" in page

    c = as_("mate")
    page = c.get("/swaps").get_data(as_text=True)
    assert f"/swaps/{swap_id}" in page and "周一回访名单在共享盘" in page
    page = c.get(f"/swaps/{swap_id}").get_data(as_text=True)
    assert "/accept" in page and "/decline" in page
    assert c.post(f"/swaps/{swap_id}/accept", data={"note": "好的"}).status_code == 302

    c = as_("supervisor")
    assert f"/swaps/{swap_id}" in c.get("/approvals").get_data(as_text=True)
    page = c.get(f"/swaps/{swap_id}").get_data(as_text=True)
    assert "/approve" in page
    assert c.post(f"/swaps/{swap_id}/approve", data={"note": "同意"}).status_code == 302
    assert db.session.get(Request, swap_id).status == "approved"

    c = as_("lead")
    grid = c.get(f"/roster?team=T1&week={MON.isoformat()}").get_data(as_text=True)
    assert grid.count(f'href="/swaps/{swap_id}"') == 4  # both people, both days
    board = c.get(f"/attendance/board?team=T1&date={MON.isoformat()}").get_data(as_text=True)
    assert "周一回访名单在共享盘" in board and f"#{swap_id}" in board
    c = as_("staff")
    counts = c.get("/swaps?month=2026-11").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> / 2", counts)


def test_a_refused_swap_keeps_what_was_typed_and_names_the_rule(as_, world):
    c = as_("staff")
    response = c.post("/swaps/new", data={"kind": "swap", "requester_date": "2026-11-08",
                                          "counterpart_no": world["mate"].employee_no,
                                          "counterpart_date": WED.isoformat(), "reason": "周日有事"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="2026-11-08"' in page and "周日有事" in page
    assert re.search(r'name="requester_date"[^>]*>\s*<small class="error">', page)
    empty = c.post("/swaps/new", data={"kind": "swap", "requester_date": "", "counterpart_no": "", "reason": ""})
    assert empty.status_code == 400 and empty.get_data(as_text=True).count('class="error"') >= 3
    assert db.session.scalar(select(func.count()).select_from(Request)) == 0


def test_declining_and_withdrawing_from_the_page(as_, world):
    first = asked(world)
    c = as_("mate")
    assert c.post(f"/swaps/{first.id}/decline", data={"note": "那天有事"}).status_code == 302
    assert db.session.get(Swap, first.swap.id).status == "declined"
    assert c.post(f"/swaps/{first.id}/accept", data={}).status_code == 409
    second = asked(world)
    c = as_("staff")
    assert c.post(f"/swaps/{second.id}/withdraw", data={}).status_code == 302
    assert db.session.get(Request, second.id).status == "withdrawn"


def test_the_printable_form_has_the_papers_title_the_chain_and_signature_lines(as_, world):
    request = asked(world)
    page = as_("mate").get(f"/swaps/{request.id}/form").get_data(as_text=True)
    assert "《换班、换休申请表》" in page and "孩子开家长会" in page and "周一回访名单在共享盘" in page
    assert page.count('class="signature"') == 4 and 'data-action="print"' in page


def test_the_lead_records_a_missed_handover_from_the_swap_page(as_, world, moving_clock):
    request = asked(world)
    swaps.accept(world["mate"], request.id)
    swaps.decide(world["supervisor"], request.id, "approve")
    moving_clock.at = datetime(2026, 11, 9, 13, 0, tzinfo=SHANGHAI)
    c = as_("lead")
    page = c.get(f"/swaps/{request.id}").get_data(as_text=True)
    assert "/handover-fine" in page
    response = c.post(f"/swaps/{request.id}/handover-fine", data={"employee_no": world["mate"].employee_no,
                                                                 "note": "回访名单没交接"})
    assert response.status_code == 302
    fine = db.session.scalar(select(Violation).where(Violation.rule_code == "SWAP_HANDOVER"))
    assert fine.employee_id == world["mate"].id and str(fine.fine) == "20.00" and fine.source == "swap"
    assert "SWAP_HANDOVER" in c.get(f"/swaps/{request.id}").get_data(as_text=True)
    assert "/handover-fine" not in as_("staff").get(f"/swaps/{request.id}").get_data(as_text=True)


def test_the_lead_confirms_a_suspected_private_swap_from_the_page(as_, world, moving_clock):
    punch(world["mate"], MON, "07:56", "18:04")
    moving_clock.at = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    attendance.evaluate(None, MON, team="T1")
    c = as_("lead")
    page = c.get("/swaps/private?team=T1&from=2026-11-09&to=2026-11-09").get_data(as_text=True)
    assert world["mate"].name in page and "07:56" in page and "/swaps/private/confirm" in page
    response = c.post("/swaps/private/confirm", data={"absent_no": world["staff"].employee_no,
                                                      "worker_no": world["mate"].employee_no, "date": "2026-11-09",
                                                      "team": "T1", "from": "2026-11-09", "to": "2026-11-09"})
    assert response.status_code == 302
    codes = db.session.scalars(select(Violation.rule_code).where(Violation.reversed_at.is_(None))).all()
    assert sorted(codes) == ["UNAPPROVED_SWAP", "UNAPPROVED_SWAP"]
    after = c.get("/swaps/private?team=T1&from=2026-11-09&to=2026-11-09").get_data(as_text=True)
    assert "/swaps/private/confirm" not in after and world["mate"].name in after  # under "already decided"
    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == world["mate"].id,
                                                        RosterEntry.day == MON))
    assert entry.code == "D8" and entry.note == "私下换班（已确认）"


# --- a real browser at 375 px ----------------------------------------------------------------------


def _fits(page) -> dict:
    seen = measure_width(page)
    assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
    return seen


def _switch_language(page) -> None:
    with page.expect_navigation():
        page.click("form.lang button")


def test_the_whole_swap_journey_in_a_phone_browser(app, world):
    staff, mate, supervisor, lead = world["staff"], world["mate"], world["supervisor"], world["lead"]
    for person in (staff, mate, supervisor, lead):
        assert person.username  # loaded now: the session closes before the server's requests write
    mate_no = mate.employee_no
    db.session.close()  # an open read transaction here would hold SQLite's shared lock against the server
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, staff)
        page.goto(base + "/swaps/new")
        _fits(page)
        page.select_option("select[name=kind]", "swap")
        page.fill("input[name=requester_date]", MON.isoformat())
        page.select_option("select[name=counterpart_no]", mate_no)
        page.fill("input[name=counterpart_date]", WED.isoformat())
        page.fill("textarea[name=reason]", "孩子学校开家长会，需请家长出席")
        page.fill("textarea[name=handover_note]", "周一的回访名单放在共享盘“回访/11月”，重点客户已标红")
        page.screenshot(path="/tmp/swap-1-ask-375.png", full_page=True)
        with page.expect_navigation():
            page.click("form button.primary")
        assert re.search(r"/swaps/\d+$", page.url), page.url
        swap_url = page.url
        _fits(page)
        page.screenshot(path="/tmp/swap-2-asked-375.png", full_page=True)

        sign_in(page, base, mate)
        page.goto(base + "/swaps")
        _fits(page)
        page.screenshot(path="/tmp/swap-3-colleague-list-375.png", full_page=True)
        page.goto(swap_url)
        page.fill("input[name=note]", "没问题")
        heights = page.eval_on_selector_all(".decide button", "els => els.map(e => e.getBoundingClientRect().height)")
        with page.expect_navigation():
            page.click(".decide button.primary")
        _fits(page)

        sign_in(page, base, supervisor)
        page.goto(base + "/approvals")
        _fits(page)
        page.goto(swap_url)
        _fits(page)
        page.screenshot(path="/tmp/swap-4-approve-375.png", full_page=True)
        with page.expect_navigation():
            page.click(".decide button.primary")
        _fits(page)
        page.screenshot(path="/tmp/swap-5-approved-375.png", full_page=True)
        _switch_language(page)
        _fits(page)
        page.screenshot(path="/tmp/swap-6-approved-en-375.png", full_page=True)
        page.goto(swap_url + "/form")
        _fits(page)
        page.screenshot(path="/tmp/swap-7-form-en-375.png", full_page=True)
        _switch_language(page)
        page.screenshot(path="/tmp/swap-8-form-zh-375.png", full_page=True)

        sign_in(page, base, lead)
        page.goto(f"{base}/attendance/board?team=T1&date={MON.isoformat()}")
        page.screenshot(path="/tmp/swap-9-board-375.png", full_page=True)
        board = page.inner_text("main")
        page.goto(f"{base}/roster?team=T1&week={MON.isoformat()}")
        page.screenshot(path="/tmp/swap-10-roster-375.png", full_page=True)
        links = page.eval_on_selector_all("a.swap-link", "els => els.length")
    assert "周一的回访名单" in board and links == 4
    assert heights and min(heights) >= 44
    status = db.session.scalar(select(Request.status).where(Request.kind == "swap"))
    assert status == "approved"
    codes = {(e.employee_id, e.day): e.code for e in db.session.scalars(select(RosterEntry).where(
        RosterEntry.day.in_([MON, WED]), RosterEntry.employee_id.in_([staff.id, mate.id])))}
    assert codes == {(staff.id, MON): "REST", (mate.id, MON): "D8", (staff.id, WED): "D8", (mate.id, WED): "REST"}


def test_the_private_swaps_page_fits_a_phone(app, world, moving_clock):
    punch(world["mate"], MON, "07:56", "18:04")
    moving_clock.at = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    lead = world["lead"]
    assert lead.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, lead)
        page.goto(base + "/swaps/private?team=T1&from=2026-11-09&to=2026-11-09")
        _fits(page)
        page.screenshot(path="/tmp/swap-11-private-375.png", full_page=True)
        with page.expect_navigation():
            page.click(".suspicion button.primary")
        _fits(page)
        page.screenshot(path="/tmp/swap-12-private-confirmed-375.png", full_page=True)
    assert db.session.scalar(select(func.count()).select_from(Violation).where(
        Violation.rule_code == "UNAPPROVED_SWAP")) == 2
