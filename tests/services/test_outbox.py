"""Delivering to the group robots: a local webhook server stands in for 企业微信/钉钉; a robot that fails is
tried again later with backoff and never affects the request that queued the message."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.extensions import db
from attendance.models import OutboundMessage, Violation
from attendance.models.types import utcnow
from attendance.services import discipline, notifications, outbox
from tests.concurrency import run_together
from tests.conftest import login, make_person, make_team


class Robot:
    """What the fake robot received, and how it answers next: (status, JSON body)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answer: tuple[int, dict] = (200, {"errcode": 0, "errmsg": "ok"})
        self.delay = 0.0
        self.lock = threading.Lock()


@contextmanager
def robot_server() -> Iterator[tuple[str, Robot]]:
    robot = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(robot.delay)
            with robot.lock:
                robot.received.append({"path": self.path, "json": body,
                                       "content_type": self.headers["Content-Type"]})
            status, answer = robot.answer
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", robot
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "staff": make_person(["staff"], team, name="张丽"),
            "lead": make_person(["lead", "staff"], team, name="李强"), "admin": make_person(["admin"])}


def _set_robot(world, url, kinds=("violation",), flavour="wecom", active=True):
    return notifications.save_robot(world["admin"], "T1", {"flavour": flavour, "url": url, "kinds": list(kinds),
                                                           "active": active})


def _message() -> OutboundMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboundMessage)).one()


def _make_due(row: OutboundMessage) -> None:
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_violation_reaches_the_group_robot_in_chinese_and_a_failing_robot_is_retried_later(
        app, client, runner, world):
    staff = world["staff"]
    with robot_server() as (url, robot):
        _set_robot(world, url)
        # the request that causes the message: a lead records a violation on the page
        login(client, world["lead"])
        when = clock.now() - timedelta(minutes=2)
        response = client.post("/violations/new", data={
            "employee": f"{staff.employee_no} {staff.name}", "rule": "COMPLAINT", "source": "manual",
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "note": "", "amount": ""})
        assert response.status_code in (302, 303), response.get_data(as_text=True)
        assert robot.received == []  # nothing is posted by the request itself

        result = runner.invoke(args=["notifications", "send"])
        assert result.exit_code == 0, result.output
        assert "sent 1, retrying later 0, failed 0" in result.output
        assert len(robot.received) == 1
        posted = robot.received[0]
        assert posted["content_type"] == "application/json" and posted["path"].endswith("key=test")
        assert posted["json"] == {"msgtype": "text", "text": {"content": (
            f"张丽（{staff.employee_no}）：记录了一次违纪：因服务原因被客户投诉\n"
            f"{when.date().isoformat()} · 第 1 次 · 罚款 30.00 元 · 扣 6 分")}}
        row = _message()
        assert (row.status, row.attempts) == ("sent", 0) and row.sent_at is not None
        assert runner.invoke(args=["notifications", "send"]).output.startswith("sent 0,")  # sent once only

        # the robot is down: the next violation's message waits, the violation itself is stored
        robot.answer = (500, {"error": "down"})
        before = utcnow()
        response = client.post("/violations/new", data={
            "employee": f"{staff.employee_no} {staff.name}", "rule": "GENERAL", "source": "manual",
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "note": "", "amount": ""})
        assert response.status_code in (302, 303)  # the request succeeded whatever the robot will answer
        stored = db.session.scalar(select(Violation).where(Violation.rule_code == "GENERAL"))
        assert response.headers["Location"].endswith(f"/violations/{stored.id}")
        result = runner.invoke(args=["notifications", "send"])
        assert result.exit_code == 0 and "sent 0, retrying later 1, failed 0" in result.output
        row = db.session.scalars(select(OutboundMessage).where(OutboundMessage.status == "pending")).one()
        assert row.attempts == 1 and "HTTP 500" in row.last_error
        assert before + timedelta(seconds=55) <= row.next_attempt_at <= utcnow() + timedelta(minutes=1)
        assert db.session.scalar(select(func.count()).select_from(Violation)) == 2
        assert "retrying later 0" in runner.invoke(args=["notifications", "send"]).output  # not due yet
        assert len(robot.received) == 2

        # the robot recovers and the wait is over: delivered
        robot.answer = (200, {"errcode": 0, "errmsg": "ok"})
        _make_due(row)
        assert "sent 1," in runner.invoke(args=["notifications", "send"]).output
        db.session.refresh(row)
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
        assert len(robot.received) == 3 and robot.received[-1] == robot.received[-2]  # the same message again


