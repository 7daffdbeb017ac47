"""Closed months: the frozen monthly scores and payroll deductions HR handed on (docs/rules.md §8).

Once a month is closed its rows here are what every page, export and report shows for it;
nothing recorded later changes them (a late correction is booked into the open month).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.discipline import NOMINATION_STATUSES
from attendance.extensions import db
from attendance.models.types import Money, UTCDateTime, utcnow


class MonthClose(db.Model):
    """HR closed a month: from then on its figures are the snapshot rows."""

    __tablename__ = "month_closes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)  # the first day of the month
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    score_base: Mapped[int] = mapped_column(Integer)
    score_floor: Mapped[int] = mapped_column(Integer)
    cap_percent: Mapped[str] = mapped_column(String(16))  # the policy's percentage, as written
    minimum_wage: Mapped[Decimal] = mapped_column(Money)
    staff: Mapped[int] = mapped_column(Integer, default=0)

    closed_by = relationship("Employee", foreign_keys=[closed_by_id])


class ScoreSnapshot(db.Model):
    """One person's figures for a closed month, exactly as they stood when it was closed."""

    __tablename__ = "score_snapshots"
    __table_args__ = (UniqueConstraint("month", "employee_id", name="uq_score_snapshots_month_employee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_close_id: Mapped[int] = mapped_column(ForeignKey("month_closes.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # first column of the unique key
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    team_code: Mapped[str | None] = mapped_column(String(32))  # as it was at the close
    team_name: Mapped[str | None] = mapped_column(String(100))
    rostered_days: Mapped[int] = mapped_column(Integer)
    present_days: Mapped[int] = mapped_column(Integer)
    late_days: Mapped[int] = mapped_column(Integer)
    early_days: Mapped[int] = mapped_column(Integer)
    late_early_days: Mapped[int] = mapped_column(Integer)
    half_absent_days: Mapped[int] = mapped_column(Integer)
    absent_full_days: Mapped[int] = mapped_column(Integer)
    leave_days: Mapped[int] = mapped_column(Integer)
    breaking_leave_days: Mapped[int] = mapped_column(Integer)
    points_lost: Mapped[int] = mapped_column(Integer)
    fines_total: Mapped[Decimal] = mapped_column(Money)
    violations: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    full_attendance: Mapped[bool] = mapped_column(Boolean)
    reward_eligible: Mapped[bool] = mapped_column(Boolean)
    reward_amount: Mapped[Decimal] = mapped_column(Money)
    rank: Mapped[int] = mapped_column(Integer)  # in the department
    team_rank: Mapped[int | None] = mapped_column(Integer)
    deductions: Mapped[list] = mapped_column(JSON, default=list)  # [{"rule", "points"}]
    # 工作突出: the nomination for the month's reward as it stood at the close (None: not nominated)
    nomination: Mapped[str | None] = mapped_column(String(16))
    reward_forfeited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    training_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    employee = relationship("Employee", foreign_keys=[employee_id])


class PayrollDeduction(db.Model):
    """What a closed month took off one person's pay, and what it carried to the next month."""

    __tablename__ = "payroll_deductions"
    __table_args__ = (UniqueConstraint("month", "employee_id", name="uq_payroll_deductions_month_employee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_close_id: Mapped[int] = mapped_column(ForeignKey("month_closes.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # first column of the unique key
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    wage: Mapped[Decimal | None] = mapped_column(Money)
    fines: Mapped[Decimal] = mapped_column(Money)  # the month's own fines, net of reversals
    carried_in: Mapped[Decimal] = mapped_column(Money)
    fines_due: Mapped[Decimal] = mapped_column(Money)  # fines + carried_in
    cap: Mapped[Decimal] = mapped_column(Money)
    deducted: Mapped[Decimal] = mapped_column(Money)
    carried_over: Mapped[Decimal] = mapped_column(Money)
    reward: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")  # paid with pay
    training_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # stand-down days
    training_reduction: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")

    employee = relationship("Employee", foreign_keys=[employee_id])


class RewardNomination(db.Model):
    """A lead's nomination of a person for a month's reward for outstanding work (工作突出, 000 §5 奖励1);
    the supervisor confirms or declines it before the month closes."""

    __tablename__ = "reward_nominations"
    __table_args__ = (
        UniqueConstraint("month", "employee_id", "reward", name="uq_reward_nominations_month_employee_reward"),
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in NOMINATION_STATUSES) + ")",
                        name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    reward: Mapped[str] = mapped_column(String(32), default="full_attendance")
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    employee = relationship("Employee", foreign_keys=[employee_id])
    nominated_by = relationship("Employee", foreign_keys=[nominated_by_id])
    decided_by = relationship("Employee", foreign_keys=[decided_by_id])
