"""Requests pages: thin; the chain, the rules and who may decide are the requests service's."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance import clock, labels
from attendance.domain.approvals import correction_moment
from attendance.domain.errors import DomainError
from attendance.errors import status_of
from attendance.labels import error_text
from attendance.reporting import discipline_documents as documents
from attendance.requests.forms import CorrectionForm, DecisionForm, ExtraShiftForm
from attendance.services import extra_shifts
from attendance.services import requests as svc
from attendance.web import can, permission_required, show_field_errors

bp = Blueprint("requests", __name__)


class _Labels:
    KIND, STATUS, STEP, ROLE = (labels.REQUEST_KIND_LABELS, labels.REQUEST_STATUS_LABELS, labels.STEP_STATUS_LABELS,
                                labels.STEP_ROLE_LABELS)


@bp.app_context_processor
def request_helpers() -> dict:
    return {"request_labels": _Labels, "message": labels.message, "local_time": documents.local_time,
            "request_summary": lambda r: labels.message(*svc.summary(r)),
            "extra_day_labels": labels.EXTRA_DAY_TYPE_LABELS}


@bp.context_processor
def correction_settings() -> dict:
    return {"correction_policy": svc.correction_policy()}


@bp.route("/approvals")
@permission_required("approvals.view")
def inbox():
    """待办: everything the signed-in person may decide now, oldest first, one tap each."""
    return render_template("requests/inbox.html", items=svc.inbox(current_user), form=DecisionForm())


@bp.route("/requests")
@permission_required("requests.view")
def mine():
    """我的申请: the person's own requests with their chains."""
    return render_template("requests/mine.html", items=svc.mine(current_user))


@bp.route("/requests/<int:request_id>")
@permission_required("requests.view")
def show(request_id: int):
    item = svc.get(current_user, request_id)
    own_page = svc.KINDS[item.kind].link(item)
    if own_page != url_for("requests.show", request_id=item.id):
        return redirect(own_page)  # a kind with pages of its own (leave) shows its request there
    return render_template("requests/show.html", item=item, form=DecisionForm(),
                           may_decide=can("approvals.decide") and svc.may_decide(current_user, item))


@bp.route("/requests/<int:request_id>/<any(approve, reject):outcome>", methods=["POST"])
@permission_required("approvals.decide")
def decide(request_id: int, outcome: str):
    form = DecisionForm()
    back = request.form.get("back") == "inbox"
    if not form.validate_on_submit():
        flash(_("The note is too long."), "error")
    else:
        try:
            svc.decide(current_user, request_id, outcome, form.note.data)
        except DomainError as exc:
            flash(error_text(exc), "error")
            if not back:
                item = svc.get(current_user, request_id)
                return render_template("requests/show.html", item=item, form=form, may_decide=False), \
                    status_of(exc)
        else:
            flash(_("Approved.") if outcome == "approve" else _("Rejected."))
    return redirect(url_for("requests.inbox") if back else url_for("requests.show", request_id=request_id))


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@permission_required("requests.view")
def withdraw(request_id: int):
    try:
        svc.withdraw(current_user, request_id)
    except DomainError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Your request is withdrawn."))
    return redirect(url_for("requests.show", request_id=request_id))


@bp.route("/requests/corrections/new", methods=["GET", "POST"])
@permission_required("requests.view")
def new_correction():
    """补卡申请: a missed clock-in or clock-out on a recent day."""
    form = CorrectionForm()
    if request.method == "GET":
        form.date.data = form.date.data or (clock.today() - timedelta(days=1)).isoformat()
        # The clock offers 补卡 for the day and the punch that is missing (?date=…&direction=in).
        if dates_given := request.args.get("date"):
            form.date.data = dates_given[:10]
        if request.args.get("direction") in ("in", "out"):
            form.direction.data = request.args["direction"]
    status = 200
    if form.validate_on_submit():
        try:
            made = svc.file_correction(current_user, {
                "employee_no": form.employee_no.data, "date": form.date.data, "direction": form.direction.data,
                "at": correction_moment(form.date.data, form.time.data, form.direction.data),
                "reason": form.reason.data})
        except DomainError as exc:
            show_field_errors(form, exc, {"at": "time"})
            status = status_of(exc)
        else:
            flash(_("Your correction is filed; your lead will decide it."))
            return redirect(url_for("requests.show", request_id=made.id))
    elif request.method == "POST":
        status = 400
    return render_template("requests/correction_form.html", form=form,
                           for_others=can("corrections.file_for")), status



@bp.route("/requests/extra-shifts/new", methods=["GET", "POST"])
@permission_required("extra_shifts.request")
def new_extra_shift():
    """加班申请: the day and hours of an extra shift, asked ahead or just after; the lead decides."""
    form = ExtraShiftForm()
    if request.method == "GET":
        form.date.data = form.date.data or clock.today().isoformat()
    status = 200
    if form.validate_on_submit():
        try:
            made = extra_shifts.file(current_user, {
                "employee_no": form.employee_no.data, "date": form.date.data, "start": form.start.data,
                "end": form.end.data, "reason": form.reason.data})
        except DomainError as exc:
            show_field_errors(form, exc)
            status = status_of(exc)
        else:
            flash(_("Your extra shift is filed; your lead will decide it."))
            return redirect(url_for("requests.show", request_id=made.id))
    elif request.method == "POST":
        status = 400
    return render_template("requests/extra_shift_form.html", form=form, settings=extra_shifts.settings(),
                           for_others=can("extra_shifts.file_for")), status
