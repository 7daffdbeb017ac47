"""The team robots' messages go out right after the transaction that queued them commits (a delivery task on
the job queue), not at the next cron run; the cron command stays as the catch-up. The tests' robot is a local
webhook server: no test posts anywhere else (the tests' app has NOTIFICATIONS_SEND_AT_ONCE off, on here)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.extensions import db
from attendance.models import OutboundMessage, Violation
from attendance.services import discipline, notifications
from attendance.services.transaction import transaction
from attendance.task_queue import queue_for
from tests.conftest import login
from tests.services.test_outbox import _message, _set_robot, robot_server, world  # noqa: F401 (the fixture)


@pytest.fixture
def at_once(app):
    app.config["NOTIFICATIONS_SEND_AT_ONCE"] = True


def _violation(world, rule="GENERAL"):  # noqa: F811 (the fixture's value)
    return discipline.record_violation(None, employee=world["staff"], rule_code=rule,
                                       occurred_at=clock.now() - timedelta(minutes=5))


def test_a_violation_recorded_on_the_page_reaches_the_robot_without_the_cron_command(
        app, client, runner, world, at_once):  # noqa: F811
    staff = world["staff"]
    with robot_server() as (url, robot):
        _set_robot(world, url)
        login(client, world["lead"])
        when = clock.now() - timedelta(minutes=2)
        response = client.post("/violations/new", data={
            "employee": f"{staff.employee_no} {staff.name}", "rule": "COMPLAINT", "source": "manual",
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "note": "", "amount": ""})
        assert response.status_code in (302, 303)
        assert len(robot.received) == 1  # posted by the delivery task once the violation committed
        assert "记录了一次违纪" in robot.received[0]["json"]["text"]["content"]
        assert _message().status == "sent"
        assert runner.invoke(args=["notifications", "send"]).output.startswith("sent 0,")  # nothing left


def test_a_failing_robot_never_fails_the_request_and_the_cron_command_catches_up(
        app, client, runner, world, at_once):  # noqa: F811
    with robot_server() as (url, robot):
        _set_robot(world, url)
        robot.answer = (500, {"error": "down"})
        violation = _violation(world)
        assert db.session.get(Violation, violation.id) is not None
        row = _message()
        assert (row.status, row.attempts) == ("pending", 1) and "HTTP 500" in row.last_error
        robot.answer = (200, {"errcode": 0, "errmsg": "ok"})
        row.next_attempt_at = row.next_attempt_at - timedelta(hours=1)
        db.session.commit()
        assert "sent 1" in runner.invoke(args=["notifications", "send"]).output
        assert _message().status == "sent"


def test_one_delivery_per_transaction_and_none_when_it_rolls_back(app, world, at_once, monkeypatch):  # noqa: F811
    queue = queue_for(app)
    asked = []
    monkeypatch.setattr(queue, "send_outbox", lambda: asked.append(1))
    with robot_server() as (url, _robot):
        _set_robot(world, url, kinds=("violation",))
        with transaction():
            _violation(world)
            _violation(world, "COMPLAINT")
        assert asked == [1] and len(db.session.scalars(select(OutboundMessage)).all()) == 2
        with pytest.raises(RuntimeError), transaction():
            _violation(world)
            raise RuntimeError("changed my mind")
        assert asked == [1]
        _violation(world)
        assert asked == [1, 1]  # the next transaction asks again


def test_off_the_messages_wait_for_the_cron_command(app, world):  # noqa: F811
    assert app.config["NOTIFICATIONS_SEND_AT_ONCE"] is False  # the tests' default: nothing posts by itself
    with robot_server() as (url, robot):
        _set_robot(world, url)
        _violation(world)
        assert robot.received == [] and _message().status == "pending"


def test_a_queue_that_cannot_be_reached_leaves_the_message_for_cron(app, world, at_once, monkeypatch):  # noqa: F811
    def down():
        raise ConnectionError("redis is down")

    monkeypatch.setattr(queue_for(app), "send_outbox", down)
    with robot_server() as (url, robot):
        _set_robot(world, url)
        violation = _violation(world)  # no exception: the violation is committed whatever the queue does
        assert violation.id and robot.received == [] and _message().status == "pending"
        notifications.send_soon()  # the same, called on its own
