"""The lists of requests (待办, 我的申请) read what each kind's summary needs once for the whole list: one
more leave in them adds no statement."""

from __future__ import annotations

from datetime import timedelta

import pytest

from attendance.extensions import db
from attendance.services import requests
from tests.leave_world import MONDAY, ask, build
from tests.queries import statements


@pytest.fixture
def world(app, moving_clock):
    return build()


def _count(read) -> int:
    """Statements to read the list and each item's summary (what the page shows of it)."""
    db.session.expire_all()  # nothing already loaded: every read the list needs is counted
    with statements() as seen:
        for item in read():
            if isinstance(item, requests.Request):  # the inbox's items carry their summary already
                requests.summary(item)
    return len(seen)


def test_the_inbox_and_my_requests_read_no_more_for_more_leave(world):
    lead, crew = world["lead"], world["crew"]
    ask(world, crew[0], "personal", MONDAY)
    ask(world, crew[1], "personal", MONDAY)
    one_each = (_count(lambda: requests.inbox(lead)), _count(lambda: requests.mine(crew[0])))
    for n, person in enumerate(crew):
        ask(world, person, "personal", MONDAY + timedelta(days=1 + n))
    ask(world, crew[0], "personal", MONDAY + timedelta(days=5))
    assert len(requests.inbox(lead)) == 7 and len(requests.mine(crew[0])) == 3
    inbox, mine = _count(lambda: requests.inbox(lead)), _count(lambda: requests.mine(crew[0]))
    assert inbox <= one_each[0] and mine <= one_each[1], (one_each, (inbox, mine))
