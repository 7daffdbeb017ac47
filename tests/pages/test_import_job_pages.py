"""Pages: a large people or punch file is imported by a background job; the import page shows its progress
while it runs, then the report with every bad line, or why it failed and a retry button."""

from __future__ import annotations

import io
import re

import pytest

from attendance.extensions import db
from attendance.models import Job
from attendance.services import jobs
from attendance.task_queue import queue_for
from tests.conftest import login, make_person, make_team
from tests.services.test_import_jobs import people_csv, punch_csv
from tests.services.test_jobs import real_queue  # noqa: F401 (the fixture)


@pytest.fixture
def world(app):
    app.config["IMPORT_INLINE_MAX_LINES"] = 5
    team = make_team("T1", "热线一组")
    return {"hr": make_person(["hr"], name="周人事"), "lead": make_person(["lead", "staff"], team, name="李强"),
            "supervisor": make_person(["supervisor"], name="主管"), "staff": make_person(["staff"], team, name="张丽")}


def _upload(client, url, text, **data):
    return client.post(url, data={"file": (io.BytesIO(text.encode("gb18030")), "名单.csv"), **data},
                       content_type="multipart/form-data")


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    found = re.search(r"[?&]job=(\d+)#job$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def test_a_large_people_file_runs_as_a_job_and_the_page_shows_its_report(client, world):
    login(client, world["hr"])
    response = _upload(client, "/employees/import", people_csv(12))
    job_id = _job_id(response)
    page = client.get(f"/employees/import?job={job_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-job-status="done"' in html and "data-job-poll" not in html  # ended: no polling
    assert "名单.csv" in html and "已导入 12 名员工" in html


def test_a_large_file_with_bad_lines_shows_every_bad_line_why_it_failed_and_a_retry(client, world):
    login(client, world["hr"])
    text = people_csv(12, bad={2: "E5002,,T1,staff", 9: "E5009,某人,T9,staff"})
    job_id = _job_id(_upload(client, "/employees/import", text))
    html = client.get(f"/employees/import?job={job_id}").get_data(as_text=True)
    assert 'data-job-status="failed"' in html and "data-job-error" in html
    assert "什么也没有导入" in html or "未导入" in html, html
    rows = re.findall(r"<tr><td>(\d+)</td>", html)
    assert rows == ["3", "10"]  # every bad line, by its line in the file
    assert f'action="/scores/jobs/{job_id}/retry"' in html
    make_team("T9", "新组")
    retried = client.post(f"/scores/jobs/{job_id}/retry")
    new_id = _job_id(retried)
    assert new_id != job_id and "/employees/import?job=" in retried.headers["Location"]
    html = client.get(f"/employees/import?job={new_id}").get_data(as_text=True)
    assert 'data-job-status="failed"' in html and re.findall(r"<tr><td>(\d+)</td>", html) == ["3"]


def test_a_large_punch_file_shows_the_report_with_each_rejected_line(client, world):
    login(client, world["supervisor"])
    text = punch_csv([world["staff"].employee_no], 5) + "X999,2026-10-01 08:00,上班\n"
    job_id = _job_id(_upload(client, "/punches/import", text))
    html = client.get(f"/punches/import?job={job_id}").get_data(as_text=True)
    assert 'data-job-status="done"' in html
    assert "employee_no: unknown employee X999" in html and re.findall(r"<tr><td>(\d+)</td>", html) == ["12"]


def test_while_it_waits_and_runs_the_page_shows_progress_in_lines_and_polls(app, client, world, real_queue):  # noqa: F811
    login(client, world["hr"])
    job_id = _job_id(_upload(client, "/employees/import", people_csv(120)))
    html = client.get(f"/employees/import?job={job_id}").get_data(as_text=True)
    assert f'data-job-poll="/scores/jobs/{job_id}"' in html and 'data-job-status="queued"' in html
    assert re.search(r"data-job-waiting>", html)  # the hint about the worker, shown while queued
    # the worker has started it and got to line 50 of the check (noted in the queue's store)
    job = db.session.get(Job, job_id)
    job.status = "running"
    db.session.commit()
    queue_for(app).note_progress(job_id, ("checking", 50, 120))
    html = client.get(f"/employees/import?job={job_id}").get_data(as_text=True)
    assert 'value="41"' in html and "<span data-job-done>50</span>" in html
    assert "<span data-job-total>120</span>" in html
    assert re.search(r"data-job-waiting hidden", html)
    status = client.get(f"/scores/jobs/{job_id}").get_json()
    assert (status["status"], status["done"], status["total"], status["percent"]) == ("running", 50, 120, 41)


def test_a_small_file_is_still_imported_in_the_request(client, world):
    login(client, world["hr"])
    response = _upload(client, "/employees/import", people_csv(3))
    assert response.status_code == 200 and "已导入 3 名员工" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
    job_id = _job_id(_upload(client, "/employees/import", people_csv(8).replace("E500", "E700")))
    # the form on the job's page posts back to its URL: a small file's answer shows without the old job
    html = _upload(client, f"/employees/import?job={job_id}", people_csv(3).replace("E500", "E600")).get_data(
        as_text=True)
    assert "已导入 3 名员工" in html and "data-job-status" not in html


def test_bad_job_values_and_other_peoples_jobs(client, world):
    login(client, world["hr"])
    job_id = _job_id(_upload(client, "/employees/import", people_csv(8)))
    assert client.get("/employees/import?job=abc").status_code == 200  # not a job id: the plain form
    assert client.get("/employees/import?job=999999").status_code == 404
    assert client.get(f"/punches/import?job={job_id}").status_code == 404  # another kind's page
    punch_job = jobs.submit_import(world["supervisor"], "punch_import", "工号,打卡时间\n", name="x.csv")
    login(client, world["supervisor"])
    assert client.get(f"/punches/import?job={punch_job.id}").status_code == 200
    assert client.get(f"/employees/import?job={job_id}").status_code == 403  # the page is not theirs
    assert client.get(f"/scores/jobs/{job_id}").status_code == 404  # nor the people job
    assert client.post(f"/scores/jobs/{job_id}/retry").status_code == 404
    login(client, world["lead"])
    assert client.get(f"/scores/jobs/{punch_job.id}").status_code == 404


def test_on_a_phone_the_page_follows_the_job_and_shows_the_bad_lines_when_it_ends(
        app, world, real_queue, tmp_path):  # noqa: F811
    from tests.browser import browser_page, live_server, measure_width, sign_in

    upload = tmp_path / "名单.csv"
    upload.write_text(people_csv(40, bad={7: "E5007,,T1,staff", 31: "E5031,某人,T9,staff"}), encoding="gb18030")
    username = world["hr"].username
    db.session.commit()  # end this thread's read (and read nothing more): the server writes to the same file
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, username)
        page.goto(base + "/employees/import")
        page.set_input_files('input[name="file"]', str(upload))
        with page.expect_navigation():
            page.click("form.card button.primary")
        assert "job=" in page.url
        page.wait_for_selector('[data-job-status="queued"] progress')
        waiting = measure_width(page)
        assert page.is_visible("[data-job-waiting]")
        real_queue.work()  # the worker takes it; the page, polling, reloads once it has ended
        page.wait_for_selector('[data-job-status="failed"]', timeout=20_000)
        assert page.locator("[data-import-report] table.cards tbody tr").count() == 2
        assert page.is_visible('button:has-text("重试")')
        ended = measure_width(page)
        page.screenshot(path=str(tmp_path / "import-job-375.png"), full_page=True)
    for seen in (waiting, ended):
        assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]


def test_the_job_on_the_import_page_speaks_chinese(app, client, world, real_queue):  # noqa: F811
    from tests.pages.test_no_english_on_chinese_pages import problems_of, untranslated_catalog

    login(client, world["hr"])
    text = people_csv(12, bad={2: "E5002,,T1,staff", 9: "E5009,某人,T9,staff"})
    response = _upload(client, "/employees/import", text)
    job_id = _job_id(response)
    shown = {"queued": client.get(response.headers["Location"]).get_data(as_text=True)}  # with the flash
    job = db.session.get(Job, job_id)
    job.status = "running"
    db.session.commit()
    queue_for(app).note_progress(job_id, ("checking", 5, 12))
    shown["running"] = client.get(f"/employees/import?job={job_id}").get_data(as_text=True)
    job.status = "queued"
    db.session.commit()
    real_queue.work()
    shown["failed"] = client.get(f"/employees/import?job={job_id}").get_data(as_text=True)
    assert 'data-job-status="failed"' in shown["failed"] and "后台导入" in shown["queued"]
    for state, html in shown.items():
        assert problems_of(html, set(untranslated_catalog())) == [], state
