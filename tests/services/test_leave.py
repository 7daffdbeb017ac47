"""The leave service beside attendance: which part of a day a leave covers, and what the nightly judgement
makes of it (fixed dates; the day shift D8 runs 08:00–18:00)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.extensions import db
from attendance.models import AttendanceDay, Violation
from attendance.services import attendance, leave, punches, requests, roster, shift_types
from tests.conftest import make_person, make_team

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(app, monkeypatch):
    now = {"at": datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI)}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    staff = make_person(["staff"], team, name="王芳")
    supervisor = make_person(["supervisor"])
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    roster.save_cells(supervisor, [(staff.employee_no, date(2026, 11, d), "D8") for d in range(5, 13)])
    return {"now": now, "lead": lead, "staff": staff, "supervisor": supervisor}


def approved(world, **data):
    request = leave.file_leave(world["staff"], {"type": "personal", "reason": "家中有事", **data})
    for who in ("lead", "supervisor"):
        request = requests.decide(world[who], request.id, "approve")
    assert request.status == "approved"
    return request


def test_a_morning_leave_covers_the_first_half_of_the_shift_and_the_afternoon_is_judged_on_punches(world):
    staff = world["staff"]
    approved(world, start="2026-11-09", end="2026-11-09", half_day="am")
    cover = attendance.leave_covers([staff.id], date(2026, 11, 9), date(2026, 11, 9))[(staff.id, date(2026, 11, 9))]
    assert (cover.leave_type, cover.start, cover.end) == ("personal", None, datetime(2026, 11, 9, 13, 0,
                                                                                     tzinfo=SHANGHAI))
    world["now"]["at"] = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    for at, direction in (("2026-11-09T12:58", "in"), ("2026-11-09T18:03", "out")):
        punches.add_punch(world["supervisor"], {"employee_no": staff.employee_no, "at": at, "direction": direction})
    attendance.evaluate(None, date(2026, 11, 9))
    day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == staff.id))
    assert (day.status, day.late_minutes, day.leave_type) == ("present", 0, "personal")  # in after the morning
    assert db.session.scalar(select(Violation.id).where(Violation.employee_id == staff.id)) is None


def test_a_leave_with_no_punch_at_all_raises_no_absent_and_a_cancelled_one_would(world):
    staff = world["staff"]
    kept = approved(world, start="2026-11-09", end="2026-11-09")
    gone = approved(world, start="2026-11-10", end="2026-11-10")
    leave.cancel(world["lead"], gone.id, "不休了")
    world["now"]["at"] = datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI)
    attendance.evaluate(None, date(2026, 11, 9), date(2026, 11, 10))
    days = {d.day: d.status for d in db.session.scalars(select(AttendanceDay).where(
        AttendanceDay.employee_id == staff.id))}
    assert days == {date(2026, 11, 9): "leave", date(2026, 11, 10): "absent"}
    fined = db.session.scalars(select(Violation.occurred_at).where(Violation.employee_id == staff.id)).all()
    assert [at.astimezone(SHANGHAI).date() for at in fined] == [date(2026, 11, 10)]
    assert kept.leave.status == "approved" and gone.leave.status == "cancelled"


def test_an_extended_leave_shares_its_certificate_and_the_missing_certificate_rule(world):
    staff = world["staff"]
    first = approved(world, type="sick", start="2026-11-09", end="2026-11-09")
    world["now"]["at"] = datetime(2026, 11, 8, 9, 0, tzinfo=SHANGHAI)
    ext = leave.extend(staff, first.id, {"end": "2026-11-11", "reason": "未愈"})
    for who in ("lead", "supervisor"):
        ext = requests.decide(world[who], ext.id, "approve")
    if ext.status == "pending":  # 3 days in all: the general manager too
        ext = requests.decide(make_person(["gm"]), ext.id, "approve")
    assert ext.status == "approved" and ext.leave.extends_id == first.leave.id
    # One certificate for both; none by the day after return makes both personal leave.
    world["now"]["at"] = datetime(2026, 11, 14, 1, 0, tzinfo=SHANGHAI)
    assert leave.apply_missing_certificates() == 1
    assert (first.leave.counted_as, ext.leave.counted_as) == ("personal", "personal")
    leave.add_certificate(staff, ext.id, ("note.pdf", b"%PDF-1.4 certificate", ""))
    assert (first.leave.counted_as, ext.leave.counted_as) == ("sick", "sick")
    assert first.leave.certificate_path and not ext.leave.certificate_path


def test_back_early_from_an_extended_leave_frees_the_extension_too(world):
    staff = world["staff"]
    first = approved(world, start="2026-11-09", end="2026-11-09")
    ext = leave.extend(staff, first.id, {"end": "2026-11-11", "reason": "家里还需照顾"})
    for who in ("lead", "supervisor"):
        requests.decide(world[who], ext.id, "approve")
    ext = requests.decide(make_person(["gm"]), ext.id, "approve")
    world["now"]["at"] = datetime(2026, 11, 10, 12, 0, tzinfo=SHANGHAI)
    leave.report_back(staff, first.id, "2026-11-10T12:00")
    covered = attendance.leave_covers([staff.id], date(2026, 11, 9), date(2026, 11, 11))
    assert sorted(d for _, d in covered) == [date(2026, 11, 9), date(2026, 11, 10)]
    assert covered[(staff.id, date(2026, 11, 10))].end == datetime(2026, 11, 10, 12, 0, tzinfo=SHANGHAI)
    assert (str(first.leave.days), str(ext.leave.days)) == ("1.0", "0.0")


def test_cancelling_a_leave_cancels_its_extensions(world):
    staff = world["staff"]
    first = approved(world, start="2026-11-09", end="2026-11-09")
    ext = leave.extend(staff, first.id, {"end": "2026-11-10", "reason": "多请一天"})
    for who in ("lead", "supervisor"):
        ext = requests.decide(world[who], ext.id, "approve")
    ext = requests.decide(make_person(["gm"]), ext.id, "approve") if ext.status == "pending" else ext
    waiting = leave.extend(staff, ext.id, {"end": "2026-11-11", "reason": "再多一天"})
    leave.cancel(world["lead"], first.id, "人手不够")
    assert (first.leave.status, ext.leave.status, waiting.leave.status) == ("cancelled", "cancelled", "cancelled")
    assert attendance.leave_covers([staff.id], date(2026, 11, 9), date(2026, 11, 11)) == {}
