"""Pages for attendance: the team's day board, a person's month calendar, the monthly sheet 考勤表 (page and
XLSX), evaluating on demand, and meetings with the attendance the lead takes at them."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance import clock
from attendance.attendance.forms import ExcuseForm, MeetingForm
from attendance.domain import dates
from attendance.domain.errors import DomainError, InvalidInput
from attendance.domain.permissions import reach
from attendance.labels import (
    BOARD_LABELS,
    MEETING_KIND_LABELS,
    MEETING_MARK_LABELS,
    REQUEST_STATUS_LABELS,
    STATUS_LABELS,
    WEEKDAYS,
    error_text,
)
from attendance.reporting.attendance_sheet import (
    cell_kind,
    cell_text,
    heading,
    legend,
    total_headers,
    total_values,
)
from attendance.reporting.attendance_sheet import sheet_xlsx as build_xlsx
from attendance.services import attendance as service
from attendance.services import meetings, people
from attendance.web import can, permission_required

bp = Blueprint("attendance", __name__, url_prefix="/attendance")


def _default_team() -> str | None:
    teams = people.teams_reached(current_user)
    mine = next((t.code for t in teams if t.id == current_user.team_id), None)
    return mine or (teams[0].code if teams else None)


def _month_arg() -> str:
    return request.args.get("month") or clock.today().strftime("%Y-%m")


def _neighbours(month: str) -> tuple[str, str]:
    first = dates.parse_month(month)
    return (first - timedelta(days=1)).strftime("%Y-%m"), (first + timedelta(days=32)).strftime("%Y-%m")


@bp.route("/board")
@permission_required("attendance.team")
def board():
    team = request.args.get("team") or _default_team()
    day = dates.parse_day(request.args["date"]) if request.args.get("date") else clock.today()
    data = service.day_board(current_user, team, day) if team else None
    return render_template("attendance/board.html", board=data, teams=people.teams_reached(current_user), day=day,
                           labels=BOARD_LABELS, zone=clock.site_zone(), now=clock.now(),
                           prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))


@bp.route("/me")
@permission_required("attendance.view")
def calendar():
    month = _month_arg()
    person, days = service.my_calendar(current_user, month, request.args.get("employee_no") or None)
    prev_month, next_month = _neighbours(month)
    return render_template("attendance/calendar.html", person=person, days=days, labels=STATUS_LABELS,
                           weekdays=WEEKDAYS, zone=clock.site_zone(), today=clock.today(), month=month,
                           prev_month=prev_month, next_month=next_month)


@bp.route("/sheet")
@permission_required("attendance.team")
def sheet():
    month = _month_arg()
    team = request.args.get("team") or None
    data = service.month_sheet(current_user, month, team)
    prev_month, next_month = _neighbours(month)
    # On screen the month and its totals fit 1280 px: totals no one has (婚假 0 for everyone) are left to the XLSX.
    values = [total_values(row.totals) for row in data.rows]
    headers = total_headers()
    shown = [i for i in range(len(headers)) if i < 2 or any(v[i] for v in values)]
    return render_template("attendance/sheet.html", sheet=data, teams=people.teams_reached(current_user),
                           month=month, heading=heading(data), cell_text=cell_text, cell_kind=cell_kind,
                           total_headers=headers, total_columns=shown,
                           total_values=total_values, legend=legend(), weekdays=WEEKDAYS,
                           prev_month=prev_month, next_month=next_month)


@bp.route("/sheet.xlsx")
@permission_required("attendance.team")
def sheet_xlsx():
    month = _month_arg()
    data = service.month_sheet(current_user, month, request.args.get("team") or None)
    body = build_xlsx(data)
    filename = f"attendance-{month}{'-' + data.team.code if data.team else ''}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/evaluate", methods=["POST"])
@permission_required("attendance.evaluate")
def evaluate():
    day = request.form.get("date", "")
    team = request.form.get("team") or None
    try:
        report = service.evaluate(current_user, day, team=team)
    except InvalidInput as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("attendance.board", team=team))
    flash(_("%(days)s days judged, %(raised)s violations raised, %(reversed)s reversed, %(open)s not over yet.",
            days=report.days, raised=len(report.raised), reversed=report.reversed, open=report.not_over))
    for problem in report.problems:
        flash(problem, "error")
    return redirect(url_for("attendance.board", team=team, date=day))


# --- meetings ----------------------------------------------------------------------------------------


@bp.route("/meetings")
@permission_required("meetings.view")
def meeting_list():
    month = _month_arg()
    prev_month, next_month = _neighbours(month)
    return render_template("attendance/meetings.html", meetings=meetings.list_meetings(current_user, month=month),
                           kinds=MEETING_KIND_LABELS, month=month, prev_month=prev_month, next_month=next_month,
                           zone=clock.site_zone())


@bp.route("/meetings/new", methods=["GET", "POST"])
@permission_required("meetings.record")
def new_meeting():
    form = MeetingForm()
    teams = people.teams_reached(current_user)
    form.team.choices = [SelectChoice(t.code, f"{t.code} {t.name}") for t in teams]
    if reach(current_user.roles) == "all":
        form.team.choices.insert(0, SelectChoice("", _("Whole department")))
    if request.method == "GET":
        kind = request.args.get("kind", "morning")
        form.kind.data = kind if kind in MEETING_KIND_LABELS else "morning"
        form.date.data = meetings.default_day(form.kind.data, clock.today()).isoformat()
        form.start.data, form.end.data = meetings.default_times(form.kind.data)
        form.team.data = _default_team()
    if form.validate_on_submit():
        try:
            meeting = meetings.create_meeting(current_user, {
                "kind": form.kind.data, "team": form.team.data or None, "date": form.date.data,
                "start": form.start.data, "end": form.end.data, "title": form.title.data,
                "attendees": form.attendees.data or "", "notes": form.notes.data or ""})
        except DomainError as exc:
            for name, why in exc.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [why]
                else:
                    flash(f"{name}: {why}", "error")
        else:
            flash(_("Meeting added: now take attendance."))
            return redirect(url_for("attendance.meeting", meeting_id=meeting.id))
    status = 400 if request.method == "POST" else 200
    return render_template("attendance/meeting_form.html", form=form), status


@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@permission_required("meetings.view")
def meeting(meeting_id: int):
    item = meetings.get_meeting(current_user, meeting_id)
    if request.method == "POST":
        if not can("meetings.record"):
            abort(403)
        marks = {no: request.form.get(f"mark-{no}", "present") for no in request.form.getlist("people")}
        notes = {no: request.form.get(f"note-{no}", "") for no in marks}
        try:
            report = meetings.record_attendance(current_user, meeting_id, marks, notes)
        except InvalidInput as exc:
            flash(error_text(exc), "error")
            return redirect(url_for("attendance.meeting", meeting_id=meeting_id))
        flash(_("Attendance saved: %(raised)s violations raised, %(reversed)s reversed.",
                raised=len(report.raised), reversed=report.reversed))
        for problem in report.problems:
            flash(problem, "error")
        return redirect(url_for("attendance.meeting", meeting_id=meeting_id))
    marks = {a.employee_id: a for a in item.attendance}
    return render_template("attendance/meeting.html", meeting=item, people=meetings.participants(item), marks=marks,
                           kinds=MEETING_KIND_LABELS, mark_labels=MEETING_MARK_LABELS, zone=clock.site_zone())


@bp.route("/meetings/mine")
@permission_required("meetings.attend")
def my_meetings():
    """我的会议: the meetings I must attend, with sign-in on the phone and a request to be excused."""
    items = meetings.mine(current_user)
    return render_template("attendance/my_meetings.html", meetings=items, kinds=MEETING_KIND_LABELS,
                           excuses=meetings.excuses(current_user), zone=clock.site_zone(), now=clock.now(),
                           marks={m.id: next((a for a in m.attendance if a.employee_id == current_user.id), None)
                                  for m in items}, mark_labels=MEETING_MARK_LABELS, form=ExcuseForm(),
                           statuses=REQUEST_STATUS_LABELS)


@bp.route("/meetings/<int:meeting_id>/sign-in", methods=["POST"])
@permission_required("meetings.attend")
def sign_in(meeting_id: int):
    try:
        row = meetings.sign_in(current_user, meeting_id)
    except DomainError as exc:
        flash(_(exc.message, minutes=meetings.times().sign_in_before_minutes), "error")
    else:
        flash(_("Signed in: %(mark)s.", mark=MEETING_MARK_LABELS[row.mark]))
    return redirect(url_for("attendance.my_meetings"))


@bp.route("/meetings/<int:meeting_id>/excuse", methods=["POST"])
@permission_required("meetings.attend")
def excuse(meeting_id: int):
    form = ExcuseForm()
    try:
        meetings.file_excuse(current_user, meeting_id, form.reason.data)
    except DomainError as exc:
        flash(_(exc.message, days=meetings.times().excuse_days_before), "error")
    else:
        flash(_("Your request to be excused is sent to the lead."))
    return redirect(url_for("attendance.my_meetings"))
