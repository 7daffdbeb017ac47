"""Scenario tests for the handover book: write, acknowledge once, the swap's note lands here, the day board
shows what nobody acknowledged, and SWAP_HANDOVER from an unacknowledged or empty handover."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from attendance.domain.errors import Conflict, Forbidden, InvalidInput
from attendance.extensions import db
from attendance.models import Handover, Notification
from attendance.services import attendance, discipline, handovers
from tests.conftest import make_person, make_team

DAY = date(2026, 11, 5)


@pytest.fixture
def world(app, moving_clock):
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    out_, in_ = make_person(["staff"], team), make_person(["staff"], team)
    other = make_person(["staff"], make_team("T2", "二组"))
    return {"team": team, "lead": lead, "out": out_, "in": in_, "other": other, "clock": moving_clock}


def test_an_unacknowledged_handover_shows_on_the_board_until_acknowledged(world):
    row = handovers.write(world["out"], {"open_cases": "3 张投诉单未结", "keys": "档案柜钥匙",
                                         "incoming_no": world["in"].employee_no})
    assert db.session.scalar(select(Notification).where(Notification.employee_id == world["in"].id)) is not None
    board = attendance.day_board(world["lead"], "T1", DAY)
    assert [h.id for h in board.handovers] == [row.id]
    with pytest.raises(Forbidden):
        handovers.acknowledge(world["lead"], row.id)  # named to someone else: they acknowledge
    handovers.acknowledge(world["in"], row.id)
    with pytest.raises(Conflict):
        handovers.acknowledge(world["in"], row.id)
    assert attendance.day_board(world["lead"], "T1", DAY).handovers == []


def test_swap_handover_from_an_unacknowledged_handover_with_it_as_evidence(world):
    row = handovers.write(world["out"], {"notes": "回访名单在共享盘"})
    world["clock"].on(DAY, "20:00")
    v = handovers.record_fine(world["lead"], row.id)
    assert v.rule_code == "SWAP_HANDOVER" and v.source == "handover" and v.employee_id == world["out"].id
    assert handovers.record_fine(world["lead"], row.id).id == v.id  # once per handover
    explained = discipline.explain(world["out"], v.id).as_data()["source"]
    assert explained["kind"] == "handover" and explained["handover"] == row.id
    assert explained["notes"] == "回访名单在共享盘" and explained["acknowledged_at"] is None


def test_an_acknowledged_handover_with_content_is_not_fined(world):
    row = handovers.write(world["out"], {"notes": "x"})
    handovers.acknowledge(world["in"], row.id)
    with pytest.raises(Conflict):
        handovers.record_fine(world["lead"], row.id)
    with pytest.raises(Forbidden):
        handovers.record_fine(world["in"], row.id)


def test_bad_input_changes_nothing(world):
    for data, field in (({}, "notes"), ({"notes": "x", "date": "2026-02-30"}, "date"),
                        ({"notes": "x", "shift": "NOPE"}, "shift"),
                        ({"notes": "x", "incoming_no": world["other"].employee_no}, "incoming_no"),
                        ({"notes": "x" * 2001}, "notes")):
        with pytest.raises(InvalidInput) as err:
            handovers.write(world["out"], data)
        assert field in err.value.fields
    assert db.session.scalars(select(Handover)).all() == []
    with pytest.raises(Forbidden):
        handovers.write(make_person(["hr"]), {"notes": "x"})
