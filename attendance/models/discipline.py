"""Violations, the append-only fines ledger, appeals and dismissal reviews (docs/rules.md §7–§8).

Ledger rows are never updated or deleted: migration 0002 puts triggers on ``ledger_entries``
that refuse both. A Violation, an Appeal and a DismissalReview change status in place; the
money and points they cause move only through ledger entries.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.discipline import APPEAL_STATUSES, DISMISSAL_STATUSES, SOURCES, TRANSFER_STATUSES
from attendance.domain.ledger import KINDS
from attendance.domain.policy import SANCTIONS
from attendance.extensions import db
from attendance.models.types import Money, UTCDateTime, utcnow


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


COUNTED = text("reversed_at IS NULL")


class Violation(db.Model):
    """One occurrence of a rule by a person, judged by the policy version in force that day."""

    __tablename__ = "violations"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCES), name="source_known"),
        CheckConstraint(_in("sanction", SANCTIONS), name="sanction_known"),
        Index("ix_violations_employee_rule", "employee_id", "rule_code", "occurred_at"),
        # An automated source never records the same thing twice while the first still counts.
        Index("uq_violations_source_ref_counted", "source_ref", unique=True,
              sqlite_where=COUNTED, postgresql_where=COUNTED),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # indexed with rule_code below
    rule_code: Mapped[str] = mapped_column(String(32))
    rule_name_zh: Mapped[str] = mapped_column(String(200))  # as the policy named it on the day
    rule_name_en: Mapped[str] = mapped_column(String(200))
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)  # the site's local date
    occurrence: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    sanction: Mapped[str] = mapped_column(String(20))
    fine: Mapped[Decimal] = mapped_column(Money)
    points: Mapped[int] = mapped_column(Integer)
    flagged_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    dismissal_review: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_path: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(32))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    # The photo deleted (the path and the hash stay as the record of what there was): when, and why
    # ("retention": the policy's retention.photos_months had passed, docs/rules.md §10)
    evidence_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence_removed_reason: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    reversed_reason: Mapped[str | None] = mapped_column(Text)
    restep_of_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"))
    # The step offered the recorder a choice (罚…或开除): its options, comma-separated; ``sanction`` is the one
    # chosen. None: the step offered none.
    offered: Mapped[str | None] = mapped_column(String(100))
    forfeits: Mapped[str | None] = mapped_column(String(32))  # forfeit_reward: the reward the month loses

    employee = relationship("Employee", foreign_keys=[employee_id])
    recorded_by = relationship("Employee", foreign_keys=[recorded_by_id])
    reversed_by = relationship("Employee", foreign_keys=[reversed_by_id])
    policy_version = relationship("PolicyVersion")
    restep_of = relationship("Violation", remote_side=[id], foreign_keys=[restep_of_id])
    appeal: Mapped[Appeal | None] = relationship(back_populates="violation", uselist=False, viewonly=True)
    review: Mapped[DismissalReview | None] = relationship(back_populates="violation", uselist=False,
                                                          viewonly=True)
    ledger_entries: Mapped[list[LedgerEntry]] = relationship(
        viewonly=True, order_by="LedgerEntry.id", foreign_keys="LedgerEntry.violation_id")

    @property
    def counted(self) -> bool:
        return self.reversed_at is None

    @property
    def options(self) -> list[str]:
        return self.offered.split(",") if self.offered else []


class LedgerEntry(db.Model):
    """A movement of money and points; see attendance.domain.ledger for the signs and the hash chain.

    The id is given by the service while it holds the ledger head, so ids follow chain order.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        UniqueConstraint("reverses_id", name="uq_ledger_entries_reverses_id"),
        Index("ix_ledger_entries_employee_occurred_on", "employee_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # indexed with occurred_on above
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    points: Mapped[int] = mapped_column(Integer)
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)  # the local date the money belongs to
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    employee = relationship("Employee", foreign_keys=[employee_id], viewonly=True)
    created_by = relationship("Employee", foreign_keys=[created_by_id], viewonly=True)
    violation = relationship("Violation", foreign_keys=[violation_id], viewonly=True)
    reverses = relationship("LedgerEntry", remote_side=[id], foreign_keys=[reverses_id], viewonly=True)


class LedgerHead(db.Model):
    """One row: the last entry of the chain. Locked FOR UPDATE while appending, so the chain stays linear."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int | None] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer, default=0)


class Appeal(db.Model):
    """The person's appeal against a violation; the supervisor upholds or overturns it."""

    __tablename__ = "appeals"
    __table_args__ = (CheckConstraint(_in("status", APPEAL_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))

    violation: Mapped[Violation] = relationship(back_populates="appeal", foreign_keys=[violation_id])
    employee = relationship("Employee", foreign_keys=[employee_id])
    decided_by = relationship("Employee", foreign_keys=[decided_by_id])


class DismissalReview(db.Model):
    """Raised by a step that says so; a manager decides. Nothing about dismissal is automatic."""

    __tablename__ = "dismissal_reviews"
    __table_args__ = (CheckConstraint(_in("status", DISMISSAL_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    violation: Mapped[Violation] = relationship(back_populates="review", foreign_keys=[violation_id])
    employee = relationship("Employee", foreign_keys=[employee_id])
    decided_by = relationship("Employee", foreign_keys=[decided_by_id])


LIVE_TRAINING = text("cancelled_at IS NULL")


class TrainingDay(db.Model):
    """A day of a stand-down for retraining (待岗培训): on the roster as training, paid by the policy's
    ``stand_down.pay_percent``. Reversing the violation cancels its days (kept, marked)."""

    __tablename__ = "training_days"
    __table_args__ = (
        Index("uq_training_days_employee_day_live", "employee_id", "day", unique=True,
              sqlite_where=LIVE_TRAINING, postgresql_where=LIVE_TRAINING),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


def live_training_days(employee_ids, start: date, end: date) -> set[tuple[int, date]]:
    """``(employee_id, day)`` of the stand-down days not cancelled, from ``start`` to ``end``: one query."""
    ids = list(employee_ids)
    if not ids:
        return set()
    t = TrainingDay.__table__.c
    return {(e, d) for e, d in db.session.execute(
        db.select(t.employee_id, t.day).where(t.employee_id.in_(ids), t.day >= start, t.day <= end,
                                              t.cancelled_at.is_(None)))}


class Transfer(db.Model):
    """A decision to move a person off the post (调岗), raised by a step that says so; HR completes it."""

    __tablename__ = "transfers"
    __table_args__ = (CheckConstraint(_in("status", TRANSFER_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)  # what HR did: the new post, from when

    violation = relationship("Violation", foreign_keys=[violation_id])
    employee = relationship("Employee", foreign_keys=[employee_id])
    completed_by = relationship("Employee", foreign_keys=[completed_by_id])
