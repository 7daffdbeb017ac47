"""Work reports (周报、月报, docs/rules.md §8): one row per person, kind and period — made when the person hands
the report in, or by the nightly run when it finds the report missing after its deadline. The unique key is what
makes ``REPORT_LATE`` once per report, whichever comes first and however many runs overlap."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendance.domain.work_reports import REPORT_KINDS
from attendance.extensions import db
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow


class WorkReport(db.Model):
    """One person's weekly or monthly report for one period: what they handed in and when, and whether the
    lateness was raised (``late_raised_at``, set once, by a conditional update)."""

    __tablename__ = "work_reports"
    __table_args__ = (
        UniqueConstraint("employee_id", "kind", "period_start", name="uq_work_reports_employee_kind_period"),
        CheckConstraint(_in("kind", REPORT_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # first column of the unique key
    kind: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the rule book's deadline when a public holiday or a rest day moved ``due_at`` to the next working day
    # (settings.work_reports.deadline_on_holiday); equal to ``due_at`` when nothing moved it
    nominal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text, default="")
    file_path: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    # the file was deleted, the record kept ("retention": retention.work_report_files_months had passed)
    file_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_removed_reason: Mapped[str | None] = mapped_column(String(32))
    handed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    late_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employee = relationship("Employee", foreign_keys=[employee_id])
    handed_in_by = relationship("Employee", foreign_keys=[handed_in_by_id])
