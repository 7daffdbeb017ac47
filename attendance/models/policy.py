"""Versions of the policy, each with the date from which it applies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.extensions import db
from attendance.models.types import UTCDateTime, utcnow


class PolicyVersion(db.Model):
    """A stored policy document. Never edited: a change is a new version."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    document: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))

    created_by = relationship("Employee")