def test_an_errcode_answer_is_a_failure_and_eight_failures_give_up(app, runner, world):
    with robot_server() as (url, robot):
        _set_robot(world, url, flavour="dingtalk")
        robot.answer = (200, {"errcode": 310000, "errmsg": "keywords not in content"})
        discipline.record_violation(None, employee=world["staff"], rule_code="GENERAL",
                                    occurred_at=clock.now() - timedelta(minutes=5))
        waits = []
        for attempt in range(1, 9):
            _make_due(_message())
            started = utcnow()
            result = runner.invoke(args=["notifications", "send"])
            assert result.exit_code == 0
            row = _message()
            assert row.attempts == attempt and "errcode 310000" in row.last_error
            if attempt < 8:
                assert row.status == "pending" and "retrying later 1" in result.output
                waits.append(round((row.next_attempt_at - started).total_seconds() / 60))
            else:
                assert row.status == "failed" and "failed 1" in result.output
        assert waits == [1, 2, 4, 8, 16, 32, 60]
        assert len(robot.received) == 8
        _make_due(_message())
        assert runner.invoke(args=["notifications", "send"]).output.startswith("sent 0, retrying later 0, failed 0")


def test_backoff_doubles_from_a_minute_and_stops_at_an_hour():
    assert [outbox.backoff(n) for n in (1, 2, 3, 7, 8, 20)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(hours=1), timedelta(hours=1),
        timedelta(hours=1)]


def test_a_refused_connection_and_a_timeout_are_retried(app, runner, world, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    _set_robot(world, f"http://127.0.0.1:{closed_port}/send")
    discipline.record_violation(None, employee=world["staff"], rule_code="GENERAL",
                                occurred_at=clock.now() - timedelta(minutes=5))
    assert "retrying later 1" in runner.invoke(args=["notifications", "send"]).output
    row = _message()
    assert row.attempts == 1 and "ConnectionError" in row.last_error
    with robot_server() as (url, robot):
        robot.delay = 1.5
        monkeypatch.setattr(outbox, "TIMEOUT", 0.5)
        _set_robot(world, url)
        _make_due(row)
        assert "retrying later 1" in runner.invoke(args=["notifications", "send"]).output
        row = _message()
        assert row.attempts == 2 and "Timeout" in row.last_error and row.status == "pending"


def test_a_robot_switched_off_after_queueing_fails_its_messages(app, runner, world):
    with robot_server() as (url, robot):
        _set_robot(world, url)
        discipline.record_violation(None, employee=world["staff"], rule_code="GENERAL",
                                    occurred_at=clock.now() - timedelta(minutes=5))
        _set_robot(world, url, active=False)
        assert "failed 1" in runner.invoke(args=["notifications", "send"]).output
        assert robot.received == [] and _message().status == "failed"


def test_two_senders_at_once_post_each_message_once(app, world, monkeypatch):
    with robot_server() as (url, robot):
        _set_robot(world, url)
        robot.delay = 0.05
        for _ in range(6):  # six people: each message names its own
            discipline.record_violation(None, employee=make_person(["staff"], world["team"]), rule_code="GENERAL",
                                        occurred_at=clock.now() - timedelta(minutes=5))
        lease_end = outbox.lease_end

        def slow_lease(now):  # widen the window between reading what is due and claiming it
            time.sleep(0.3)
            return lease_end(now)

        monkeypatch.setattr(outbox, "lease_end", slow_lease)
        reports = run_together(app, [lambda: outbox.send_due(100), lambda: outbox.send_due(100)])
        assert sum(r.sent for r in reports) == 6
        texts = [m["json"]["text"]["content"] for m in robot.received]
        assert len(texts) == 6 and len(set(texts)) == 6
        assert db.session.scalar(select(func.count()).select_from(OutboundMessage)
                                 .where(OutboundMessage.status == "sent")) == 6


def test_claimed_messages_are_not_due_for_another_sender(app, world):
    _set_robot(world, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x")
    discipline.record_violation(None, employee=world["staff"], rule_code="GENERAL",
                                occurred_at=clock.now() - timedelta(minutes=5))
    first, _ = outbox.claim(10)
    second, _ = outbox.claim(10)
    assert len(first) == 1 and second == []
    assert _message().next_attempt_at > utcnow() + timedelta(minutes=4)
