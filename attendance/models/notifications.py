"""In-app notifications (the bell), the group robots a team's messages also go to, and their outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.extensions import db
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow

ROBOT_FLAVOURS = ("wecom", "dingtalk")  # 企业微信群机器人, 钉钉自定义机器人
OUTBOX_STATUSES = ("pending", "sent", "failed")


class Notification(db.Model):
    """Something a person is told. The text is a catalog message id with its values, so it is shown in
    the reader's language whenever it is read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_employee_read", "employee_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))  # message id
    body: Mapped[str] = mapped_column(String(500), default="")  # message id
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employee = relationship("Employee", foreign_keys=[employee_id])


class TeamRobot(db.Model):
    """A team's group chat robot (webhook); the kinds of notification that are also posted there."""

    __tablename__ = "team_robots"
    __table_args__ = (CheckConstraint(_in("flavour", ROBOT_FLAVOURS), name="flavour_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), unique=True)
    flavour: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(500))
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    team = relationship("Team")


class OutboundMessage(db.Model):
    """A message for a group robot, written in the transaction of the event and delivered after it by
    the jobs worker (or ``flask --app attendance notifications send``), with retries and backoff."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status_known"),
        Index("ix_outbound_messages_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot_id: Mapped[int] = mapped_column(ForeignKey("team_robots.id"), index=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    robot: Mapped[TeamRobot] = relationship()
