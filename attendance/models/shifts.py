"""Shift types, the roster and punches, with the reads every service shares (docs/rules.md §2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from attendance.domain.attendance_rules import MINUTES_PER_DAY, minutes_to_hhmm
from attendance.extensions import db
from attendance.models.types import UTCDateTime, utcnow

PUNCH_SOURCES = ("web", "api", "clock", "import", "correction")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ShiftType(db.Model):
    """A kind of shift: clock times on its day's minute scale (an end past 1440 is the next morning)."""

    __tablename__ = "shift_types"
    __table_args__ = (
        CheckConstraint(f"start_minute >= 0 AND start_minute < {MINUTES_PER_DAY}", name="start_in_day"),
        CheckConstraint(f"end_minute > start_minute AND end_minute <= start_minute + {MINUTES_PER_DAY}",
                        name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    breaks: Mapped[list] = mapped_column(JSON, default=list)  # [[start_minute, end_minute], ...]
    grace_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def start(self) -> str:
        return minutes_to_hhmm(self.start_minute)

    @property
    def end(self) -> str:
        return minutes_to_hhmm(self.end_minute)

    @property
    def crosses_midnight(self) -> bool:
        return self.end_minute > MINUTES_PER_DAY

    @property
    def break_list(self) -> list[dict]:
        return [{"start": minutes_to_hhmm(b0), "end": minutes_to_hhmm(b1)} for b0, b1 in self.breaks or []]


class RosterEntry(db.Model):
    """One person's shift (or rest: no shift type) on one day."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("employee_id", "day", name="uq_roster_entries_employee_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # first column of the unique key
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_type_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    # The approved swap (its request) that put this shift or rest here; cleared when the cell is edited again.
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))

    shift_type: Mapped[ShiftType | None] = relationship(lazy="joined")
    employee = relationship("Employee", foreign_keys=[employee_id])

    @property
    def code(self) -> str:
        return self.shift_type.code if self.shift_type else "REST"


class Punch(db.Model):
    """A clock-in or clock-out. Never deleted: a wrong one is voided with a reason.

    ``dedupe_key`` is the person and the second of the punch, so importing the same file twice,
    or the same punch from two sources, stores it once.
    """

    __tablename__ = "punches"
    __table_args__ = (
        CheckConstraint("direction IS NULL OR direction IN ('in', 'out')", name="direction_known"),
        CheckConstraint(_in("source", PUNCH_SOURCES), name="source_known"),
        Index("ix_punches_employee_at", "employee_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # indexed with ``at`` above
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    direction: Mapped[str | None] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(16), default="web")
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))

    employee = relationship("Employee", foreign_keys=[employee_id])


# Reads shared by the roster, punches and attendance services (which may not import each other both ways).


def roster_cells(employee_ids: Iterable[int], start: date, end: date) -> dict[tuple[int, date], RosterEntry]:
    """The roster entries of these people in the date range, by (person, day), shift types loaded."""
    ids = list(set(employee_ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(RosterEntry).options(joinedload(RosterEntry.shift_type))
        .where(RosterEntry.employee_id.in_(ids), RosterEntry.day >= start, RosterEntry.day <= end))
    return {(r.employee_id, r.day): r for r in rows}


def days_with_roster(employee_ids: Iterable[int], days: Iterable[date]) -> set[tuple[int, date]]:
    """Which of these (person, day) pairs have a roster entry."""
    ids, days = list(set(employee_ids)), sorted(set(days))
    if not ids or not days:
        return set()
    rows = db.session.execute(select(RosterEntry.employee_id, RosterEntry.day).where(
        RosterEntry.employee_id.in_(ids), RosterEntry.day >= days[0], RosterEntry.day <= days[-1]))
    return {(e, d) for e, d in rows}


def punches_between(employee_ids: Iterable[int], start: datetime, end: datetime) -> list[Punch]:
    """Punches not voided in [start, end), by person then time."""
    ids = list(set(employee_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(Punch).where(Punch.employee_id.in_(ids), Punch.at >= start, Punch.at < end,
                            Punch.voided_at.is_(None)).order_by(Punch.employee_id, Punch.at)))
