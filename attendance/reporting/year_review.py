"""The year-end review as workbooks (年终考核): one person's year, and a team's or the department's year in one
table. Renders what it is given (the service's year rows); money is two-place yuan."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from attendance.reporting.cells import save_workbook

MONEY = "0.00"


def _bold_header(sheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    save_workbook(book, out)
    return out.getvalue()


def _score(value) -> float | str:
    return "" if value is None else value


def person_xlsx(person, *, category: Callable[[str], str], kind: Callable[[str], str]) -> bytes:
    """Sheets: the year (summary), the months, the awards. ``person`` is the service's ``PersonYear``."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Year %(year)s", year=person.year)
    rows = [
        (_("Employee no."), person.employee_no), (_("Name"), person.name), (_("Team"), person.team_code or ""),
        (_("Year"), person.year), (_("Year score"), _score(person.score)),
        (_("Full-year attendance bonus"), person.bonus),
        (_("Violations"), person.violations),
        (_("Leave days, January–June"), person.half_year_leave[0]),
        (_("Leave days, July–December"), person.half_year_leave[1]),
        (_("Rewards and awards (yuan)"), person.rewards_total),
        (_("Closed"), _("yes") if person.closed else _("no")),
    ]
    for label, value in rows:
        sheet.append([label, value])
    sheet.cell(row=10, column=2).number_format = MONEY
    sheet.append([])
    sheet.append([_("Violations by category"), _("Count")])
    _bold_header(sheet)
    for name, count in sorted(person.violations_by_category.items()):
        sheet.append([category(name), count])
    sheet.column_dimensions["A"].width = 30

    months = book.create_sheet(_("Months"))
    months.append([_("Month"), _("Score"), _("Full attendance"), _("Violations"), _("Leave days")])
    _bold_header(months)
    for m in person.months:
        months.append([f"{person.year}-{m.month:02d}", m.score, _("yes") if m.full_attendance else _("no"),
                       m.violations, m.leave_days])

    awards = book.create_sheet(_("Awards"))
    awards.append([_("Date"), _("Kind"), _("Amount (yuan)"), _("Reason")])
    _bold_header(awards)
    for a in person.awards:
        awards.append([a["date"], kind(a["kind"]), a["amount"], a["reason"]])
        awards.cell(row=awards.max_row, column=1).number_format = "yyyy-mm-dd"
        awards.cell(row=awards.max_row, column=3).number_format = MONEY
    return _bytes(book)


def team_xlsx(people: Iterable, year: int, *, title: str) -> bytes:
    """One row per person: year score, bonus, violations, half-year leave, rewards and awards."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([_("Employee no."), _("Name"), _("Team"), _("Year score"), _("Full-year attendance bonus"),
                  _("Violations"), _("Leave days, January–June"), _("Leave days, July–December"),
                  _("Rewards and awards (yuan)")])
    _bold_header(sheet)
    for p in people:
        sheet.append([p.employee_no, p.name, p.team_code or "", _score(p.score), p.bonus, p.violations,
                      p.half_year_leave[0], p.half_year_leave[1], p.rewards_total])
        sheet.cell(row=sheet.max_row, column=9).number_format = MONEY
    sheet.freeze_panes = "A2"
    return _bytes(book)
