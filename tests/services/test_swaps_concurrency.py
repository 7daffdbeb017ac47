"""Two swaps touching the same person-day approved at the same moment, on SQLite and on PostgreSQL: exactly
one wins, the other gets a 409, and the roster stays consistent (nobody's shift lost or doubled).

Each approval runs in its own thread, app context, session and database connection. The rule check is
slowed down between reading the roster and writing it, so without the write lock (SQLite's BEGIN
IMMEDIATE) or the row locks (PostgreSQL: both people, then their roster rows) both would pass the check on
the roster as it was and both would write.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.domain import swaps as swap_rules
from attendance.domain.errors import Conflict
from attendance.extensions import db
from attendance.models import Employee, RosterEntry, Swap
from attendance.services import swaps
from tests.api.test_swaps_api import MON, WED, Clock, act, ask, make_world
from tests.concurrency import run_together
from tests.conftest import token_for


@pytest.fixture
def world(app, monkeypatch):
    """The week of tests/api/test_swaps_api.py, on its fixed clock (read by every thread)."""
    monkeypatch.setattr(clock, "now", Clock())
    return make_world()


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the window between reading the roster and changing it."""
    real = swap_rules.check

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(swap_rules, "check", slow)


def _two_accepted(client, world) -> tuple[int, int]:
    """A swap of the requester's Monday with the mate, and a cover of the same Monday by the pal, both
    accepted and waiting for the supervisor."""
    first = ask(client, world).get_json()
    second = ask(client, world, kind="cover", counterpart_no=world["pal"].employee_no, counterpart_date=None).get_json()
    assert act(client, world, "mate", first["id"], "accept").status_code == 200
    assert act(client, world, "pal", second["id"], "accept").status_code == 200
    return first["id"], second["id"]


def _codes(employee_id, *days):
    rows = db.session.scalars(select(RosterEntry).where(RosterEntry.employee_id == employee_id,
                                                        RosterEntry.day.in_(days)))
    return {r.day: (r.code, r.request_id) for r in rows}


def _assert_one_won(world, first, second, won):
    staff, mate, pal = (world[k].id for k in ("staff", "mate", "pal"))
    db.session.expire_all()
    assert _codes(staff, MON)[MON][0] == "REST"
    monday = {who: _codes(who, MON)[MON] for who in (mate, pal)}
    if won == first:
        assert monday == {mate: ("D8", first), pal: ("REST", None)}
        assert _codes(staff, WED)[WED] == ("D8", first) and _codes(mate, WED)[WED] == ("REST", first)
    else:
        assert monday == {mate: ("REST", None), pal: ("D8", second)}
        assert _codes(staff, WED)[WED] == ("REST", None) and _codes(mate, WED)[WED] == ("D8", None)
    statuses = {s.request_id: s.status for s in db.session.scalars(select(Swap))}
    assert statuses == {won: "approved", (second if won == first else first): "pending_approval"}


def test_two_conflicting_approvals_at_once_one_wins_and_the_roster_stays_whole(app, client, world, slow_check):
    first, second = _two_accepted(client, world)
    supervisor_id = world["supervisor"].id

    def approve(swap_id):
        def job():
            supervisor = db.session.get(Employee, supervisor_id)
            try:
                swaps.decide(supervisor, swap_id, "approve")
            except Conflict as refused:
                return ("refused", swap_id, refused.code)
            return ("approved", swap_id, None)
        return job

    results = run_together(app, [approve(first), approve(second)])
    assert sorted(r[0] for r in results) == ["approved", "refused"], results
    won = next(r[1] for r in results if r[0] == "approved")
    assert next(r[2] for r in results if r[0] == "refused") == "swap_not_rostered"
    _assert_one_won(world, first, second, won)


def test_two_conflicting_approvals_through_the_api_give_200_and_409(app, client, world, slow_check):
    first, second = _two_accepted(client, world)
    headers = token_for(client, world["supervisor"])

    def approve(swap_id):
        def post():
            response = app.test_client().post(f"/api/v1/swaps/{swap_id}/approve", json={}, headers=headers)
            return response.status_code, swap_id, response.get_json()
        return post

    answers = run_together(app, [approve(first), approve(second)])
    assert sorted(a[0] for a in answers) == [200, 409], answers
    _assert_one_won(world, first, second, next(a[1] for a in answers if a[0] == 200))
