"""The task queue (Huey) that runs long work off the web request.

The queue carries only a job's id; the job's state lives in the ``jobs`` table (``services/jobs.py``), so
the queue can be lost or swapped without losing what the pages show. Which store carries the ids:

- ``TASK_QUEUE_URL`` unset: a SQLite file in the instance folder (``SqliteHuey``): no server to run,
  enough for one host (the web workers and ``flask --app attendance jobs worker`` share the file);
- ``TASK_QUEUE_URL=redis://host:6379/0``: Redis (``RedisHuey``), for several hosts sharing one queue;
- ``TASK_QUEUE_IMMEDIATE=1`` (the tests): each job runs at once, in the caller's thread (Huey's
  immediate mode), with no worker and no store.

The runner (``services.jobs.run``) is handed in by the app factory, so this infrastructure module does
not import the services above it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

EXTENSION = "task_queue"


class TaskQueue:
    """One app's queue: the Huey instance (made on first use) and its one task, ``run_job(job_id)``."""

    def __init__(self, app: Flask, runner: Callable[[int], None]):
        self.app = app
        self.runner = runner
        self._huey = None
        self._task = None

    @property
    def huey(self):
        if self._huey is None:
            self._huey = _make_huey(self.app)
            self._task = self._huey.task(name="run_job")(self._run)
        return self._huey

    def _run(self, job_id: int) -> None:
        # A fresh app context per job: its own database session, whether on the worker's thread or
        # (immediate mode) inside the request that asked for it.
        with self.app.app_context():
            self.runner(job_id)

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


def init_app(app: Flask, runner: Callable[[int], None]) -> None:
    app.extensions[EXTENSION] = TaskQueue(app, runner)


def enqueue(job_id: int) -> None:
    """Hand the job to the worker (or, in immediate mode, run it now)."""
    current_app.extensions[EXTENSION].enqueue(job_id)


def queue_for(app: Flask) -> TaskQueue:
    return app.extensions[EXTENSION]
