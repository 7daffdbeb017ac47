"""Pre-shift grooming and workstation checks (docs/rules.md §6).

A check is one person on one day and shift, as one lead saw them. A correction never edits or
deletes: it adds a new check and marks the old one superseded (who, when), so the history stays.
Only one check per person, day and shift is current (a partial unique index says so).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.grooming import STATUSES
from attendance.extensions import db
from attendance.models.types import UTCDateTime, utcnow

CURRENT = text("superseded_at IS NULL")
NO_SHIFT = ""  # the day's check when nobody is rostered: no shift type named


class GroomingCheck(db.Model):
    """One person's check on one day and shift: present (with failed items, if any) or absent."""

    __tablename__ = "grooming_checks"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status_known"),
        # A page submission's one-time token: replaying it (a double click) finds these rows again.
        UniqueConstraint("form_token", "employee_id", name="uq_grooming_checks_form_token_employee"),
        Index("uq_grooming_checks_current", "employee_id", "day", "shift_code", unique=True,
              sqlite_where=CURRENT, postgresql_where=CURRENT),
        Index("ix_grooming_checks_team_day", "team_id", "day"),
        Index("ix_grooming_checks_employee_day", "employee_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # indexed with day above
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))  # the team on the day; indexed above
    day: Mapped[date] = mapped_column(Date)
    shift_code: Mapped[str] = mapped_column(String(16), default=NO_SHIFT)
    status: Mapped[str] = mapped_column(String(16), default="present")
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    form_token: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("grooming_checks.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))

    employee = relationship("Employee", foreign_keys=[employee_id])
    team = relationship("Team", foreign_keys=[team_id])
    checked_by = relationship("Employee", foreign_keys=[checked_by_id])
    superseded_by = relationship("Employee", foreign_keys=[superseded_by_id])
    policy_version = relationship("PolicyVersion")
    supersedes = relationship("GroomingCheck", remote_side=[id], foreign_keys=[supersedes_id])
    failures: Mapped[list[GroomingFailure]] = relationship(
        back_populates="check", order_by="GroomingFailure.position", cascade="save-update, merge")

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    @property
    def failed_codes(self) -> list[str]:
        return [f.item_code for f in self.failures]


class GroomingFailure(db.Model):
    """One failed item of a check, and the violation it raised (kept when a correction keeps the item)."""

    __tablename__ = "grooming_failures"
    __table_args__ = (UniqueConstraint("check_id", "item_code", name="uq_grooming_failures_check_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("grooming_checks.id"))  # first column of the unique key
    item_code: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the item's place in the checklist
    rule_code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_path: Mapped[str | None] = mapped_column(String(200))
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"), index=True)

    check: Mapped[GroomingCheck] = relationship(back_populates="failures")
    violation = relationship("Violation")
