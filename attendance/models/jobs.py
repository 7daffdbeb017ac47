"""Background jobs (the monthly report, closing a month): who asked, for what, how far it got, and how it ended.

The task queue only carries a job's id; everything a page shows lives here, so any web worker on any
host sees the same progress, and a job survives a restart of the queue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from attendance.extensions import db
from attendance.models.shifts import _in
from attendance.models.types import UTCDateTime, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """One piece of long work asked for on a page, run by the task queue's worker."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("status", JOB_STATUSES), name="status_known"),
        Index("ix_jobs_kind_subject", "kind", "subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # report, month_close, people_import, punch_import
    subject: Mapped[str] = mapped_column(String(64), default="")  # what it is about: the month, the file's name
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)  # steps finished, of ``total``
    total: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(64), default="")  # the last step finished
    result: Mapped[dict | None] = mapped_column(JSON)  # what it made (file names, counts)
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, in words a person can act on
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))  # the failed job this one retries
    # What an import job reads (the uploaded file's text). Deferred: the pages poll a job every 2 s and never
    # need it. Dropped when the job is done (an employee file may hold first passwords); a failed job keeps it
    # until it is retried, when it moves to the new job.
    payload: Mapped[str | None] = deferred(mapped_column(Text))

    requested_by = relationship("Employee", foreign_keys=[requested_by_id])

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * min(self.done, self.total) / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
