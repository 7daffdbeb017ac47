"""Handover book pages: thin; who writes, acknowledges and fines is the handovers service's."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.errors import status_of
from attendance.handovers.forms import FineForm, HandoverForm
from attendance.services import handovers as svc
from attendance.services import people
from attendance.web import can, permission_required, show_field_errors

bp = Blueprint("handovers", __name__, url_prefix="/handovers")


def _colleagues() -> list[SelectChoice]:
    team = current_user.team
    mates = [p for p in people.team_members(team) if p.id != current_user.id] if team else []
    return [SelectChoice("", _("Anyone of the team"))] + [SelectChoice(p.employee_no, p.name) for p in mates]


@bp.route("", methods=["GET", "POST"])
@permission_required("handovers.view")
def index():
    """交接本: write a handover (staff and leads) and the team's recent ones, those to acknowledge first."""
    form = HandoverForm()
    form.incoming_no.choices = _colleagues()
    status = 200
    if can("handovers.write") and form.validate_on_submit():
        try:
            row = svc.write(current_user, {"date": form.date.data, "shift": form.shift.data,
                                           "incoming_no": form.incoming_no.data, "open_cases": form.open_cases.data,
                                           "keys": form.keys.data, "notes": form.notes.data})
        except DomainError as exc:
            show_field_errors(form, exc)
            status = status_of(exc)
        else:
            flash(_("The handover is written."))
            return redirect(url_for("handovers.show", handover_id=row.id))
    elif request.method == "POST":
        status = 400
    rows = svc.list_handovers(current_user, team=request.args.get("team") or None, limit=50)
    waiting = [h for h in rows if svc.may_acknowledge(current_user, h)]
    return render_template("handovers/index.html", form=form, rows=rows, waiting=waiting,
                           zone=clock.site_zone(), may_write=can("handovers.write")), status


@bp.route("/<int:handover_id>")
@permission_required("handovers.view")
def show(handover_id: int):
    row = svc.get(current_user, handover_id)
    return render_template("handovers/show.html", h=row, zone=clock.site_zone(), fine_form=FineForm(),
                           may_ack=svc.may_acknowledge(current_user, row), may_fine=svc.may_fine(current_user, row),
                           fines=svc.fines(row))


@bp.route("/<int:handover_id>/acknowledge", methods=["POST"])
@permission_required("handovers.view")
def acknowledge(handover_id: int):
    try:
        svc.acknowledge(current_user, handover_id)
    except DomainError as exc:
        flash(_(exc.message), "error")
    else:
        flash(_("You acknowledged the handover."))
    return redirect(url_for("handovers.show", handover_id=handover_id))


@bp.route("/<int:handover_id>/fine", methods=["POST"])
@permission_required("swaps.handover")
def fine(handover_id: int):
    form = FineForm()
    try:
        v = svc.record_fine(current_user, handover_id, form.note.data)
    except DomainError as exc:
        flash(_(exc.message), "error")
        return redirect(url_for("handovers.show", handover_id=handover_id))
    flash(_("Recorded: %(rule)s.", rule=v.rule_code))
    return redirect(url_for("discipline.explanation", violation_id=v.id))
