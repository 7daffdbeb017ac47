"""The monthly report's two documents, laid out from ``services.reports.ReportData``:

- a PDF (summary, team table, charts, the department ranking, the full-attendance award list, each
  person's approved extra-shift hours by kind of day as the 考勤表 has them, the violation log), in
  reportlab's built-in CID font STSong-Light, so Chinese needs no font file;
- an XLSX workbook (scores, 考勤表 attendance sheet, violations, payroll deductions, teams),
  written in openpyxl's write-only mode so thousands of rows stay fast; the 考勤表 sheet is the page's
  (reporting.attendance_sheet.write_sheet).

Long tables are cut into page-sized pieces: reportlab splits one huge table slowly.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import pandas as pd
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from attendance.clock import site_zone
from attendance.domain.extra_shifts import DAY_TYPES as EXTRA_DAY_TYPES
from attendance.domain.money import cents_to_money
from attendance.labels import EXTRA_DAY_TYPE_LABELS, SANCTION_LABELS, SOURCE_LABELS
from attendance.reporting import attendance_sheet
from attendance.reporting.cells import inert_value, save_workbook

FONT = "STSong-Light"
TITLE = "客服部月度考核报告"
ROWS_PER_TABLE = 48
CHART_WIDTH = 175 * mm
CHART_HEIGHT = 240 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _yes(value) -> str:
    return "√" if bool(value) else ""


def _money(cents) -> Decimal | None:
    return None if pd.isna(cents) else cents_to_money(cents)


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


# --- what both documents show ------------------------------------------------------------------


def score_headers() -> list[str]:
    return [_("Rank"), _("Employee no."), _("Name"), _("Team"), _("Team rank"), _("Score"), _("Points lost"),
            _("Fines (yuan)"), _("Violations"), _("Rostered days"), _("Worked days"), _("Late"), _("Early"),
            _("Absent days"), _("Leave days"), _("Full attendance"), _("Reward eligible"), _("Reward (yuan)")]


def score_rows(data) -> Iterable[list]:
    for p in data.figures.people.itertuples():
        yield [int(p.rank), p.employee_no, p.name, p.team_name if isinstance(p.team_name, str) else "",
               None if pd.isna(p.team_rank) else int(p.team_rank), int(p.score), int(p.points_lost),
               cents_to_money(p.fines_cents), int(p.violations), int(p.rostered_days), float(p.worked_days),
               int(p.late_count), int(p.early_count), float(p.absent_days), int(p.leave_days),
               _yes(p.full_attendance), _yes(p.reward_eligible), cents_to_money(p.reward_cents)]


def violation_headers() -> list[str]:
    return [_("Date and time"), _("Employee no."), _("Name"), _("Team"), _("Rule"), _("Occurrence"),
            _("Sanction"), _("Fine (yuan)"), _("Points deducted"), _("Source"), _("Recorded by"), _("Status"),
            _("Note")]


def violation_rows(data) -> Iterable[list]:
    zone = site_zone()
    in_force, reversed_ = _("In force"), _("Reversed")
    for v in data.violations.itertuples():
        yield [v.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), v.employee_no, v.name,
               v.team if isinstance(v.team, str) else "", f"{v.rule} {v.rule_name}", int(v.occurrence),
               str(SANCTION_LABELS.get(v.sanction, v.sanction)), v.fine, int(v.points),
               str(SOURCE_LABELS.get(v.source, v.source)), v.recorded_by if isinstance(v.recorded_by, str) else "",
               reversed_ if v.reversed_at is not None and not pd.isna(v.reversed_at) else in_force, v.note or ""]


def payroll_headers() -> list[str]:
    return [_("Employee no."), _("Name"), _("Team"), _("Monthly wage"), _("Fines this month"), _("Carried in"),
            _("Fines due"), _("Cap"), _("Deducted"), _("Carried over")]


def payroll_rows(data) -> Iterable[list]:
    for r in data.payroll.rows.itertuples():
        yield [r.employee_no, r.name, r.team_code if isinstance(r.team_code, str) else "", _money(r.wage_cents),
               _money(r.fines_cents), _money(r.carried_in_cents), _money(r.due_cents), _money(r.cap_cents),
               _money(r.deducted_cents), _money(r.carried_over_cents)]


def summary_lines(data) -> list[tuple[str, str]]:
    people = data.figures.people
    payroll = data.payroll.rows
    counted = data.violations[data.violations["reversed_at"].isna()] if len(data.violations) else data.violations
    status = _("Closed") if data.figures.closed is not None else _("Open (figures may still change)")
    return [
        (_("Month"), data.label),
        (_("Status"), status),
        (_("Staff"), str(len(people))),
        (_("Average score"), f"{people['score'].mean():.1f}" if len(people) else "—"),
        (_("Full attendance"), str(int(people["full_attendance"].sum()))),
        (_("Reward eligible"), str(int(people["reward_eligible"].sum()))),
        (_("Rewards (yuan)"), str(cents_to_money(people["reward_cents"].sum()))),
        (_("Violations"), str(len(counted))),
        (_("Fines (yuan)"), str(cents_to_money(people["fines_cents"].sum()))),
        (_("Deducted from pay (yuan)"), str(cents_to_money(payroll["deducted_cents"].sum()))),
        (_("Carried over (yuan)"), str(cents_to_money(payroll["carried_over_cents"].sum()))),
        (_("Generated"), f"{data.generated_at.strftime('%Y-%m-%d %H:%M')}  {data.generated_by}"),
    ]


def team_headers() -> list[str]:
    return [_("Team"), _("Staff"), _("Average score"), _("Attendance rate"), _("Reward eligible")]


def team_rows(data) -> list[list]:
    return [[t.team_name, int(t.people), round(float(t.average_score), 1), f"{t.attendance_rate * 100:.1f}%",
             int(t.rewards)] for t in data.teams.itertuples()]


def extra_shift_headers() -> list[str]:
    return [_("Employee no."), _("Name"), _("Team"),
            *(_("Extra, %(day)s (hours)", day=EXTRA_DAY_TYPE_LABELS[kind]) for kind in EXTRA_DAY_TYPES),
            _("Total (hours)")]


def extra_shift_rows(data) -> list[list]:
    """Each person with approved extra shifts this month: their hours by the kind of day. From the month's
    figures (the same approved requests the 考勤表's totals count), so the PDF does not wait for the 考勤表,
    which is read while the PDF is written (services.reports)."""
    columns = [f"extra_{kind}_hours" for kind in EXTRA_DAY_TYPES]
    out = []
    for p in data.figures.people.sort_values(["team_name", "employee_no"], na_position="last").itertuples():
        values = [float(getattr(p, column)) for column in columns]
        if not any(values):
            continue
        out.append([p.employee_no, p.name, p.team_name if isinstance(p.team_name, str) else "",
                    *(_num(v) for v in values), _num(sum(values))])
    return out


# --- PDF ---------------------------------------------------------------------------------------


def _table(rows: list[list], widths, font: str, size: float = 7.5) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef4ff")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#98a2b3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _chunks(header: list[str], rows: Iterable[list], widths, font: str) -> list:
    out, chunk = [], []
    for row in rows:
        chunk.append(["" if c is None else str(c) for c in row])
        if len(chunk) == ROWS_PER_TABLE:
            out.append(_table([header, *chunk], widths, font))
            chunk = []
    if chunk or not out:
        out.append(_table([header, *chunk], widths, font))
    return out


def write_pdf(path: Path, data) -> None:
    font = _font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    footer_text = f"{TITLE} {data.label}"

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(15 * mm, 10 * mm, footer_text)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, _("Page %(n)d", n=doc.page))
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=14 * mm,
                            bottomMargin=16 * mm, title=footer_text, invariant=1)
    story: list = [Paragraph(f"{TITLE}  {data.label}", h1)]  # no "·": not every CID font viewer maps it
    summary = _table([[_("Summary"), ""], *[[k, v] for k, v in summary_lines(data)]], [50 * mm, 90 * mm], font,
                     9)
    story += [summary, Paragraph(_("Teams"), h2),
              *_chunks(team_headers(), team_rows(data), [50 * mm, 20 * mm, 30 * mm, 30 * mm, 30 * mm], font)]
    story.append(PageBreak())
    story.append(Paragraph(_("Charts"), h2))
    for image in data.charts.values():
        picture = Image(io.BytesIO(image))
        scale = min(CHART_WIDTH / picture.drawWidth, CHART_HEIGHT / picture.drawHeight)
        picture.drawWidth, picture.drawHeight = picture.drawWidth * scale, picture.drawHeight * scale
        story += [picture, Spacer(1, 4 * mm)]
    story.append(PageBreak())
    story.append(Paragraph(_("Department ranking"), h2))
    ranking_header = [_("Rank"), _("Employee no."), _("Name"), _("Team"), _("Score"), _("Points lost"),
                      _("Fines (yuan)"), _("Late"), _("Early"), _("Absent days"), _("Leave days"),
                      _("Full attendance")]
    ranking = ([r[0], r[1], r[2], r[3], r[5], r[6], r[7], r[11], r[12], _num(r[13]), r[14], r[15]]
               for r in score_rows(data))
    story += _chunks(ranking_header, ranking, [12 * mm, 20 * mm, 22 * mm, 30 * mm, 12 * mm, 14 * mm, 18 * mm,
                                               12 * mm, 12 * mm, 14 * mm, 14 * mm, 14 * mm], font)
    story.append(PageBreak())
    story.append(Paragraph(_("Full-attendance award list"), h2))
    awards = ([r[1], r[2], r[3], r[17]] for r in score_rows(data) if r[16])
    story += _chunks([_("Employee no."), _("Name"), _("Team"), _("Reward (yuan)")], awards,
                     [30 * mm, 40 * mm, 60 * mm, 30 * mm], font)
    story.append(Paragraph(_("Extra shifts") + " 加班", h2))
    extra = extra_shift_rows(data)
    if extra:
        story += _chunks(extra_shift_headers(), extra, [22 * mm, 24 * mm, 34 * mm, 24 * mm, 24 * mm, 24 * mm,
                                                        20 * mm], font)
    else:
        story.append(Paragraph(_("No extra shifts this month."), body))
    story.append(PageBreak())
    story.append(Paragraph(_("Violation log") + " 《客服人员违纪记录表》", h2))
    log = ([r[0], r[1], r[2], r[3], r[4][:14], r[5], r[6], r[7], r[8], r[11]] for r in violation_rows(data))
    story += _chunks([_("Date and time"), _("Employee no."), _("Name"), _("Team"), _("Rule"), _("Occurrence"),
                      _("Sanction"), _("Fine (yuan)"), _("Points deducted"), _("Status")], log,
                     [24 * mm, 18 * mm, 18 * mm, 24 * mm, 36 * mm, 10 * mm, 16 * mm, 14 * mm, 12 * mm, 14 * mm],
                     font)
    if len(data.violations) == 0:
        story.append(Paragraph(_("No violations this month."), body))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


# --- XLSX --------------------------------------------------------------------------------------


class _Sheet:
    """A write-only sheet with a title line, a bold header and money cells formatted 0.00."""

    def __init__(self, book: Workbook, title: str, heading: str, header: list[str], widths: list[int]):
        self.sheet = book.create_sheet(title)
        for i, width in enumerate(widths):
            self.sheet.column_dimensions[_column(i)].width = width
        self.sheet.freeze_panes = "A3"
        title_cell = WriteOnlyCell(self.sheet, heading)
        title_cell.font = Font(bold=True, size=13)
        self.sheet.append([title_cell])
        cells = []
        for text in header:
            cell = WriteOnlyCell(self.sheet, text)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF4FF")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cells.append(cell)
        self.sheet.append(cells)

    def rows(self, rows: Iterable[list]) -> None:
        # The money format resolved once: setting ``number_format`` on each cell makes openpyxl hash the
        # style and look it up in the workbook's lists, a third of the workbook's time for 5,000 staff.
        template = WriteOnlyCell(self.sheet)
        template.number_format = "0.00"
        money = template._style
        sheet = self.sheet
        for row in rows:
            sheet.append([Cell(sheet, row=1, column=1, value=value, style_array=StyleArray(money))
                          if isinstance(value, Decimal) else inert_value(sheet, value) for value in row])


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def write_xlsx(path: Path, data, charts_ready: Callable[[], None] | None = None) -> None:
    """``charts_ready``, when given, is called before the charts sheet (the last) is written: the charts may be
    drawn by another process meanwhile (services.reports)."""
    book = Workbook(write_only=True)
    label = data.label
    scores_sheet = _Sheet(book, "得分 Scores", f"{TITLE} · {label} · {_('Scores')}", score_headers(),
                          [6, 10, 10, 14, 7, 6, 7, 9, 7, 7, 7, 6, 6, 7, 7, 7, 7, 9])
    scores_sheet.rows(score_rows(data))

    attendance_sheet.write_sheet(book.create_sheet(attendance_sheet.TITLE), data.attendance)

    violations = _Sheet(book, "违纪 Violations", f"客服人员违纪记录表 · {label}", violation_headers(),
                        [16, 10, 10, 14, 28, 6, 10, 9, 7, 12, 10, 10, 30])
    violations.rows(violation_rows(data))

    payroll = _Sheet(book, "扣款 Payroll", f"{_('Payroll deductions')} · {label}", payroll_headers(),
                     [10, 10, 10, 11, 11, 11, 11, 11, 11, 11])
    payroll.rows(payroll_rows(data))

    teams = _Sheet(book, "班组 Teams", f"{_('Teams')} · {label}", team_headers(), [16, 8, 10, 10, 10])
    teams.rows(team_rows(data))
    if charts_ready is not None:
        charts_ready()
    _chart_sheet(book, data)
    save_workbook(book, str(path))


def _chart_sheet(book: Workbook, data) -> None:
    """The charts, as the PNGs the PDF shows (drawn once for both documents), one under the other."""
    from openpyxl.drawing.image import Image as SheetImage

    sheet = book.create_sheet("图表 Charts")
    sheet.append([_("Charts")])
    row = 2
    for image in data.charts.values():
        picture = SheetImage(io.BytesIO(image))
        sheet.add_image(picture, f"A{row}")
        row += int(picture.height / 20) + 2  # rows of the default 20 px height, and a gap
