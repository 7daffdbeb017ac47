"""Versions of the policy, each with the date from which it applies; their publication and who has read them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.extensions import db
from attendance.models.types import UTCDateTime, utcnow


class PolicyVersion(db.Model):
    """A stored policy document. Never edited: a change is a new version.

    A version is a draft until HR publishes it with how it was adopted (劳动合同法 Art. 4: through the staff
    congress or all staff, and made known): ``adopted_on``, ``adopted_by`` and the minute or notice as
    evidence. No penalty is recorded under a draft, nor for an event before ``adopted_on``.
    """

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    document: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    adopted_on: Mapped[date | None] = mapped_column(Date)
    adopted_by: Mapped[str | None] = mapped_column(String(100))
    evidence_path: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))

    created_by = relationship("Employee", foreign_keys=[created_by_id])
    published_by = relationship("Employee", foreign_keys=[published_by_id])

    @property
    def published(self) -> bool:
        return self.published_at is not None


class PolicyAcknowledgement(db.Model):
    """One person's 已阅知 of a published version: once, kept as proof that the rules were made known."""

    __tablename__ = "policy_acknowledgements"
    __table_args__ = (UniqueConstraint("policy_version_id", "employee_id", name="uq_policy_ack_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("Employee")
