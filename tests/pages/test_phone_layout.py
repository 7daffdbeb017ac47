"""Every page on a 375 px phone, in Chromium on the demo department: lists are cards whose actions and columns
all show, short labels stay on one line, and no page scrolls sideways (only the roster grid, the 考勤表 and
the leave calendar scroll, inside their own box)."""

from __future__ import annotations

from attendance import clock
from attendance.demo import DEMO_PASSWORD
from attendance.domain import dates
from attendance.extensions import db
from tests.browser import browser_page, live_server, screenshot_on_failure, sign_in

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
