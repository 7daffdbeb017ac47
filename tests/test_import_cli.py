"""The import commands run the import in the command, whatever the file's size, with a progress bar per step."""

from __future__ import annotations

from sqlalchemy import func, select

from attendance.extensions import db
from attendance.models import Employee, Job, Punch
from tests.conftest import make_person, make_team
from tests.services.test_import_jobs import people_csv, punch_csv


def test_a_large_people_file_is_imported_in_the_command_with_a_progress_bar(runner, app, tmp_path):
    app.config["IMPORT_INLINE_MAX_LINES"] = 5
    make_team("T1", "一组")
    path = tmp_path / "staff.csv"
    path.write_text(people_csv(120), encoding="gb18030")
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 0, result.output
    assert "checking" in result.output and "adding" in result.output and "imported 120, skipped 0" in result.output
    assert db.session.scalar(select(func.count(Employee.id)).where(Employee.employee_no.like("E5%"))) == 120
    assert db.session.scalar(select(func.count(Job.id))) == 0  # no job: the command waits for it


def test_a_bad_line_still_stops_a_large_file_whole(runner, app, tmp_path):
    make_team("T1", "一组")
    path = tmp_path / "staff.csv"
    path.write_text(people_csv(120, bad={77: "E5077,,T1,staff"}), encoding="utf-8")
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1 and "line 78: name: required" in result.output
    assert db.session.scalar(select(func.count(Employee.id)).where(Employee.employee_no.like("E5%"))) == 0


def test_the_punch_import_command(runner, app, tmp_path):
    make_team("T1", "一组")
    staff = make_person(["staff"], name="张丽")
    make_person(["supervisor"], employee_no="SUP1")
    make_person(["lead"], employee_no="LEAD1")
    path = tmp_path / "clock.csv"
    path.write_text(punch_csv([staff.employee_no], 3) + "X999,2026-10-01 08:00,上班\n", encoding="utf-8")
    refused = runner.invoke(args=["import-punches", str(path), "--as", "lead1"])
    assert refused.exit_code == 1 and "may not" in refused.output
    result = runner.invoke(args=["import-punches", str(path), "--as", "sup1"])
    assert result.exit_code == 0, result.output
    assert "line 8: employee_no: unknown employee X999" in result.output
    assert "imported 6, already there 0, rejected 1" in result.output
    assert runner.invoke(args=["import-punches", str(path)]).output.count("already there 6") == 1
    assert db.session.scalar(select(func.count(Punch.id))) == 6
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    failed = runner.invoke(args=["import-punches", str(empty)])
    assert failed.exit_code == 1 and ("empty" in failed.output or "空" in failed.output)
