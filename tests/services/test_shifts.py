"""Shift types, the roster (edit, copy a week, generate), holidays, punches and their CSV import."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from attendance.domain.errors import Forbidden, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import AttendanceDay, AuditEvent, Punch, RosterEntry, Violation
from attendance.services import attendance, calendar, punches, roster, shift_types
from tests.conftest import make_person, make_team

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    t2 = make_team("T2", "投诉组")
    lead = make_person(["lead", "staff"], t1, employee_no="L100")
    staff = [make_person(["staff"], t1, employee_no=f"E1{i:02d}") for i in range(1, 12)]
    other = make_person(["staff"], t2, employee_no="E201")
    supervisor = make_person(["supervisor"])
    hr = make_person(["hr"])
    for code, name, start, end, breaks in (
            ("D8", "白班", "08:00", "18:00", [{"start": "12:00", "end": "14:00"}]),
            ("D8S", "短白班", "08:00", "16:00", [{"start": "11:30", "end": "12:00"}]),
            ("E", "晚班", "18:30", "24:00", []),
            ("SUN", "周日全班", "09:30", "24:00", [])):
        shift_types.save_shift_type(None, {"code": code, "name": name, "start": start, "end": end,
                                          "breaks": breaks})
    return {"t1": t1, "t2": t2, "lead": lead, "staff": staff, "other": other, "supervisor": supervisor, "hr": hr}


# --------------------------------------------------------------------------- shift types


def test_a_shift_type_keeps_its_times_breaks_and_own_grace(world):
    st = shift_types.save_shift_type(world["supervisor"], {"code": "m12", "name": "中班", "start": "12:00",
                                                          "end": "20:00", "breaks": "17:30-18:00",
                                                          "grace_minutes": 10})
    assert (st.code, st.start, st.end, st.grace_minutes) == ("M12", "12:00", "20:00", 10)
    assert st.break_list == [{"start": "17:30", "end": "18:00"}]
    night = shift_types.save_shift_type(None, {"code": "N", "name": "夜班", "start": "22:00", "end": "06:00",
                                              "breaks": [{"start": "02:00", "end": "02:30"}]})
    assert night.crosses_midnight and night.end == "06:00" and night.breaks == [[1560, 1590]]


@pytest.mark.parametrize("data, bad", [
    ({"code": "", "name": "x", "start": "08:00", "end": "18:00"}, "code"),
    ({"code": "REST", "name": "x", "start": "08:00", "end": "18:00"}, "code"),
    ({"code": "D8", "name": "x", "start": "08:00", "end": "18:00"}, "code"),
    ({"code": "X", "name": "", "start": "08:00", "end": "18:00"}, "name"),
    ({"code": "X", "name": "x", "start": "8点", "end": "18:00"}, "start"),
    ({"code": "X", "name": "x", "start": "08:00", "end": "25:00"}, "end"),
    ({"code": "X", "name": "x", "start": "08:00", "end": "18:00", "breaks": "19:00-20:00"}, "breaks"),
    ({"code": "X", "name": "x", "start": "08:00", "end": "18:00", "grace_minutes": "lots"}, "grace_minutes"),
])
def test_a_bad_shift_type_names_the_bad_field(world, data, bad):
    with pytest.raises(InvalidInput) as caught:
        shift_types.save_shift_type(None, data)
    assert bad in caught.value.fields


def test_changing_a_shift_types_start_keeps_its_end(world):
    st = shift_types.save_shift_type(None, {"start": "07:30"}, "D8")
    assert (st.start, st.end) == ("07:30", "18:00")
    with pytest.raises(NotFound):
        shift_types.save_shift_type(None, {"name": "x"}, "NOPE")


# --------------------------------------------------------------------------- roster


def test_a_lead_edits_a_cell_of_their_own_team_only(world):
    entry = roster.set_roster_day(world["lead"], "E101", "2026-11-03", "d8")
    assert entry.code == "D8"
    entry = roster.set_roster_day(world["lead"], "E101", "2026-11-03", "REST")
    assert entry.code == "REST" and entry.shift_type_id is None
    with pytest.raises(NotFound):  # the other team's people are out of the lead's sight
        roster.set_roster_day(world["lead"], "E201", "2026-11-03", "D8")
    assert roster.set_roster_day(world["supervisor"], "E201", "2026-11-03", "D8").code == "D8"
    with pytest.raises(Forbidden):
        roster.set_roster_day(world["hr"], "E201", "2026-11-03", "D8")


@pytest.mark.parametrize("no, day, code, error", [
    ("E101", "2026-11-31", "D8", InvalidInput),
    ("E101", "2026-11-03", "XX", InvalidInput),
    ("E101", "2026-11-03", "", InvalidInput),
    ("NOBODY", "2026-11-03", "D8", NotFound),
])
def test_bad_roster_input_is_refused(world, no, day, code, error):
    with pytest.raises(error):
        roster.set_roster_day(world["lead"], no, day, code)


def test_copying_last_week_fills_this_week(world):
    for offset, code in enumerate(["D8", "D8", "E", "REST", "D8", "SUN", "REST"]):
        roster.set_roster_day(world["lead"], "E101", date(2026, 11, 2) + timedelta(days=offset), code)
    changed = roster.copy_week(world["lead"], "T1", "2026-11-11")  # any day of the target week
    assert changed == 7
    grid = roster.roster_grid(world["lead"], "T1", date(2026, 11, 9), date(2026, 11, 15))
    person = next(p for p in grid.people if p.employee_no == "E101")
    assert [grid.code(person, d) for d in grid.days] == ["D8", "D8", "E", "REST", "D8", "SUN", "REST"]
    assert roster.copy_week(world["lead"], "T1", "2026-11-09") == 0


def test_the_generator_builds_a_month_for_a_team_of_12_with_a_weekly_rotating_rest_day(world):
    report = roster.generate_roster(world["lead"], "T1", {
        "pattern": "weekly_rest", "shift": "D8", "weekday_shifts": {"6": "SUN"},
        "from": "2026-11-01", "to": "2026-11-30"})
    assert (report.people, report.cells, report.changed) == (12, 360, 360)
    rows = db.session.execute(select(RosterEntry.day, RosterEntry.shift_type_id)).all()
    rest_per_day = Counter(day for day, shift in rows if shift is None)
    assert all(rest_per_day[date(2026, 11, d)] in (1, 2) for d in range(1, 31))
    sheet = attendance.month_sheet(world["hr"], "2026-11", "T1")
    assert len(sheet.rows) == 12
    for row in sheet.rows:
        week = [row.cells[date(2026, 11, 2) + timedelta(days=i)] for i in range(7)]
        assert [c.code for c in week].count("REST") == 1
        assert {c.code for c in week} <= {"D8", "SUN", "REST"}
    again = roster.generate_roster(world["lead"], "T1", {
        "pattern": "weekly_rest", "shift": "D8", "weekday_shifts": {"6": "SUN"},
        "from": "2026-11-01", "to": "2026-11-30"})
    assert again.changed == 0


def test_the_generator_checks_its_input(world):
    with pytest.raises(InvalidInput) as caught:
        roster.generate_roster(world["lead"], "T1", {"pattern": "weekly_rest", "shift": "NOPE",
                                                         "from": "2026-11-01", "to": "2026-11-30"})
    assert "shift" in caught.value.fields
    with pytest.raises(InvalidInput):
        roster.generate_roster(world["lead"], "T1", {"pattern": "cycle", "cycle": "D8,REST",
                                                         "from": "2026-11-30", "to": "2026-11-01"})
    with pytest.raises(NotFound):
        roster.generate_roster(world["lead"], "T2", {"pattern": "one_on_one_off", "shift": "E",
                                                         "from": "2026-11-01", "to": "2026-11-30"})
    report = roster.generate_roster(world["lead"], "T1", {
        "pattern": "cycle", "cycle": "E, REST", "employee_nos": ["E101", "E102"],
        "from": "2026-11-01", "to": "2026-11-04"})
    assert report.cells == 8


def test_rest_on_holidays_uses_chinas_public_holiday_calendar(world):
    roster.generate_roster(world["lead"], "T1", {"pattern": "cycle", "cycle": ["D8"], "rest_on_holidays": True,
                                                     "from": "2026-09-30", "to": "2026-10-09"})
    grid = roster.roster_grid(world["lead"], "T1", date(2026, 9, 30), date(2026, 10, 9))
    person = grid.people[0]
    assert grid.code(person, date(2026, 10, 1)) == "REST"
    assert grid.code(person, date(2026, 9, 30)) == "D8"
    assert grid.holidays[date(2026, 10, 1)].kind == "holiday"
    assert grid.holidays[date(2026, 10, 1)].name_zh == "国庆节"


def test_holidays_outside_the_librarys_years_show_nothing(world):
    assert calendar.holidays(date(2031, 1, 1), date(2031, 1, 3)) == {}
    assert calendar.holidays(date(2026, 2, 14), date(2026, 2, 15))[date(2026, 2, 14)].kind == "workday"


def test_my_month_is_mine_unless_i_may_see_the_other_person(world):
    roster.set_roster_day(world["lead"], "E101", "2026-11-03", "D8")
    month = calendar.my_month(world["staff"][0], "2026-11")
    assert month.person.employee_no == "E101" and month.cells[date(2026, 11, 3)].code == "D8"
    assert len(month.days) == 30
    with pytest.raises(NotFound):
        calendar.my_month(world["staff"][1], "2026-11", "E101")
    with pytest.raises(InvalidInput):
        calendar.my_month(world["staff"][0], "2026-13")


# --------------------------------------------------------------------------- punches


def test_clocking_in_takes_the_servers_time(world, monkeypatch):
    fixed = datetime(2026, 11, 24, 7, 58, 31, 123456, tzinfo=SH)
    monkeypatch.setattr("attendance.clock.now", lambda: fixed)
    punch = punches.clock_punch(world["staff"][0], "in")
    assert punch.at == fixed.replace(microsecond=0) and punch.source == "web" and punch.direction == "in"
    again = punches.clock_punch(world["staff"][0], "in")  # a double click is one punch
    assert again.id == punch.id
    with pytest.raises(InvalidInput):
        punches.clock_punch(world["staff"][0], "sideways")
    with pytest.raises(Forbidden):
        punches.clock_punch(world["hr"], "in")


def test_staff_cannot_choose_the_time_of_their_own_punch(world):
    with pytest.raises(Forbidden):
        punches.add_punch(world["staff"][0], {"at": "2026-11-20T08:00:00+08:00", "direction": "in"})
    punch, created = punches.add_punch(world["staff"][0], {"direction": "in"})
    assert created and punch.source == "api"


def test_a_time_clock_punch_is_stored_once(world):
    body = {"employee_no": "E101", "at": "2026-11-20T08:00:05+08:00", "direction": "in", "source": "clock"}
    first, created = punches.add_punch(world["hr"], body)
    second, again = punches.add_punch(world["hr"], body)
    assert created and not again and first.id == second.id
    with pytest.raises(InvalidInput):
        punches.add_punch(world["hr"], body | {"at": "2099-01-01T08:00:00"})
    with pytest.raises(InvalidInput):
        punches.add_punch(world["hr"], body | {"at": "yesterday"})


CLOCK_EXPORT = """工号,姓名,打卡时间,方向,设备
E101,张丽,2026-11-02 07:58:12,上班,前台1号机
E101,张丽,2026-11-02 18:03:40,下班,前台1号机
E102,王芳,2026/11/02 08:06,in,前台1号机
E102,王芳,2026/11/02 18:00,out,前台1号机
X999,谁,2026-11-02 08:00:00,上班,前台1号机
E103,李娜,2026-11-02 25:61:00,上班,前台1号机
E101,张丽,2026-11-02 07:58:12,上班,前台1号机
E104,赵敏,2026-11-02 08:01:00,sideways,前台1号机

