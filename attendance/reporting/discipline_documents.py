"""Discipline paperwork: the penalty notice 《违纪处罚通知单》 (fields for the page, and a PDF) and the
violation log 《客服人员违纪记录表》 (rows for the page, CSV and XLSX).

The PDF uses reportlab's built-in CID font STSong-Light, so Chinese prints with no font file.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from attendance.clock import site_zone
from attendance.labels import APPEAL_LABELS, SANCTION_LABELS, SOURCE_LABELS, ledger_reason, violation_note
from attendance.reporting.cells import csv_cell, save_workbook

NOTICE_TITLE = "违纪处罚通知单"
LOG_TITLE = "客服人员违纪记录表"
FONT = "STSong-Light"


def local_time(instant: datetime | None) -> str:
    return instant.astimezone(site_zone()).strftime("%Y-%m-%d %H:%M") if instant else ""


def rule_text(violation) -> str:
    return f"{violation.rule_code} {violation.rule_name_zh}"


def status_text(violation) -> str:
    if violation.reversed_at is not None:
        return _("Reversed: %(reason)s", reason=ledger_reason(violation.reversed_reason,
                                                              {violation.rule_code: violation.rule_name_zh}))
    if violation.appeal is not None:
        return str(APPEAL_LABELS[violation.appeal.status])
    return _("In force")


# --- the penalty notice ------------------------------------------------------------------------


def citation_text(citation: dict | None) -> list[tuple[str, str]]:
    """The rule book a penalty stands on: its version, when it was adopted and published, and when the person
    acknowledged it (or that they have not). ``citation`` is plain data the service gathered."""
    if not citation:
        return []
    if citation.get("adopted_on"):
        published = _("Adopted on %(d)s by %(body)s, published %(at)s", d=citation["adopted_on"].isoformat(),
                      body=citation.get("adopted_by") or "", at=local_time(citation.get("published_at")))
    else:
        published = _("Not published")
    acknowledged = local_time(citation.get("acknowledged_at")) or _("Not acknowledged")  # 未确认
    return [
        (_("Rules version"), str(citation.get("version") or "")),
        (_("Publication"), published),
        (_("Acknowledged by the person"), acknowledged),
    ]


def notice_fields(violation, citation: dict | None = None) -> list[tuple[str, str]]:
    """The notice's lines as (label, value), shared by the printable page and the PDF; ``citation``: the rule
    book it stands on (``citation_text``)."""
    person = violation.employee
    sanction = str(SANCTION_LABELS[violation.sanction])
    if violation.dismissal_review and violation.sanction != "dismissal_review":
        sanction += "，" + str(SANCTION_LABELS["dismissal_review"])  # STSong-Light has no U+00B7
    lines = [
        (_("Name"), person.name),
        (_("Employee no."), person.employee_no),
        (_("Team"), person.team.name if person.team else ""),
        (_("Rule"), rule_text(violation)),
        *citation_text(citation),
        (_("Occurred at"), local_time(violation.occurred_at)),
        (_("Occurrence"), _("No. %(n)d of this rule", n=violation.occurrence)),
        (_("Sanction"), sanction),
        (_("Fine (yuan)"), str(violation.fine)),
        (_("Points deducted"), str(violation.points)),
        (_("Note"), violation_note(violation.note)),
        (_("Recorded by"), violation.recorded_by.name if violation.recorded_by else _("(system)")),
        (_("Recorded at"), local_time(violation.recorded_at)),
    ]
    if violation.flagged_for_review:
        lines.append((_("Review"), _("Past the end of the ladder: flagged for review")))
    if violation.reversed_at is not None:
        lines.append((_("Status"), status_text(violation)))
    return lines


def signature_lines() -> list[str]:
    return [_("Signature of the person"), _("Signature of the recorder"), _("Signature of the supervisor")]


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def penalty_notice_pdf(violation, *, compress: bool = True, citation: dict | None = None) -> bytes:
    """The notice as an A4 PDF for the person to sign."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=12, alignment=1,
                           textColor=colors.grey)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=15, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"{NOTICE_TITLE} {violation.employee.employee_no}",
                            pageCompression=1 if compress else 0, invariant=1)
    rows = [[label, Paragraph(value, body) if label == _("Note") else value]
            for label, value in notice_fields(violation, citation)]
    table = Table(rows, colWidths=[40 * mm, 130 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 11),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    signatures = Table([[f"{who}：______________", f"{_('Date')}：____年____月____日"]
                        for who in signature_lines()], colWidths=[90 * mm, 80 * mm], rowHeights=14 * mm)
    signatures.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 11), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    doc.build([
        Paragraph(NOTICE_TITLE, title),
        Paragraph(_("Notice no. %(n)s", n=violation.id), small),
        Spacer(1, 8 * mm), table, Spacer(1, 6 * mm),
        Paragraph(_("The person has been told of this penalty and may appeal within the system."), body),
        Spacer(1, 8 * mm), signatures,
    ])
    return out.getvalue()


# --- the violation log -------------------------------------------------------------------------


def log_headers() -> list[str]:
    return [_("Date and time"), _("Employee no."), _("Name"), _("Rule"), _("Occurrence"), _("Sanction"),
            _("Fine (yuan)"), _("Points deducted"), _("Source"), _("Recorded by"), _("Note"), _("Status")]


def log_rows(violations) -> list[list]:
    """One row per violation; money stays Decimal (a number in XLSX, "10.00" in CSV)."""
    return [[local_time(v.occurred_at), v.employee.employee_no, v.employee.name, rule_text(v), v.occurrence,
             str(SANCTION_LABELS[v.sanction]), v.fine, v.points, str(SOURCE_LABELS[v.source]),
             v.recorded_by.name if v.recorded_by else "", violation_note(v.note), status_text(v)] for v in violations]


def log_csv(violations) -> bytes:
    """UTF-8 with a BOM, which is what Excel needs to open Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(log_headers())
    writer.writerows([[csv_cell(c) for c in row] for row in log_rows(violations)])
    return out.getvalue().encode("utf-8-sig")


def log_xlsx(violations, *, team_name: str, month: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = month
    headers = log_headers()
    sheet.append([f"{LOG_TITLE} · {team_name} · {month}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in log_rows(violations):
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=7).number_format = "0.00"
    total_row = sheet.max_row + 1
    sheet.cell(row=total_row, column=6, value=_("Total"))
    sheet.cell(row=total_row, column=7, value=sum((v.fine for v in violations if v.reversed_at is None),
                                                  Decimal("0.00"))).number_format = "0.00"
    for letter, width in zip("ABCDEFGHIJKL", (17, 10, 10, 30, 8, 14, 10, 10, 14, 10, 30, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    save_workbook(book, out)
    return out.getvalue()
