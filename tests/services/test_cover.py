"""Cover: approving a leave or a swap that takes a shift below the policy's minimum needs a note; the
roster grid marks the shifts below cover."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import RuleRefused
from attendance.domain.policy.reader import default_policy_document
from attendance.extensions import db
from attendance.models import AuditEvent, Request, Team
from attendance.services import requests, roster, swaps
from tests import leave_world as lw
from tests.conftest import make_person
from tests.policies import add_published

DAY = date(2026, 11, 10)  # a Tuesday: the whole crew on D8


def with_cover(people: int, holiday_minimum: int = 1, **swap_settings) -> None:
    doc = default_policy_document()
    doc["swaps"].update(swap_settings)
    doc["version"], doc["effective_from"] = "cover", "2026-11-01"
    doc["cover"] = {"minimum": 0, "holiday_minimum": holiday_minimum,
                    "rules": [{"team": "T1", "shift": "D8", "people": people}]}
    add_published(doc)


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: lw.NOW)
    return lw.build()


def test_approving_a_leave_that_breaks_cover_needs_a_note_and_records_it(world):
    with_cover(4)  # four on D8, four needed: one away is one too few
    zhang = world["crew"][0]
    asked = lw.ask(world, zhang, "personal", DAY)
    assert [(s.shift, s.have, s.need, s.had) for s in requests.below_cover(asked)] == [("D8", 3, 4, 4)]
    for role in asked.chain[:-1]:
        requests.decide(world[role], asked.id, "approve")  # the steps before the last change nothing yet
    last = world[asked.chain[-1]]
    with pytest.raises(RuleRefused) as refused:
        requests.decide(last, asked.id, "approve")
    assert refused.value.code == "cover_note_required" and "note" in refused.value.fields
    db.session.rollback()
    assert db.session.get(Request, asked.id).status == "pending"  # nothing changed

    requests.decide(last, asked.id, "approve", "已安排主管顶岗")
    assert db.session.get(Request, asked.id).status == "approved"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "leave.approve")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.details["note"] == "已安排主管顶岗"
    assert event.details["below_cover"] == [{"team": "T1", "date": DAY.isoformat(), "shift": "D8", "need": 4,
                                             "have": 3, "had": 4}]
    grid = roster.roster_grid(world["lead"], "T1", date(2026, 11, 9), date(2026, 11, 15))
    assert [(s.shift, s.have, s.need) for s in grid.below_cover[DAY]] == [("D8", 3, 4)]
    assert date(2026, 11, 9) not in grid.below_cover


def test_a_leave_that_leaves_enough_people_needs_no_note_and_a_rejection_never_does(world):
    with_cover(3)
    first = lw.approved(world, world["crew"][0], "personal", DAY)  # 3 of 3 left: fine
    assert first.status == "approved"
    second = lw.ask(world, world["crew"][1], "personal", DAY)
    assert requests.below_cover(second)
    requests.decide(world[second.chain[0]], second.id, "reject")  # no note needed to say no
    assert second.status == "rejected"


def test_half_a_day_of_leave_still_counts_the_person(world):
    with_cover(4)
    half = lw.ask(world, world["crew"][0], "personal", DAY, half_day="am")
    assert requests.below_cover(half) == []
    lw.approve(world, half)
    assert half.status == "approved"


def test_without_a_cover_rule_nothing_changes(world):
    approved = lw.approved(world, world["crew"][0], "personal", DAY)
    assert approved.status == "approved"
    grid = roster.roster_grid(world["lead"], "T1", date(2026, 11, 9), date(2026, 11, 15))
    assert grid.below_cover == {}


def test_approving_a_cover_by_another_team_that_leaves_the_shift_short_needs_a_note(world):
    with_cover(4, same_team=False)
    t2 = db.session.scalar(select(Team).where(Team.code == "T2"))
    helper = make_person(["staff"], t2, name="钱七")
    zhang = world["crew"][0]
    asked = swaps.file_swap(zhang, {"kind": "cover", "requester_date": DAY.isoformat(),
                                    "counterpart_no": helper.employee_no, "reason": "家中有事"})
    swaps.accept(helper, asked.id)
    assert [(s.team, s.shift, s.have) for s in requests.below_cover(asked)] == [("T1", "D8", 3)]
    approver = world[asked.chain[-1]]
    with pytest.raises(RuleRefused) as refused:
        swaps.decide(approver, asked.id, "approve")
    assert refused.value.code == "cover_note_required"
    db.session.rollback()
    done = swaps.decide(approver, asked.id, "approve", "T2 支援，T1 白班少一人已知悉")
    assert done.status == "approved"
