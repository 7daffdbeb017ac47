"""Shift swaps, time off in lieu and cover (换班、换休、代班): one row beside each swap's ``Request``, the
lead's verdicts on suspected private swaps, and the read the day board shares."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from attendance.domain.swaps import KINDS, status_of
from attendance.extensions import db
from attendance.models.requests import Request
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow

REVIEW_OUTCOMES = ("confirmed", "dismissed")


class Swap(db.Model):
    """What a swap asks: who gives which day to whom, why, and the handover. Its chain and status live on
    ``Request`` (the first step is the colleague's answer); the shifts are those on the roster when asked."""

    __tablename__ = "swaps"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint("requester_id <> counterpart_id", name="two_people"),
        CheckConstraint("kind = 'cover' OR counterpart_day IS NOT NULL", name="day_back_unless_cover"),
        Index("ix_swaps_requester_day", "requester_id", "requester_day"),
        Index("ix_swaps_counterpart_day", "counterpart_id", "counterpart_day"),
        Index("ix_swaps_month", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    requester_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    requester_day: Mapped[date] = mapped_column(Date)
    requester_shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    counterpart_day: Mapped[date | None] = mapped_column(Date)  # None for a cover: no day comes back
    counterpart_shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    month: Mapped[date] = mapped_column(Date)  # the first of the month it counts in (its earlier day's)
    reason: Mapped[str] = mapped_column(Text)
    handover_note: Mapped[str] = mapped_column(Text, default="")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when asked: the notice counts from it

    request: Mapped[Request] = relationship(back_populates="swap")
    requester = relationship("Employee", foreign_keys=[requester_id])
    counterpart = relationship("Employee", foreign_keys=[counterpart_id])
    requester_shift = relationship("ShiftType", foreign_keys=[requester_shift_id])
    counterpart_shift = relationship("ShiftType", foreign_keys=[counterpart_shift_id])

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({self.requester_day, self.counterpart_day or self.requester_day}))

    @property
    def status(self) -> str:
        return status_of(self.request.status, self.request.step, self.declined_at is not None)


class PrivateSwapReview(db.Model):
    """The lead's verdict on a suspected private swap (B punched for A's shift, A did not come): confirmed
    (UNAPPROVED_SWAP for both, the roster set to what happened) or dismissed; either way not shown again."""

    __tablename__ = "private_swap_reviews"
    __table_args__ = (
        UniqueConstraint("absent_id", "worker_id", "day", name="uq_private_swap_reviews_absent_worker_day"),
        CheckConstraint(_in("outcome", REVIEW_OUTCOMES), name="outcome_known"),
        Index("ix_private_swap_reviews_day", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    absent_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # first column of the unique key
    worker_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    day: Mapped[date] = mapped_column(Date)
    shift_type_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    absent = relationship("Employee", foreign_keys=[absent_id])
    worker = relationship("Employee", foreign_keys=[worker_id])
    shift_type = relationship("ShiftType")
    decided_by = relationship("Employee", foreign_keys=[decided_by_id])


def swaps_touching(employee_ids: Iterable[int], start: date, end: date,
                   statuses: tuple[str, ...] = ("pending", "approved")) -> list[Swap]:
    """Swaps with either person among these people and a day in the range, their request in one of
    ``statuses`` (the day board shows the handover of the approved ones and of those still asked)."""
    ids = list(set(employee_ids))
    if not ids:
        return []
    on_day = or_(Swap.requester_day.between(start, end), Swap.counterpart_day.between(start, end))
    return list(db.session.scalars(
        select(Swap).join(Request, Request.id == Swap.request_id)
        .options(joinedload(Swap.request), joinedload(Swap.requester), joinedload(Swap.counterpart))
        .where(or_(Swap.requester_id.in_(ids), Swap.counterpart_id.in_(ids)), on_day, Request.status.in_(statuses))
        .order_by(Swap.id)))
