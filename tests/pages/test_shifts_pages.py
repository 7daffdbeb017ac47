"""Pages: shift types, the week roster, the generator, my month, the clock, punch import and resolution."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Punch, RosterEntry, ShiftType
from attendance.services import punches, roster, shift_types
from tests.conftest import LEADERS, login, make_team, one_per_role
from tests.forms import form_as_rendered

EVERYONE = set(ROLES)


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    people = one_per_role(t1)
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    shift_types.save_shift_type(None, {"code": "E", "name": "晚班", "start": "18:30", "end": "24:00"})
    return people


PAGES = [
    ("GET", "/shift-types", LEADERS),
    ("GET", "/shift-types/new", {"admin", "supervisor", "manager"}),
    ("GET", "/shift-types/D8/edit", {"admin", "supervisor", "manager"}),
    ("GET", "/roster", LEADERS),
    ("GET", "/roster/generate", {"lead", "supervisor", "manager"}),
    ("POST", "/roster/copy-week", {"lead", "supervisor", "manager"}),
    ("GET", "/my/roster", EVERYONE),
    ("GET", "/clock", {"staff", "lead"}),
    ("GET", "/punches/import", {"hr", "admin", "supervisor"}),
    ("GET", "/punches/{staff}/2026-11-02", {"lead", "supervisor", "hr", "admin"}),
    ("POST", "/shift-types/new", {"admin", "supervisor", "manager"}),
    ("POST", "/shift-types/D8/edit", {"admin", "supervisor", "manager"}),
    ("POST", "/roster", {"lead", "supervisor", "manager"}),
    ("POST", "/roster/generate", {"lead", "supervisor", "manager"}),
    ("POST", "/clock", {"staff", "lead"}),
    ("POST", "/punches/import", {"hr", "admin", "supervisor"}),
    ("POST", "/punches/{staff}/2026-11-02", {"lead", "supervisor", "hr", "admin"}),
    ("POST", "/punches/{punch}/void", {"lead", "supervisor", "hr", "admin"}),
]
# A complete form for each POST, so an allowed caller's request goes through (a redirect, not a 400).
BODIES = {
    "/shift-types/new": lambda: {"code": "N9", "name": "夜班", "start": "20:00", "end": "24:00"},
    "/shift-types/D8/edit": lambda: {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00", "active": "y"},
    "/roster/generate": lambda: {"team": "T1", "pattern": "weekly_rest", "shift": "D8", "sunday": "",
                                 "start": "2026-12-01", "end": "2026-12-31"},
    "/clock": lambda: {"direction": "in"},
    "/punches/import": lambda: {"file": (io.BytesIO(CSV.format(no="E0001").encode("gb18030")), "clock.csv")},
    "/punches/{staff}/2026-11-02": lambda: {"at": "2026-11-02T18:01", "direction": "out", "note": "打卡机故障"},
    "/punches/{punch}/void": lambda: {"reason": "重复"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_should(client, world, role):
    staff = world["staff"]
    at = punches.parse_instant("2026-11-02T08:00:00")
    punch = Punch(employee_id=staff.id, at=at, direction="in", source="import",
                  dedupe_key=punches.dedupe_key(staff.id, at))
    db.session.add(punch)
    db.session.commit()
    login(client, world[role])
    for method, path, roles in PAGES:
        url = path.format(staff=staff.employee_no, punch=punch.id)
        body = BODIES.get(path, lambda: {"team": "T1", "week": "2026-11-09"})()
        response = client.open(url, method=method, data=body)
        if role in roles:
            assert response.status_code < 400, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


def test_without_a_session_the_pages_send_you_to_login(client, world):
    for method, path, _ in PAGES:
        response = client.open(path.format(staff="X", punch=1), method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_adds_and_edits_a_shift_type(client, world):
    login(client, world["admin"])
    response = client.post("/shift-types/new", data={"code": "M12", "name": "中班", "start": "12:00", "end": "20:00",
                                                     "breaks": "17:30-18:00", "grace_minutes": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(ShiftType).where(ShiftType.code == "M12")).breaks == [[1050, 1080]]
    bad = client.post("/shift-types/new", data={"code": "X", "name": "x", "start": "8点", "end": "20:00"})
    assert bad.status_code == 400
    edited = client.post("/shift-types/M12/edit", data={"code": "M12", "name": "中班", "start": "12:00",
                                                        "end": "20:30", "breaks": "", "active": "y"})
    assert edited.status_code == 302
    assert shift_types.get_shift_type("M12").end == "20:30"


def test_saving_the_shift_type_page_unchanged_keeps_its_breaks(client, world):
    shift_types.save_shift_type(None, {"code": "M12", "name": "中班", "start": "12:00", "end": "20:00",
                                      "breaks": "17:30-18:00"})
    login(client, world["admin"])
    page = client.get("/shift-types/M12/edit").get_data(as_text=True)
    assert client.post("/shift-types/M12/edit", data=form_as_rendered(page)).status_code == 302
    assert shift_types.get_shift_type("M12").break_list == [{"start": "17:30", "end": "18:00"}]


def test_a_lead_edits_the_week_grid_and_the_page_shows_holidays(client, world):
    login(client, world["lead"])
    page = client.get("/roster?week=2026-10-01")
    assert page.status_code == 200
    assert "国庆节" in page.get_data(as_text=True)
    no = world["staff"].employee_no
    saved = client.post("/roster", data={"team": "T1", "week": "2026-09-28",
                                         f"cell:{no}:2026-09-28": "D8", f"was:{no}:2026-09-28": "",
                                         f"cell:{no}:2026-09-29": "", f"was:{no}:2026-09-29": ""})
    assert saved.status_code == 302
    rows = db.session.execute(select(RosterEntry.day, RosterEntry.shift_type_id)).all()
    assert [d for d, _ in rows] == [date(2026, 9, 28)]
    bad = client.post("/roster", data={"team": "T1", "week": "2026-09-28", f"cell:{no}:2026-09-28": "NOPE",
                                       f"was:{no}:2026-09-28": "D8"})
    assert bad.status_code == 302  # back to the grid with the reason flashed; nothing saved
    assert db.session.scalar(select(func.count()).select_from(RosterEntry)) == 1


def test_a_lead_cannot_see_another_teams_roster(client, world):
    login(client, world["lead"])
    assert client.get("/roster?team=T2").status_code == 404
    assert client.post("/roster/copy-week", data={"team": "T2", "week": "2026-11-09"}).status_code == 404


def test_the_generator_form_builds_the_roster(client, world):
    login(client, world["lead"])
    assert client.get("/roster/generate").status_code == 200
    response = client.post("/roster/generate", data={"team": "T1", "pattern": "weekly_rest", "shift": "D8",
                                                      "sunday": "", "start": "2026-12-01", "end": "2026-12-31"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RosterEntry)) == 2 * 31
    bad = client.post("/roster/generate", data={"team": "T1", "pattern": "cycle", "cycle": "",
                                                "start": "2026-12-01", "end": "2026-12-31"})
    assert bad.status_code == 400


def test_staff_see_their_month_and_clock_in_at_server_time(client, world):
    login(client, world["staff"])
    roster.set_roster_day(world["lead"], world["staff"].employee_no, "2026-11-03", "E")
    month = client.get("/my/roster?month=2026-11")
    assert month.status_code == 200 and "18:30" in month.get_data(as_text=True)
    assert client.get("/my/roster?month=2026-13").status_code == 400
    assert client.get(f"/my/roster?month=2026-11&employee_no={world['lead'].employee_no}").status_code == 404
    assert client.get("/clock").status_code == 200
    response = client.post("/clock", data={"direction": "in", "at": "2020-01-01 08:00"})
    assert response.status_code == 302
    punch = db.session.scalar(select(Punch))
    assert punch.at.year >= 2026 and punch.source == "web"
    assert client.post("/clock", data={"direction": "up"}).status_code == 400


CSV = "工号,打卡时间,方向\n{no},2026-11-02 08:00:00,上班\nNOBODY,2026-11-02 08:00:00,上班\n"


def test_hr_imports_a_time_clock_file_and_sees_each_rejected_line(client, world):
    login(client, world["hr"])
    data = CSV.format(no=world["staff"].employee_no).encode("gb18030")
    response = client.post("/punches/import", data={"file": (io.BytesIO(data), "clock.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "NOBODY" in page
    again = client.post("/punches/import", data={"file": (io.BytesIO(data), "clock.csv")},
                        content_type="multipart/form-data")
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Punch)) == 1


def test_a_lead_adds_a_missing_punch_and_voids_a_wrong_one(client, world):
    login(client, world["lead"])
    no = world["staff"].employee_no
    added = client.post(f"/punches/{no}/2026-11-02", data={"at": "2026-11-02T18:01", "direction": "out",
                                                          "note": "打卡机故障"})
    assert added.status_code == 302
    punch = db.session.scalar(select(Punch))
    assert punch.source == "correction" and punch.note == "打卡机故障"
    assert client.post(f"/punches/{no}/2026-11-02", data={"at": "garbage", "direction": "out",
                                                         "note": "x"}).status_code == 400
    voided = client.post(f"/punches/{punch.id}/void", data={"reason": "重复"})
    assert voided.status_code == 302
    db.session.refresh(punch)
    assert punch.voided_at is not None
    assert client.get("/punches/NOBODY/2026-11-02").status_code == 404
    assert client.get(f"/punches/{no}/2026-99-02").status_code == 400


def test_the_clock_shows_one_button_and_says_a_punch_at_0005_does_not_count(client, world, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    me = world["staff"]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "D8")  # 08:00–18:00
    moment = datetime(2026, 11, 24, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr("attendance.clock.now", lambda: moment)
    login(client, me)
    page = client.get("/clock").get_data(as_text=True)
    assert page.count('name="direction"') == 1 and 'value="in"' in page and "08:00–18:00" in page
    response = client.post("/clock", data={"direction": "in"})
    assert response.status_code == 302 and "punch=" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "上班打卡 00:05" in page and "不计考勤" in page and "上班打卡成功" not in page


def test_a_clock_out_without_a_clock_in_offers_a_correction(client, world, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    me = world["staff"]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "D8")
    moment = datetime(2026, 11, 24, 18, 2, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr("attendance.clock.now", lambda: moment)
    login(client, me)
    page = client.get("/clock").get_data(as_text=True)
    assert page.count('name="direction"') == 1 and 'value="out"' in page
    page = client.get(client.post("/clock", data={"direction": "out"}).location).get_data(as_text=True)
    assert "缺少上班打卡" in page and "/requests/corrections/new?date=2026-11-24&amp;direction=in" in page
    form = client.get("/requests/corrections/new?date=2026-11-24&direction=in").get_data(as_text=True)
    assert 'value="2026-11-24"' in form


def test_staff_clock_in_on_a_phone_and_the_lead_sees_the_punch_on_the_day_board(app, world, monkeypatch):
    """The 375 px journey: staff clock in with the one button, read what it counted as, and the lead's
    day board shows them in at that minute."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.browser import browser_page, live_server, measure_width, sign_in

    zone = ZoneInfo("Asia/Shanghai")
    moment = datetime.now(zone).replace(hour=7, minute=57, second=0, microsecond=0)
    monkeypatch.setattr("attendance.clock.now", lambda: moment)
    staff, lead = world["staff"], world["lead"]
    roster.set_roster_day(lead, staff.employee_no, moment.date().isoformat(), "D8")
    for person in (staff, lead):
        assert person.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, staff)
        page.goto(base + "/clock")
        assert page.locator(".clock-buttons button").count() == 1
        with page.expect_navigation():
            page.click(".clock-buttons button")
        said = page.inner_text(".clock-result")
        width = measure_width(page)
        page.screenshot(path="/tmp/everyday-clock.png", full_page=True)
        assert "上班打卡 07:57，班次 08:00–18:00" in said, said
        assert page.inner_text(".clock-buttons button") == "下班打卡"
        sign_in(page, base, lead)
        page.goto(base + f"/attendance/board?team=T1&date={moment.date().isoformat()}")
        row = page.locator("tr", has_text=staff.name)
        assert "07:57" in row.inner_text()
        page.screenshot(path="/tmp/everyday-board.png", full_page=True)
    assert width["scroll"] <= 375 and width["right"] <= 376, width["widest"]


