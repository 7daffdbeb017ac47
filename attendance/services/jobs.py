"""Long work off the web request: the monthly report and closing a month, run by the task queue's worker.

A page asks (``submit``): a ``jobs`` row is written and, once that commits, its id goes on the queue
(``attendance.task_queue``); the page answers at once and polls the row (``GET /jobs/<id>``). The worker
calls ``run``: it marks the row running, calls the same service use case the CLI calls, with a
progress callback that commits each step in its own short transaction (so every host sees it), and
ends with ``done`` and what was made, or ``failed`` and why. A failed job is retried as a new job
(``retry``), the failed one kept as it was.

Who may see or retry a job is the permission table's action for its kind (``JOB_ACTIONS``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from attendance import clock, task_queue
from attendance.domain import scoring
from attendance.domain.errors import N_, DomainError, InvalidInput, NotFound
from attendance.domain.permissions import JOB_ACTIONS, allowed
from attendance.extensions import db
from attendance.models import Employee, Job
from attendance.services import audit
from attendance.services.transaction import discard, in_transaction, on_commit, transaction, use_case

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def _month_subject(text: str) -> tuple[str, dict]:
    month = scoring.month_label(scoring.parse_month(text))
    return month, {"month": month}


def _year_subject(text: str) -> tuple[str, dict]:
    from attendance.services.year_review import parse_year

    year = parse_year(text)
    return str(year), {"year": year}


@dataclass(frozen=True)
class Kind:
    steps: Callable[[dict], int]
    work: Callable[[Employee | None, dict, Progress], dict]
    then: Callable[[Employee | None, dict, dict], None] | None = None  # after it is done: follow-up jobs
    subject: Callable[[str], tuple[str, dict]] = _month_subject  # what it is about, and its parameters


def _report(actor: Employee | None, params: dict, progress: Progress) -> dict:
    from attendance.services import reports, scores

    closed = scores.get_close(scoring.parse_month(params["month"])) is not None  # what the report will say
    paths = reports.generate(actor, params["month"], progress=progress)
    return {"files": [p.name for p in paths], "closed": closed}


def _report_steps(_params: dict) -> int:
    from attendance.services import reports

    return reports.report_steps()


def _close(actor: Employee | None, params: dict, progress: Progress) -> dict:
    from attendance.services import scores

    close = scores.close_month(actor, params["month"])
    progress("closed")
    # under pending_at_close "warn" the month closes with undecided nominations: the job says how many
    return {"staff": close.staff, "pending_nominations": getattr(close, "pending_nominations", 0)}


def _after_close(actor: Employee | None, params: dict, _result: dict) -> None:
    """A report made while the month was open says 未月结: make it again from the closed figures."""
    from attendance.services import reports

    if reports.report_files(params["month"]):
        submit(actor, "report", params["month"])


def _close_year(actor: Employee | None, params: dict, progress: Progress) -> dict:
    from attendance.services import year_review

    close = year_review.close_year(actor, params["year"])
    progress("closed")
    return {"staff": close.staff}


KINDS: dict[str, Kind] = {
    "report": Kind(_report_steps, _report),
    "month_close": Kind(lambda _params: 1, _close, _after_close),
    "year_close": Kind(lambda _params: 1, _close_year, subject=_year_subject),
}


def _check(viewer: Employee | None, kind: str) -> None:
    if viewer is not None and not allowed(viewer.roles, JOB_ACTIONS[kind]):
        raise NotFound(N_("no such job"))


@use_case
def submit(actor: Employee | None, kind: str, month_text: str) -> Job:
    """Ask for a job about a month (a year for a year close); it goes on the queue once this commits.
    :raise InvalidInput: a bad month, year or kind. :raise NotFound: ``actor`` may not do this kind of work."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown job kind {kind}")
    _check(actor, kind)
    month, params = KINDS[kind].subject(month_text)
    job = Job(kind=kind, subject=month, params=params, status="queued", total=KINDS[kind].steps(params),
              requested_by_id=actor.id if actor else None, requested_at=clock.now())
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.submit", "job", job.id, kind=kind, subject=month)
    job_id = job.id
    on_commit(lambda: task_queue.enqueue(job_id))
    return job


@use_case
def retry(actor: Employee | None, job_id: int) -> Job:
    """Ask again for what a failed job was asked to do. :raise NotFound: no such job within reach.
    :raise InvalidInput: the job has not failed."""
    old = get_job(actor, job_id)
    if old.status != "failed":
        raise InvalidInput(N_("only a failed job can be retried"), code="job_not_failed")
    job = submit(actor, old.kind, old.subject)
    job.retry_of_id = old.id
    return job


def get_job(viewer: Employee | None, job_id: int) -> Job:
    """:raise NotFound: no such job, or one of a kind ``viewer`` may not do."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(N_("no such job"))
    _check(viewer, job.kind)
    return job


def latest(kind: str, subject: str, *, status: str | None = None) -> Job | None:
    stmt = select(Job).where(Job.kind == kind, Job.subject == subject)
    if status:
        stmt = stmt.where(Job.status == status)
    return db.session.scalar(stmt.order_by(Job.id.desc()).limit(1))


# --- the worker's side -------------------------------------------------------------------------------


@use_case
def _claim(job_id: int) -> Job | None:
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.status != "queued":
        return None  # delivered twice, or already retried by hand: run once
    job.status, job.started_at, job.step = "running", clock.now(), ""
    return job


@use_case
def _advance(job_id: int, step: str) -> None:
    job = db.session.get(Job, job_id)
    job.done, job.step = job.done + 1, step[:64]


@use_case
def _finish(job_id: int, *, result: dict | None = None, error: str | None = None) -> None:
    job = db.session.get(Job, job_id)
    job.status = "failed" if error is not None else "done"
    job.result, job.error, job.finished_at = result, error, clock.now()
    if error is None:
        job.done = job.total


def run(job_id: int) -> None:
    """Run one job (the worker calls this with the id it was handed). Never raises: how it ended is
    written on the job."""
    job = _claim(job_id)
    if job is None:
        return
    kind, params = KINDS[job.kind], dict(job.params)
    actor = db.session.get(Employee, job.requested_by_id) if job.requested_by_id else None

    def progress(step: str) -> None:
        # Inside a use case the step cannot be committed on its own: it shows when the work ends.
        if not in_transaction():
            _advance(job_id, step)

    try:
        result = kind.work(actor, params, progress)
    except DomainError as exc:
        discard()
        _finish(job_id, error=_(exc.message))
        return
    except Exception as exc:  # noqa: BLE001 (a bug: said on the job, logged with its id)
        discard()
        error_id = uuid.uuid4().hex[:16]
        log.exception("job %s failed (error_id %s)", job_id, error_id)
        _finish(job_id, error=_("Unexpected error (%(kind)s: %(text)s); error id %(id)s.",
                                kind=type(exc).__name__, text=str(exc)[:300], id=error_id))
        return
    _finish(job_id, result=result)
    if kind.then is not None:
        with transaction():
            kind.then(actor, params, result)
