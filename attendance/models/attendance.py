"""The derived attendance days, and meetings with their attendance (docs/rules.md §3)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.attendance_rules import STATUSES
from attendance.domain.meetings import MEETING_KINDS
from attendance.extensions import db
from attendance.models.shifts import ShiftType, _in
from attendance.models.types import UTCDateTime, utcnow

MEETING_MARKS = ("present", "late", "left_early", "absent", "excused")


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
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # attendees notified (topic, training)

    team = relationship("Team")
    attendees: Mapped[list[MeetingAttendee]] = relationship(order_by="MeetingAttendee.employee_id")
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
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the attendee's own sign-in on a phone

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    employee = relationship("Employee", foreign_keys=[employee_id])


class MeetingAttendee(db.Model):
    """Someone named on a meeting as having to attend (a topic or training meeting; otherwise the team)."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "employee_id", name="uq_meeting_attendees_meeting_employee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))  # first column of the unique key
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)

    employee = relationship("Employee")


class MeetingExcuse(db.Model):
    """A request to be excused from a meeting (请假不到会), beside its ``Request``; filed the day before."""

    __tablename__ = "meeting_excuses"
    __table_args__ = (Index("ix_meeting_excuses_meeting_employee", "meeting_id", "employee_id"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    meeting = relationship("Meeting")
    employee = relationship("Employee")
    request = relationship("Request")
