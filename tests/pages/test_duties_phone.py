"""Issue 18's duty pages on a 375 px phone in the real browser, in Chinese AND in English: handing in a work
report (with a deadline National Day moved) and the lead's list; the handover book (write, the board, acknowledge);
my meetings (ask to be excused, sign in). The extra-shift form, the roster's cover marks and the inspection form
with its highlighted transcript and month are covered in both languages by their own modules
(test_extra_shift_pages, test_cover_pages, test_inspection_pages)."""

from __future__ import annotations

from datetime import date

import pytest

from attendance.extensions import db
from attendance.services import meetings
from tests.browser import browser_page, live_server, measure_width, screenshot_on_failure, sign_in
from tests.clocks import NOW
from tests.duty_world import duty_team

# What each page must show, in each language
SAY = {
    "zh": {"moved": "原定 2026-10-05 09:00", "handed_in": "报表已上交", "list": "已交", "open": "未确认",
           "excused": "请假不到会", "signed": "出勤"},
    "en": {"moved": "moved from 2026-10-05 09:00", "handed_in": "Your report is handed in", "list": "Handed in",
           "open": "not acknowledged", "excused": "Request to be excused", "signed": "Present"},
}
TEXT = {"zh": "国庆前一周：接线 312 通", "en": "312 calls before the holiday"}


@pytest.fixture
def world(app, moving_clock):
    return duty_team(moving_clock, hire_date=date(2026, 9, 1))


def fits(page, shots: list, name: str) -> None:
    seen = measure_width(page)
    assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, (name, seen["widest"])
    shots.append(name)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_duty_pages_fit_a_375_px_phone_in_each_language(app, world, locale):
    say = SAY[locale]
    lead, a, b, clock = world["lead"], world["a"], world["b"], world["clock"]
    meeting = meetings.create_meeting(lead, {"kind": "training", "date": "2026-11-12", "team": "T1",
                                             "title": "新系统培训", "attendees": [a.employee_no, b.employee_no]})
    assert meeting.id
    for person in (lead, a, b):
        person.locale = locale
    db.session.commit()
    for person in (lead, a, b):
        assert person.username
    db.session.close()
    shots: list[str] = []
    clock.on(date(2026, 10, 6), "10:00")  # National Day: last week's report, due Monday the 5th, moved on
    with live_server(app) as base, browser_page(width=375) as page, screenshot_on_failure(page, f"duties-{locale}"):
        # 我的报表: the moved deadline, then hand in
        sign_in(page, base, a)
        page.goto(base + "/work-reports")
        page.wait_for_selector("form textarea[name=text]")
        assert say["moved"] in page.inner_text("main")
        assert page.locator("main li small.moved").first.is_visible()
        fits(page, shots, "work-reports")
        page.fill("textarea[name=text]", TEXT[locale])
        with page.expect_navigation():
            page.click("form button.primary")
        assert say["handed_in"] in page.inner_text("body")
        fits(page, shots, "work-reports-handed-in")
        page.screenshot(path=f"/tmp/duties18-work-reports-{locale}-375.png", full_page=True)
        # the lead's list: who has handed in
        sign_in(page, base, lead)
        page.goto(base + "/work-reports/team?kind=weekly&period=2026-09-28")
        page.wait_for_selector("table.list")
        assert say["list"] in page.inner_text("main") and page.locator("main small.moved").is_visible()
        fits(page, shots, "work-reports-team")
        # the handover book: a writes to b; the lead's board shows it open; b acknowledges
        clock.at = NOW
        sign_in(page, base, a)
        page.goto(base + "/handovers")
        page.fill("textarea[name=open_cases]", "3 张投诉单未结" if locale == "zh" else "3 complaints still open")
        page.select_option("select[name=incoming_no]", b.employee_no)
        fits(page, shots, "handover-write")
        with page.expect_navigation():
            page.click("form.card button.primary")
        assert "/handovers" in page.url
        sign_in(page, base, lead)
        page.goto(base + f"/attendance/board?team=T1&date={NOW.date().isoformat()}")
        page.wait_for_selector("article.handover-open")
        assert say["open"] in page.inner_text("main")
        fits(page, shots, "board")
        sign_in(page, base, b)
        page.goto(base + "/handovers")
        page.wait_for_selector("article.handover-waiting")
        assert page.locator("article.handover-waiting").first.is_visible()
        fits(page, shots, "handover-acknowledge")
        page.screenshot(path=f"/tmp/duties18-handovers-{locale}-375.png", full_page=True)
        with page.expect_navigation():
            page.click("article.handover-waiting button.primary")
        fits(page, shots, "handover-acknowledged")
        # my meetings: a asks to be excused before it; b signs in as it begins
        sign_in(page, base, a)
        page.goto(base + "/attendance/meetings/mine")
        page.wait_for_selector("article.my-meeting")
        page.fill("input[name=reason]", "孩子生病需去医院" if locale == "zh" else "my child is ill")
        with page.expect_navigation():
            page.click("article.my-meeting form.filters button")
        assert say["excused"] in page.inner_text("main")
        fits(page, shots, "meetings-excuse")
        clock.on(date(2026, 11, 12), "13:55")
        sign_in(page, base, b)
        page.goto(base + "/attendance/meetings/mine")
        page.wait_for_selector("article.my-meeting")
        with page.expect_navigation():
            page.click("article.my-meeting button.primary")
        assert say["signed"] in page.inner_text("main")
        fits(page, shots, "meetings-sign-in")
        page.screenshot(path=f"/tmp/duties18-meetings-{locale}-375.png", full_page=True)
    assert len(shots) == 9
