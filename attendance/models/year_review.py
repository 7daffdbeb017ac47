"""The year-end review (年终考核): awards a manager grants by hand, and closed years with each person's frozen
year figures (docs/rules.md §8).

An award is never deleted: a mistaken one is reversed, saying who, when and why, and no longer counts. A
closed year is read from its snapshot rows, as a closed month is.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.extensions import db
from attendance.models.types import Money, UTCDateTime, utcnow


class Award(db.Model):
    """A reward granted by hand with the amount the manager set (000 §5 奖励2–4): of a kind the policy names
    (``awards``), recorded by a supervisor or manager; the person is told."""

    __tablename__ = "awards"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    awarded_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # a key of the policy's awards
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    reversed_reason: Mapped[str | None] = mapped_column(Text)

    employee = relationship("Employee", foreign_keys=[employee_id])
    recorded_by = relationship("Employee", foreign_keys=[recorded_by_id])
    reversed_by = relationship("Employee", foreign_keys=[reversed_by_id])


class YearClose(db.Model):
    """HR closed a year (all its twelve months closed first): from then on its reviews are the snapshot rows.
    The unique year holds two closes at the same moment to one."""

    __tablename__ = "year_closes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    bonus_points: Mapped[int] = mapped_column(Integer)  # rewards.full_attendance_year at the close
    staff: Mapped[int] = mapped_column(Integer, default=0)

    closed_by = relationship("Employee", foreign_keys=[closed_by_id])


class YearSnapshot(db.Model):
    """One person's year as it stood when the year was closed."""

    __tablename__ = "year_snapshots"
    __table_args__ = (UniqueConstraint("year", "employee_id", name="uq_year_snapshots_year_employee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year_close_id: Mapped[int] = mapped_column(ForeignKey("year_closes.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # first column of the unique key
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    team_code: Mapped[str | None] = mapped_column(String(32))  # as it was at the close
    team_name: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # mean monthly score plus the bonus
    bonus: Mapped[int] = mapped_column(Integer)
    violations: Mapped[int] = mapped_column(Integer)
    leave_first_half: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    leave_second_half: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    rewards_total: Mapped[Decimal] = mapped_column(Money)  # monthly rewards paid plus awards
    months: Mapped[list] = mapped_column(JSON, default=list)  # [{month, score, full_attendance, ...}]
    violations_by_category: Mapped[dict] = mapped_column(JSON, default=dict)
    awards: Mapped[list] = mapped_column(JSON, default=list)  # [{date, kind, amount, reason}] incl. monthly

    employee = relationship("Employee", foreign_keys=[employee_id])
