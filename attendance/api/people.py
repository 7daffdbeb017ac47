"""Teams and employees."""

from __future__ import annotations

from flask import request

from attendance.api import schemas
from attendance.api.core import (
    ErrorSchema,
    PageArgs,
    actor,
    idempotent,
    make_blueprint,
    page_body,
    paged_schema,
    permission,
)
from attendance.api.jobs import JobOut, accepted
from attendance.domain.errors import N_, InvalidInput
from attendance.services import accounts, jobs, people

blp = make_blueprint("api_people", "", "Teams and employees")

EmployeePage = paged_schema(schemas.EmployeeOut, "EmployeePage")
TeamPage = paged_schema(schemas.TeamOut, "TeamPage")


@blp.route("/teams")
@permission("teams.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, TeamPage)
def list_teams(args):
    page = people.page_teams(**args)
    return page_body(page.items, page.next)


@blp.route("/teams", methods=["POST"])
@permission("teams.manage")
@idempotent
@blp.arguments(schemas.TeamIn)
@blp.response(201, schemas.TeamOut)
def create_team(data):
    return people.save_team(actor(), data)


@blp.route("/teams/<code>")
@permission("teams.view")
@blp.response(200, schemas.TeamOut)
def get_team(code):
    return people.get_team(code)


@blp.route("/teams/<code>", methods=["PATCH"])
@permission("teams.manage")
@blp.arguments(schemas.TeamPatch)
@blp.response(200, schemas.TeamOut)
def update_team(data, code):
    return people.save_team(actor(), data, code)


@blp.route("/employees")
@permission("employees.view")
@blp.arguments(schemas.EmployeeQuery, location="query")
@blp.response(200, EmployeePage)
def list_employees(args):
    """Employees the caller may see (a lead: their team), by employee_no, a page at a time."""
    page = people.list_employees(actor(), **args)
    return page_body(page.items, page.next)


@blp.route("/employees", methods=["POST"])
@permission("employees.manage")
@idempotent
@blp.arguments(schemas.EmployeeIn)
@blp.response(201, schemas.EmployeeOut)
def create_employee(data):
    """Add an employee; with username and password they can log in at once."""
    return people.create_employee(actor(), data)


@blp.route("/employees/<employee_no>")
@permission("self.view")
@blp.response(200, schemas.EmployeeOut)
def get_employee(employee_no):
    return people.get_employee(actor(), employee_no)


@blp.route("/employees/<employee_no>", methods=["PATCH"])
@permission("employees.manage")
@blp.arguments(schemas.EmployeePatch)
@blp.response(200, schemas.EmployeeOut)
def update_employee(data, employee_no):
    """Change an employee; ``active: false`` deactivates (nothing is ever deleted)."""
    return people.update_employee(actor(), employee_no, data)


@blp.route("/employees/<employee_no>/password", methods=["POST"])
@permission("employees.manage")
@blp.arguments(schemas.PasswordIn)
@blp.response(204)
def set_password(data, employee_no):
    accounts.change_password(actor(), employee_no, data["password"])


@blp.route("/employees/import", methods=["POST"])
@permission("employees.manage")
@blp.doc(requestBody={"content": {"text/csv": {"schema": {"type": "string"}},
                                  "multipart/form-data": {"schema": {"type": "object", "properties": {
                                      "file": {"type": "string", "format": "binary"}}}}}})
@blp.response(200, schemas.ImportOut)
@blp.alt_response(202, schema=JobOut, description="a large file (more lines than IMPORT_INLINE_MAX_LINES): "
                  "imported by a background job; `Location` and `url` say where to follow it")
@blp.alt_response(400, schema={"oneOf": [schemas.ImportOut, ErrorSchema]},
                  description="the file has errors, nothing imported (the report); or no readable CSV (the error)")
def import_employees():
    """Import a CSV (UTF-8 or GB18030). ``?skip_errors=true`` imports the good lines of a file with errors.
    A file of more lines than ``IMPORT_INLINE_MAX_LINES`` (200) is imported by a background job: 202 with the
    job, whose ``result`` is this answer once it has ended."""
    upload = request.files.get("file")
    raw = upload.read() if upload else request.get_data()
    if not raw:
        raise InvalidInput("no CSV file in the request", fields={"file": N_("required")})
    skip = request.args.get("skip_errors", "").lower() in ("1", "true", "yes")
    text = people.decode_upload(raw)
    if jobs.runs_as_job(text):
        return accepted(jobs.submit_import(actor(), "people_import", text,
                                           name=upload.filename if upload and upload.filename else "employees.csv",
                                           skip_errors=skip))
    report = people.import_employees(actor(), text, skip_errors=skip)
    body = {"imported": report.imported, "committed": report.committed,
            "rejected": [{"line": r.line, "reason": r.reason} for r in report.rejected]}
    return body, 200 if report.committed else 400
