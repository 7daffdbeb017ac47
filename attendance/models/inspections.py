"""Quality inspections (质检) of calls and chats: who was heard, by whom, the phrases heard and the score."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.inspections import CHANNELS
from attendance.extensions import db
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow


class QualityInspection(db.Model):
    """One inspection: the customer-service record it is about (the call's or chat's reference), the
    phrases the inspector confirmed hearing (codes of the policy's lists), the score, the transcript if one
    was pasted, and the FORBIDDEN_PHRASE violation it raised, if any (the inspection is its evidence)."""

    __tablename__ = "quality_inspections"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        Index("ix_quality_inspections_employee_occurred", "employee_id", "occurred_at"),
        Index("ix_quality_inspections_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # the person's team then
    inspector_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    channel: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the call or chat took place
    score: Mapped[int] = mapped_column(Integer)
    phrases: Mapped[list] = mapped_column(JSON, default=list)  # codes heard, forbidden and required
    transcript: Mapped[str] = mapped_column(Text, default="")
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("Employee", foreign_keys=[employee_id])
    inspector = relationship("Employee", foreign_keys=[inspector_id])
    team = relationship("Team", foreign_keys=[team_id])
    violation = relationship("Violation", foreign_keys=[violation_id])
