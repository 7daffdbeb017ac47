"""Teams and employees over the API, CSV import included."""

from __future__ import annotations

from sqlalchemy import func, select

from attendance.extensions import db
from attendance.models import AuditEvent, Employee
from tests.conftest import make_person, make_team, token_for

GOOD_CSV = "employee_no,name,team,roles,hire_date,monthly_wage\nE2001,王芳,T1,staff,2024-03-01,3500.00\n"
BAD_CSV = (
    "employee_no,name,team,roles,hire_date,monthly_wage\n"
    "E2001,王芳,T1,staff,2024-03-01,3500.00\n"
    "E2002,,T1,staff,2024-03-01,3500.00\n"
    "E2003,李娜,T9,staff,2024-03-01,3500.00\n"
    "E2004,赵敏,T1,boss,2024-02-30,3.5.0\n"
    "E2001,王芳二,T1,staff,,\n"
)


def _count():
    return db.session.scalar(select(func.count()).select_from(Employee))


def test_hr_adds_an_employee_with_a_login_that_works_at_once(client, app):
    make_team("T1", "热线一组")
    headers = token_for(client, make_person(["hr"]))
    response = client.post("/api/v1/employees", headers=headers, json={
        "employee_no": "E3001", "name": "孙丽", "team": "T1", "roles": ["staff"], "hire_date": "2025-01-02",
        "monthly_wage": "3600.50", "username": "sunli", "password": "longenough"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["monthly_wage"] == "3600.50"
    login = client.post("/api/v1/auth/token", json={"username": "sunli", "password": "longenough"})
    assert login.status_code == 201
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.entity_key == "E3001")) is not None


def test_a_duplicate_employee_no_or_unknown_team_is_refused_with_the_field_named(client, app):
    headers = token_for(client, make_person(["hr"], employee_no="H1"))
    response = client.post("/api/v1/employees", headers=headers, json={"employee_no": "H1", "name": "x"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"employee_no": "already exists"}
    response = client.post("/api/v1/employees", headers=headers,
                           json={"employee_no": "H2", "name": "x", "team": "NOPE"})
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {"team": "unknown team"}
    assert _count() == 1


def test_deactivating_keeps_the_person_and_their_history(client, app):
    team = make_team("T1", "热线一组")
    person = make_person(["staff"], team)
    headers = token_for(client, make_person(["hr"]))
    response = client.patch(f"/api/v1/employees/{person.employee_no}", headers=headers, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.get(f"/api/v1/employees/{person.employee_no}", headers=headers).status_code == 200
    listed = client.get("/api/v1/employees?active=false", headers=headers).get_json()["items"]
    assert [e["employee_no"] for e in listed] == [person.employee_no]


def test_a_lead_lists_only_their_own_team_and_staff_see_only_themselves(client, app):
    t1, t2 = make_team("T1", "一组"), make_team("T2", "二组")
    lead = make_person(["lead", "staff"], t1)
    mate = make_person(["staff"], t1)
    other = make_person(["staff"], t2)
    items = client.get("/api/v1/employees", headers=token_for(client, lead)).get_json()["items"]
    assert {e["employee_no"] for e in items} == {lead.employee_no, mate.employee_no}
    staff_headers = token_for(client, mate)
    assert client.get(f"/api/v1/employees/{other.employee_no}", headers=staff_headers).status_code == 404
    assert client.get(f"/api/v1/employees/{mate.employee_no}", headers=staff_headers).status_code == 200


def test_a_csv_with_bad_lines_reports_every_one_and_imports_nothing(client, app):
    make_team("T1", "热线一组")
    headers = token_for(client, make_person(["hr"])) | {"Content-Type": "text/csv"}
    before = _count()
    response = client.post("/api/v1/employees/import", headers=headers, data=BAD_CSV.encode())
    assert response.status_code == 400
    body = response.get_json()
    assert body["committed"] is False and body["imported"] == []
    rejected = {r["line"]: r["reason"] for r in body["rejected"]}
    assert set(rejected) == {3, 4, 5, 6}
    assert "name: required" in rejected[3]
    assert rejected[4] == "team: unknown team"
    assert "roles" in rejected[5] and "hire_date" in rejected[5] and "monthly_wage" in rejected[5]
    assert rejected[6] == "employee_no: repeats an earlier line"
    assert _count() == before


def test_skip_errors_imports_the_good_lines_only(client, app):
    make_team("T1", "热线一组")
    headers = token_for(client, make_person(["hr"])) | {"Content-Type": "text/csv"}
    response = client.post("/api/v1/employees/import?skip_errors=true", headers=headers, data=BAD_CSV.encode())
    assert response.status_code == 200
    assert response.get_json()["imported"] == ["E2001"]


def test_a_csv_saved_by_chinese_excel_in_gb18030_is_read(client, app):
    make_team("T1", "热线一组")
    headers = token_for(client, make_person(["hr"])) | {"Content-Type": "text/csv"}
    response = client.post("/api/v1/employees/import", headers=headers, data=GOOD_CSV.encode("gb18030"))
    assert response.status_code == 200
    assert db.session.scalar(select(Employee.name).where(Employee.employee_no == "E2001")) == "王芳"


def test_a_csv_without_the_needed_columns_is_refused(client, app):
    headers = token_for(client, make_person(["hr"])) | {"Content-Type": "text/csv"}
    response = client.post("/api/v1/employees/import", headers=headers, data=b"no,who\n1,2\n")
    assert response.status_code == 400
    assert response.get_json()["rejected"][0]["line"] == 1


def test_an_empty_import_is_a_400_not_a_500(client, app):
    headers = token_for(client, make_person(["hr"]))
    response = client.post("/api/v1/employees/import", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {"file": "required"}


def test_teams_are_created_and_given_a_lead(client, app):
    headers = token_for(client, make_person(["admin"]))
    lead = make_person(["lead", "staff"])
    assert client.post("/api/v1/teams", headers=headers, json={"code": "T7", "name": "夜班组"}).status_code == 201
    response = client.patch("/api/v1/teams/T7", headers=headers, json={"lead": lead.employee_no})
    assert response.get_json() == {"code": "T7", "name": "夜班组", "lead": lead.employee_no, "active": True}
    bad = client.patch("/api/v1/teams/T7", headers=headers, json={"lead": "NOBODY"})
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"lead": "unknown employee"}
    dup = client.post("/api/v1/teams", headers=headers, json={"code": "T7", "name": "x"})
    assert dup.status_code == 400 and dup.get_json()["error"]["fields"] == {"code": "already exists"}


def test_a_new_password_can_be_set_by_hr_and_must_be_long_enough(client, app):
    person = make_person(["staff"])
    headers = token_for(client, make_person(["hr"]))
    short = client.post(f"/api/v1/employees/{person.employee_no}/password", headers=headers, json={"password": "x"})
    assert short.status_code == 400 and "password" in short.get_json()["error"]["fields"]
    ok = client.post(f"/api/v1/employees/{person.employee_no}/password", headers=headers,
                     json={"password": "new-password-1"})
    assert ok.status_code == 204
    token = client.post("/api/v1/auth/token", json={"username": person.username, "password": "new-password-1"})
    assert token.status_code == 201
