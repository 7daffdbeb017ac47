"""Exported cells that a spreadsheet will not run (CSV/formula injection, OWASP): names, notes and reasons
are typed by users, and a value such as ``=HYPERLINK(...)`` must arrive as text, never as a formula."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell

# What spreadsheet programs read as the start of a formula in a CSV cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell: numbers as they are (a negative amount stays a number); text that a spreadsheet would
    take for a formula gets a leading apostrophe, which shows it is text and is not part of the value."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def inert(cell: Cell) -> Cell:
    """The cell as text if openpyxl took its string for a formula (it starts with ``=``)."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def inert_value(sheet, value):
    """A value to append to a write-only sheet: text that would be a formula becomes a text cell."""
    if isinstance(value, str) and value.startswith("="):
        return inert(WriteOnlyCell(sheet, value))
    return value


def save_workbook(book: Workbook, out: IO[bytes] | str) -> None:
    """Save with every cell that openpyxl took for a formula (a string starting with ``=``) stored as the
    text it was. The product writes no formulas of its own, so none is lost. (A write-only book cannot be
    read back: its cells go through ``inert``/``inert_value`` as they are written.)"""
    if book.write_only:
        book.save(out)
        return
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    book.save(out)
