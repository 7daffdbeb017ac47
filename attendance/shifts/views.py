"""Pages for shifts: shift types, the team's week roster (edit, copy last week, print), the rotation generator,
my month of roster, clocking in and out, importing a time clock's file, resolving a day's punches."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance import clock
from attendance.domain import dates
from attendance.domain.errors import DomainError, InvalidInput
from attendance.labels import (
    PATTERN_LABELS,
    PUNCH_SOURCE_LABELS,
    SANCTION_LABELS,
    WEEKDAYS,
    error_text,
    punch_reading_text,
)
from attendance.services import calendar, jobs, people, punches, roster, shift_types
from attendance.services import today as today_service
from attendance.shifts.forms import CorrectionForm, GenerateForm, PunchImportForm, ShiftTypeForm
from attendance.web import import_job, permission_required, show_field_errors

bp = Blueprint("shifts", __name__)


def _default_team() -> str | None:
    teams = people.teams_reached(current_user)
    mine = next((t.code for t in teams if t.id == current_user.team_id), None)
    return mine or (teams[0].code if teams else None)


def _day(value: str | None, default: date) -> date:
    return dates.parse_day(value) if value else default


# --- shift types -------------------------------------------------------------------------------------


@bp.route("/shift-types", endpoint="shift_types")
@permission_required("roster.team")
def shift_types_page():
    return render_template("shifts/shift_types.html", shift_types=shift_types.list_shift_types(include_inactive=True))


@bp.route("/shift-types/new", methods=["GET", "POST"])
@bp.route("/shift-types/<code>/edit", methods=["GET", "POST"])
@permission_required("shifts.manage")
def edit_shift_type(code: str | None = None):
    row = shift_types.get_shift_type(code) if code else None
    # Not obj=row: WTForms lets an object's attribute win over ``data``, and row.breaks is the stored minutes
    # list, which the page showed as "[[1050, 1080]]" (so saving the form unchanged failed).
    form = ShiftTypeForm(data={"code": row.code, "name": row.name, "start": row.start, "end": row.end,
                               "breaks": ", ".join(f"{b['start']}-{b['end']}" for b in row.break_list),
                               "grace_minutes": row.grace_minutes, "active": row.active} if row else None)
    if row:
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        data = {"name": form.name.data, "start": form.start.data, "end": form.end.data,
                "breaks": form.breaks.data, "grace_minutes": form.grace_minutes.data}
        if row is None:
            data["code"] = form.code.data
        else:
            data["active"] = bool(form.active.data)
        try:
            shift_types.save_shift_type(current_user, data, code)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("shifts.shift_types"))
    status = 400 if request.method == "POST" else 200
    return render_template("shifts/shift_type_form.html", form=form, row=row), status


# --- the week roster ---------------------------------------------------------------------------------


@bp.route("/roster", endpoint="roster")
@permission_required("roster.team")
def roster_page():
    team = request.args.get("team") or _default_team()
    if team is None:
        return render_template("shifts/roster.html", grid=None, teams=[], shift_types=[], weekdays=WEEKDAYS)
    monday = calendar.week_start(_day(request.args.get("week"), clock.today()))
    grid = roster.roster_grid(current_user, team, monday, monday + timedelta(days=6))
    return render_template("shifts/roster.html", grid=grid, teams=people.teams_reached(current_user),
                           shift_types=shift_types.list_shift_types(), monday=monday, weekdays=WEEKDAYS,
                           prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7))


@bp.route("/roster", methods=["POST"])
@permission_required("roster.edit")
def save_roster():
    """Save the cells of the week grid that changed (each select sends its value and the one it had).

    A change to a day already judged is not saved at once: the page first shows what it would raise or
    reverse (the service judges it without saving), and the lead confirms (the same form again, ``confirm=1``).
    """
    team = request.form.get("team", "")
    week = request.form.get("week", "")
    changes = []
    for key, value in request.form.items():
        if not key.startswith("cell:"):
            continue
        no, day = key.split(":", 2)[1:]
        if value and value != request.form.get(f"was:{no}:{day}", ""):
            changes.append((no, day, value))
    try:
        if request.form.get("confirm") != "1":
            preview = roster.preview_cells(current_user, changes)
            if preview.needs_confirmation:
                kept = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirm")]
                return render_template("shifts/roster_confirm.html", preview=preview, fields=kept, team=team,
                                       week=week, sanctions=SANCTION_LABELS)
        change = roster.apply_cells(current_user, changes)
    except InvalidInput as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("shifts.roster", team=team, week=week))
    flash(_("%(n)s days changed.", n=change.changed))
    if change.effects:
        flash(_("Violations raised: %(raised)s; reversed: %(reversed)s.", raised=len(change.raised),
                reversed=len(change.reversed)))
    return redirect(url_for("shifts.roster", team=team, week=week))


@bp.route("/roster/copy-week", methods=["POST"])
@permission_required("roster.edit")
def copy_week():
    team, week = request.form.get("team", ""), request.form.get("week", "")
    n = roster.copy_week(current_user, team, week)
    flash(_("Last week copied: %(n)s days changed.", n=n))
    return redirect(url_for("shifts.roster", team=team, week=week))


@bp.route("/roster/generate", methods=["GET", "POST"])
@permission_required("roster.edit")
def generate():
    teams = [t for t in people.teams_reached(current_user) if roster.can_edit_team(current_user, t)]
    codes = [(s.code, f"{s.code} {s.name} {s.start}–{s.end}") for s in shift_types.list_shift_types()]
    form = GenerateForm()
    form.team.choices = [SelectChoice(t.code, f"{t.code} {t.name}") for t in teams]
    form.shift.choices = [SelectChoice(*c) for c in codes]
    form.sunday.choices = [SelectChoice(*c) for c in [("", _("(the same shift)")), *codes, (roster.REST, _("Rest"))]]
    if request.method == "GET":
        first = (clock.today().replace(day=28) + timedelta(days=4)).replace(day=1)
        form.start.data = first.isoformat()
        form.end.data = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).isoformat()
        form.team.data = _default_team()
    report = None
    if form.validate_on_submit():
        data = {"pattern": form.pattern.data, "shift": form.shift.data, "cycle": form.cycle.data,
                "from": form.start.data, "to": form.end.data, "rest_on_holidays": form.rest_on_holidays.data,
                "weekday_shifts": {"6": form.sunday.data} if form.sunday.data else {}}
        try:
            report = roster.generate_roster(current_user, form.team.data, data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Roster generated: %(n)s days for %(p)s people, %(c)s changed.", n=report.cells,
                    p=report.people, c=report.changed))
            return redirect(url_for("shifts.roster", team=report.team, week=report.start.isoformat()))
    status = 400 if request.method == "POST" else 200
    return render_template("shifts/generate.html", form=form, patterns=PATTERN_LABELS), status


# --- my month ----------------------------------------------------------------------------------------


@bp.route("/my/roster")
@permission_required("roster.view")
def my_month():
    month = request.args.get("month") or clock.today().strftime("%Y-%m")
    month_roster = calendar.my_month(current_user, month, request.args.get("employee_no") or None)
    first = month_roster.days[0]
    return render_template("shifts/my_month.html", roster=month_roster, weekdays=WEEKDAYS, today=clock.today(),
                           prev_month=(first - timedelta(days=1)).strftime("%Y-%m"),
                           next_month=(first + timedelta(days=32)).strftime("%Y-%m"))


# --- clocking in and out -----------------------------------------------------------------------------


@bp.route("/clock")
@permission_required("punches.own")
def clock_page():
    """Today's shift and the one button that makes sense now; after a punch, what it counted as."""
    punch_id = request.args.get("punch", type=int)
    state = punches.clock_state(current_user, punch_id)
    reading, zone = state.reading, clock.site_zone()
    message = punch_reading_text(reading, zone) if reading else None
    shift_day = reading.shift.start.astimezone(zone).date() if reading and reading.shift else state.day
    return render_template("shifts/clock.html", state=state, now=state.now, message=message, shift_day=shift_day)


