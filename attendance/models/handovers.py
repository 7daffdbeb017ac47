"""The handover book (交接本, 000 §4 四.2(2), §5 其他 六): what the outgoing person leaves the incoming one at the
end of a shift — open cases, keys, notes — and the incoming person's acknowledgement. An approved swap's
handover note lands here too (``swap_request_id``). The read the day board shares lives here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, Text, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from attendance.extensions import db
from attendance.models.types import UTCDateTime, utcnow


class Handover(db.Model):
    """One handover: who wrote it for which day and shift, to whom, what it says, and who acknowledged it."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_type_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    written_by_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    open_cases: Mapped[str] = mapped_column(Text, default="")
    keys: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    swap_request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), unique=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team = relationship("Team")
    shift_type = relationship("ShiftType")
    written_by = relationship("Employee", foreign_keys=[written_by_id])
    incoming = relationship("Employee", foreign_keys=[incoming_id])
    acknowledged_by = relationship("Employee", foreign_keys=[acknowledged_by_id])

    @property
    def empty(self) -> bool:
        return not (self.open_cases.strip() or self.keys.strip() or self.notes.strip())


def unacknowledged(team_ids: Iterable[int], day: date) -> list[Handover]:
    """The handovers of these teams for ``day`` nobody has acknowledged yet (the day board), oldest first."""
    ids = list(set(team_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(Handover).options(joinedload(Handover.written_by), joinedload(Handover.incoming),
                                 joinedload(Handover.shift_type))
        .where(Handover.team_id.in_(ids), Handover.day == day, Handover.acknowledged_at.is_(None))
        .order_by(Handover.written_at, Handover.id)))
