"""Requests that go through an approval chain (审批), their steps, and missed-punch corrections (补卡)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.approvals import KINDS, STATUSES, STEP_STATUSES
from attendance.extensions import db
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow

DIRECTIONS = ("in", "out")


class Request(db.Model):
    """One request of any kind: who asked, for whom, and where its chain stands."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        Index("ix_requests_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    step: Mapped[int] = mapped_column(Integer, default=0)  # the step to decide next
    requester_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requester = relationship("Employee", foreign_keys=[requester_id])
    subject = relationship("Employee", foreign_keys=[subject_id])
    steps: Mapped[list[ApprovalStep]] = relationship(back_populates="request", order_by="ApprovalStep.position")
    correction: Mapped[PunchCorrection | None] = relationship(back_populates="request", uselist=False)
    leave = relationship("LeaveRequest", back_populates="request", uselist=False)
    swap = relationship("Swap", back_populates="request", uselist=False)
    extra_shift = relationship("ExtraShift", back_populates="request", uselist=False)

    @property
    def chain(self) -> tuple[str, ...]:
        return tuple(s.role for s in self.steps)


class ApprovalStep(db.Model):
    """One step of a request's chain: the role that decides it, and who did, when, with what note."""

    __tablename__ = "approval_steps"
    __table_args__ = (
        UniqueConstraint("request_id", "position", name="uq_approval_steps_request_position"),
        CheckConstraint(_in("status", STEP_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))  # first column of the unique key
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[Request] = relationship(back_populates="steps")
    decided_by = relationship("Employee", foreign_keys=[decided_by_id])


class PunchCorrection(db.Model):
    """A missed punch (补卡): the day, in or out, the time the person says, and why."""

    __tablename__ = "punch_corrections"
    __table_args__ = (
        CheckConstraint(_in("direction", DIRECTIONS), name="direction_known"),
        Index("ix_punch_corrections_employee_day", "employee_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    day: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    punch_id: Mapped[int | None] = mapped_column(ForeignKey("punches.id"))  # the punch approval added
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship(back_populates="correction")
    employee = relationship("Employee", foreign_keys=[employee_id])
