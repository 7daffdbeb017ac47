"""Extra shifts (加班): one row beside each extra-shift ``Request``, and the approved hours the 考勤表, the
roster and the month's figures share (one grouped read below the services that show them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance import clock
from attendance.domain.extra_shifts import DAY_TYPES
from attendance.extensions import db
from attendance.models.requests import Request
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow


class ExtraShift(db.Model):
    """What an extra shift asks: the day, the hours (start and end; an end at or before the start is the
    morning after), their length, the kind of day they fall on (set when asked, set again on approval from
    the roster and calendar as they are then), and why."""

    __tablename__ = "extra_shifts"
    __table_args__ = (
        CheckConstraint(_in("day_type", DAY_TYPES), name="day_type_known"),
        CheckConstraint("minutes > 0", name="some_time"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_extra_shifts_employee_day", "employee_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    day: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    day_type: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship(back_populates="extra_shift")
    employee = relationship("Employee", foreign_keys=[employee_id])

    @property
    def hours_text(self) -> str:
        """``18:00–22:00`` on the site's clock (the roster cell, the summary)."""
        zone = clock.site_zone()
        return f"{self.start_at.astimezone(zone):%H:%M}–{self.end_at.astimezone(zone):%H:%M}"


def approved_minutes(employee_ids: Iterable[int], start: date, end: date) -> dict[int, dict[str, int]]:
    """Per person, the approved extra-shift minutes of days ``start``..``end`` by day type: one grouped query."""
    ids = list(employee_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ExtraShift.employee_id, ExtraShift.day_type, db.func.sum(ExtraShift.minutes))
        .join(Request, Request.id == ExtraShift.request_id)
        .where(ExtraShift.employee_id.in_(ids), ExtraShift.day >= start, ExtraShift.day <= end,
               Request.status == "approved")
        .group_by(ExtraShift.employee_id, ExtraShift.day_type))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for employee_id, kind, total in rows:
        out[employee_id][kind] = int(total or 0)
    return out


def day_extra(employee_ids: Iterable[int], start: date, end: date,
              statuses: tuple[str, ...] = ("approved", "pending")) -> dict[tuple[int, date], list[ExtraShift]]:
    """The extra shifts over each (person, day) of the range, approved and asked: the roster shows them."""
    ids = list(employee_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(ExtraShift).join(Request, Request.id == ExtraShift.request_id)
        .where(ExtraShift.employee_id.in_(ids), ExtraShift.day >= start, ExtraShift.day <= end,
               Request.status.in_(statuses))
        .order_by(ExtraShift.day, ExtraShift.start_at))
    out: dict[tuple[int, date], list[ExtraShift]] = defaultdict(list)
    for row in rows:
        out[(row.employee_id, row.day)].append(row)
    return out
