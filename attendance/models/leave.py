"""Leave (请假): one row per leave request (an extension is its own request on the same leave), and the
yearly entitlements HR sets, kept as history (every change a new row saying who and why)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from attendance import clock
from attendance.domain.leave import HALF_DAYS, LeaveDay, covered_days
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.extensions import db
from attendance.models.requests import Request
from attendance.models.shifts import _in
from attendance.models.types import Days, UTCDateTime, utcnow


class LeaveRequest(db.Model):
    """What a leave request asks (type, days, reason), and what happened to it after approval: its
    certificate, a cancellation, the person's return (销假). Its chain and status live on ``Request``."""

    __tablename__ = "leave_requests"
    __table_args__ = (
        CheckConstraint(_in("leave_type", LEAVE_TYPES), name="leave_type_known"),
        CheckConstraint(_in("counted_as", LEAVE_TYPES), name="counted_as_known"),
        CheckConstraint("half_day IS NULL OR (" + _in("half_day", HALF_DAYS) + " AND start_day = end_day)",
                        name="half_day_one_day"),
        CheckConstraint("end_day >= start_day", name="ends_after_start"),
        Index("ix_leave_requests_employee_days", "employee_id", "start_day", "end_day"),
        Index("ix_leave_requests_days", "start_day", "end_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    leave_type: Mapped[str] = mapped_column(String(16))
    counted_as: Mapped[str] = mapped_column(String(16))  # the type it counts as (personal: sick with no certificate)
    start_day: Mapped[date] = mapped_column(Date)
    end_day: Mapped[date] = mapped_column(Date)
    half_day: Mapped[str | None] = mapped_column(String(2))
    days: Mapped[Decimal] = mapped_column(Days)  # working days on the roster when asked
    reason: Mapped[str] = mapped_column(Text)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    extends_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"), index=True)  # 续假
    certificate_path: Mapped[str | None] = mapped_column(String(200))
    certificate_type: Mapped[str | None] = mapped_column(String(40))
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    certificate_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # counted as personal from then
    # The certificate's file deleted (path and hash stay: one was brought): when, and why ("retention")
    certificate_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_removed_reason: Mapped[str | None] = mapped_column(String(40))
    cancel_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the person asked; approver cancels
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 销假
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request = relationship("Request", back_populates="leave")
    employee = relationship("Employee", foreign_keys=[employee_id])
    extends = relationship("LeaveRequest", remote_side=[id], foreign_keys=[extends_id])
    certificate_by = relationship("Employee", foreign_keys=[certificate_by_id])
    cancelled_by = relationship("Employee", foreign_keys=[cancelled_by_id])
    returned_by = relationship("Employee", foreign_keys=[returned_by_id])

    @property
    def status(self) -> str:
        """The API's status: pending, approved, rejected or cancelled (withdrawn before a decision, or
        cancelled by an approver after)."""
        if self.cancelled_at is not None or self.request.status == "withdrawn":
            return "cancelled"
        return self.request.status

    @property
    def back_day(self) -> date | None:
        """The site's day the person came back (销假), if they reported back."""
        return self.returned_at.astimezone(clock.site_zone()).date() if self.returned_at else None


class LeaveEntitlement(db.Model):
    """HR sets a person's entitlement to a leave type for a year; the newest row counts and the older ones
    stay as the record of who changed it, when and why. Annual leave with no row follows years worked."""

    __tablename__ = "leave_entitlements"
    __table_args__ = (
        CheckConstraint(_in("leave_type", LEAVE_TYPES), name="leave_type_known"),
        Index("ix_leave_entitlements_person_type_year", "employee_id", "leave_type", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    leave_type: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    entitled: Mapped[Decimal] = mapped_column(Days)
    previous: Mapped[Decimal | None] = mapped_column(Days)  # what it was before this change
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("Employee", foreign_keys=[employee_id])
    set_by = relationship("Employee", foreign_keys=[set_by_id])


# --- the days leave covers: one read for the pages and documents that show it --------------------


def live_leaves(employee_ids: Iterable[int], start: date, end: date,
                statuses: tuple[str, ...] = ("approved",)) -> list[LeaveRequest]:
    """These people's leaves touching ``start``..``end`` whose request is in ``statuses`` (approved; with
    ``pending``, also those waiting for a decision) and that nobody cancelled. One query, its request loaded."""
    ids = list(set(employee_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(LeaveRequest).join(Request, Request.id == LeaveRequest.request_id)
        .options(contains_eager(LeaveRequest.request))
        .where(LeaveRequest.employee_id.in_(ids), Request.status.in_(statuses), LeaveRequest.cancelled_at.is_(None),
               LeaveRequest.start_day <= end, LeaveRequest.end_day >= start)))


def day_marks(leaves: Iterable[LeaveRequest], start: date, end: date) -> dict[tuple[int, date], LeaveDay]:
    """Per (person, day) of ``start``..``end``, what these leaves (from ``live_leaves``) make of it. Approved
    leave wins over a pending one on the same day."""
    out: dict[tuple[int, date], LeaveDay] = {}
    for leave in sorted(leaves, key=lambda x: x.request.status == "approved"):
        back = leave.back_day
        pending = leave.request.status != "approved"
        for day in covered_days(leave.start_day, leave.end_day, back, start, end):
            out[(leave.employee_id, day)] = LeaveDay(leave.leave_type, leave.counted_as, leave.half_day, pending,
                                                     returned=back is not None and day == back)
    return out
