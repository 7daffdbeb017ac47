"""The task queue (Huey) that runs long work off the web request.

The queue carries only a job's id; the job's state lives in the ``jobs`` table (``services/jobs.py``), so
the queue can be lost or swapped without losing what the pages show. Which store carries the ids:

- ``TASK_QUEUE_URL`` unset: a SQLite file in the instance folder (``SqliteHuey``): no server to run,
  enough for one host (the web workers and ``flask --app attendance jobs worker`` share the file);
- ``TASK_QUEUE_URL=redis://host:6379/0``: Redis (``RedisHuey``), for several hosts sharing one queue;
- ``TASK_QUEUE_IMMEDIATE=1`` (the tests): each job runs at once, in the caller's thread (Huey's
  immediate mode), with no worker and no store.

A second task, ``send_outbox``, delivers the team robots' queued messages (``services.outbox.send_due``)
seconds after the transaction that queued them commits, instead of at the next run of the cron command.

While a job runs inside one transaction (an import: all of it or nothing), its progress cannot be committed
to the ``jobs`` table, so it is kept in the queue's own key-value store (``note_progress``) and read from
there by the pages until the job ends.

The runners (``services.jobs.run``, ``services.outbox.send_due``) are handed in by the app factory, so this
infrastructure module does not import the services above it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

EXTENSION = "task_queue"


class TaskQueue:
    """One app's queue: the Huey instance (made on first use) and its one task, ``run_job(job_id)``."""

    def __init__(self, app: Flask, runner: Callable[[int], None], sender: Callable[[], object] | None = None):
        self.app = app
        self.runner = runner
        self.sender = sender
        self._huey = None
        self._task = None
        self._send_task = None

    @property
    def huey(self):
        if self._huey is None:
            self._huey = _make_huey(self.app)
            self._task = self._huey.task(name="run_job")(self._run)
            self._send_task = self._huey.task(name="send_outbox")(self._send)
        return self._huey

    def _run(self, job_id: int) -> None:
        # A fresh app context per job: its own database session, whether on the worker's thread or
        # (immediate mode) inside the request that asked for it.
        with self.app.app_context():
            self.runner(job_id)

    def _send(self) -> None:
        if self.sender is not None:
            with self.app.app_context():
                self.sender()

    def send_outbox(self) -> None:
        self.huey  # noqa: B018 (makes the task)
        self._send_task()

    def note_progress(self, job_id: int, value: tuple) -> None:
        self.huey.put(f"progress:{job_id}", value)

    def progress(self, job_id: int) -> tuple | None:
        return self.huey.get(f"progress:{job_id}", peek=True)

    def forget_progress(self, job_id: int) -> None:
        self.huey.delete(f"progress:{job_id}")

    def describe(self) -> str:
        storage = self.huey.storage
        return f"{type(self.huey).__name__} ({getattr(storage, 'filename', None) or 'Redis'})"

    def enqueue(self, job_id: int) -> None:
        self.huey  # noqa: B018 (makes the task)
        self._task(job_id)


def _make_huey(app: Flask):
    from huey import RedisHuey, SqliteHuey

    url = (app.config.get("TASK_QUEUE_URL") or "").strip()
    immediate = bool(app.config.get("TASK_QUEUE_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey("attendance", url=url, immediate=immediate)
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
    elif url:
        raise ValueError(f"TASK_QUEUE_URL must be redis://… or sqlite:///…, not {url!r}")
    else:
        filename = str(Path(app.instance_path) / "task-queue.sqlite3")
    Path(filename).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("attendance", filename=filename, immediate=immediate)


def init_app(app: Flask, runner: Callable[[int], None], sender: Callable[[], object] | None = None) -> None:
    app.extensions[EXTENSION] = TaskQueue(app, runner, sender)


def enqueue(job_id: int) -> None:
    """Hand the job to the worker (or, in immediate mode, run it now)."""
    current_app.extensions[EXTENSION].enqueue(job_id)


def send_outbox() -> None:
    """Have the worker deliver the outbox now (in immediate mode: here, at once)."""
    current_app.extensions[EXTENSION].send_outbox()


def note_progress(job_id: int, value: tuple) -> None:
    """How far a job has got, where every host sees it while the job's own transaction is still open."""
    current_app.extensions[EXTENSION].note_progress(job_id, value)


def progress(job_id: int) -> tuple | None:
    return current_app.extensions[EXTENSION].progress(job_id)


def forget_progress(job_id: int) -> None:
    current_app.extensions[EXTENSION].forget_progress(job_id)


def queue_for(app: Flask) -> TaskQueue:
    return app.extensions[EXTENSION]
