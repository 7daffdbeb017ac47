"""Signing in, navigation by role, CSRF, forms that show errors beside the field, imports, the policy page."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from sqlalchemy import func, select

from attendance import create_app
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import Employee, PolicyVersion
from tests.conftest import PASSWORD, login, make_person, make_team
from tests.forms import form_as_rendered


def _nav(html: str) -> set[str]:
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.parametrize("roles, expected", [
    (["staff"], {"/me", "/policy"}),
    (["lead", "staff"], {"/me", "/employees", "/teams", "/policy"}),
    (["hr"], {"/me", "/employees", "/teams", "/policy"}),
])
def test_each_role_sees_the_navigation_of_its_role(client, app, roles, expected):
    login(client, make_person(roles, make_team("T1", "一组")))
    html = client.get("/me").get_data(as_text=True)
    assert {"/me", "/employees", "/teams", "/policy"} & _nav(html) == expected


def test_a_wrong_password_shows_the_error_beside_the_field_and_no_session(client, app):
    person = make_person(["staff"])
    response = client.post("/login", data={"username": person.username, "password": "nope"})
    assert response.status_code == 400
    assert 'class="field has-error"' in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_login_redirects_only_to_paths_on_this_site(client, app):
    person = make_person(["staff"])
    response = client.post("/login?next=https://evil.example/", data={"username": person.username,
                                                                      "password": PASSWORD})
    assert response.headers["Location"] == "/today"  # staff land on today (issue 15)


def test_signing_out_ends_the_session(client, app):
    login(client, make_person(["staff"]))
    assert client.post("/logout").status_code == 302
    assert client.get("/me").status_code == 302


def test_forms_without_a_csrf_token_are_refused(tmp_path, app):
    csrf_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with csrf_app.app_context():
        person = make_person(["hr"])
        client = csrf_app.test_client()
        response = client.post("/login", data={"username": person.username, "password": PASSWORD})
        assert response.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"username": person.username, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302
        before = db.session.scalar(select(func.count()).select_from(Employee))
        response = client.post("/employees/new", data={"employee_no": "X1", "name": "x"})
        assert response.status_code == 400
        assert db.session.scalar(select(func.count()).select_from(Employee)) == before
        db.session.remove()
        db.engine.dispose()


def test_the_employee_form_shows_each_problem_beside_its_field_and_saves_nothing(client, app):
    make_team("T1", "一组")
    login(client, make_person(["hr"]))
    response = client.post("/employees/new", data={"employee_no": "E 1", "name": "王", "team": "T1",
                                                   "roles": ["staff"], "monthly_wage": "abc",
                                                   "hire_date": "2026-02-30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('class="field has-error"') == 3
    assert db.session.scalar(select(Employee).where(Employee.name == "王")) is None


def test_hr_adds_edits_and_deactivates_an_employee_through_the_pages(client, app):
    make_team("T1", "一组")
    login(client, make_person(["hr"]))
    response = client.post("/employees/new", data={"employee_no": "E5001", "name": "王芳", "team": "T1",
                                                   "roles": ["staff", "lead"], "monthly_wage": "3500",
                                                   "hire_date": "2024-03-01"})
    assert response.status_code == 302
    person = db.session.scalar(select(Employee).where(Employee.employee_no == "E5001"))
    assert person.roles == {"staff", "lead"} and str(person.monthly_wage) == "3500.00"
    response = client.post("/employees/E5001/edit", data={"employee_no": "E5001", "name": "王芳芳",
                                                          "team": "", "roles": ["staff"]})
    assert response.status_code == 302
    assert client.post("/employees/E5001/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    person = db.session.scalar(select(Employee).where(Employee.employee_no == "E5001"))
    assert (person.name, person.team_id, person.active, person.roles) == ("王芳芳", None, False, {"staff"})


def test_saving_the_edit_pages_unchanged_keeps_the_team_and_the_lead(client, app):
    team = make_team("T1", "一组")
    lead = make_person(["lead", "staff"], team)
    login(client, make_person(["hr"]))
    page = client.get(f"/employees/{lead.employee_no}/edit").get_data(as_text=True)
    assert client.post(f"/employees/{lead.employee_no}/edit", data=form_as_rendered(page)).status_code == 302
    page = client.get("/teams/T1/edit").get_data(as_text=True)
    assert f'value="{lead.employee_no}"' in page
    assert client.post("/teams/T1/edit", data=form_as_rendered(page)).status_code == 302
    db.session.expire_all()
    assert (lead.team_id, team.lead_id) == (team.id, lead.id)


def test_the_import_page_lists_each_bad_line(client, app):
    make_team("T1", "一组")
    login(client, make_person(["hr"]))
    csv = "employee_no,name,team\nE1,张三,T1\nE2,,T1\nE3,李四,T8\n".encode()
    response = client.post("/employees/import", data={"file": (io.BytesIO(csv), "staff.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td>" in html and "<td>4</td>" in html and "<code>team</code>" in html and "<td>2</td>" not in html
    assert db.session.scalar(select(Employee).where(Employee.employee_no == "E1")) is None


def test_the_policy_page_shows_the_rules_in_force_to_staff(client, app):
    login(client, make_person(["staff"]))
    html = client.get("/policy").get_data(as_text=True)
    assert "COMPLAINT" in html and "因服务原因被客户投诉" in html and "30.00" in html


def test_uploading_a_bad_policy_lists_each_problem_and_stores_nothing(client, app):
    login(client, make_person(["admin"]))
    doc = default_policy_document()
    doc["score"]["base"] = "a hundred"
    doc["rules"][0]["ladder"][0]["sanction"] = "flogging"
    data = yaml.safe_dump(doc, allow_unicode=True).encode()
    response = client.post("/policy/upload", data={"file": (io.BytesIO(data), "p.yaml")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<code>score.base</code>" in html and "<code>rules[0].ladder[0].sanction</code>" in html
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 1


def test_the_language_switch_is_kept_on_the_account(client, app):
    person = make_person(["staff"])
    login(client, person)
    client.post("/language/en", data={"next": "/me"})
    assert 'lang="en"' in client.get("/me").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Employee, person.id).locale == "en"
    client.post("/language/zh", data={"next": "/me"})
    assert 'lang="zh-CN"' in client.get("/me").get_data(as_text=True)
