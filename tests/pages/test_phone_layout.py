"""Every page on a 375 px phone, in Chromium on the demo department: lists are cards whose actions and columns
all show, short labels stay on one line, and no page scrolls sideways (only the roster grid, the 考勤表 and
the leave calendar scroll, inside their own box)."""

from __future__ import annotations

import os

from flask import url_for
from sqlalchemy import func, select

from attendance import clock
from attendance.demo import DEMO_PASSWORD
from attendance.domain import dates
from attendance.extensions import db
from attendance.models import (
    Appeal,
    Employee,
    Handover,
    Job,
    Meeting,
    PolicyVersion,
    Request,
    ShiftType,
    Violation,
    WorkReport,
)
from tests.browser import SHOTS, browser_page, live_server, screenshot_on_failure, sign_in

# The cells (and what is in them) of a list row: every one inside the phone's width, none a sliver.
CELLS = """sel => [...document.querySelectorAll(sel)].map(e => { const r = e.getBoundingClientRect();
    return {text: e.textContent.trim(), left: r.left, right: r.right, width: r.width, height: r.height,
            visible: r.width > 0 && r.height > 0,
            lineHeight: parseFloat(getComputedStyle(e).lineHeight)
                        || parseFloat(getComputedStyle(e).fontSize) * 1.5}; })"""


def _inside(boxes: list[dict], width: int = 375) -> None:
    assert boxes, "nothing found"
    for box in boxes:
        assert box["visible"] and box["left"] >= 0 and box["right"] <= width + 1, box


def _one_line(boxes: list[dict]) -> None:
    """申诉待处理 stays a word: its box is one line high, not five characters stacked."""
    for box in boxes:
        assert box["height"] < 1.8 * box["lineHeight"], box


def test_lists_are_cards_on_a_phone_with_their_actions_and_columns_in_view(app, demo):
    assert demo.exit_code == 0, demo.output
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        with screenshot_on_failure(page, "cards-appeals"):
            sign_in(page, base, "supervisor", DEMO_PASSWORD)
            page.goto(base + "/appeals")
            decide = page.get_by_role("link", name="处理")
            assert decide.count() >= 1
            _inside(page.evaluate(CELLS, "table.list tbody a.button"))
            # Each cell says which column it is: the label comes from the table's header.
            labels = page.eval_on_selector_all("table.cards tbody td[data-label]", "cs => cs.map(c => c.dataset.label)")
            assert {"当事人", "违纪"} <= set(labels), labels
        with screenshot_on_failure(page, "cards-board"):
            page.context.clear_cookies()
            sign_in(page, base, "lead1", DEMO_PASSWORD)
            page.goto(base + "/attendance/board")
            punches = page.get_by_role("link", name="打卡记录")
            assert punches.count() >= 1
            _inside(page.evaluate(CELLS, "table.list tbody td a"))
            state = page.evaluate(CELLS, 'table.cards tbody td[data-label="状态"]')
            _inside(state)
            assert any(box["text"] for box in state)
        with screenshot_on_failure(page, "cards-violations"):
            page.context.clear_cookies()
            sign_in(page, base, "staff1", DEMO_PASSWORD)
            page.goto(base + "/violations")
            status = page.evaluate(CELLS, 'table.cards tbody td[data-label="状态"] .tag')
            _inside(status)
            assert any(box["text"] == "申诉待处理" for box in status), [b["text"] for b in status]
            _one_line(status)
            _one_line(page.evaluate(CELLS, "table.cards tbody td .button, table.cards tbody td .tag"))


def test_at_1280_px_the_lists_stay_tables(app, demo):
    assert demo.exit_code == 0, demo.output
    db.session.close()
    with live_server(app) as base, browser_page(width=1280, phone=False) as page:
        with screenshot_on_failure(page, "cards-1280"):
            sign_in(page, base, "lead1", DEMO_PASSWORD)
            page.goto(base + "/attendance/board")
            head = page.eval_on_selector("table.cards thead", "e => getComputedStyle(e).display")
            assert head == "table-header-group"
            _inside(page.evaluate(CELLS, "table.cards tbody td a"), width=1280)
            _one_line(page.evaluate(CELLS, "table.cards th"))


def test_the_attendance_sheet_shows_the_whole_month_and_its_totals_at_1280_px(app, demo):
    """Issue 15 point 9: the 考勤表 was cut at day 29 with its totals out of sight."""
    assert demo.exit_code == 0, demo.output
    db.session.close()
    with live_server(app) as base, browser_page(width=1280, phone=False) as page:
        sign_in(page, base, "hr", DEMO_PASSWORD)
        for month in ("", "?month=" + dates.add_months(clock.today().replace(day=1), -1).strftime("%Y-%m")):
            with screenshot_on_failure(page, "sheet-1280" + month):
                page.goto(base + "/attendance/sheet" + month)
                box = page.evaluate("() => { const w = document.querySelector('.grid-wrap');"
                                    " return {client: w.clientWidth, scroll: w.scrollWidth}; }")
                assert box["scroll"] <= box["client"] + 1, box
                heads = page.evaluate(CELLS, "table.sheet thead th")
                _inside(heads, width=1280)
                assert heads[-1]["text"] and not heads[-1]["text"].isdigit()  # a total, after the last day
                assert any(h["text"].startswith(("30", "31")) for h in heads), [h["text"] for h in heads]


