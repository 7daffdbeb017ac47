"""The monthly attendance sheet 考勤表: people × days with a mark per day, the legend and each person's totals.

One renderer for every 考勤表 workbook: ``write_sheet`` writes the page's download, the API's and the
monthly report workbook's 考勤表 sheet, all from ``services.attendance.Sheet``; the page shows the same
``cell_text`` and ``legend``. Marks are attendance.labels.STATUS_MARKS, so HR reads the grid they know.

Worksheets are write-only (the monthly report has 5,000 people × 31 days): the layout (widths, frozen
panes, page setup) is set before the first row, then rows are appended; headers and day cells are styled
cells, names and totals plain values (a styled cell costs openpyxl several µs more to write).
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from attendance.domain.extra_shifts import DAY_TYPES as EXTRA_DAY_TYPES
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.labels import (
    EXTRA_DAY_TYPE_LABELS,
    HALF_MARK,
    LEAVE_MARKS,
    LEAVE_TYPE_LABELS,
    MISSING_MARK,
    STATUS_LABELS,
    STATUS_MARKS,
    WEEKDAYS,
)
from attendance.reporting.cells import inert, inert_value, save_workbook

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
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center")
WRAP = Alignment(wrap_text=True, horizontal="center")
THIN = Side(style="thin", color="BBBBBB")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)  # on the headers and the day cells (styled anyway)
FIXED_WIDTHS = (10, 10, 12)  # employee no., name, team
DAY_WIDTH, TOTAL_WIDTH = 5, 8
HEADER_ROWS = 3  # the title, the day numbers, the weekdays


def marks() -> dict[str, str]:
    """Each status's mark in the current language, and each leave type's (keyed ``leave:<type>``)."""
    return {**{status: str(mark) for status, mark in STATUS_MARKS.items()},
            **{f"leave:{kind}": str(mark) for kind, mark in LEAVE_MARKS.items()}}


def _leave_mark(leave_type: str | None, shown) -> str:
    return str(shown.get(f"leave:{leave_type}") or LEAVE_MARKS.get(leave_type) or shown["leave"])


def cell_text(cell, shown: dict[str, str] | None = None) -> str:
    """The mark of one day: the status once the day is over, else the rostered shift code. A leave day is
    its type's mark (事, 病…); half a day of leave follows the other half's mark after ½ (✓½事); leave on a
    day not over yet shows as planned. ``shown``: ``marks()`` translated once, for many cells."""
    shown = shown or STATUS_MARKS
    if cell.status == "leave":
        return _leave_mark(cell.leave_type, shown)
    if cell.status is not None:
        text = str(shown.get(cell.status, cell.status))
        if cell.status in ("late", "late_early") and cell.late_minutes:
            text += str(cell.late_minutes)
        if cell.leave_type is not None and cell.half:
            text += HALF_MARK + _leave_mark(cell.leave_type, shown)
        return text + (MISSING_MARK if cell.missing else "")
    if cell.leave_type is not None:
        return (HALF_MARK if cell.half else "") + _leave_mark(cell.leave_type, shown)
    if cell.code == "REST":
        return str(shown["rest"])
    return cell.code or ""


def cell_kind(cell) -> str:
    """What colours a day: its status, REST, ``planned`` (a rostered day, or a leave, not over yet) or nothing."""
    if cell.status:
        return cell.status
    if cell.code == "REST" and cell.leave_type is None:
        return "rest"
    return "planned" if cell.code or cell.leave_type else ""


def total_headers() -> list[str]:
    return [_("Scheduled"), _("Worked"), _("Late (times)"), _("Late (minutes)"), _("Early (times)"),
            _("Early (minutes)"), _("Absent (days)"), _("Leave (days)"),
            *(_("%(type)s (days)", type=LEAVE_TYPE_LABELS[kind]) for kind in LEAVE_TYPES),
            _("Rest (days)"), _("Missing punches"), _("Corrections"),
            *(_("Extra, %(day)s (hours)", day=EXTRA_DAY_TYPE_LABELS[kind]) for kind in EXTRA_DAY_TYPES)]


def total_values(t) -> list:
    return [t.scheduled, t.worked, t.late_count, t.late_minutes, t.early_count, t.early_minutes, t.absent_days,
            t.leave_days, *(t.leave_by_type.get(kind, 0) for kind in LEAVE_TYPES),
            t.rest_days, t.missing_punches, t.corrections, *(t.extra_hours.get(kind, 0) for kind in EXTRA_DAY_TYPES)]


def legend() -> str:
    marks = " ".join(f"{STATUS_MARKS[s]}={STATUS_LABELS[s]}" for s in STATUS_MARKS)
    leave = " ".join(f"{LEAVE_MARKS[kind]}={LEAVE_TYPE_LABELS[kind]}" for kind in LEAVE_TYPES)
    return (_("Marks") + f": {marks}; " + _("Leave") + f": {leave}; {HALF_MARK}=" + _("half a day") + "; "
            + f"{MISSING_MARK}=" + _("missing punch") + "; " + _(
                "a number after a mark is minutes late; grey: the rostered shift or the leave of a day not over yet"))


def heading(sheet) -> str:
    team_name = sheet.team.name if sheet.team else _("All teams")
    return f"{TITLE} · {team_name} · {sheet.month:%Y-%m}"


def day_label(day, mark) -> str:
    """A day's second header line: its weekday, and the public holiday or adjusted working day (调休)."""
    text = str(WEEKDAYS[day.weekday()])
    if mark is None:
        return text
    return text + "\n" + (mark.name_zh if mark.kind == "holiday" else _("Workday"))


