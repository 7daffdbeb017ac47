"""Work report pages: hand in on the phone (text and a file), the lead's who-has-and-who-has-not, and the
explanation of a REPORT_LATE; at 375 px in a real browser, in Chinese and English."""

from __future__ import annotations

import io
from datetime import date

import pytest

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.services import work_reports
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login
from tests.duty_world import check_role_reach, duty_team

PAGES = [
    ("GET", "/work-reports", {"staff", "lead"}),
    ("POST", "/work-reports", {"staff", "lead"}),
    ("GET", "/work-reports/team", {"lead", "supervisor", "manager", "gm", "hr", "admin"}),
    ("GET", "/work-reports/{id}", set(ROLES)),
    ("GET", "/work-reports/{id}/file", set(ROLES)),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_work_report_pages_it_should(client, app, role):
    check_role_reach(client, role, PAGES)


@pytest.fixture
def world(app, moving_clock):
    world = duty_team(moving_clock, hire_date=date(2026, 11, 2))
    return {**world, "staff": world["a"]}


def test_hand_in_on_the_page_with_a_file(client, world):
    login(client, world["staff"])
    assert client.get("/work-reports").status_code == 200
    got = client.post("/work-reports", data={"kind": "weekly", "text": "本周小结",
                                             "file": (io.BytesIO(b"%PDF-1.4 x"), "周报.pdf")},
                      content_type="multipart/form-data")
    assert got.status_code == 302
    row = work_reports.my_reports(world["staff"])[0]
    assert row.file_name == "周报.pdf" and row.body == "本周小结"
    page = client.get(f"/work-reports/{row.id}").get_data(as_text=True)
    assert "本周小结" in page
    download = client.get(f"/work-reports/{row.id}/file")
    assert download.data == b"%PDF-1.4 x" and "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_bad_input_keeps_what_was_typed(client, world):
    login(client, world["staff"])
    got = client.post("/work-reports", data={"kind": "weekly", "text": "", "period": "2030-01-01"})
    assert got.status_code == 400
    got = client.post("/work-reports", data={"kind": "weekly", "text": "留着的字", "period": "2030-01-01"})
    assert got.status_code == 400 and "留着的字" in got.get_data(as_text=True)
    assert work_reports.my_reports(world["staff"]) == []


def test_staff_do_not_reach_the_team_list(client, world):
    login(client, world["staff"])
    assert client.get("/work-reports/team").status_code == 403


def test_in_a_phone_browser_in_chinese_and_english(app, world):
    clock = world["clock"]
    clock.on(date(2026, 11, 10), "01:00")
    work_reports.raise_late(None)  # both late: the lead's list shows missing, the staff member has a violation
    clock.on(date(2026, 11, 10), "10:00")
    staff, lead = world["staff"], world["lead"]
    violation_id = work_reports.my_reports(staff)[0].violation_id
    for person in (staff, lead):
        assert person.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, staff)
        page.goto(base + "/work-reports")
        page.wait_for_selector("form textarea[name=text]")
        page.fill("textarea[name=text]", "本周接线 312 通，投诉 2 起已处理")
        with page.expect_navigation():
            page.click("form button.primary")
        seen = measure_width(page)
        assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
        page.goto(base + f"/violations/{violation_id}/explanation")
        assert "2026-11-09 09:00" in page.content()
        for lang in ("zh", "en"):
            sign_in(page, base, lead)
            page.goto(base + "/work-reports/team?kind=weekly&period=2026-11-02")
            page.wait_for_selector("table.list")
            seen = measure_width(page)
            assert seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
            text = page.content()
            assert ("迟交" in text or "缺交" in text) if lang == "zh" else ("late" in text or "Not handed in" in text)
            page.screenshot(path=f"/tmp/work-reports-team-{lang}-375.png", full_page=True)
            if lang == "zh":
                with page.expect_navigation():
                    page.click("form.lang button")
