"""Notifications: written in the same transaction as the event that causes them, read in the bell.

A notification's title and body are catalog message ids with their values (``params``), so each reader
sees them in their own language; ``attendance.labels.message`` renders one (its docstring gives the two
conventions for values that are themselves translated). When the person's team has a group robot that
takes this kind, an outbound message is queued in the same transaction and, once that commits, a delivery
is put on the task queue (``send_soon``), so the jobs worker posts it within seconds; ``flask --app
attendance notifications send`` (``services/outbox.py``), from cron, catches up on whatever is left (a worker
that was down, a robot's retry). A robot that is down never fails or slows the request that caused the
message.

Everyone reads and marks only their own notifications; someone else's is a 404. A team's robot is set by
an admin (``robots.manage``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, func, insert, or_, select, update

from attendance import task_queue
from attendance.domain.errors import N_, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed
from attendance.extensions import db
from attendance.models import Employee, EmployeeRole, Notification, OutboundMessage, Team, TeamRobot
from attendance.models.notifications import ROBOT_FLAVOURS
from attendance.models.types import utcnow
from attendance.services import audit, people
from attendance.services.paging import Page, paginate
from attendance.services.transaction import on_commit, on_rollback, use_case

log = logging.getLogger(__name__)
_SEND_SOON = "outbox.send_soon"  # in the session's info: a delivery is already asked for after this commit

# The kinds a person can be told about; a team robot chooses among them.
KINDS = ("violation", "approval_waiting", "request_step", "request_decided", "appeal_decided", "month_closed",
         "leave_balance", "leave_cancel_asked", "leave_cancelled", "leave_returned", "leave_certificate_missed",
         "swap_asked", "swap_answered", "swap_withdrawn", "swap_roster_changed", "policy_published",
         "nomination", "transfer_completed", "handover_written", "meeting_announced",
         "award", "year_closed")
MAX_ID = 2**31 - 1
MAX_URL = 500


# --- telling people (inside the caller's use case) ---------------------------------------------


@use_case
def notify(recipient_ids: Iterable[int], kind: str, title: str, body: str = "", *, params: dict | None = None,
           link: str = "") -> list[Notification]:
    """Tell each recipient (once, whatever the repeats) inside the current use case."""
    if kind not in KINDS:
        raise ValueError(kind)
    ids = sorted({int(i) for i in recipient_ids if i is not None})
    if not ids:
        return []
    made = [Notification(employee_id=i, kind=kind, title=title, body=body, params=dict(params or {}), link=link)
            for i in ids]
    db.session.add_all(made)
    db.session.flush()
    _queue_for_robots(kind, [(n.id, n.employee_id, n.title, n.body, n.params, n.link) for n in made])
    return made


@use_case
def notify_each(kind: str, title: str, body: str, rows: list[tuple[int, dict, str]]) -> int:
    """One notification per ``(recipient_id, params, link)`` (a recipient once), each with its own values,
    written in bulk: a statement per batch of rows, not one per person (a month close tells everyone)."""
    if kind not in KINDS:
        raise ValueError(kind)
    values = {int(i): (dict(params or {}), link) for i, params, link in rows if i is not None}
    if not values:
        return 0
    now = utcnow()
    # RETURNING gives each new id with its recipient, in whatever order the database wrote them.
    written = db.session.execute(
        insert(Notification).returning(Notification.id, Notification.employee_id),
        [{"employee_id": i, "kind": kind, "title": title, "body": body, "params": params, "link": link,
          "created_at": now} for i, (params, link) in values.items()]).all()
    _queue_for_robots(kind, [(nid, eid, title, body, *values[eid]) for nid, eid in written])
    return len(written)


def _queue_for_robots(kind: str, made: list[tuple[int, int, str, str, dict, str]]) -> None:
    """One outbound message per robot that takes this kind, naming who it is for. One query finds each
    recipient's team robot, whatever the number of recipients; one statement queues the messages."""
    e, r = Employee.__table__.c, TeamRobot.__table__.c
    found = db.session.execute(
        select(e.id, e.employee_no, e.name, r.id, r.kinds)
        .join(TeamRobot.__table__, and_(r.team_id == e.team_id, r.active.is_(True)))
        .where(e.id.in_({employee_id for _, employee_id, *_rest in made}))).all()
    robots = {pid: (no, name, robot_id) for pid, no, name, robot_id, kinds in found if kind in (kinds or ())}
    queued = []
    for notification_id, employee_id, title, body, params, link in made:
        if employee_id in robots:
            no, name, robot_id = robots[employee_id]
            queued.append({"robot_id": robot_id, "notification_id": notification_id, "payload": {
                "title": title, "body": body, "params": params, "link": link, "to": f"{name}（{no}）"}})
    if queued:
        now = utcnow()
        db.session.execute(insert(OutboundMessage), [
            {**q, "status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}
            for q in queued])
        _send_after_commit()


def _send_after_commit() -> None:
    """Once per transaction, however many messages it queued: a delivery after it commits."""
    info = db.session().info
    if info.get(_SEND_SOON):
        return
    info[_SEND_SOON] = True
    on_rollback(lambda: info.pop(_SEND_SOON, None))
    on_commit(lambda: (info.pop(_SEND_SOON, None), send_soon()))


def send_soon() -> None:
    """Have the jobs worker deliver the outbox now (``NOTIFICATIONS_SEND_AT_ONCE``, on unless set to 0; the
    tests turn it off, so no test posts to a robot unless it means to). The queue unreachable is no failure
    of what was committed: the message waits for the cron command."""
    if not current_app.config.get("NOTIFICATIONS_SEND_AT_ONCE", True):
        return
    try:
        task_queue.send_outbox()
    except Exception:  # noqa: BLE001 (after the commit: the person's request must not fail for it)
        log.warning("could not put the outbox's delivery on the task queue; the cron command will send it",
                    exc_info=True)


def people_with_role(role: str, *, team_id: int | None = None) -> list[int]:
    """Active people holding ``role`` (a lead: only the leads of ``team_id``)."""
    stmt = (select(Employee.id).join(EmployeeRole, EmployeeRole.employee_id == Employee.id)
            .where(EmployeeRole.role == role, Employee.active.is_(True)))
    if role == "lead":
        if team_id is None:
            return []
        # as ``people.teams_led_by`` reads it: a lead leads the team they are in and any they are named lead of
        named = select(Team.lead_id).where(Team.id == team_id)
        stmt = stmt.where(or_(Employee.team_id == team_id, Employee.id.in_(named)))
    return list(db.session.scalars(stmt.distinct()))


# --- the person's own notifications ------------------------------------------------------------


def _page(stmt, *, limit: int, cursor: str | None) -> Page:
    """Newest first, a page at a time. :raise InvalidInput: a cursor the pager did not write."""
    return paginate(stmt, Notification.id, limit=limit, cursor=cursor, descending=True)


def notifications_for(person: Employee, *, unread: bool = False, limit: int = 50,
                      cursor: str | None = None) -> Page:
    """The person's notifications, newest first; ``unread`` keeps the unread ones only."""
    stmt = select(Notification).where(Notification.employee_id == person.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return _page(stmt, limit=limit, cursor=cursor)


def unread_count(person: Employee) -> int:
    """How many of the person's notifications are unread (the bell): one COUNT on an index."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.employee_id == person.id, Notification.read_at.is_(None)))


def get_notification(person: Employee, notification_id: int) -> Notification:
    """One of the person's own notifications. :raise NotFound: unknown, or someone else's."""
    found = db.session.get(Notification, notification_id) if 0 < notification_id <= MAX_ID else None
    if found is None or found.employee_id != person.id:
        raise NotFound(N_("no notification %(notification_id)s", notification_id=notification_id))
    return found


@use_case
def mark_read(person: Employee, notification_id: int) -> Notification:
    """Mark one read (again: nothing changes, the first time it was read is kept). :raise NotFound:"""
    found = get_notification(person, notification_id)
    if found.read_at is None:
        found.read_at = utcnow()
    return found


@use_case
def mark_all_read(person: Employee) -> int:
    """Mark every unread one read; how many were."""
    result = db.session.execute(
        update(Notification).where(Notification.employee_id == person.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


# --- team robots (admin) -----------------------------------------------------------------------


def robots() -> list[tuple[Team, TeamRobot | None]]:
    """Every active team with its robot, if it has one."""
    rows = db.session.execute(select(Team, TeamRobot).outerjoin(TeamRobot, TeamRobot.team_id == Team.id)
                              .where(Team.active.is_(True)).order_by(Team.code)).all()
    return [(team, robot) for team, robot in rows]


def robot_of(team_code: str) -> tuple[Team, TeamRobot | None]:
    """The team and its robot (None when it has none). :raise NotFound: no such team."""
    team = people.get_team(team_code)
    return team, db.session.scalar(select(TeamRobot).where(TeamRobot.team_id == team.id))


def _check_robot(data: dict) -> tuple[str, str, list[str], bool]:
    errors = {}
    flavour = str(data.get("flavour") or "").strip()
    if flavour not in ROBOT_FLAVOURS:
        errors["flavour"] = N_("choose WeCom or DingTalk")
    url = str(data.get("url") or "").strip()
    parts = urlsplit(url)
    if not url:
        errors["url"] = N_("required")
    elif len(url) > MAX_URL:
        errors["url"] = N_("at most 500 characters")
    elif parts.scheme not in ("https", "http") or not parts.hostname:
        errors["url"] = N_("a web address starting with https://")
    kinds = data.get("kinds") or []
    if isinstance(kinds, str) or not isinstance(kinds, list | tuple) or not set(kinds) <= set(KINDS):
        errors["kinds"] = N_("unknown kind of notification")
    if errors:
        raise InvalidInput(N_("invalid robot"), fields=errors)
    return flavour, url, [k for k in KINDS if k in kinds], bool(data.get("active", True))


@use_case
def save_robot(actor: Employee, team_code: str, data: dict) -> TeamRobot:
    """Set a team's group robot: ``flavour`` (wecom | dingtalk), its webhook ``url``, the ``kinds`` of
    notification also posted there, ``active``. :raise Forbidden: not admin. :raise NotFound: no such team.
    :raise InvalidInput: with every bad field."""
    if not allowed(actor.roles, "robots.manage"):
        raise Forbidden(N_("your roles do not allow robots.manage"))
    team, robot = robot_of(team_code)
    flavour, url, kinds, active = _check_robot(data)
    if robot is None:
        robot = TeamRobot(team_id=team.id)
        db.session.add(robot)
    robot.flavour, robot.url, robot.kinds, robot.active = flavour, url, kinds, active
    robot.updated_by_id, robot.updated_at = actor.id, utcnow()
    db.session.flush()
    # The webhook address holds the robot's secret key: the audit names its host only.
    audit.record(actor, "robot.save", "team_robot", team.code, flavour=flavour, host=urlsplit(url).hostname,
                 kinds=kinds, active=active)
    return robot
