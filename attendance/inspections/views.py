"""Quality inspection pages: the inspector's form (paste a transcript, see the phrases highlighted, confirm),
and HR's month per team (a table and a chart). Thin: the phrases and the rules are the service's."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance import clock
from attendance.domain import dates
from attendance.domain import inspections as rules
from attendance.domain.errors import DomainError
from attendance.errors import status_of
from attendance.inspections.forms import InspectionForm
from attendance.labels import PHRASE_CATEGORY_LABELS
from attendance.services import inspections as svc
from attendance.web import can, permission_required, show_field_errors

bp = Blueprint("inspections", __name__)


@bp.route("/inspections/new", methods=["GET", "POST"])
@permission_required("inspections.record")
def new():
    """质检: the call or chat, the score, a pasted transcript checked against the phrase lists; the inspector
    confirms the phrases heard (found ones ticked), and a forbidden one raises FORBIDDEN_PHRASE."""
    form = InspectionForm()
    policy = svc.settings()
    matches, ticked, status = None, set(), 200
    if request.method == "POST":
        ticked = set(request.form.getlist("phrases"))
        if request.form.get("action") == "check" or not form.validate_on_submit():
            if request.form.get("action") == "check":
                matches = rules.find(form.transcript.data or "", policy)
                ticked = {m.code for m in matches}
            else:
                status = 400
        else:
            try:
                row = svc.record(current_user, {
                    "employee_no": form.employee_no.data, "channel": form.channel.data,
                    "reference": form.reference.data, "score": form.score.data,
                    "transcript": form.transcript.data or "", "phrases": sorted(ticked)})
            except DomainError as exc:
                show_field_errors(form, exc)
                status = status_of(exc)
            else:
                flash(_("Inspection recorded; a forbidden phrase was recorded as a violation and the person told.")
                      if row.violation else _("Inspection recorded."))
                return redirect(url_for("inspections.index", month=clock.today().strftime("%Y-%m")))
    return render_template("inspections/new.html", form=form, policy=policy, matches=matches,
                           segments=rules.segments(form.transcript.data or "", matches or []), ticked=ticked,
                           categories=PHRASE_CATEGORY_LABELS), status


@bp.route("/inspections")
@permission_required("inspections.report")
def index():
    """The month's inspections per team: counts, those with a forbidden phrase, the average and top phrases."""
    month = request.args.get("month") or clock.today().strftime("%Y-%m")
    try:
        first, teams, known = svc.month_summary(current_user, month)
    except DomainError as exc:
        flash(_(exc.message), "error")
        first, teams, known = svc.month_summary(current_user, clock.today().strftime("%Y-%m"))
    return render_template("inspections/index.html", month=first, teams=teams, known=known,
                           prev_month=dates.add_months(first, -1), next_month=dates.add_months(first, 1),
                           may_record=can("inspections.record"))


@bp.route("/inspections/chart.png")
@permission_required("inspections.report")
def chart():
    month = request.args.get("month") or clock.today().strftime("%Y-%m")
    body = svc.month_chart(current_user, month, title=_("Inspections per team, %(month)s", month=month),
                           clean=_("Without a forbidden phrase"), forbidden=_("With a forbidden phrase"),
                           empty=_("No inspections this month."))
    return Response(body, mimetype="image/png")
