"""Long work off the web request: the monthly report, closing a month, and large imports (people, punches),
run by the task queue's worker.

A page asks (``submit``): a ``jobs`` row is written and, once that commits, its id goes on the queue
(``attendance.task_queue``); the page answers at once and polls the row (``GET /jobs/<id>``). The worker
calls ``run``: it marks the row running, calls the same service use case the CLI calls, with a
progress callback that commits each step in its own short transaction (so every host sees it), and
ends with ``done`` and what was made, or ``failed`` and why. A failed job is retried as a new job
(``retry``), the failed one kept as it was.

An import is one use case (all of it or, for people with bad lines, nothing), so its progress cannot be
committed as it goes: it is noted in the queue's store (``task_queue.note_progress``), which every host
reads, and ``state`` shows it while the job runs. The uploaded text waits on the job (``Job.payload``)
and is dropped once the job is done; a failed import keeps it for the retry, which takes it over.

Who may see or retry a job is the permission table's action for its kind (``JOB_ACTIONS``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from attendance import clock, task_queue
from attendance.domain import scoring
from attendance.domain.errors import N_, DomainError, InvalidInput, NotFound
from attendance.domain.permissions import JOB_ACTIONS, allowed
from attendance.extensions import db
from attendance.labels import translated
from attendance.models import Employee, Job
from attendance.services import audit
from attendance.services.transaction import discard, in_transaction, on_commit, transaction, use_case

log = logging.getLogger(__name__)
# progress(step) counts one more step; progress(step, done, total) says how far, in lines for an import
Progress = Callable[..., None]
IMPORT_KINDS = ("people_import", "punch_import")
DEFAULT_INLINE_MAX_LINES = 200
NOTE_EVERY = 0.5  # seconds between two notes of an import's progress in the queue's store (each is a write)


class Unfinished(DomainError):
    """The work ended without doing what was asked, and has a result to show (the bad lines of an import
    that imported nothing): the job is ``failed`` with this reason, and keeps the result."""

    def __init__(self, message: str, result: dict):
        super().__init__(message, code="job_unfinished")
        self.result = result


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


def _people_import(actor: Employee | None, params: dict, progress: Progress) -> dict:
    from attendance.services import people

    report = people.import_employees(actor, params["text"], skip_errors=bool(params.get("skip_errors")),
                                     progress=progress)
    result = {"imported": report.imported, "committed": report.committed,
              "rejected": [{"line": r.line, "reason": r.reason, "problems": [list(p) for p in r.problems]}
                           for r in report.rejected]}
    if not report.committed:
        raise Unfinished(N_("Nothing was imported: the file has %(n)s bad lines.", n=len(report.rejected)), result)
    return result


def _punch_import(actor: Employee | None, params: dict, progress: Progress) -> dict:
    from attendance.services import punches

    report = punches.import_punches(actor, params["text"], progress=progress)
    return {"imported": report.imported, "duplicates": len(report.duplicates),
            "duplicate_lines": report.duplicates, "evaluated": report.evaluated,
            "rejected": [{"line": line, "reason": why} for line, why in report.rejected]}


def import_report(job: Job):
    """A finished import job's result as the report the import returns in the request (the same page shows
    both); None while it runs, or when it failed before it had a report."""
    from attendance.services import people, punches

    result = job.result or {}
    if job.kind == "people_import" and "rejected" in result:
        return people.ImportReport(
            imported=list(result.get("imported") or []), committed=bool(result.get("committed")),
            rejected=[people.RejectedLine(r["line"], [tuple(p) for p in r["problems"]]) for r in result["rejected"]])
    if job.kind == "punch_import" and "rejected" in result:
        return punches.PunchImportReport(
            imported=result["imported"], duplicates=list(result["duplicate_lines"]),
            rejected=[(r["line"], r["reason"]) for r in result["rejected"]], evaluated=result["evaluated"])
    return None


def _lines(params: dict) -> int:
    return max(params.get("lines", 1), 1)


def _close_year(actor: Employee | None, params: dict, progress: Progress) -> dict:
    from attendance.services import year_review

    close = year_review.close_year(actor, params["year"])
    progress("closed")
    return {"staff": close.staff}


KINDS: dict[str, Kind] = {
    "report": Kind(_report_steps, _report),
    "month_close": Kind(lambda _params: 1, _close, _after_close),
    "people_import": Kind(_lines, _people_import),
    "punch_import": Kind(_lines, _punch_import),
    "year_close": Kind(lambda _params: 1, _close_year, subject=_year_subject),
}


def count_lines(text: str) -> int:
    """The file's lines that hold anything (the header included): what decides whether it waits."""
    return sum(1 for line in text.splitlines() if line.strip())


def runs_as_job(text: str) -> bool:
    """Whether an import of ``text`` is large enough to run as a background job (``IMPORT_INLINE_MAX_LINES``):
    a small one runs in the request, so the page shows its problems at once."""
    return count_lines(text) > int(current_app.config.get("IMPORT_INLINE_MAX_LINES", DEFAULT_INLINE_MAX_LINES))


def _check(viewer: Employee | None, kind: str) -> None:
    if viewer is not None and not allowed(viewer.roles, JOB_ACTIONS[kind]):
        raise NotFound(N_("no such job"))


