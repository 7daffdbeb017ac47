"""Background jobs (services/jobs.py): progress committed step by step, a failure recorded with its reason,
a retry as a new job, who may see a job, and the real queue (SqliteHuey) carrying a job to a worker."""

from __future__ import annotations

import pytest

from attendance.domain.errors import InvalidInput, NotFound, RuleRefused
from attendance.extensions import db
from attendance.models import Job
from attendance.services import jobs
from attendance.task_queue import queue_for
from tests.conftest import make_person, make_team
from tests.services.test_scores import attend, last_month


@pytest.fixture
def hr(app):
    team = make_team("T1", "热线一组")
    attend(make_person(["staff"], team, name="张丽"), last_month())
    return make_person(["hr"], name="周人事")


@pytest.fixture
def fake_kind(monkeypatch):
    """A job kind whose work the test writes: ``seen`` gets the job's committed step count at each step."""
    calls = {"fail": None, "seen": []}

    def work(_actor, params, progress):
        for step in ("one", "two"):
            progress(step)
            with db.engine.connect() as other:  # another connection: only what was committed
                calls["seen"].append(other.scalar(db.select(Job.done).where(Job.subject == params["month"])))
        if calls["fail"] is not None:
            raise calls["fail"]
        return {"made": params["month"]}

    monkeypatch.setitem(jobs.KINDS, "report", jobs.Kind(lambda _params: 3, work))
    return calls


def test_a_job_commits_each_step_so_any_host_sees_its_progress(hr, fake_kind):
    job = jobs.submit(hr, "report", "2026-10")  # tests run jobs at once (immediate mode)
    db.session.refresh(job)
    assert fake_kind["seen"] == [1, 2]
    assert (job.status, job.done, job.total, job.percent, job.result) == ("done", 3, 3, 100, {"made": "2026-10"})
    assert job.requested_by_id == hr.id and job.started_at is not None and job.finished_at is not None


def test_a_failed_job_says_why_and_a_retry_is_a_new_job_that_keeps_the_failed_one(hr, fake_kind):
    fake_kind["fail"] = RuntimeError("the disk is full")
    failed = jobs.submit(hr, "report", "2026-10")
    db.session.refresh(failed)
    assert failed.status == "failed" and "the disk is full" in failed.error and "RuntimeError" in failed.error
    assert failed.done == 2  # how far it got
    fake_kind["fail"] = None
    again = jobs.retry(hr, failed.id)
    db.session.refresh(again)
    db.session.refresh(failed)
    assert (again.status, again.retry_of_id, failed.status) == ("done", failed.id, "failed")
    with pytest.raises(InvalidInput):
        jobs.retry(hr, again.id)  # only a failed job


def test_a_refusal_by_rule_is_the_reason_given(hr, fake_kind):
    fake_kind["fail"] = RuleRefused("a month can be closed once it has ended", code="month_not_over")
    job = jobs.submit(hr, "report", "2026-10")
    db.session.refresh(job)
    assert job.status == "failed" and job.error in ("a month can be closed once it has ended", "月份结束后才能月结")


def test_a_job_is_seen_only_by_who_may_do_that_kind_of_work(hr, fake_kind):
    job = jobs.submit(hr, "report", "2026-10")
    lead = make_person(["lead"], name="组长")
    with pytest.raises(NotFound):
        jobs.get_job(lead, job.id)
    with pytest.raises(NotFound):
        jobs.submit(lead, "month_close", "2026-10")
    with pytest.raises(InvalidInput):
        jobs.submit(hr, "report", "2026-13")
    assert jobs.get_job(hr, job.id).id == job.id


def test_the_report_job_writes_the_files_and_says_whether_the_month_was_closed(hr):
    month = "2026-10"
    job = jobs.submit(hr, "report", month)
    db.session.refresh(job)
    assert job.status == "done", job.error
    assert f"report-{month}.pdf" in job.result["files"] and job.result["closed"] is False
    assert job.done == job.total > 5


def test_closing_a_month_as_a_job_makes_a_report_made_before_it_again(hr):
    month = "2026-10"
    jobs.submit(hr, "report", month)
    close = jobs.submit(hr, "month_close", month)
    db.session.refresh(close)
    assert close.status == "done" and close.result["staff"] >= 1
    report = jobs.latest("report", month, status="done")
    assert report.id > close.id and report.result["closed"] is True


@pytest.fixture
def real_queue(app, tmp_path):
    """The queue as production has it (SqliteHuey in a file, no worker running) instead of immediate mode;
    ``work()`` runs the next queued job as ``flask jobs worker`` would."""
    queue = queue_for(app)
    saved = (queue._huey, queue._task, dict(app.config), queue._send_task)
    app.config.update(TASK_QUEUE_IMMEDIATE=False, TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    queue._huey = queue._task = queue._send_task = None

    def work():
        db.session.commit()  # the worker is another connection: end this test's read
        queue.huey.execute(queue.huey.dequeue())

    queue.work = work
    yield queue
    queue._huey, queue._task, queue._send_task = saved[0], saved[1], saved[3]
    del queue.work
    app.config.clear()
    app.config.update(saved[2])


def test_without_a_worker_the_job_waits_on_the_queue_and_a_worker_runs_it(hr, fake_kind, real_queue):
    queue = real_queue
    if True:
        job = jobs.submit(hr, "report", "2026-10")
        db.session.refresh(job)
        assert job.status == "queued" and queue.huey.pending_count() == 1
        db.session.commit()  # the worker is another connection: end this test's read
        queue.huey.execute(queue.huey.dequeue())  # what `flask jobs worker` does with each id
        db.session.refresh(job)
        assert job.status == "done" and queue.huey.pending_count() == 0
        db.session.commit()
        queue.huey.execute(queue.huey.enqueue(queue._task.s(job.id)) and queue.huey.dequeue())
        db.session.refresh(job)
        assert job.status == "done" and fake_kind["seen"] == [1, 2]  # delivered twice: run once
