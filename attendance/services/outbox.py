"""Delivering the outbox: each queued message is posted to its team's group robot after the event's
transaction committed, with retries and backoff: by the jobs worker (``send_due`` is the task queue's
``send_outbox``, put on the queue after each such commit) and by ``flask --app attendance notifications send``
from cron, which catches up on what is left. Both may run at once: the claim below keeps a message to one.

Three steps, so no transaction is open while the network is waited on and no lock is held meanwhile:

1. **claim**, a short transaction: the due messages (pending, ``next_attempt_at`` passed) get
   ``next_attempt_at = now + LEASE``, so a second sender running at the same time does not see them as due
   (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: the use case holds the write lock);
2. **post**, outside any transaction: the robot's text message, at most ``TIMEOUT`` seconds;
3. **record**, a short transaction: ``sent``; or one more attempt, the error, and the next try after the
   backoff (1, 2, 4 … minutes, at most an hour); after ``MAX_ATTEMPTS`` the message is ``failed``.

A sender that dies between 1 and 3 leaves the message claimed until the lease ends; it is then tried
again (delivery is at least once). The robot's JSON, the same for 企业微信群机器人 and 钉钉自定义机器人::

    {"msgtype": "text", "text": {"content": "张丽（E0001）：记录了一次违纪：客户投诉\\n…"}}

Its text is in the site's language (the default locale), whoever the message is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import requests
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from attendance.extensions import db
from attendance.labels import message
from attendance.models import OutboundMessage, TeamRobot
from attendance.models.types import utcnow
from attendance.services.transaction import use_case

TIMEOUT = 5  # seconds to connect and to read the answer
LEASE = timedelta(minutes=5)  # longer than a batch of posts takes: BATCH × TIMEOUT × 2 (connect, read)
BATCH = 10
MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
MAX_ERROR = 500


@dataclass(frozen=True)
class Claimed:
    """A message to post, as plain data: nothing here loads from the database during the post."""

    id: int
    url: str
    body: dict


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, 8, 16, 32 minutes, then an hour."""
    return min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)


def robot_text(payload: dict) -> str:
    """The message's text in the site's language: who it is for, the title, the body."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        params = payload.get("params") or {}
        title, body = message(payload.get("title", ""), params), message(payload.get("body", ""), params)
    head = f"{payload['to']}：{title}" if payload.get("to") else title
    return f"{head}\n{body}" if body else head


def robot_json(payload: dict) -> dict:
    """The text message both robots accept."""
    return {"msgtype": "text", "text": {"content": robot_text(payload)}}


@use_case
def claim(limit: int) -> tuple[list[Claimed], int]:
    """Take up to ``limit`` due messages for this sender (see the module's docstring); messages of a robot
    switched off since are failed here. Returns what to post and how many were failed."""
    now = utcnow()
    due = list(db.session.execute(
        select(OutboundMessage, TeamRobot)
        .join(TeamRobot, TeamRobot.id == OutboundMessage.robot_id)
        .where(OutboundMessage.status == "pending", OutboundMessage.next_attempt_at <= now)
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(limit)
        .with_for_update(of=OutboundMessage, skip_locked=True)).all())
    claimed, failed = [], 0
    for row, robot in due:
        if not robot.active:
            row.status, row.last_error, failed = "failed", "the robot is switched off", failed + 1
            continue
        row.next_attempt_at = lease_end(now)
        claimed.append(Claimed(row.id, robot.url, robot_json(row.payload)))
    return claimed, failed


def lease_end(now):
    return now + LEASE


def post(claimed: Claimed, session: requests.Session) -> str | None:
    """Post to the robot; None when it took the message, else what went wrong. Never raises."""
    try:
        answer = session.post(claimed.url, json=claimed.body, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    if not 200 <= answer.status_code < 300:
        return f"HTTP {answer.status_code}: {answer.text}"[:MAX_ERROR]
    try:
        data = answer.json()
    except ValueError:
        return None  # a 2xx that is not JSON: taken
    if isinstance(data, dict) and data.get("errcode", 0) not in (0, "0"):
        return f"errcode {data.get('errcode')}: {data.get('errmsg', '')}"[:MAX_ERROR]
    return None


@use_case
def record(message_id: int, error: str | None) -> str:
    """Write down how the post went: ``sent``, ``retrying`` or ``failed``."""
    row = db.session.scalar(select(OutboundMessage).where(OutboundMessage.id == message_id).with_for_update()
                            .execution_options(populate_existing=True))
    if row is None or row.status != "pending":
        return row.status if row is not None else "failed"
    now = utcnow()
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, ""
        return "sent"
    row.attempts += 1
    row.last_error = error
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        return "failed"
    row.next_attempt_at = now + backoff(row.attempts)
    return "retrying"


def send_due(limit: int = 100) -> SendReport:
    """Deliver up to ``limit`` due messages, a batch at a time. Safe to run from several places at once."""
    report = SendReport()
    with requests.Session() as session:
        while limit > 0:
            claimed, failed = claim(min(BATCH, limit))
            report.failed += failed
            if not claimed and not failed:
                break
            limit -= len(claimed) + failed
            for item in claimed:
                outcome = record(item.id, post(item, session))
                if outcome == "sent":
                    report.sent += 1
                elif outcome == "retrying":
                    report.retrying += 1
                else:
                    report.failed += 1
    return report
