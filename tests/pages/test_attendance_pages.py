"""Pages: the day board, my calendar, the monthly sheet 考勤表 (page and XLSX), evaluating, meetings."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import AttendanceDay, MeetingAttendance, Punch, Violation
from attendance.services import meetings, punches, roster, shift_types
from tests.conftest import LEADERS, login, make_team, one_per_role

EVERYONE = set(ROLES)


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    people = one_per_role(t1)
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    staff = people["staff"]
    roster.set_roster_day(people["lead"], staff.employee_no, "2026-11-02", "D8")
    roster.set_roster_day(people["lead"], staff.employee_no, "2026-11-03", "REST")
    at = punches.parse_instant("2026-11-02T08:09:00")
    db.session.add(Punch(employee_id=staff.id, at=at, direction="in", source="import",
                         dedupe_key=punches.dedupe_key(staff.id, at)))
    db.session.commit()
    meeting = meetings.create_meeting(people["lead"], {"kind": "morning", "date": "2026-11-02", "team": "T1"})
    people["meeting"] = meeting
    return people


PAGES = [
    ("GET", "/attendance/board?team=T1&date=2026-11-02", LEADERS),
    ("GET", "/attendance/me?month=2026-11", EVERYONE),
    ("GET", "/attendance/sheet?team=T1&month=2026-11", LEADERS),
    ("GET", "/attendance/sheet.xlsx?team=T1&month=2026-11", LEADERS),
    ("POST", "/attendance/evaluate", {"hr", "admin", "supervisor"}),
    ("GET", "/attendance/meetings", LEADERS),
    ("GET", "/attendance/meetings/new", {"lead", "supervisor"}),
    ("GET", "/attendance/meetings/{meeting}", LEADERS),
    ("POST", "/attendance/meetings/new", {"lead", "supervisor"}),
    ("POST", "/attendance/meetings/{meeting}", {"lead", "supervisor"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_should(client, world, role):
    login(client, world[role])
    for method, path, roles in PAGES:
        url = path.format(meeting=world["meeting"].id)
        response = client.open(url, method=method, data={"date": "2026-11-02", "team": "T1", "kind": "weekly",
                                                         "start": "14:30", "end": "15:30", "title": "周例会",
                                                         "people": [world["staff"].employee_no]})
        if role in roles:
            assert response.status_code < 400, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


def test_without_a_session_the_pages_send_you_to_login(client, world):
    for method, path, _ in PAGES:
        response = client.open(path.format(meeting=1), method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_day_board_shows_a_late_arrival_with_a_missing_punch(client, world):
    login(client, world["lead"])
    page = client.get("/attendance/board?team=T1&date=2026-11-02").get_data(as_text=True)
    assert world["staff"].name in page and "08:09" in page
    assert 'class="st-late"' in page
    assert client.get("/attendance/board?team=T2").status_code == 404
    assert client.get("/attendance/board?team=T1&date=2026-02-30").status_code == 400


def test_evaluating_from_the_board_raises_once(client, world):
    login(client, world["supervisor"])
    for _ in range(2):
        response = client.post("/attendance/evaluate", data={"date": "2026-11-02", "team": "T1"})
        assert response.status_code == 302
    assert [v.rule_code for v in db.session.scalars(select(Violation))] == ["LATE"]
    assert db.session.scalar(select(AttendanceDay).where(AttendanceDay.day == date(2026, 11, 2))).missing_out
    bad = client.post("/attendance/evaluate", data={"date": "yesterday"})
    assert bad.status_code == 302


def test_my_calendar_shows_my_month_and_nobody_elses(client, world):
    login(client, world["staff"])
    page = client.get("/attendance/me?month=2026-11").get_data(as_text=True)
    assert "08:09" in page and "D8" in page
    assert client.get(f"/attendance/me?month=2026-11&employee_no={world['lead'].employee_no}").status_code == 404
    assert client.get("/attendance/me?month=nope").status_code == 400


def test_the_sheet_page_and_its_xlsx_show_the_grid(client, world):
    login(client, world["hr"])
    page = client.get("/attendance/sheet?team=T1&month=2026-11")
    assert page.status_code == 200 and world["staff"].name in page.get_data(as_text=True)
    assert "<h1>考勤表 · 热线一组 · 2026-11</h1>" in page.get_data(as_text=True)  # the XLSX's title, once
    all_teams = client.get("/attendance/sheet?month=2026-11")
    assert all_teams.status_code == 200
    response = client.get("/attendance/sheet.xlsx?team=T1&month=2026-11")
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = {ws.cell(row=r, column=1).value: r for r in range(4, ws.max_row + 1)}
    row = rows[world["staff"].employee_no]
    assert ws.cell(row=row, column=4 + 1).value.endswith("9?")  # 2 Nov: late 9 minutes, out-punch missing
    assert ws.cell(row=row, column=4 + 2).value  # 3 Nov: rest


def test_a_lead_takes_meeting_attendance_on_the_page(client, world):
    login(client, world["lead"])
    meeting = world["meeting"]
    assert client.get("/attendance/meetings/new?kind=weekly").status_code == 200
    created = client.post("/attendance/meetings/new", data={"kind": "weekly", "team": "T1", "date": "2026-11-02",
                                                            "start": "14:30", "end": "15:30", "title": "周例会"})
    assert created.status_code == 302
    bad = client.post("/attendance/meetings/new", data={"kind": "weekly", "team": "T1", "date": "2026-11-02",
                                                        "start": "25:00"})
    assert bad.status_code == 400
    no = world["staff"].employee_no
    response = client.post(f"/attendance/meetings/{meeting.id}", data={"people": [no, world["lead"].employee_no],
                                                                        f"mark-{no}": "late"})
    assert response.status_code == 302
    marks = {m.employee_id: m.mark for m in db.session.scalars(select(MeetingAttendance))}
    assert marks == {world["staff"].id: "late", world["lead"].id: "present"}
    assert [v.rule_code for v in db.session.scalars(select(Violation))] == ["MEETING_LATE"]
    page = client.get(f"/attendance/meetings/{meeting.id}").get_data(as_text=True)
    assert world["staff"].name in page
    assert client.get("/attendance/meetings/9999").status_code == 404
