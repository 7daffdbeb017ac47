"""Payroll deductions as the files payroll takes: CSV (UTF-8 with BOM, for Excel) and XLSX."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from attendance.reporting.cells import csv_cell, save_workbook

MONEY_COLUMNS = range(5, 12)  # wage … carried over, 1-based as openpyxl counts


def headers() -> list[str]:
    return [_("Employee no."), _("Name"), _("Team"), _("Month"), _("Monthly wage"), _("Fines this month"),
            _("Carried in"), _("Fines due"), _("Cap"), _("Deducted"), _("Carried over")]


def table(rows: list[dict]) -> list[list]:
    """The service's payroll rows in the column order of ``headers``."""
    return [[r["employee_no"], r["name"], r["team"] or "", r["month"], r["wage"], r["fines"], r["carried_in"],
             r["fines_due"], r["cap"], r["deducted"], r["carried_over"]] for r in rows]


def to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers())
    for row in table(rows):
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table(rows):
        sheet.append(row)
        for column in MONEY_COLUMNS:
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.00"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    save_workbook(book, out)
    return out.getvalue()
