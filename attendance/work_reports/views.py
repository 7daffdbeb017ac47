"""Work report pages: thin; deadlines, who owes a report and lateness are the work reports service's."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.errors import status_of
from attendance.labels import REPORT_KIND_LABELS, REPORT_STATUS_LABELS
from attendance.services import people
from attendance.services import work_reports as svc
from attendance.web import can, permission_required, show_field_errors
from attendance.work_reports.forms import HandInForm

bp = Blueprint("work_reports", __name__, url_prefix="/work-reports")


def _deadlines(policy) -> list[tuple[str, str, str]]:
    """Each kind's next deadline, and the nominal one when a day off moved it (else empty)."""
    now = clock.now()
    out = []
    for kind in policy.kinds:
        start = svc.current_period(policy, kind, now)
        due, nominal = svc.deadline(policy, kind, start)
        out.append((REPORT_KIND_LABELS[kind], due.strftime("%Y-%m-%d %H:%M"),
                    nominal.strftime("%Y-%m-%d %H:%M") if nominal != due else ""))
    return out


@bp.route("", methods=["GET", "POST"])
@permission_required("work_reports.hand_in")
def mine():
    """我的报表: hand in this week's or month's report, and the ones handed in before."""
    policy = svc.report_policy()
    form = HandInForm()
    form.kind.choices = [SelectChoice(k, REPORT_KIND_LABELS[k]) for k in policy.kinds]
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        blob = (upload.filename, upload.read(), upload.mimetype) if upload and upload.filename else None
        try:
            row = svc.hand_in(current_user, {"kind": form.kind.data, "period": form.period.data,
                                             "text": form.text.data}, blob)
        except DomainError as exc:
            show_field_errors(form, exc)
            status = status_of(exc)
        else:
            flash(_("Your report is handed in (late).") if svc.is_late(row) else _("Your report is handed in."))
            return redirect(url_for("work_reports.mine"))
    elif request.method == "POST":
        status = 400
    return render_template("work_reports/mine.html", form=form, reports=svc.my_reports(current_user),
                           deadlines=_deadlines(policy), kinds=REPORT_KIND_LABELS, late=svc.is_late,
                           zone=clock.site_zone()), status


@bp.route("/team")
@permission_required("work_reports.team")
def team():
    """Who of the team has handed in the report, and who has not."""
    policy = svc.report_policy()
    teams = people.teams_reached(current_user)
    code = request.args.get("team") or next((t.code for t in teams if t.id == current_user.team_id),
                                            teams[0].code if teams else None)
    kind = request.args.get("kind") or next(iter(policy.kinds), "weekly")
    if code is None:
        return render_template("work_reports/team.html", team=None, teams=teams, rows=[], kind=kind,
                               kinds=REPORT_KIND_LABELS, statuses=REPORT_STATUS_LABELS, start=None, due=None,
                               zone=clock.site_zone())
    the_team, start, due, rows = svc.team_status(current_user, code, kind, request.args.get("period") or None)
    return render_template("work_reports/team.html", team=the_team, teams=teams, rows=rows, kind=kind,
                           kinds={k: REPORT_KIND_LABELS[k] for k in policy.kinds}, statuses=REPORT_STATUS_LABELS,
                           start=start, due=due, zone=clock.site_zone(),
                           nominal=svc.rules.nominal_due_at(policy, kind, start, clock.site_zone()),
                           prev=svc.rules.period_of(kind, start.fromordinal(start.toordinal() - 1)),
                           next=svc.rules.next_period(kind, start))


@bp.route("/<int:report_id>")
@permission_required("self.view")
def show(report_id: int):
    row = svc.get_report(current_user, report_id)
    return render_template("work_reports/show.html", r=row, kinds=REPORT_KIND_LABELS, late=svc.is_late(row),
                           zone=clock.site_zone(), may_team=can("work_reports.team"))


@bp.route("/<int:report_id>/file")
@permission_required("self.view")
def file(report_id: int):
    path, mime, name = svc.report_file(current_user, report_id)
    return send_file(path, mimetype=mime, as_attachment=True, download_name=name)
