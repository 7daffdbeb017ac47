"""One 考勤表: the page, its XLSX, the API's XLSX and the monthly report's 考勤表 sheet show the same marks."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from attendance import clock
from attendance.extensions import db
from attendance.models import AttendanceDay, Punch
from attendance.reporting.attendance_sheet import legend
from attendance.services import attendance, punches, reports, roster, shift_types
from tests.conftest import login, make_person, make_team, token_for

MONTH = "2026-10"  # 1–7 October: National Day (国庆节); Saturday 10 October: a working day (补班)


def october(day: int) -> date:
    return date(2026, 10, day)


def clock_in(person, day: int, hhmm: str, direction: str) -> None:
    at = datetime.combine(october(day), time.fromisoformat(hhmm), tzinfo=clock.site_zone())
    db.session.add(Punch(employee_id=person.id, at=at, direction=direction, source="import",
                         dedupe_key=punches.dedupe_key(person.id, at)))


@pytest.fixture
def month(app):
    t1, t2 = make_team("T1", "热线一组"), make_team("T2", "投诉组")
    lead = make_person(["lead", "staff"], t1, name="组长")
    a = make_person(["staff"], t1, name="张丽")
    b = make_person(["staff"], t1, name="王芳")
    c = make_person(["staff"], t2, name="李娜")
    hr = make_person(["hr"], name="周人事")
    supervisor = make_person(["supervisor"], name="主管")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    days = {
        a: {1: ("D8", "07:55", "18:02"),  # present, on a public holiday
            2: ("REST",), 12: ("D8", "08:20", "18:00"),  # late 20
            13: ("D8", "07:58", "17:30"),  # early
            14: ("D8", "08:15", "17:40"),  # late and early
            15: ("D8",)},  # absent: no punch
        b: {10: ("D8", "07:50", "18:01"),  # present on the adjusted working day
            12: ("D8", "07:59", None),  # present, out-punch missing
            13: ("D8", "08:45", "18:00"),  # more than 30 minutes late: half a day absent
            16: ("D8", "08:09", "18:00"),  # late 9, not evaluated yet: read from the punches
            20: ("D8",)},  # on leave (stored below)
        c: {12: ("D8", "08:00", "18:00"), 13: ("REST",)},
        lead: {12: ("D8", "07:45", "18:30")},
    }
    for person, plan in days.items():
        for day, (code, *times) in plan.items():
            roster.set_roster_day(supervisor, person.employee_no, october(day).isoformat(), code)
            for hhmm, direction in zip(times, ("in", "out"), strict=False):
                if hhmm:
                    clock_in(person, day, hhmm, direction)
    db.session.commit()
    attendance.evaluate(hr, "2026-10-01", "2026-10-15")
    db.session.add(AttendanceDay(employee_id=b.id, day=october(20), status="leave", leave_type="personal",
                                 evaluated_at=clock.now()))
    # a day evaluated whose roster entry is gone since: shown, not counted as scheduled
    db.session.add(AttendanceDay(employee_id=c.id, day=october(21), status="present", evaluated_at=clock.now()))
    db.session.commit()
    return {"hr": hr, "a": a, "b": b, "c": c, "lead": lead}


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


class SheetTable(HTMLParser):
    """The cells of the page's grid: one list of texts per person row."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.legend = ""
        self._in_body = self._in_cell = self._in_legend = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._in_cell = True
            self.rows[-1].append("")
        elif tag == "p" and ("class", "legend") in attrs:
            self._in_legend = True

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._in_cell = False
        elif tag == "p":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data
        elif self._in_legend:
            self.legend += data


def test_the_page_its_downloads_and_the_report_show_one_sheet(client, month, monkeypatch):
    hr = month["hr"]
    login(client, hr)
    page_xlsx = client.get(f"/attendance/sheet.xlsx?month={MONTH}")
    api_xlsx = client.get(f"/api/v1/attendance/sheet.xlsx?month={MONTH}", headers=token_for(client, hr))
    assert page_xlsx.status_code == api_xlsx.status_code == 200
    page = load_workbook(io.BytesIO(page_xlsx.data)).active
    api = load_workbook(io.BytesIO(api_xlsx.data)).active

    written = reports.generate(hr, MONTH)
    workbook = next(p for p in written if p.suffix == ".xlsx")
    report = load_workbook(workbook)["考勤表"]

    assert rows(page) == rows(report) == rows(api)
    assert set(map(str, page.merged_cells.ranges)) == set(map(str, report.merged_cells.ranges))
    assert rows(page)[0][0] == "考勤表 · 全部班组 · 2026-10"

    by_no = {r[0]: r for r in rows(page)[3:-2]}  # under the headers, above a blank row and the legend
    assert set(by_no) == {p.employee_no for k, p in month.items() if k != "hr"}  # everyone in a team
    a, b, c = (by_no[month[k].employee_no] for k in "abc")
    first = 3  # the column of 1 October, after employee no., name and team (0-based)

    def marks(row, *days):
        return [row[first + d - 1] for d in days]

    assert marks(a, 1, 2, 12, 13, 14, 15) == ["✓", "休", "迟20", "早", "迟早15", "旷"]
    assert marks(b, 10, 12, 13, 16, 20) == ["✓", "✓?", "半旷", "迟9", "事"]  # personal leave: 事
    assert marks(c, 12, 13, 21) == ["✓", "休", "✓"]
    scheduled, worked = first + 31, first + 32
    assert (a[scheduled], a[worked], b[scheduled], c[scheduled], c[worked]) == (5, 4, 5, 1, 2)
    weekdays = rows(page)[2]
    assert weekdays[first] == "周四\n国庆节" and weekdays[first + 9] == "周六\n补班"
    statuses = {cell.status for r in attendance.month_sheet(hr, MONTH).rows for cell in r.cells.values()}
    assert {"present", "late", "early", "late_early", "half_absent", "absent", "leave", "rest"} <= statuses

    last = [r[0] for r in rows(page) if r[0]][-1]
    assert last == rows(report)[-1][0] == legend()
    assert "✓=出勤" in last and "半旷=旷工半天" in last and "?=缺卡" in last and "√" not in last

    html = client.get(f"/attendance/sheet?month={MONTH}").get_data(as_text=True)
    table = SheetTable()
    table.feed(html)
    shown = {r[0].split()[-1]: r[1:32] for r in table.rows}
    assert set(shown) == set(by_no)
    for no, row in by_no.items():
        assert shown[no] == [v or "" for v in row[first:first + 31]], no
    assert table.legend.strip() == legend()
