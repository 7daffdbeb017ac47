"""A person's own copy of their data (PIPL Art. 45): a ZIP with one JSON file per kind, everything in one
JSON file, and one workbook with a sheet per kind. Renders the plain rows it is given."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from attendance.reporting.cells import csv_cell, save_workbook

README = """Your data / 我的个人数据

One JSON file per kind of record (data/<kind>.json), all of them in all.json, and the same rows in
my-data.xlsx (a sheet per kind). Ids such as recorded_by_id name who recorded or decided a record.
The files you handed in yourself (work reports) are under files/.
每类记录一个 JSON 文件（data/<类别>.json），all.json 为全部记录，my-data.xlsx 每类一个工作表；
本人提交的文件（工作报表附件）在 files/ 目录下。
"""


def _cell(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return csv_cell(value) if isinstance(value, str) else value


def to_xlsx(data: dict[str, list[dict]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for kind, rows in data.items():
        sheet = book.create_sheet(kind[:31])
        columns = list(rows[0]) if rows else []
        sheet.append(columns or ["(none)"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(c)) for c in columns])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    save_workbook(book, out)
    return out.getvalue()


def to_zip(data: dict[str, list[dict]], employee_no: str, made: datetime,
           files: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    stamp = made.timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, body: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), body)

        add("README.txt", README.encode("utf-8"))
        whole = {"employee_no": employee_no, "made_at": made.isoformat(), "data": data}
        add("all.json", json.dumps(whole, ensure_ascii=False, indent=1).encode("utf-8"))
        for kind, rows in data.items():
            add(f"data/{kind}.json", json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"))
        add("my-data.xlsx", to_xlsx(data))
        for name, body in (files or {}).items():
            add(f"files/{name}", body)
    return out.getvalue()