class _Cells:
    """Cells for one write-only worksheet, each combination of the module's styles resolved once.

    Setting a style on a cell makes openpyxl hash it and find it in the workbook's style lists; for
    155,000 cells (the report) that is seconds, so each new cell starts from the resolved style array.
    """

    def __init__(self, ws):
        self.ws = ws
        self.styles: dict[tuple, StyleArray] = {}

    def __call__(self, value=None, *, font=None, fill=None, border=BORDER, alignment=None) -> Cell:
        key = (id(font), id(fill), id(border), id(alignment))
        style = self.styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.ws)
            for name, given in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment)):
                if given is not None:
                    setattr(cell, name, given)
            style = self.styles[key] = cell._style
        return inert(Cell(self.ws, row=1, column=1, value=value, style_array=style))  # WriteOnlyCell, styled


def write_sheet(ws, sheet) -> None:
    """Write the 考勤表 of ``sheet`` (services.attendance.Sheet) into ``ws``, an empty worksheet of a
    write-only workbook: a title line, two header rows (day and weekday), a row per person with the day
    marks and the totals, and the legend under them."""
    fixed = [_("Employee no."), _("Name"), _("Team")]
    totals = total_headers()
    first_day_col = len(fixed) + 1
    first_total_col = first_day_col + len(sheet.days)
    width = first_total_col + len(totals) - 1
    widths = [*FIXED_WIDTHS, *[DAY_WIDTH] * len(sheet.days), *[TOTAL_WIDTH] * len(totals)]
    for col, column_width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column_width
    ws.freeze_panes = f"{get_column_letter(first_day_col)}{HEADER_ROWS + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True  # names and totals have no border of their own
    merged = [f"A1:{get_column_letter(width)}1"] + [
        f"{get_column_letter(col)}2:{get_column_letter(col)}3"
        for col in [*range(1, first_day_col), *range(first_total_col, width + 1)]]
    for ref in merged:
        ws.merged_cells.add(ref)

    cell = _Cells(ws)
    ws.append([cell(heading(sheet), font=TITLE_FONT, border=None, alignment=CENTER)])
    holidays = [sheet.holidays.get(day) for day in sheet.days]
    fills = [HOLIDAY_FILL if mark and mark.kind == "holiday" else None for mark in holidays]
    ws.append([*(cell(text, font=BOLD, alignment=WRAP) for text in fixed),
               *(cell(day.day, font=BOLD, fill=fill, alignment=CENTER) for day, fill in zip(sheet.days, fills,
                                                                                          strict=True)),
               *(cell(text, font=BOLD, alignment=WRAP) for text in totals)])
    ws.append([*(cell(font=BOLD) for _text in fixed),
               *(cell(day_label(day, mark), font=BOLD, fill=fill, alignment=WRAP)
                 for day, mark, fill in zip(sheet.days, holidays, fills, strict=True)),
               *(cell(font=BOLD) for _text in totals)])
    shown = marks()
    for row in sheet.rows:
        person = row.person
        out = [inert_value(ws, v) for v in (person.employee_no, person.name, person.team.name if person.team else "")]
        for day in sheet.days:
            day_cell = row.cells[day]
            kind = cell_kind(day_cell)
            out.append(cell(cell_text(day_cell, shown), fill=FILLS.get(kind),
                            font=PLANNED if kind == "planned" else None, alignment=CENTER))
        out += total_values(row.totals)
        ws.append(out)
    ws.append([])
    ws.append([legend()])


def sheet_xlsx(sheet) -> bytes:
    """The 考勤表 as a workbook of its own (the page's and the API's download)."""
    book = Workbook(write_only=True)
    write_sheet(book.create_sheet(f"{sheet.month:%Y-%m}"), sheet)
    out = io.BytesIO()
    save_workbook(book, out)
    return out.getvalue()
