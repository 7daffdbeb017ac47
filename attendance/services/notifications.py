"""Notifications: written in the same transaction as the event that causes them, read in the bell.

A notification's title and body are catalog message ids with their values (``params``), so each reader
sees them in their own language; ``attendance.labels.message`` renders one. When the person's team has a
group robot that takes this kind, an outbound message is queued in the same transaction and delivered
after commit by ``flask --app attendance notifications send`` — a robot that is down never fails or slows
the request that caused the message.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from attendance.extensions import db
from attendance.models import Employee, EmployeeRole, Notification, OutboundMessage, Team, TeamRobot
from attendance.services.transaction import use_case

# The kinds a person can be told about; a team robot chooses among them.
KINDS = ("violation", "approval_waiting", "request_step", "request_decided", "appeal_decided", "month_closed")


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
    _queue_for_robots(made)
    return made


def _queue_for_robots(made: list[Notification]) -> None:
    """One outbound message per robot that takes this kind, naming who it is for."""
    by_person = dict(db.session.execute(
        select(Employee.id, Employee.team_id).where(Employee.id.in_([n.employee_id for n in made]))).all())
    team_ids = {t for t in by_person.values() if t is not None}
    if not team_ids:
        return
    robots = {r.team_id: r for r in db.session.scalars(
        select(TeamRobot).where(TeamRobot.team_id.in_(team_ids), TeamRobot.active.is_(True)))}
    for n in made:
        robot = robots.get(by_person.get(n.employee_id))
        if robot is not None and n.kind in (robot.kinds or ()):
            db.session.add(OutboundMessage(robot_id=robot.id, notification_id=n.id, payload={
                "title": n.title, "body": n.body, "params": n.params, "link": n.link}))


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
