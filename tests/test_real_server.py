"""The real server: gunicorn with two worker processes on the test's database (the default SQLite file, or
PostgreSQL when DATABASE_URL says so), hit by many clients at the same moment.

Threads in one process (tests/services/test_discipline_concurrency.py) share a Python interpreter; here two
processes each hold their own connection pool, as in production, so only what the database enforces holds.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from attendance import clock
from attendance.extensions import db
from attendance.models import IdempotencyRecord, LedgerEntry, Violation
from tests.conftest import PASSWORD, make_person, make_team

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app):
    """gunicorn -w 2 serving the app against the test's database; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": app.config["SECRET_KEY"], "PYTHONPATH": str(ROOT)}
    db.session.commit()
    db.session.close()  # on SQLite the server's workers need the write lock
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "attendance:create_app()"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()


def _token(base: str, username: str) -> dict:
    answer = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                           timeout=10)
    assert answer.status_code == 201, answer.text
    return {"Authorization": "Bearer " + answer.json()["token"]}


def _all_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        results[i] = job()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def floor(app):
    team = make_team("T1", "热线一组")
    leads = [make_person(["lead", "staff"], team) for _ in range(4)]
    staff = make_person(["staff"], team)
    return {"leads": [p.username for p in leads], "staff_no": staff.employee_no, "staff_id": staff.id}


def test_sixteen_violations_at_once_on_two_workers_are_numbered_1_to_16(app, floor, server):
    headers = [_token(server, floor["leads"][i % 4]) for i in range(16)]
    at = (clock.now() - timedelta(hours=1)).isoformat()
    body = {"employee_no": floor["staff_no"], "rule": "OFF_TASK", "occurred_at": at}
    answers = _all_at_once([lambda h=h: requests.post(f"{server}/api/v1/violations", json=body, headers=h,
                                                      timeout=60) for h in headers])
    assert [a.status_code for a in answers] == [201] * 16, [a.text for a in answers if a.status_code != 201]
    assert sorted(a.json()["occurrence"] for a in answers) == list(range(1, 17))
    stored = db.session.scalars(select(Violation.occurrence).where(Violation.employee_id == floor["staff_id"]))
    assert sorted(stored) == list(range(1, 17))


def test_eight_posts_with_one_idempotency_key_store_one_violation_and_one_fine(app, floor, server):
    headers = {**_token(server, floor["leads"][0]), "Idempotency-Key": "complaint-7f3a"}
    body = {"employee_no": floor["staff_no"], "rule": "COMPLAINT",
            "occurred_at": (clock.now() - timedelta(hours=1)).isoformat()}
    answers = _all_at_once([lambda: requests.post(f"{server}/api/v1/violations", json=body, headers=headers,
                                                  timeout=60)] * 8)
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