def test_a_roster_change_to_a_judged_day_shows_its_fine_and_saves_nothing_until_confirmed(client, world):
    from attendance.models import Violation
    from attendance.services import attendance

    me = world["staff"]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-03", "REST")
    attendance.evaluate(world["hr"], "2026-11-03")
    login(client, world["lead"])
    form = {"team": "T1", "week": "2026-11-02", f"cell:{me.employee_no}:2026-11-03": "D8",
            f"was:{me.employee_no}:2026-11-03": "REST"}
    response = client.post("/roster", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="confirm" value="1"' in page
    assert me.name in page and "2026-11-03" in page and "尚未保存" in page
    assert 'name="cell:' in page  # the change travels in the confirm form
    assert db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == me.id)).code == "REST"
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 0
    done = client.post("/roster", data={**form, "confirm": "1"})
    assert done.status_code == 302
    assert db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == me.id)).code == "D8"
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 1


def test_the_roster_confirm_step_fits_a_phone_and_saves_when_confirmed(app, world):
    from attendance.services import attendance
    from tests.browser import browser_page, live_server, measure_width, sign_in

    me, lead = world["staff"], world["lead"]
    roster.set_roster_day(lead, me.employee_no, "2026-11-03", "REST")
    attendance.evaluate(world["hr"], "2026-11-03")
    for person in (me, lead):
        assert person.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, lead)
        page.goto(base + "/roster?team=T1&week=2026-11-02")
        page.select_option(f'select[name="cell:{me.employee_no}:2026-11-03"]', "D8")
        with page.expect_navigation():
            page.click('form[action$="/roster"] button[type="submit"]')
        assert "尚未保存" in page.content()
        width = measure_width(page)
        page.screenshot(path="/tmp/everyday-roster-confirm.png", full_page=True)
        with page.expect_navigation():
            page.click('input[name="confirm"] ~ button.primary')
    assert width["scroll"] <= 375 and width["right"] <= 376, width["widest"]
    assert db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == me.id)).code == "D8"
