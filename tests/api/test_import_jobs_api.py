"""The API's large imports: 202 Accepted with the job (its URL in `Location` and `url`), followed at
GET /jobs/{id} until it has ended, whose result is the answer a small file gets; retry; who may see a job."""

from __future__ import annotations

import io

import pytest

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Employee
from attendance.services import jobs
from tests.conftest import make_person, make_team, token_for
from tests.services.test_import_jobs import people_csv, punch_csv


@pytest.fixture
def world(app):
    app.config["IMPORT_INLINE_MAX_LINES"] = 5
    team = make_team("T1", "热线一组")
    return {"hr": make_person(["hr"], name="周人事"), "lead": make_person(["lead", "staff"], team, name="李强"),
            "supervisor": make_person(["supervisor"], name="主管"), "staff": make_person(["staff"], team, name="张丽")}


def _csv(client, person):
    return token_for(client, person) | {"Content-Type": "text/csv"}


def test_a_large_people_file_is_accepted_as_a_job_whose_result_is_the_usual_answer(client, world):
    headers = _csv(client, world["hr"])
    response = client.post("/api/v1/employees/import", headers=headers, data=people_csv(12).encode())
    assert response.status_code == 202
    body = response.get_json()
    assert body["url"] == f"/api/v1/jobs/{body['id']}" and response.headers["Location"].endswith(body["url"])
    assert body["kind"] == "people_import" and body["subject"] == "employees.csv"
    followed = client.get(body["url"], headers=headers)  # the tests run jobs at once: it has ended
    assert followed.status_code == 200
    job = followed.get_json()
    assert (job["status"], job["finished"], job["percent"], job["total"]) == ("done", True, 100, 13)
    assert job["result"] == {"imported": [f"E{5000 + i}" for i in range(1, 13)], "committed": True, "rejected": []}
    assert db.session.scalar(db.select(Employee.name).where(Employee.employee_no == "E5012")) == "员工12"


def test_a_large_file_with_bad_lines_fails_with_every_bad_line_and_a_retry_is_a_new_job(app, client, world):
    headers = _csv(client, world["hr"])
    text = people_csv(12, bad={4: "E5004,,T1,staff", 6: "E5006,某人,T9,staff"})
    body = client.post("/api/v1/employees/import", headers=headers, data=text.encode("gb18030")).get_json()
    job = client.get(body["url"], headers=headers).get_json()
    assert job["status"] == "failed" and job["error"]
    app.config["IMPORT_INLINE_MAX_LINES"] = 200
    small = client.post("/api/v1/employees/import", headers=headers, data=text.encode())  # in the request
    assert small.status_code == 400
    app.config["IMPORT_INLINE_MAX_LINES"] = 5
    assert job["result"]["committed"] is False and job["result"]["imported"] == []
    assert [r["line"] for r in job["result"]["rejected"]] == [5, 7]
    assert job["result"]["rejected"] == small.get_json()["rejected"]
    make_team("T9", "新组")
    retried = client.post(f"{body['url']}/retry", headers=headers)
    assert retried.status_code == 202 and retried.get_json()["id"] != body["id"]
    again = client.get(retried.get_json()["url"], headers=headers).get_json()
    assert again["status"] == "failed" and [r["line"] for r in again["result"]["rejected"]] == [5]
    twice = client.post(f"{body['url']}/retry", headers=headers)  # its file went to the retry
    assert twice.status_code == 400 and twice.get_json()["error"]["code"] == "job_file_gone"


def test_skip_errors_is_kept_by_the_job(client, world):
    headers = _csv(client, world["hr"])
    text = people_csv(12, bad={4: "E5004,,T1,staff"})
    body = client.post("/api/v1/employees/import?skip_errors=true", headers=headers, data=text.encode()).get_json()
    job = client.get(body["url"], headers=headers).get_json()
    assert job["status"] == "done" and len(job["result"]["imported"]) == 11
    done = client.post(f"{body['url']}/retry", headers=headers)
    assert done.status_code == 400 and done.get_json()["error"]["code"] == "job_not_failed"


def test_a_large_punch_file_as_multipart_is_a_job_with_the_usual_answer(client, world):
    headers = token_for(client, world["supervisor"])
    text = punch_csv([world["staff"].employee_no], 4) + "X999,2026-10-01 08:00,上班\n"
    response = client.post("/api/v1/punches/import", headers=headers,
                           data={"file": (io.BytesIO(text.encode()), "clock-10月.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 202 and response.get_json()["subject"] == "clock-10月.csv"
    job = client.get(response.get_json()["url"], headers=headers).get_json()
    assert job["status"] == "done" and job["result"] == {
        "imported": 8, "duplicates": 0, "duplicate_lines": [], "evaluated": job["result"]["evaluated"],
        "rejected": [{"line": 10, "reason": "employee_no: unknown employee X999"}]}


def test_who_may_import_and_see_a_job(client, world):
    hr, supervisor = _csv(client, world["hr"]), _csv(client, world["supervisor"])
    lead, staff = _csv(client, world["lead"]), _csv(client, world["staff"])
    assert client.post("/api/v1/employees/import", headers=supervisor, data=people_csv(8).encode()).status_code == 403
    assert client.post("/api/v1/punches/import", headers=lead, data=b"x").status_code == 403
    people_job = client.post("/api/v1/employees/import", headers=hr, data=people_csv(8).encode()).get_json()
    assert client.get(people_job["url"], headers=supervisor).status_code == 404  # not their kind of work
    assert client.get(people_job["url"], headers=staff).status_code == 404
    assert client.post(f"{people_job['url']}/retry", headers=staff).status_code == 404
    assert client.get("/api/v1/jobs/999999", headers=hr).status_code == 404
    assert client.get(people_job["url"]).status_code == 401
    assert client.get("/api/v1/jobs/abc", headers=hr).status_code == 404


def test_bad_input_to_a_large_import_is_refused_before_any_job(client, world):
    headers = _csv(client, world["hr"])
    nul = client.post("/api/v1/employees/import", headers=headers, data=people_csv(8).encode() + b"\x00")
    assert nul.status_code == 400 and nul.get_json()["error"]["fields"] == {"file": "unreadable"}
    assert client.post("/api/v1/punches/import", headers=headers, data=b"").status_code == 400


PEOPLE = {"hr", "admin"}  # employees.manage
PUNCHES = {"hr", "admin", "supervisor"}  # punches.import
API = [
    ("GET", "/api/v1/jobs/{people}", PEOPLE),
    ("GET", "/api/v1/jobs/{punches}", PUNCHES),
    ("POST", "/api/v1/jobs/{punches}/retry", PUNCHES),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_jobs_of_the_work_it_may_do(client, world, role):
    people_job = jobs.submit_import(world["hr"], "people_import", people_csv(8))
    punch_job = jobs.submit_import(world["hr"], "punch_import", "")  # fails (an empty file): retried below
    headers = token_for(client, make_person([role] + (["staff"] if role == "lead" else [])))
    for method, path, roles in API:
        url = path.format(people=people_job.id, punches=punch_job.id)
        response = client.open(url, method=method, headers=headers)
        if role in roles:
            assert response.status_code in (200, 202), (role, method, url, response.get_json())
        else:
            assert response.status_code == 404, (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "not_found"
