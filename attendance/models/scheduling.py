"""Shift types, the roster, punches, the derived attendance days, meetings (DOMAIN.md §2–§3)."""

from __future__ import annotations

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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.attendance_rules import MINUTES_PER_DAY, STATUSES, minutes_to_hhmm
from attendance.extensions import db
from attendance.models.types import UTCDateTime, utcnow

PUNCH_SOURCES = ("web", "api", "clock", "import", "correction")
MEETING_KINDS = ("morning", "weekly", "monthly")
MEETING_MARKS = ("present", "late", "left_early", "absent", "excused")


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


class AttendanceDay(db.Model):
    """What a person's rostered day came to, as last evaluated (re-evaluated when something changes)."""

    __tablename__ = "attendance_days"
    __table_args__ = (
        UniqueConstraint("employee_id", "day", name="uq_attendance_days_employee_day"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # first column of the unique key
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_type_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    status: Mapped[str] = mapped_column(String(16))
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    early_minutes: Mapped[int] = mapped_column(Integer, default=0)
    worked_minutes: Mapped[int | None] = mapped_column(Integer)
    missing_in: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_out: Mapped[bool] = mapped_column(Boolean, default=False)
    in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leave_type: Mapped[str | None] = mapped_column(String(16))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift_type: Mapped[ShiftType | None] = relationship()
    employee = relationship("Employee", foreign_keys=[employee_id])


class Meeting(db.Model):
    """A morning, weekly or monthly meeting of a team (or of the whole department: no team)."""

    __tablename__ = "meetings"
    __table_args__ = (CheckConstraint(_in("kind", MEETING_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team = relationship("Team")
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        back_populates="meeting", order_by="MeetingAttendance.employee_id")


class MeetingAttendance(db.Model):
    """How one person attended one meeting, as the lead marked it."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "employee_id", name="uq_meeting_attendance_meeting_employee"),
        CheckConstraint(_in("mark", MEETING_MARKS), name="mark_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))  # first column of the unique key
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    mark: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    employee = relationship("Employee", foreign_keys=[employee_id])
