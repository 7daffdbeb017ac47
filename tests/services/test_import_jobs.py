"""Large imports as background jobs (services/jobs.py with services/people.py and services/punches.py): the
file waits on the job, progress is counted in lines, the result is the same report as an import in the
request, a failed import says why and is retried with the same file, and the file is not kept once done."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from attendance.domain.errors import InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import Employee, Job, Punch
from attendance.services import jobs, people, punches
from attendance.task_queue import queue_for
from tests.conftest import make_person, make_team
from tests.services.test_jobs import real_queue  # noqa: F401 (the fixture)

HEADER = "employee_no,name,team,roles\n"


def people_csv(n: int, *, bad: dict[int, str] | None = None) -> str:
    """``n`` people E5001…; ``bad`` replaces the data line numbered (1-based, header excluded) with text."""
    lines = [f"E{5000 + i},员工{i},T1,staff" for i in range(1, n + 1)]
    for i, text in (bad or {}).items():
        lines[i - 1] = text
    return HEADER + "\n".join(lines) + "\n"


def punch_csv(people_nos: list[str], days: int) -> str:
    rows = ["工号,打卡时间,方向"]
    for day in range(1, days + 1):
        for no in people_nos:
            rows += [f"{no},2026-10-{day:02d} 08:5{day % 10},上班", f"{no},2026-10-{day:02d} 18:0{day % 10},下班"]
    return "\n".join(rows) + "\n"


@pytest.fixture
def hr(app):
    make_team("T1", "热线一组")
    return make_person(["hr"], name="周人事")


def _count() -> int:
    return db.session.scalar(select(func.count(Employee.id)))


def _fresh(job: Job) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job.id)


def test_a_large_file_runs_as_a_job_and_a_small_one_does_not(app):
    app.config["IMPORT_INLINE_MAX_LINES"] = 3
    assert not jobs.runs_as_job(people_csv(2))  # header + 2 lines
    assert jobs.runs_as_job(people_csv(3))
    assert not jobs.runs_as_job(people_csv(2) + "\n\n  \n")  # blank lines do not count
    app.config["IMPORT_INLINE_MAX_LINES"] = 200
    assert jobs.count_lines(people_csv(250)) == 251 and jobs.runs_as_job(people_csv(250))


def test_an_import_job_adds_everyone_counts_lines_and_forgets_the_file(hr):
    before = _count()
    job = _fresh(jobs.submit_import(hr, "people_import", people_csv(120), name="新员工.csv"))
    assert (job.status, job.kind, job.subject, job.requested_by_id) == ("done", "people_import", "新员工.csv", hr.id)
    assert _count() == before + 120
    assert job.result["committed"] is True and len(job.result["imported"]) == 120 and job.result["rejected"] == []
    assert (job.done, job.total, job.percent) == (job.total, 121, 100)
    assert job.payload is None  # an employee file may hold first passwords: not kept once done


def test_progress_is_noted_in_lines_where_every_host_reads_it_while_the_import_runs(app, hr, monkeypatch):
    queue = queue_for(app)
    noted, seen = [], []
    original = queue.note_progress

    def spy(job_id, value):
        original(job_id, value)
        noted.append(value)
        seen.append(jobs.state(db.session.get(Job, job_id)))  # what a page polling now is told

    monkeypatch.setattr(queue, "note_progress", spy)
    monkeypatch.setattr(jobs, "NOTE_EVERY", 0)  # every report noted (a worker notes at most twice a second)
    job = _fresh(jobs.submit_import(hr, "people_import", people_csv(120)))
    assert job.status == "done"
    checking = [(done, total) for step, done, total in noted if step == "checking"]
    adding = [(done, total) for step, done, total in noted if step == "adding"]
    assert checking == [(50, 120), (100, 120), (120, 120)]
    assert adding[0] == (10, 120) and adding[-1] == (120, 120) and len(adding) == 12
    assert seen[0]["status"] == "running" and (seen[0]["done"], seen[0]["total"], seen[0]["step"]) == (
        50, 120, "checking") and seen[0]["percent"] == 41
    assert queue.progress(job.id) is None  # forgotten once the job has ended: the row says the rest


def test_a_worker_notes_progress_at_most_twice_a_second_and_at_each_new_step(app, hr, monkeypatch):
    queue = queue_for(app)
    noted = []
    monkeypatch.setattr(queue, "note_progress", lambda job_id, value: noted.append(value))
    monkeypatch.setattr(jobs, "NOTE_EVERY", 3600)
    assert _fresh(jobs.submit_import(hr, "people_import", people_csv(120))).status == "done"
    assert [step for step, _done, _total in noted] == ["checking", "adding"]


def test_a_file_with_bad_lines_imports_nothing_and_the_job_lists_every_bad_line_as_the_request_would(hr):
    text = people_csv(30, bad={3: "E5003,,T1,staff", 7: "E5007,某人,T9,staff", 12: "E5001,重复,T1,staff",
                               20: f"{hr.employee_no},已有,T1,staff"})
    before = _count()
    job = _fresh(jobs.submit_import(hr, "people_import", text, name="bad.csv"))
    assert job.status == "failed" and "4" in job.error and _count() == before
    in_request = people.import_employees(hr, text)  # the same file in the request: the same report
    assert not in_request.committed and _count() == before
    assert job.result["rejected"] == [{"line": r.line, "reason": r.reason, "problems": [list(p) for p in r.problems]}
                                      for r in in_request.rejected]
    assert [r["line"] for r in job.result["rejected"]] == [4, 8, 13, 21]
    assert job.result["rejected"][3]["reason"] == "employee_no: already exists"
    report = jobs.import_report(job)
    assert [(r.line, r.problems) for r in report.rejected] == [(r.line, r.problems) for r in in_request.rejected]
    assert job.payload == text  # kept for the retry

    make_team("T9", "新组")  # the unknown team now exists; the other two lines are still bad
    again = _fresh(jobs.retry(hr, job.id))
    assert again.status == "failed" and [r["line"] for r in again.result["rejected"]] == [4, 13, 21]
    assert again.retry_of_id == job.id and _fresh(job).payload is None  # the file moved to the retry


def test_skip_errors_imports_the_good_lines_of_a_large_file(hr):
    text = people_csv(30, bad={5: "E5005,,T1,staff"})
    before = _count()
    job = _fresh(jobs.submit_import(hr, "people_import", text, skip_errors=True))
    assert job.status == "done" and job.params["skip_errors"] is True
    assert _count() == before + 29 and [r["line"] for r in job.result["rejected"]] == [6]


def test_an_unexpected_failure_says_why_keeps_the_file_and_the_retry_imports_it(hr, monkeypatch):
    real = people.import_employees

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(people, "import_employees", broken)
    before = _count()
    job = _fresh(jobs.submit_import(hr, "people_import", people_csv(20)))
    assert job.status == "failed" and "disk full" in job.error and "OSError" in job.error
    assert _count() == before and job.payload is not None
    monkeypatch.setattr(people, "import_employees", real)
    again = _fresh(jobs.retry(hr, job.id))
    assert again.status == "done" and _count() == before + 20
    with pytest.raises(InvalidInput) as refused:
        jobs.retry(hr, again.id)  # done: nothing to retry
    assert refused.value.code == "job_not_failed"
    with pytest.raises(InvalidInput) as gone:
        jobs.retry(hr, job.id)  # its file went with the first retry
    assert gone.value.code == "job_file_gone"


def test_the_punch_import_job_reports_what_the_request_would(hr):
    staff = [make_person(["staff"], name=f"坐席{i}") for i in range(3)]
    text = punch_csv([p.employee_no for p in staff], 10) + "X999,2026-10-01 08:00,上班\nE0001,soon,上班\n"
    job = _fresh(jobs.submit_import(hr, "punch_import", text, name="clock.csv"))
    assert job.status == "done", job.error
    assert job.result["imported"] == 60 and job.result["duplicates"] == 0
    assert [r["line"] for r in job.result["rejected"]] == [62, 63]
    assert job.result["rejected"][0]["reason"] == "employee_no: unknown employee X999"
    assert db.session.scalar(select(func.count(Punch.id))) == 60 and job.payload is None
    second = punches.import_punches(hr, text)  # the same file again, in the request: nothing new
    assert second.imported == 0 and len(second.duplicates) == 60
    report = jobs.import_report(job)
    assert report.imported == 60 and report.rejected == [(62, "employee_no: unknown employee X999"),
                                                         (63, second.rejected[1][1])]


def test_an_empty_punch_file_fails_with_the_reason(hr):
    job = _fresh(jobs.submit_import(hr, "punch_import", "", name="empty.csv"))
    assert job.status == "failed" and job.error in ("the file is empty", "文件是空的")


def test_only_who_may_import_asks_for_or_sees_an_import_job(hr):
    lead = make_person(["lead"], name="组长")
    supervisor = make_person(["supervisor"], name="主管")
    with pytest.raises(NotFound):
        jobs.submit_import(lead, "people_import", people_csv(3))
    with pytest.raises(NotFound):
        jobs.submit_import(supervisor, "people_import", people_csv(3))  # punches yes, people no
    job = jobs.submit_import(supervisor, "punch_import", "工号,打卡时间\n")
    with pytest.raises(NotFound):
        jobs.get_job(lead, job.id)
    assert jobs.get_job(hr, job.id).id == job.id
    with pytest.raises(InvalidInput):
        jobs.submit_import(hr, "report", "2026-10")
    with pytest.raises(InvalidInput):
        jobs.submit(hr, "people_import", "2026-10")


def test_without_a_worker_the_import_waits_and_the_worker_runs_it_and_the_outbox_task(hr, real_queue):  # noqa: F811
    queue = real_queue
    before = _count()
    job = jobs.submit_import(hr, "people_import", people_csv(10))
    db.session.refresh(job)
    assert job.status == "queued" and job.payload is not None and _count() == before
    state = jobs.state(job)
    assert (state["status"], state["percent"], state["done"], state["total"]) == ("queued", 0, 0, 11)
    queue.work()
    assert _fresh(job).status == "done" and _count() == before + 10
    queue.send_outbox()  # the robots' delivery goes on the same queue
    assert queue.huey.pending_count() == 1
    queue.work()  # nothing due: it sends nothing, and fails nothing
    assert queue.huey.pending_count() == 0
