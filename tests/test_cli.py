"""The command line calls the same services as the pages and the API."""

from __future__ import annotations

import yaml
from sqlalchemy import func, select

from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import Employee, PolicyVersion, Request, Team
from tests.conftest import make_person, make_team


def test_create_admin_makes_an_admin_who_can_sign_in(runner, client, app):
    result = runner.invoke(args=["create-admin", "--username", "boss", "--password", "long-password"])
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(Employee).where(Employee.username == "boss"))
    assert person.roles == {"admin"}
    assert client.post("/login", data={"username": "boss", "password": "long-password"}).status_code == 302


def test_create_admin_refuses_a_short_password(runner, app):
    result = runner.invoke(args=["create-admin", "--username", "boss", "--password", "x"])
    assert result.exit_code == 1 and "password" in result.output


def test_demo_builds_a_department_once(runner, demo):
    first = demo  # `flask demo` on the clean database, run once per session (see conftest)
    assert first.exit_code == 0, first.output
    people = db.session.scalar(select(func.count()).select_from(Employee))
    assert db.session.scalar(select(func.count()).select_from(Team)) == 3
    assert 40 <= people <= 50
    assert "supervisor" in first.output and "lead1" in first.output and "demo1234" in first.output
    from attendance.services import requests

    waiting = {u: len(requests.inbox(db.session.scalar(select(Employee).where(Employee.username == u))))
               for u in ("lead1", "lead2", "lead3", "supervisor", "manager")}
    assert all(waiting.values()), waiting  # every approver's 待办 has something to decide
    from attendance.models import Notification

    unread = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None)))
    assert unread >= 5  # the demo's fines and the waiting requests have told people
    filed = db.session.scalar(select(func.count()).select_from(Request))
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Employee)) == people
    assert db.session.scalar(select(func.count()).select_from(Request)) == filed


def test_import_employees_reports_bad_lines_and_imports_nothing(runner, app, tmp_path):
    make_team("T1", "一组")
    path = tmp_path / "staff.csv"
    path.write_text("employee_no,name,team\nE1,张三,T1\nE2,李四,T5\n", encoding="utf-8")
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1
    assert "line 3: team: unknown team" in result.output
    assert db.session.scalar(select(Employee).where(Employee.employee_no == "E1")) is None
    result = runner.invoke(args=["import-employees", str(path), "--skip-errors"])
    assert result.exit_code == 0 and "imported 1" in result.output


def test_import_as_someone_not_allowed_is_refused(runner, app, tmp_path):
    make_person(["staff"], employee_no="S1")
    path = tmp_path / "staff.csv"
    path.write_text("employee_no,name\nE1,张三\n", encoding="utf-8")
    result = runner.invoke(args=["import-employees", str(path), "--as", "s1"])
    assert result.exit_code == 1 and "may not" in result.output


def test_policy_import_refuses_a_bad_file_with_every_problem_and_exports_the_one_in_force(runner, app, tmp_path):
    doc = default_policy_document()
    doc["rules"][1]["ladder"][1]["amount"] = "lots"
    doc["deductions"]["cap_percent_of_wage"] = 300
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["policy", "import", str(bad)])
    assert result.exit_code == 1
    assert "rules[1].ladder[1].amount" in result.output and "deductions.cap_percent_of_wage" in result.output
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 1
    out = tmp_path / "out.yaml"
    assert runner.invoke(args=["policy", "export", "-o", str(out)]).exit_code == 0
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [r["code"] for r in exported["rules"]] == [r["code"] for r in default_policy_document()["rules"]]
    exported["version"] = "again"
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["policy", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 2


def test_demo_before_db_upgrade_says_to_upgrade_first_without_a_traceback(tmp_path):
    from attendance import create_app

    empty = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    with empty.app_context():  # as `flask` pushes it
        result = empty.test_cli_runner().invoke(args=["demo"])
        from attendance.extensions import db

        db.engine.dispose()
    assert result.exit_code == 1
    assert "flask --app attendance db upgrade" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_demo_logins_say_who_is_who(demo):
    assert demo.exit_code == 0, demo.output
    lines = {line.split()[0]: line for line in demo.output.splitlines() if line.startswith("  ")}
    assert "领班" in lines["lead1"] and "Shift lead" in lines["lead1"] and "热线一组" in lines["lead1"]
    assert "客服人员" in lines["staff1"] and "Staff" in lines["staff1"]
    assert "人事" in lines["hr"] or "HR" in lines["hr"]