@use_case
def submit(actor: Employee | None, kind: str, month_text: str) -> Job:
    """Ask for a job about a month (a year for a year close); it goes on the queue once this commits.
    :raise InvalidInput: a bad month, year or kind. :raise NotFound: ``actor`` may not do this kind of work."""
    if kind not in KINDS or kind in IMPORT_KINDS:
        raise InvalidInput(f"unknown job kind {kind}")
    _check(actor, kind)
    subject, params = KINDS[kind].subject(month_text)
    return _queue(actor, kind, subject, params)


@use_case
def submit_import(actor: Employee | None, kind: str, text: str, *, name: str = "",
                  skip_errors: bool = False) -> Job:
    """Ask for a large import (``people_import``, ``punch_import``) of the file's ``text`` (decoded); it goes
    on the queue once this commits. :raise NotFound: ``actor`` may not import this."""
    if kind not in IMPORT_KINDS:
        raise InvalidInput(f"unknown import kind {kind}")
    _check(actor, kind)
    params = {"lines": count_lines(text), "skip_errors": bool(skip_errors)} if kind == "people_import" else {
        "lines": count_lines(text)}
    return _queue(actor, kind, (name or kind)[-64:], params, payload=text)


def _queue(actor: Employee | None, kind: str, subject: str, params: dict, payload: str | None = None) -> Job:
    job = Job(kind=kind, subject=subject, params=params, status="queued", total=KINDS[kind].steps(params),
              requested_by_id=actor.id if actor else None, requested_at=clock.now(), payload=payload)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.submit", "job", job.id, kind=kind, subject=subject)
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
    if old.kind in IMPORT_KINDS:
        if old.payload is None:
            raise InvalidInput(N_("this import's file is no longer kept: upload it again"), code="job_file_gone")
        job = _queue(actor, old.kind, old.subject, dict(old.params), payload=old.payload)
        old.payload = None  # one copy of the file: the retry holds it now
    else:
        job = submit(actor, old.kind, old.subject)
    job.retry_of_id = old.id
    return job


def state(job: Job) -> dict:
    """What a page shows of a job: while it runs inside one transaction (an import), the progress noted in
    the queue's store; otherwise what the row says."""
    done, total, step = job.done, job.total, job.step
    if job.status == "running":
        try:
            noted = task_queue.progress(job.id)
        except Exception:  # noqa: BLE001 (the queue's store unreachable: show what the row says)
            log.warning("cannot read job %s's progress from the queue", job.id, exc_info=True)
            noted = None
        if noted:
            step, done, total = noted
    if job.status == "done":
        percent = 100
    else:
        percent = int(100 * min(done, total) / total) if total else 0
    return {"id": job.id, "kind": job.kind, "subject": job.subject, "status": job.status, "percent": percent,
            "done": done, "total": total, "step": step, "error": job.error, "finished": job.finished,
            "result": job.result}


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
def _advance(job_id: int, step: str, done: int, total: int) -> None:
    job = db.session.get(Job, job_id)
    job.done, job.total, job.step = done, max(total, 1), step[:64]


@use_case
def _finish(job_id: int, *, result: dict | None = None, error: str | None = None) -> None:
    job = db.session.get(Job, job_id)
    job.status = "failed" if error is not None else "done"
    job.result, job.error, job.finished_at = result, error, clock.now()
    if error is None:
        job.done = job.total
        job.payload = None  # done with the file (it may hold first passwords): not kept
    _forget(job_id)


def _forget(job_id: int) -> None:
    try:
        task_queue.forget_progress(job_id)
    except Exception:  # noqa: BLE001 (only a stale note left behind; the row says how it ended)
        log.warning("cannot clear job %s's progress in the queue", job_id, exc_info=True)


def run(job_id: int) -> None:
    """Run one job (the worker calls this with the id it was handed). Never raises: how it ended is
    written on the job."""
    job = _claim(job_id)
    if job is None:
        return
    kind, params = KINDS[job.kind], dict(job.params)
    if job.kind in IMPORT_KINDS:
        params["text"] = job.payload or ""
    actor = db.session.get(Employee, job.requested_by_id) if job.requested_by_id else None
    reached = {"done": 0, "total": job.total, "noted": 0.0, "step": ""}

    def progress(step: str, done: int | None = None, total: int | None = None) -> None:
        reached["done"] = reached["done"] + 1 if done is None else done
        if total is not None:
            reached["total"] = total
        if not in_transaction():
            _advance(job_id, step, reached["done"], reached["total"])
            return
        # Inside a use case the step cannot be committed on its own: noted in the queue's store instead,
        # at most every NOTE_EVERY seconds (and at each new step), which is all a page polling it can show.
        now = time.monotonic()
        if step == reached["step"] and now - reached["noted"] < NOTE_EVERY:
            return
        reached["noted"], reached["step"] = now, step
        try:
            task_queue.note_progress(job_id, (step[:64], reached["done"], max(reached["total"], 1)))
        except Exception:  # noqa: BLE001 (progress is a courtesy: the work goes on without it)
            log.warning("cannot note job %s's progress in the queue", job_id, exc_info=True)

    try:
        result = kind.work(actor, params, progress)
    except Unfinished as exc:
        discard()
        _finish(job_id, error=translated(exc.message), result=exc.result)
        return
    except DomainError as exc:
        discard()
        _finish(job_id, error=translated(exc.message))
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
