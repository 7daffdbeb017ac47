"""Swaps pages: thin; the kinds, the rules, who may answer or decide are the swaps service's."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance import clock, labels
from attendance.domain import dates
from attendance.domain.errors import DomainError
from attendance.errors import status_of
from attendance.labels import error_text, translated
from attendance.reporting import discipline_documents as documents
from attendance.services import people
from attendance.services import swaps as svc
from attendance.swaps.forms import HandoverFineForm, NoteForm, SwapForm, VerdictForm
from attendance.web import can, permission_required, show_field_errors

bp = Blueprint("swaps", __name__, url_prefix="/swaps")

FORM_TITLE = "换班、换休申请表"  # the paper form's own name, kept in Chinese in both languages


class _Labels:
    KIND, STATUS, ROLE, STEP = (labels.SWAP_KIND_LABELS, labels.SWAP_STATUS_LABELS, labels.STEP_ROLE_LABELS,
                                labels.STEP_STATUS_LABELS)


@bp.app_context_processor
def swap_helpers() -> dict:
    """The swap vocabulary for every page (the day board shows the day's swaps too)."""
    return {"swap_labels": _Labels, "swap_summary": lambda swap: labels.message(*svc.summary(swap)),
            "local_time": documents.local_time}


def _month() -> str:
    return request.args.get("month") or clock.today().strftime("%Y-%m")


@bp.route("")
@permission_required("swaps.view")
def index():
    """换班: the swaps I am in (and my team's, for a lead) counted in a month, each person's count against
    the limit, and what waits for my answer."""
    month = _month()
    first = dates.parse_month(month)
    page = svc.list_swaps(current_user, month=first, status=request.args.get("status") or None,
                          cursor=request.args.get("cursor") or None)
    counts = svc.month_summary(current_user, first)
    waiting = [s for s in (r.swap for r in page.items) if svc.may_answer(current_user, s)]
    return render_template("swaps/index.html", page=page, swaps=[r.swap for r in page.items], counts=counts,
                           waiting=waiting, month=month, statuses=labels.SWAP_STATUS_LABELS,
                           prev_month=(first - timedelta(days=1)).strftime("%Y-%m"),
                           next_month=(first + timedelta(days=32)).strftime("%Y-%m"))


def _colleague_choices(form: SwapForm) -> None:
    form.counterpart_no.choices = [SelectChoice("", _("Choose a colleague"))] + [
        SelectChoice(p.employee_no, f"{p.name}（{p.employee_no}）") for p in svc.colleagues(current_user)]


@bp.route("/new", methods=["GET", "POST"])
@permission_required("swaps.request")
def new():
    """换班、换休申请: my shift, the colleague and theirs, why, and what they need to know to take over."""
    form = SwapForm()
    _colleague_choices(form)
    if request.method == "GET":
        form.kind.data = request.args.get("kind") or form.kind.data
    status = 200
    if form.validate_on_submit():
        try:
            made = svc.file_swap(current_user, {
                "kind": form.kind.data, "requester_no": form.requester_no.data,
                "requester_date": form.requester_date.data, "counterpart_no": form.counterpart_no.data,
                "counterpart_date": form.counterpart_date.data, "reason": form.reason.data,
                "handover_note": form.handover_note.data})
        except DomainError as exc:
            show_field_errors(form, exc)
            if exc.fields:
                flash(error_text(exc), "error")
            status = status_of(exc)
        else:
            flash(_("Your swap is asked; your colleague answers first, then the approver."))
            return redirect(url_for("swaps.show", request_id=made.id))
    elif request.method == "POST":
        status = 400
    return render_template("swaps/new.html", form=form, policy=svc.settings(),
                           for_others=can("swaps.file_for")), status


def _show(swap, form=None, status=200):
    fine_form = HandoverFineForm()
    fine_form.employee_no.choices = [SelectChoice(p.employee_no, p.name) for p in (swap.counterpart, swap.requester)]
    return render_template(
        "swaps/show.html", swap=swap, form=form or NoteForm(), fine_form=fine_form,
        may_answer=svc.may_answer(current_user, swap), may_decide=svc.may_decide(current_user, swap),
        below_cover=svc.below_cover(swap) if svc.may_decide(current_user, swap) else [],
        may_withdraw=svc.may_withdraw(current_user, swap), may_fine=svc.may_fine_handover(current_user, swap),
        fines=svc.handover_fines(swap) if can("violations.view") or current_user.id in (
            swap.requester_id, swap.counterpart_id) else []), status


@bp.route("/<int:request_id>")
@permission_required("swaps.view")
def show(request_id: int):
    return _show(svc.get_swap(current_user, request_id))


@bp.route("/<int:request_id>/<any(accept, decline, approve, reject, withdraw):verb>", methods=["POST"])
@permission_required("swaps.view")
def act(request_id: int, verb: str):
    """One tap: the colleague accepts or declines, the approver approves or rejects, either side withdraws."""
    form = NoteForm()
    if verb in ("approve", "reject") and not can("approvals.decide"):
        abort(403)
    if not form.validate_on_submit():
        flash(_("The note is too long."), "error")
        return redirect(url_for("swaps.show", request_id=request_id))
    note = form.note.data
    try:
        if verb == "accept":
            svc.accept(current_user, request_id, note)
        elif verb == "decline":
            svc.decline(current_user, request_id, note)
        elif verb == "withdraw":
            svc.withdraw(current_user, request_id)
        else:
            svc.decide(current_user, request_id, verb, note)
    except DomainError as exc:
        if "note" in exc.fields:  # beside the note field, where the approver types it
            form.note.errors = [translated(exc.fields["note"])]
        else:
            flash(error_text(exc), "error")
        return _show(svc.get_swap(current_user, request_id), form, status_of(exc))
    flash({"accept": _("Accepted: the approver decides next."), "decline": _("Declined."),
           "approve": _("Approved: the roster is changed."), "reject": _("Rejected."),
           "withdraw": _("The swap is withdrawn.")}[verb])
    return redirect(url_for("swaps.show", request_id=request_id))


@bp.route("/<int:request_id>/handover-fine", methods=["POST"])
@permission_required("swaps.handover")
def handover_fine(request_id: int):
    """The lead records the fine for a missed handover (SWAP_HANDOVER) from the swap's page."""
    form = HandoverFineForm()
    form.employee_no.choices = []
    if not form.validate_on_submit():
        flash(_("Choose who missed the handover."), "error")
        return redirect(url_for("swaps.show", request_id=request_id))
    try:
        violation = svc.record_handover_fine(current_user, request_id, form.employee_no.data, form.note.data)
    except DomainError as exc:
        flash(error_text(exc), "error")
        return _show(svc.get_swap(current_user, request_id), status=status_of(exc))
    flash(_("Recorded: %(rule)s for %(name)s.", rule=violation.rule_code, name=violation.employee.name))
    return redirect(url_for("swaps.show", request_id=request_id))


@bp.route("/<int:request_id>/form")
@permission_required("swaps.view")
def paper(request_id: int):
    """《换班、换休申请表》 as a page to print and sign."""
    swap = svc.get_swap(current_user, request_id)
    return render_template("swaps/form.html", swap=swap, title=FORM_TITLE, zone=clock.site_zone())


# --- private swaps ---------------------------------------------------------------------------------


def _default_team() -> str | None:
    teams = people.teams_reached(current_user)
    mine = next((t.code for t in teams if t.id == current_user.team_id), None)
    return mine or (teams[0].code if teams else None)


@bp.route("/private")
@permission_required("swaps.private")
def private():
    """私下换班: days someone punched for a colleague's shift with no approved swap, for the lead to confirm
    (UNAPPROVED_SWAP for both) or dismiss."""
    team = request.args.get("team") or _default_team()
    end = dates.parse_day(request.args["to"], "to") if request.args.get("to") else clock.today()
    start = dates.parse_day(request.args["from"], "from") if request.args.get("from") else end - timedelta(days=6)
    found = svc.suspected(current_user, team, start, end) if team else []
    done = svc.reviews(current_user, team, start, end) if team else []
    return render_template("swaps/private.html", team=team, teams=people.teams_reached(current_user), start=start,
                           end=end, found=found, done=done, form=VerdictForm())


@bp.route("/private/<any(confirm, dismiss):verdict>", methods=["POST"])
@permission_required("swaps.private")
def review(verdict: str):
    form = VerdictForm()
    back = url_for("swaps.private", team=request.form.get("team") or None, **{
        "from": request.form.get("from") or None, "to": request.form.get("to") or None})
    if not form.validate_on_submit():
        flash(_("Something is missing from the verdict."), "error")
        return redirect(back)
    try:
        svc.review_private(current_user, {"absent_no": form.absent_no.data, "worker_no": form.worker_no.data,
                                          "date": form.date.data, "note": form.note.data},
                           "confirmed" if verdict == "confirm" else "dismissed")
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(back)
    flash(_("Confirmed: both are recorded for an unapproved swap, and the day is judged again.")
          if verdict == "confirm" else _("Dismissed: attendance stays as judged."))
    return redirect(back)