# --- no page scrolls sideways at 375 px ---------------------------------------------------------

# Not pages: files, images, charts and fragments a page loads.
NOT_PAGES = {"static", "privacy.export", "leave.certificate", "leave.hint", "discipline.evidence",
             "discipline.evidence_bundle", "scores.person_trend", "scores.report_download", "scores.chart",
             "grooming.chart", "policy.export", "policy.evidence", "auth.login", "scores.job_status",
             "work_reports.file"}
# Pages the demo gives no role a way to open as a page: a form for an action none of the demo's states allow.
UNREACHED = {"policy.publish"}
# Who signs in (one login each): staff, a lead, HR and the administrator, the people of the demo's logins,
# each on every page; then the supervisor on the pages only the office's deciders open (appeals), and the
# quality inspector on the inspection form.
ROLES = ("staff1", "lead1", "hr", "admin", "supervisor", "inspector")
ONLY_UNSEEN = {"supervisor", "inspector"}


def _pages(app) -> list:
    return sorted([rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint not in NOT_PAGES and not rule.rule.startswith("/api")
                   and "." not in rule.rule.rsplit("/", 1)[-1]], key=lambda r: r.rule)


def _arguments() -> dict:
    """The demo's rows each parameter of a page names: staff1's own, so staff, their lead and the office all
    may see them."""
    staff = db.session.scalar(select(Employee).where(Employee.username == "staff1"))

    def request_of(kind):
        return db.session.scalar(select(Request.id).where(Request.requester_id == staff.id, Request.kind == kind)
                                 .order_by(Request.id))

    violation = db.session.scalar(select(Violation.id).where(Violation.employee_id == staff.id).order_by(Violation.id))
    return {
        "employee_no": staff.employee_no, "day": clock.today().isoformat(), "violation_id": violation,
        "appeal_id": db.session.scalar(select(Appeal.id).order_by(Appeal.id)),
        "meeting_id": db.session.scalar(select(Meeting.id).where(Meeting.team_id == staff.team_id)
                                        .order_by(Meeting.id)),
        "version_id": db.session.scalar(select(func.max(PolicyVersion.id))),
        "handover_id": db.session.scalar(select(Handover.id).where(Handover.team_id == staff.team_id)
                                         .order_by(Handover.id)),
        "report_id": db.session.scalar(select(WorkReport.id).where(WorkReport.employee_id == staff.id)
                                       .order_by(WorkReport.id)),
        "job_id": db.session.scalar(select(func.min(Job.id))) or 1,
        "year": clock.today().year,  # the year-end review: this year so far
        ("requests.show", "request_id"): request_of("punch_correction"),
        ("leave.show", "request_id"): request_of("leave"), ("leave.print_form", "request_id"): request_of("leave"),
        ("swaps.show", "request_id"): request_of("swap"), ("swaps.paper", "request_id"): request_of("swap"),
        ("shifts.edit_shift_type", "code"): db.session.scalar(select(ShiftType.code).order_by(ShiftType.code)),
        ("people.edit_team", "code"): staff.team.code, ("notifications.edit_robot", "code"): staff.team.code,
    }


def test_no_page_scrolls_sideways_on_a_375_px_phone(app, demo):
    """Every page each role may open, on the demo: the document is never wider than the phone (the roster grid,
    the 考勤表 and the leave calendar scroll inside their own box)."""
    assert demo.exit_code == 0, demo.output
    values = _arguments()
    urls = []
    for rule in _pages(app):
        args = {name: values.get((rule.endpoint, name), values.get(name)) for name in rule.arguments}
        assert None not in args.values(), (rule.rule, args)
        urls.append((rule.endpoint, rule.rule.replace("<", "{").replace(">", "}"), args))
    db.session.close()
    seen, wide = set(), []
    with live_server(app) as base, browser_page(width=375) as page:
        for role in ROLES:
            page.context.clear_cookies()
            sign_in(page, base, role, DEMO_PASSWORD)
            for endpoint, _rule, args in urls:
                if role in ONLY_UNSEEN and endpoint in seen:
                    continue
                with app.test_request_context():
                    path = url_for(endpoint, **args)
                response = page.goto(base + path)
                if response.status >= 400 or "text/html" not in response.headers.get("content-type", ""):
                    continue
                seen.add(endpoint)
                width = page.evaluate("() => ({inner: window.innerWidth,"
                                      " scroll: document.scrollingElement.scrollWidth})")
                if width["scroll"] > width["inner"]:
                    os.makedirs(SHOTS, exist_ok=True)
                    page.screenshot(path=os.path.join(SHOTS, f"wide-{role}-{endpoint}.png"), full_page=True)
                    wide.append((role, path, width))
    assert not wide, wide
    assert {endpoint for endpoint, _rule, _args in urls} - seen <= UNREACHED
