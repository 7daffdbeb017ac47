"""Pages for people and teams: my record, the employee list, add/edit/deactivate, CSV import."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance.domain.errors import InvalidInput
from attendance.labels import ROLE_LABELS, error_text
from attendance.people.forms import EmployeeForm, ImportForm, TeamForm
from attendance.services import jobs, people
from attendance.web import import_job, permission_required, show_field_errors

bp = Blueprint("people", __name__)


def _team_choices():
    return [SelectChoice("", _("(no team)"))] + [
        SelectChoice(t.code, f"{t.code} {t.name}") for t in people.list_teams()]


@bp.route("/me")
@permission_required("self.view")
def me():
    return render_template("people/me.html", person=current_user, role_labels=ROLE_LABELS)


@bp.route("/employees")
@permission_required("employees.view")
def employees():
    active = request.args.get("active", "1") != "0"
    page = people.list_employees(current_user, q=request.args.get("q") or None,
                                 team=request.args.get("team") or None, active=active,
                                 cursor=request.args.get("cursor") or None, limit=50)
    return render_template("people/employees.html", page=page, teams=people.list_teams(),
                           role_labels=ROLE_LABELS, active=active)


@bp.route("/employees/<employee_no>")
@permission_required("self.view")
def employee(employee_no: str):
    person = people.get_employee(current_user, employee_no)
    return render_template("people/employee.html", person=person, role_labels=ROLE_LABELS)


@bp.route("/employees/new", methods=["GET", "POST"])
@permission_required("employees.manage")
def new_employee():
    form = EmployeeForm()
    form.team.choices = _team_choices()
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        if not data.get("password"):
            data.pop("username", None)
        try:
            person = people.create_employee(current_user, data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Employee %(no)s added.", no=person.employee_no))
            return redirect(url_for("people.employee", employee_no=person.employee_no))
    status = 400 if request.method == "POST" else 200
    return render_template("people/employee_form.html", form=form, person=None), status


@bp.route("/employees/<employee_no>/edit", methods=["GET", "POST"])
@permission_required("employees.manage")
def edit_employee(employee_no: str):
    person = people.get_employee(current_user, employee_no)
    # Not obj=person: WTForms lets an object's attribute win over ``data``, and person.team is a Team,
    # not the code the select offers (the page preselected no team, so saving it dropped the person's team).
    form = EmployeeForm(data={"employee_no": person.employee_no, "name": person.name,
                              "team": person.team.code if person.team else "", "roles": sorted(person.roles),
                              "hire_date": person.hire_date, "monthly_wage": person.monthly_wage,
                              "username": person.username})
    form.team.choices = _team_choices()
    form.employee_no.render_kw = {"readonly": True}
    if form.validate_on_submit():
        data = {k: form.data[k] for k in ("name", "team", "roles", "hire_date", "monthly_wage")}
        try:
            people.update_employee(current_user, employee_no, data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("people.employee", employee_no=employee_no))
    status = 400 if request.method == "POST" else 200
    return render_template("people/employee_form.html", form=form, person=person), status


@bp.route("/employees/<employee_no>/active", methods=["POST"])
@permission_required("employees.manage")
def set_active(employee_no: str):
    active = request.form.get("active") == "1"
    people.set_active(current_user, employee_no, active)
    flash(_("Reactivated.") if active else _("Deactivated; the record is kept."))
    return redirect(url_for("people.employee", employee_no=employee_no))


@bp.route("/employees/import", methods=["GET", "POST"])
@permission_required("employees.manage")
def import_employees():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        try:
            text = people.decode_upload(form.file.data.read())
        except InvalidInput as exc:
            form.file.errors = [error_text(exc)]
        else:
            if jobs.runs_as_job(text):  # a large file: the page answers at once and shows the job's progress
                job = jobs.submit_import(current_user, "people_import", text, name=form.file.data.filename or "",
                                         skip_errors=form.skip_errors.data)
                flash(_("The file has %(n)d lines: it is imported in the background (progress below).",
                        n=jobs.count_lines(text)))
                return redirect(url_for("people.import_employees", job=job.id) + "#job")
            report = people.import_employees(current_user, text, skip_errors=form.skip_errors.data)
    status = 400 if request.method == "POST" and (report is None or not report.committed) else 200
    return render_template("people/import.html", form=form, report=report,
                           background=import_job("people_import")), status


@bp.route("/teams")
@permission_required("teams.view")
def teams():
    return render_template("people/teams.html", teams=people.list_teams(include_inactive=True))


@bp.route("/teams/new", methods=["GET", "POST"])
@bp.route("/teams/<code>/edit", methods=["GET", "POST"])
@permission_required("teams.manage")
def edit_team(code: str | None = None):
    team = people.get_team(code) if code else None
    # Not obj=team: its ``lead`` attribute (an Employee) would win over the employee_no given here.
    form = TeamForm(data={"code": team.code, "name": team.name, "active": team.active,
                          "lead": team.lead.employee_no if team.lead else ""} if team else None)
    if team:
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        data = {"name": form.name.data, "lead": form.lead.data or None, "active": form.active.data}
        if team is None:
            data["code"] = form.code.data
        try:
            people.save_team(current_user, data, code)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("people.teams"))
    status = 400 if request.method == "POST" else 200
    return render_template("people/team_form.html", form=form, team=team), status
