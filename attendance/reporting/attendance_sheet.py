"""The monthly attendance sheet 考勤表 as XLSX: people × days with a mark per day, and each person's totals.

The same marks as the page (attendance.labels), so HR reads the grid they know.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from attendance.labels import MISSING_MARK, STATUS_LABELS, STATUS_MARKS, WEEKDAYS

TITLE = "考勤表"
FILLS = {
    "rest": PatternFill("solid", fgColor="EEEEEE"),
    "late": PatternFill("solid", fgColor="FFF4E5"), "early": PatternFill("solid", fgColor="FFF4E5"),
    "late_early": PatternFill("solid", fgColor="FFE8CC"),
    "half_absent": PatternFill("solid", fgColor="FDE2E1"), "absent": PatternFill("solid", fgColor="FBC9C6"),
    "leave": PatternFill("solid", fgColor="E8F1FF"),
}
HOLIDAY_FILL = PatternFill("solid", fgColor="FDECEC")
PLANNED = Font(italic=True, color="888888")  # a day not over yet shows its rostered shift
THIN = Side(style="thin", color="BBBBBB")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def cell_text(cell) -> str:
    """The mark of one day: the status once the day is over, else the rostered shift code."""
    if cell.status is not None:
        text = str(STATUS_MARKS.get(cell.status, cell.status))
        if cell.status in ("late", "late_early") and cell.late_minutes:
            text += str(cell.late_minutes)
        return text + (MISSING_MARK if cell.missing else "")
    if cell.code == "REST":
        return str(STATUS_MARKS["rest"])
    return cell.code or ""


def total_headers() -> list[str]:
    return [_("Scheduled"), _("Worked"), _("Late (times)"), _("Late (minutes)"), _("Early (times)"),
            _("Early (minutes)"), _("Absent (days)"), _("Leave (days)"), _("Rest (days)"), _("Missing punches")]


def total_values(t) -> list:
    return [t.scheduled, t.worked, t.late_count, t.late_minutes, t.early_count, t.early_minutes, t.absent_days,
            t.leave_days, t.rest_days, t.missing_punches]


def legend() -> str:
    marks = " ".join(f"{STATUS_MARKS[s]}={STATUS_LABELS[s]}" for s in STATUS_MARKS)
    return _("Marks") + f": {marks}; {MISSING_MARK}=" + _("missing punch") + "; " + _(
        "a number after a mark is minutes late; grey: the rostered shift of a day not over yet")


def sheet_xlsx(sheet, *, team_name: str) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet.month.strftime("%Y-%m")
    fixed = [_("Employee no."), _("Name"), _("Team")]
    totals = total_headers()
    width = len(fixed) + len(sheet.days) + len(totals)
    ws.cell(row=1, column=1, value=f"{TITLE} · {team_name} · {sheet.month:%Y-%m}")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for col, text in enumerate(fixed, start=1):
        ws.cell(row=2, column=col, value=text)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    first_day_col = len(fixed) + 1
    for i, day in enumerate(sheet.days):
        col = first_day_col + i
        top = ws.cell(row=2, column=col, value=day.day)
        mark = sheet.holidays.get(day)
        below = ws.cell(row=3, column=col, value=str(WEEKDAYS[day.weekday()]) + (
            f"\n{mark.name_zh}" if mark and mark.kind == "holiday" else ("\n" + _("Workday") if mark else "")))
        below.alignment = Alignment(wrap_text=True, horizontal="center")
        if mark and mark.kind == "holiday":
            top.fill = below.fill = HOLIDAY_FILL
        ws.column_dimensions[get_column_letter(col)].width = 5
    for i, text in enumerate(totals):
        col = first_day_col + len(sheet.days) + i
        ws.cell(row=2, column=col, value=text).alignment = Alignment(wrap_text=True, horizontal="center")
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        ws.column_dimensions[get_column_letter(col)].width = 8
    for row_cells in ws.iter_rows(min_row=2, max_row=3, max_col=width):
        for c in row_cells:
            c.font = Font(bold=True)
            c.border = BORDER
    row_no = 4
    for row in sheet.rows:
        values = [row.person.employee_no, row.person.name, row.person.team.name if row.person.team else ""]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row_no, column=col, value=value).border = BORDER
        for i, day in enumerate(sheet.days):
            cell = row.cells[day]
            target = ws.cell(row=row_no, column=first_day_col + i, value=cell_text(cell))
            target.alignment = Alignment(horizontal="center")
            target.border = BORDER
            fill = FILLS.get(cell.status or ("rest" if cell.code == "REST" else ""))
            if fill:
                target.fill = fill
            if cell.status is None and cell.code:
                target.font = PLANNED
        for i, value in enumerate(total_values(row.totals)):
            ws.cell(row=row_no, column=first_day_col + len(sheet.days) + i, value=value).border = BORDER
        row_no += 1
    ws.cell(row=row_no + 1, column=1, value=legend())
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 12
    ws.freeze_panes = ws.cell(row=4, column=first_day_col)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