E105,陈静,2026-11-02 08:02:00,,前台1号机
"""


def test_a_time_clock_export_is_imported_with_each_bad_line_reported(world):
    for no in ("E101", "E102", "E105"):
        roster.set_roster_day(world["lead"], no, "2026-11-02", "D8")
    report = punches.import_punches(world["hr"], CLOCK_EXPORT)
    assert report.imported == 5
    reasons = dict(report.rejected)
    assert sorted(reasons) == [6, 7, 8, 9]
    assert "unknown employee X999" in reasons[6]
    assert "bad timestamp" in reasons[7]
    assert "duplicate of line 2" in reasons[8]
    assert "bad direction" in reasons[9]
    # The days the punches touched were judged: E102 was 6 minutes late, E105 has no out-punch.
    days = {d.employee.employee_no: d for d in db.session.scalars(select(AttendanceDay))}
    assert days["E101"].status == "present" and days["E102"].status == "late"
    assert days["E105"].missing_out
    assert [v.rule_code for v in db.session.scalars(select(Violation))] == ["LATE"]
    assert report.evaluated == 3


def test_importing_the_same_file_twice_adds_nothing(world):
    first = punches.import_punches(world["hr"], CLOCK_EXPORT)
    before = db.session.scalar(select(func.count()).select_from(Punch))
    second = punches.import_punches(world["hr"], CLOCK_EXPORT)
    assert second.imported == 0 and len(second.duplicates) == first.imported
    assert db.session.scalar(select(func.count()).select_from(Punch)) == before == 5
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "punch.import")) == 2


def test_an_export_without_a_header_is_read_as_number_time_direction(world):
    report = punches.import_punches(world["hr"], "E101\t2026-11-03 08:00:00\tin\nE101\t2026-11-03 18:00:00\t\n")
    assert report.imported == 2 and report.rejected == []
    split = punches.import_punches(world["hr"], "employee_no,date,time\nE102,2026-11-03,08:01:30\n")
    assert split.imported == 1


def test_a_lead_voids_only_their_own_teams_punches(world):
    punch, _ = punches.add_punch(world["hr"], {"employee_no": "E201", "at": "2026-11-20 08:00"})
    with pytest.raises(NotFound):
        punches.void_punch(world["lead"], punch.id, "wrong card")
    with pytest.raises(InvalidInput):
        punches.void_punch(world["supervisor"], punch.id, " ")
    voided = punches.void_punch(world["supervisor"], punch.id, "wrong card")
    assert voided.voided_at is not None and voided.void_reason == "wrong card"


# --------------------------------------------------------------------------- the clock: one button, an honest answer


def _at(monkeypatch, *args):
    moment = datetime(*args, tzinfo=SH)
    monkeypatch.setattr("attendance.clock.now", lambda: moment)
    return moment


def test_a_punch_at_0005_for_a_0930_shift_is_outside_its_punch_window_and_does_not_count(world, monkeypatch):
    me = world["staff"][0]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "SUN")  # 09:30–24:00
    _at(monkeypatch, 2026, 11, 24, 0, 5)
    state = punches.clock_state(me)
    assert state.day == date(2026, 11, 24) and state.action == "in" and state.shift is not None
    punch = punches.clock_punch(me, "in")
    reading = punches.clock_state(me, punch.id).reading
    assert reading.outcome == "outside" and not reading.counts
    # The window opens 180 minutes before the shift (the policy's punch_before_minutes).
    assert reading.window[0] == datetime(2026, 11, 24, 6, 30, tzinfo=SH)


def test_the_clock_offers_one_button_and_says_what_each_punch_counted_as(world, monkeypatch):
    me = world["staff"][0]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "D8")  # 08:00–18:00
    _at(monkeypatch, 2026, 11, 24, 7, 57)
    assert punches.clock_state(me).action == "in"
    first = punches.clock_punch(me, "in")
    state = punches.clock_state(me, first.id)
    assert state.reading.outcome == "in_on_time" and state.action == "out"
    _at(monkeypatch, 2026, 11, 24, 17, 40)
    out = punches.clock_punch(me, "out")
    reading = punches.clock_state(me, out.id).reading
    assert (reading.outcome, reading.minutes) == ("out_early", 20)


def test_a_late_clock_in_says_how_late(world, monkeypatch):
    me = world["staff"][1]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "D8")
    _at(monkeypatch, 2026, 11, 24, 8, 12)
    reading = punches.clock_state(me, punches.clock_punch(me, "in").id).reading
    assert (reading.outcome, reading.minutes) == ("in_late", 12)


def test_a_clock_out_with_no_clock_in_says_the_clock_in_is_missing(world, monkeypatch):
    me = world["staff"][2]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "D8")
    _at(monkeypatch, 2026, 11, 24, 14, 0)
    assert punches.clock_state(me).action == "out"  # past the middle of the shift with no clock-in
    reading = punches.clock_state(me, punches.clock_punch(me, "out").id).reading
    assert reading.outcome == "out_missing_in" and reading.needs_correction


def test_yesterdays_evening_shift_is_the_clocks_until_its_window_closes(world, monkeypatch):
    me = world["staff"][3]
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-23", "E")  # 18:30–24:00
    roster.set_roster_day(world["lead"], me.employee_no, "2026-11-24", "D8")
    _at(monkeypatch, 2026, 11, 23, 18, 25)
    punches.clock_punch(me, "in")
    _at(monkeypatch, 2026, 11, 24, 0, 3)
    state = punches.clock_state(me)
    assert state.day == date(2026, 11, 23) and state.action == "out"
    reading = punches.clock_state(me, punches.clock_punch(me, "out").id).reading
    assert reading.outcome == "out_on_time"


def test_not_on_the_roster_the_punch_does_not_count(world, monkeypatch):
    me = world["staff"][4]
    _at(monkeypatch, 2026, 11, 24, 9, 0)
    reading = punches.clock_state(me, punches.clock_punch(me, "in").id).reading
    assert reading.outcome == "no_shift" and punches.clock_state(me).action == "out"
