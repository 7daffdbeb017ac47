"""Meetings completed: attendees named, topic and training meetings announced a week ahead, a request to be
excused filed the day before and decided by the lead (an excused absence raises nothing, an unexcused one
MEETING_ABSENT), and each attendee's own sign-in on a phone within the meeting window."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from attendance.domain.errors import Conflict, InvalidInput, NotFound, RuleRefused
from attendance.extensions import db
from attendance.models import Notification, Violation
from attendance.services import meetings, requests
from tests.conftest import make_person, make_team


@pytest.fixture
def world(app, moving_clock):
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    a, b, c = (make_person(["staff"], team) for _ in range(3))
    return {"team": team, "lead": lead, "a": a, "b": b, "c": c, "clock": moving_clock}


def counted(person, rule):
    return list(db.session.scalars(select(Violation).where(Violation.employee_id == person.id,
                                                           Violation.rule_code == rule,
                                                           Violation.reversed_at.is_(None))))


def training(world, day="2026-11-12"):
    return meetings.create_meeting(world["lead"], {
        "kind": "training", "date": day, "team": "T1", "title": "新系统培训",
        "attendees": [world["a"].employee_no, world["b"].employee_no]})


def test_a_training_meeting_names_its_attendees_and_tells_them(world):
    m = training(world)
    assert [p.employee_no for p in meetings.participants(m)] == [world["a"].employee_no, world["b"].employee_no]
    told = db.session.scalars(select(Notification.employee_id).where(Notification.kind == "meeting_announced")).all()
    assert sorted(told) == sorted([world["a"].id, world["b"].id]) and m.announced_at is not None
    with pytest.raises(RuleRefused) as err:
        training(world, "2026-11-10")  # five days ahead: not a week
    assert err.value.code == "meeting_notice"
    with pytest.raises(InvalidInput):
        meetings.create_meeting(world["lead"], {"kind": "topic", "date": "2026-11-20", "attendees": ["NOBODY"]})


def test_an_excused_absence_raises_nothing_and_an_unexcused_one_meeting_absent(world):
    clock, a, b = world["clock"], world["a"], world["b"]
    m = training(world)
    excuse = meetings.file_excuse(a, m.id, "孩子生病需去医院")
    assert [i.id for i in requests.inbox(world["lead"])] == [excuse.request_id]
    requests.decide(world["lead"], excuse.request_id, "approve", "同意")
    clock.on(date(2026, 11, 12), "16:30")
    report = meetings.record_attendance(world["lead"], m.id, {a.employee_no: "absent", b.employee_no: "absent"})
    assert [v.employee_id for v in report.raised] == [b.id]
    assert counted(a, "MEETING_ABSENT") == [] and len(counted(b, "MEETING_ABSENT")) == 1
    assert {r.employee_id: r.mark for r in m.attendance}[a.id] == "excused"


def test_an_excuse_is_filed_at_the_latest_the_day_before(world):
    clock = world["clock"]
    m = training(world)
    clock.on(date(2026, 11, 12), "08:00")
    with pytest.raises(RuleRefused) as err:
        meetings.file_excuse(world["a"], m.id, "临时有事")
    assert err.value.code == "excuse_too_late"
    clock.on(date(2026, 11, 11), "22:00")
    meetings.file_excuse(world["a"], m.id, "临时有事")
    with pytest.raises(Conflict):
        meetings.file_excuse(world["a"], m.id, "again")
    with pytest.raises(NotFound):
        meetings.file_excuse(world["c"], m.id, "not an attendee")
    with pytest.raises(InvalidInput):
        meetings.file_excuse(world["b"], m.id, "")


def test_an_excuse_approved_after_the_absence_was_marked_reverses_it(world):
    clock, a = world["clock"], world["a"]
    m = training(world)
    excuse = meetings.file_excuse(a, m.id, "出差")
    clock.on(date(2026, 11, 12), "16:30")
    meetings.record_attendance(world["lead"], m.id, {a.employee_no: "absent"})
    assert len(counted(a, "MEETING_ABSENT")) == 1
    requests.decide(world["lead"], excuse.request_id, "approve")
    assert counted(a, "MEETING_ABSENT") == []


def test_sign_in_on_the_phone_within_the_window(world):
    clock, a, b = world["clock"], world["a"], world["b"]
    m = training(world)  # 14:00–16:00 from the policy's training times
    clock.on(date(2026, 11, 12), "13:30")
    with pytest.raises(RuleRefused) as err:
        meetings.sign_in(a, m.id)
    assert err.value.code == "meeting_sign_in_window"
    clock.on(date(2026, 11, 12), "13:50")
    assert meetings.sign_in(a, m.id).mark == "present"
    with pytest.raises(Conflict):
        meetings.sign_in(a, m.id)
    clock.on(date(2026, 11, 12), "14:10")
    assert meetings.sign_in(b, m.id).mark == "late"
    assert len(counted(b, "MEETING_LATE")) == 1 and counted(a, "MEETING_LATE") == []
    with pytest.raises(NotFound):
        meetings.sign_in(world["c"], m.id)
