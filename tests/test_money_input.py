"""Every money field refuses more than two decimal places with a 400 naming the field — the API, a page, a
CSV import and a policy document — and stores nothing (issue 13, item 3; ASVS 5.0 2.2.1)."""

from __future__ import annotations

import copy
import io
from datetime import timedelta

import yaml
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import Employee, LedgerEntry, PolicyVersion, Violation
from tests.conftest import login, make_person, make_team, token_for


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_violation_amount_of_three_places_is_a_400_naming_amount(client, app):
    team = make_team("T1", "热线一组")
    staff = make_person(["staff"], team)
    headers = token_for(client, make_person(["supervisor"]))
    body = {"employee_no": staff.employee_no, "rule": "KEEP_FOUND", "occurred_at": (clock.now() - timedelta(hours=1)
                                                                                 ).isoformat()}
    for amount in ("99.999", "100.001", "300.000"):
        response = client.post("/api/v1/violations", headers=headers, json=body | {"amount": amount})
        assert response.status_code == 400, (amount, response.get_json())
        assert response.get_json()["error"]["fields"] == {"amount": "at most 2 decimal places"}
    assert _count(Violation) == 0 and _count(LedgerEntry) == 0
    # Two places within the range still records that exact amount.
    response = client.post("/api/v1/violations", headers=headers, json=body | {"amount": "300.50"})
    assert response.status_code == 201 and response.get_json()["fine"] == "300.50"


def test_the_record_violation_page_refuses_three_places_beside_the_field(client, app):
    team = make_team("T1", "热线一组")
    staff = make_person(["staff"], team)
    login(client, make_person(["supervisor"]))
    response = client.post("/violations/new", data={
        "employee": staff.employee_no, "rule": "KEEP_FOUND", "amount": "99.999", "source": "manual",
        "occurred_at": (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400
    assert "最多保留 2 位小数" in response.get_data(as_text=True)
    assert _count(Violation) == 0


def test_the_employee_page_refuses_a_wage_of_three_places(client, app):
    login(client, make_person(["hr"]))
    response = client.post("/employees/new", data={"employee_no": "E5001", "name": "孙丽", "team": "",
                                                    "roles": ["staff"], "monthly_wage": "3500.999"})
    assert response.status_code == 400
    assert "最多保留 2 位小数" in response.get_data(as_text=True)
    assert db.session.scalar(select(Employee).where(Employee.employee_no == "E5001")) is None


def test_a_csv_import_with_a_wage_of_three_places_names_the_line_and_column(client, app):
    headers = token_for(client, make_person(["hr"])) | {"Content-Type": "text/csv"}
    csv = "employee_no,name,monthly_wage\nE2001,王芳,3500.00\nE2002,李娜,3500.005\n"
    response = client.post("/api/v1/employees/import", headers=headers, data=csv.encode())
    assert response.status_code == 400
    assert [(r["line"], r["reason"]) for r in response.get_json()["rejected"]] == [
        (3, "monthly_wage: at most 2 decimal places")]
    assert db.session.scalar(select(Employee).where(Employee.employee_no == "E2001")) is None


def test_the_import_page_names_the_column_too(client, app):
    login(client, make_person(["hr"]))
    csv = "employee_no,name,monthly_wage\nE2002,李娜,3500.005\n".encode()
    response = client.post("/employees/import", data={"file": (io.BytesIO(csv), "staff.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "monthly_wage" in response.get_data(as_text=True)


def test_the_api_refuses_a_wage_of_three_places(client, app):
    headers = token_for(client, make_person(["hr"]))
    response = client.post("/api/v1/employees", headers=headers,
                           json={"employee_no": "E3001", "name": "孙丽", "monthly_wage": "3500.999"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"monthly_wage": "at most 2 decimal places"}


def test_a_policy_document_with_an_amount_of_three_places_is_refused_with_its_path(client, app):
    headers = token_for(client, make_person(["admin"]))
    doc = copy.deepcopy(default_policy_document())
    complaint = next(i for i, r in enumerate(doc["rules"]) if r["code"] == "COMPLAINT")
    doc["rules"][complaint]["ladder"][0]["amount"] = "99.999"
    doc["version"], doc["effective_from"] = "2027-01", "2027-01-01"
    before = _count(PolicyVersion)
    response = client.post("/api/v1/policy/versions", headers=headers | {"Content-Type": "application/yaml"},
                           data=yaml.safe_dump(doc, allow_unicode=True).encode())
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        f"rules[{complaint}].ladder[0].amount": "at most 2 decimal places"}
    assert _count(PolicyVersion) == before
