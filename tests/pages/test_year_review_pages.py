"""The year-end review pages (年终考核): a person's printable year and its workbook, the team's and the
department's year, HR's year close, the awards page; at 375 px in a real browser, in Chinese and English."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from attendance.domain.permissions import LEADERS, OFFICE
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Award
from attendance.services import year_review
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login
from tests.services.test_year_review import _close_2026, world  # noqa: F401 (the fixture)

GRANTERS = {"supervisor", "manager"}

# Who reaches which page (the coverage test in tests/test_permissions_matrix.py reads this list).
PAGES = [
    ("GET", "/scores/years/2025/people/{own}", set(ROLES)),
    ("GET", "/scores/years/2025/people/{other}", set(OFFICE)),
    ("GET", "/scores/years/2025/people/{own}.xlsx", set(ROLES)),
    ("GET", "/scores/years/2025/people/{own}/months.png", set(ROLES)),
    ("GET", "/scores/years", set(LEADERS)),
    ("GET", "/scores/years/2025", set(LEADERS)),
    ("GET", "/scores/years/2025.xlsx", set(LEADERS)),
    ("POST", "/scores/years/2025/close", {"hr"}),
    ("GET", "/scores/awards", GRANTERS),
    ("POST", "/scores/awards", GRANTERS),
    ("POST", "/scores/awards/1/reverse", GRANTERS),
]


# --- pages -------------------------------------------------------------------------------------------


def test_the_year_page_and_its_workbook_show_the_full_year_bonus(client, world):  # noqa: F811
    login(client, world["good"])
    page = client.get(f"/scores/years/2026/people/{world['good'].employee_no}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "+10" in text and "110" in text
    assert client.get(f"/scores/years/2026/people/{world['other'].employee_no}").status_code == 404
    xlsx = client.get(f"/scores/years/2026/people/{world['good'].employee_no}.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = {row[0].value: row[1].value for row in sheet.iter_rows(max_col=2) if row[0].value}
    assert 10 in values.values() and 110 in values.values()
    chart = client.get(f"/scores/years/2026/people/{world['good'].employee_no}/months.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    assert client.get("/scores/years/2026").status_code == 403  # staff: no team page


def test_the_team_page_and_workbook_list_every_person_and_hr_closes_the_year_there(client, world):  # noqa: F811
    login(client, world["hr"])
    page = client.get("/scores/years/2026?team=T1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and world["good"].name in text and world["other"].name in text
    xlsx = load_workbook(io.BytesIO(client.get("/scores/years/2026.xlsx?team=T1").data)).active
    rows = {r[0]: r for r in xlsx.iter_rows(min_row=2, values_only=True)}
    assert rows[world["good"].employee_no][3:5] == (110, 10)
    assert xlsx.cell(row=2, column=9).number_format == "0.00"
    refused = client.post("/scores/years/2026/close", follow_redirects=True)
    assert "2026-01" in refused.get_data(as_text=True) and year_review.get_close(2026) is None
    _close_2026(world["hr"])
    db.session.commit()
    client.post("/scores/years/2026/close")
    assert year_review.get_close(2026) is not None
    assert client.get("/scores/years").status_code == 302


def test_the_awards_page_keeps_what_was_typed_on_a_mistake_and_records_a_good_one(client, world):  # noqa: F811
    login(client, world["manager"])
    form = {"employee_no": world["good"].employee_no, "kind": "suggestion", "amount": "abc", "reason": "好建议"}
    bad = client.post("/scores/awards?year=2026", data=form)
    assert bad.status_code == 400 and "好建议" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Award)) == 0
    good = client.post("/scores/awards?year=2026", data={**form, "amount": "88.50", "awarded_on": "2026-08-08"})
    assert good.status_code == 302
    assert "88.50" in client.get("/scores/awards?year=2026").get_data(as_text=True)
    login(client, world["lead"])
    assert client.get("/scores/awards").status_code == 403


def test_a_bad_year_or_team_is_a_clear_error_page_and_a_year_before_the_rules_is_empty(client, world):  # noqa: F811
    login(client, world["hr"])
    assert client.get(f"/scores/years/2100/people/{world['good'].employee_no}").status_code == 400
    assert client.get("/scores/years/1800").status_code == 400
    unknown = client.get("/scores/years/2026?team=NOPE")
    assert unknown.status_code == 400 and "NOPE" in unknown.get_data(as_text=True)
    early = client.get(f"/scores/years/1990/people/{world['good'].employee_no}")
    assert early.status_code == 200 and "—" in early.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_year_page_and_the_team_year_fit_a_375_px_phone(app, world, tmp_path, locale):  # noqa: F811
    for who in ("good", "hr"):
        world[who].locale = locale
    db.session.commit()
    good, hr, good_no = world["good"].username, world["hr"].username, world["good"].employee_no
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, good)
        page.goto(base + f"/scores/years/2026/people/{good_no}")
        assert "+10" in page.inner_text("[data-year-bonus]")
        assert page.inner_text("[data-year-score]").strip() == "110.0"
        person = measure_width(page)
        page.screenshot(path=str(tmp_path / f"year-person-{locale}-375.png"), full_page=True)
        page.context.clear_cookies()  # sign out: HR next
        sign_in(page, base, hr)
        page.goto(base + "/scores/years/2026?team=T1")
        page.wait_for_selector("table.year-table")
        team = measure_width(page)
        heading = page.inner_text("h1")
    assert ("Year-end review" in heading) == (locale == "en")
    for seen in (person, team):
        assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]


def test_an_awards_reason_that_looks_like_a_formula_stays_text_in_the_workbook(client, world):  # noqa: F811
    year_review.record_award(world["manager"], world["good"].employee_no, "suggestion", "10", '=HYPERLINK("x")',
                             "2026-05-05")
    db.session.commit()
    login(client, world["manager"])
    book = load_workbook(io.BytesIO(client.get(f"/scores/years/2026/people/{world['good'].employee_no}.xlsx").data))
    awards = book.worksheets[2]
    assert awards.cell(row=2, column=4).value == '=HYPERLINK("x")' and awards.cell(row=2, column=4).data_type == "s"
    assert awards.cell(row=2, column=3).number_format == "0.00"