@bp.route("/today")
@permission_required("punches.own")
def today():
    """今日: where staff land — their clock and what is asked of them."""
    data = today_service.today(current_user)
    return render_template("shifts/today.html", today=data, state=data.clock, now=data.clock.now)


@bp.route("/clock", methods=["POST"])
@permission_required("punches.own")
def clock_punch():
    punch = punches.clock_punch(current_user, request.form.get("direction", ""))
    return redirect(url_for("shifts.clock_page", punch=punch.id))


# --- punches: import and resolve ---------------------------------------------------------------------


@bp.route("/punches/import", methods=["GET", "POST"])
@permission_required("punches.import")
def import_punches():
    form = PunchImportForm()
    report = None
    if form.validate_on_submit():
        try:
            text = people.decode_upload(form.file.data.read())
            if jobs.runs_as_job(text):  # a large file: the page answers at once and shows the job's progress
                job = jobs.submit_import(current_user, "punch_import", text, name=form.file.data.filename or "")
                flash(_("The file has %(n)d lines: it is imported in the background (progress below).",
                        n=jobs.count_lines(text)))
                return redirect(url_for("shifts.import_punches", job=job.id) + "#job")
            report = punches.import_punches(current_user, text)
        except InvalidInput as exc:
            form.file.errors = [error_text(exc)]
    status = 400 if request.method == "POST" and report is None else 200
    return render_template("shifts/import.html", form=form, report=report,
                           background=import_job("punch_import")), status


@bp.route("/punches/<employee_no>/<day>", methods=["GET", "POST"])
@permission_required("punches.correct")
def day_punches(employee_no: str, day: str):
    """A person's punches of a day: add the one the clock missed, or void a wrong one."""
    day_value = dates.parse_day(day)
    day_punches = punches.punches_of_day(current_user, employee_no, day_value)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            punches.add_punch(current_user, {"employee_no": employee_no, "at": form.at.data,
                                             "direction": form.direction.data, "source": "correction",
                                             "note": form.note.data})
        except InvalidInput as exc:
            show_field_errors(form, exc)
        except DomainError as exc:
            flash(error_text(exc), "error")
        else:
            flash(_("Punch added; the day has been judged again."))
            return redirect(url_for("shifts.day_punches", employee_no=employee_no, day=day))
    elif request.method == "GET":
        form.at.data = f"{day_value.isoformat()}T18:00"
    status = 400 if request.method == "POST" else 200
    return render_template("shifts/day_punches.html", form=form, punches=day_punches, day=day_value,
                           zone=clock.site_zone(), person=people.get_employee(current_user, employee_no),
                           punch_source_labels=PUNCH_SOURCE_LABELS), status


@bp.route("/punches/<int:punch_id>/void", methods=["POST"])
@permission_required("punches.correct")
def void_punch(punch_id: int):
    punch = punches.void_punch(current_user, punch_id, request.form.get("reason", ""))
    flash(_("Punch voided; the day has been judged again."))
    day = punch.at.astimezone(clock.site_zone()).date()
    return redirect(url_for("shifts.day_punches", employee_no=punch.employee.employee_no, day=day))
