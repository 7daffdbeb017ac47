"""Journey in a real browser at 375 px (issue 15): HR closes a month, sees the charts, and downloads the
monthly report and the 考勤表 — the close and the report running as background jobs (inline in tests)."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from attendance.domain.scoring import month_label
from attendance.extensions import db
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import make_person, make_team
from tests.services.test_scores import attend, last_month, violation


def test_hr_closes_a_month_sees_the_charts_and_downloads_the_report_and_the_attendance_sheet(app, tmp_path):
    team = make_team("T1", "热线一组")
    month = last_month()
    label = month_label(month)
    staff = make_person(["staff"], team, name="张丽")
    attend(staff, month)
    attend(make_person(["staff"], team, name="王芳"), month)
    violation(staff, "COMPLAINT", month + timedelta(days=2))
    hr = make_person(["hr"], name="周人事")
    db.session.commit()
    hr = SimpleNamespace(username=hr.username)
    db.session.close()  # the live server writes from its own thread
    with live_server(app) as base, browser_page(width=375) as page:
        page.set_default_timeout(60_000)  # each chart is drawn on request: seconds on a busy 2-core machine
        try:
            sign_in(page, base, hr)
            page.goto(f"{base}/scores?month={label}")
            assert page.locator("h1").inner_text().endswith(label)
            # the five charts are drawn (each image loaded with a width of its own); on SQLite their reads
            # would hold the close's commit back, so they are let finish first
            page.locator("figure.chart img").last.scroll_into_view_if_needed()
            page.wait_for_function("() => [...document.querySelectorAll('figure.chart img')]"
                                   ".every(i => i.complete && i.naturalWidth > 0)", timeout=60_000)
            assert page.locator("figure.chart img").count() == 5
            page.on("dialog", lambda dialog: dialog.accept())  # the close asks first (form[data-confirm])
            with page.expect_navigation(timeout=240_000):  # the close runs inline in tests (no worker)
                page.click("text=执行月结")
            page.wait_for_selector(".flash")
            assert "正在月结" in page.inner_text(".flash.message")
            page.goto(f"{base}/scores?month={label}")  # the job ran inline: the month is closed
            assert page.locator(".card .tag").first.inner_text() == "已月结"
            assert page.locator("text=执行月结").count() == 0
            page.locator("figure.chart img").last.scroll_into_view_if_needed()
            page.wait_for_function("() => [...document.querySelectorAll('figure.chart img')]"
                                   ".every(i => i.complete && i.naturalWidth > 0)", timeout=60_000)

            with page.expect_navigation(timeout=240_000):  # the report job runs inline in tests
                page.click("text=生成报表（PDF 和 XLSX）")
            page.wait_for_selector("text=月报 PDF")
            assert "月结之前" not in page.inner_text("#report + section")  # made from the closed month
            assert "周人事" in page.inner_text("[data-report-made]")
            width = measure_width(page)
            assert width["scroll"] <= 375, width["widest"]
            with page.expect_download() as pdf:
                page.click("text=月报 PDF")
            saved = tmp_path / pdf.value.suggested_filename
            pdf.value.save_as(saved)
            assert saved.read_bytes().startswith(b"%PDF") and label in saved.name
            with page.expect_download() as workbook:
                page.click("text=月报 Excel")
            assert workbook.value.suggested_filename.endswith(".xlsx")

            page.goto(f"{base}/attendance/sheet?month={label}&team=T1")
            assert "张丽" in page.content()
            with page.expect_download() as sheet:
                page.click("text=下载 XLSX")
            saved = tmp_path / sheet.value.suggested_filename
            sheet.value.save_as(saved)
            assert saved.read_bytes().startswith(b"PK")
        except Exception:
            shot = Path("/tmp") / "journey-hr-report-375-failure.png"
            with suppress(Exception):  # the journey's own failure is the one to report
                page.screenshot(path=shot, full_page=True, timeout=30_000)
                print(f"screenshot: {shot}")
            raise
