"""Discipline pages: record a violation, lists, the penalty notice, appeals, dismissal reviews, the ledger."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from attendance import clock, labels
from attendance.discipline.forms import AppealDecisionForm, DismissalForm, ReasonForm, RecordForm, TransferForm
from attendance.domain.discipline import APPEAL_STATUSES, DISMISSAL_STATUSES, TRANSFER_STATUSES
from attendance.domain.errors import N_, DomainError, InvalidInput
from attendance.domain.permissions import reach
from attendance.errors import status_of
from attendance.labels import error_text
from attendance.reporting import discipline_documents as documents
from attendance.reporting.explanation import explanation_sections
from attendance.services import discipline as svc
from attendance.services import people
from attendance.services import policy as policy_service
from attendance.web import can, permission_required, show_field_errors

bp = Blueprint("discipline", __name__)


@bp.app_context_processor
def discipline_helpers() -> dict:
    return {"discipline_labels": labels, "my_discipline": lambda: svc.my_discipline(current_user),
            "local_time": documents.local_time}


def _status() -> int:
    """A form that comes back on a POST was refused."""
    return 400 if request.method == "POST" else 200


# --- recording ---------------------------------------------------------------------------------


@bp.route("/violations/new", methods=["GET", "POST"])
@permission_required("violations.record")
def record():
    form = RecordForm()
    if request.method == "GET":
        form.employee.data = request.args.get("employee_no", "")
        form.occurred_at.data = clock.now().strftime("%Y-%m-%dT%H:%M")
    status = _status()
    if form.validate_on_submit():
        upload = form.evidence.data
        try:
            violation, person = _record(form, upload)
        except DomainError as exc:
            show_field_errors(form, exc, {"employee_no": "employee"})
            status = status_of(exc)
        else:
            flash(_("Recorded: occurrence %(n)d of %(rule)s for %(name)s.", n=violation.occurrence,
                    rule=violation.rule_name_en if _english() else violation.rule_name_zh, name=person.name))
            return redirect(url_for("discipline.violation", violation_id=violation.id))
    rules = [svc.rule_choice(r, _english()) for r in policy_service.in_force(clock.today()).policy.rules.values()]
    choices = people.list_employees(current_user, limit=500).items
    return render_template("discipline/record.html", form=form, rules=rules, choices=choices), status


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _record(form: RecordForm, upload):
    """Read both pickers before anything is written: each one's problem is shown beside it, and a name or
    rule the pickers cannot read as exactly one records nothing (no guess by the first word)."""
    problems: dict = {}
    person = rule_code = occurred_at = None
    try:
        person = svc.pick_person(current_user, form.employee.data)
    except InvalidInput as exc:
        problems.update(exc.fields)
    try:
        occurred_at = svc.parse_instant(form.occurred_at.data)
    except InvalidInput as exc:
        problems.update(exc.fields)
    try:
        rule_code = svc.pick_rule((occurred_at or clock.now()).astimezone(clock.site_zone()).date(),
                                  form.rule.data, english=_english())
    except InvalidInput as exc:
        problems.update(exc.fields)
    if problems:
        raise InvalidInput(N_("The violation was not recorded; see each field."), fields=problems)
    violation = svc.record_violation(
        current_user, employee=person, rule_code=rule_code, occurred_at=occurred_at, note=form.note.data or "",
        amount=(form.amount.data or "").strip() or None, source=form.source.data, choice=form.choice.data or None,
        evidence=(upload.filename, upload.read(), upload.mimetype) if upload and upload.filename else None)
    return violation, person


# --- lists and one violation -------------------------------------------------------------------


@bp.route("/violations")
@permission_required("self.view")
def violations():
    """Violations the viewer may see (staff: their own), newest first."""
    args = request.args
    page = svc.violations_for(current_user, args.get("employee_no") or None, args.get("month") or None,
                              team=args.get("team") or None, cursor=args.get("cursor") or None)
    teams = people.list_teams() if can("teams.view") else []
    return render_template("discipline/violations.html", page=page, teams=teams)


@bp.route("/violations/<int:violation_id>")
@permission_required("self.view")
def violation(violation_id: int):
    v = svc.get_violation(current_user, violation_id)
    wrong = svc.out_of_step(v.employee, v.rule_code) if can("violations.restep") else []
    return render_template("discipline/violation.html", v=v, out_of_step=wrong, form=ReasonForm())


@bp.route("/violations/<int:violation_id>/evidence")
@permission_required("self.view")
def evidence(violation_id: int):
    path, mime = svc.evidence_file(current_user, violation_id)
    return Response(path.read_bytes(), mimetype=mime,  # at most 5 MB
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
                             "Content-Disposition": f'inline; filename="evidence-{violation_id}{path.suffix}"'})


@bp.route("/violations/<int:violation_id>/explanation")
@permission_required("self.view")
def explanation(violation_id: int):
    """Why this penalty (PIPL Art. 24): the rule and its rule book, what happened, the counting, the appeal."""
    found = svc.explain(current_user, violation_id)
    return render_template("discipline/explanation.html", v=found.violation, may_appeal=found.may_appeal,
                           sections=explanation_sections(found.as_data(), found.rule, found.after_ladder))


@bp.route("/violations/<int:violation_id>/evidence-bundle")
@permission_required("violations.evidence_bundle")
def evidence_bundle(violation_id: int):
    """The evidence bundle (one ZIP) for a dispute; each download is audited."""
    name, data = svc.evidence_bundle(current_user, violation_id)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


@bp.route("/violations/<int:violation_id>/notice")
@permission_required("self.view")
def notice(violation_id: int):
    """《违纪处罚通知单》 as a page to print."""
    v = svc.get_violation(current_user, violation_id)
    return render_template("discipline/notice.html", v=v, fields=documents.notice_fields(v, svc.notice_citation(v)),
                           signatures=documents.signature_lines(), title=documents.NOTICE_TITLE)


@bp.route("/violations/<int:violation_id>/notice.pdf")
@permission_required("self.view")
def notice_pdf(violation_id: int):
    v = svc.get_violation(current_user, violation_id)
    return Response(documents.penalty_notice_pdf(v, citation=svc.notice_citation(v)), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=notice-{v.id}.pdf"})


def _act_on(violation_id: int, action, done: str):
    """Run a POST action from the violation page; problems come back on that page."""
    v = svc.get_violation(current_user, violation_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("A reason is required."), "error")
        return render_template("discipline/violation.html", v=v, out_of_step=[], form=form), 400
    try:
        action(v, form.reason.data)
    except DomainError as exc:
        flash(error_text(exc), "error")
        v = svc.get_violation(current_user, violation_id)
        return render_template("discipline/violation.html", v=v, out_of_step=[], form=form), status_of(exc)
    flash(done)
    return redirect(url_for("discipline.violation", violation_id=violation_id))


@bp.route("/violations/<int:violation_id>/reverse", methods=["POST"])
@permission_required("ledger.reverse")
def reverse(violation_id: int):
    return _act_on(violation_id, lambda v, reason: svc.reverse_violation(current_user, v, reason),
                   _("Reversed; a reversal entry was posted."))


@bp.route("/violations/<int:violation_id>/restep", methods=["POST"])
@permission_required("violations.restep")
def restep(violation_id: int):
    return _act_on(violation_id, lambda v, reason: svc.restep(current_user, v.employee, v.rule_code, reason),
                   _("Re-stepped: each one was reversed and posted again on its right step."))


# --- appeals -----------------------------------------------------------------------------------


@bp.route("/violations/<int:violation_id>/appeal", methods=["GET", "POST"])
@permission_required("appeals.file")
def appeal(violation_id: int):
    v = svc.get_violation(current_user, violation_id)
    if v.employee_id != current_user.id:
        abort(403)
    form = ReasonForm()
    status = _status()
    if form.validate_on_submit():
        try:
            svc.file_appeal(current_user, violation_id, form.reason.data)
        except DomainError as exc:
            show_field_errors(form, exc)
            status = status_of(exc)
        else:
            flash(_("Your appeal has been filed; a supervisor will decide it."))
            return redirect(url_for("discipline.violation", violation_id=violation_id))
    return render_template("discipline/appeal.html", v=v, form=form), status


@bp.route("/appeals")
@permission_required("appeals.decide")
def appeals():
    status = request.args.get("status", "pending")
    if status not in APPEAL_STATUSES:
        raise InvalidInput(_("Unknown status"), fields={"status": "one of " + ", ".join(APPEAL_STATUSES)})
    page = svc.appeals(current_user, status, cursor=request.args.get("cursor") or None)
    return render_template("discipline/appeals.html", page=page, status=status)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@permission_required("appeals.decide")
def decide_appeal(appeal_id: int):
    item = svc.get_appeal(current_user, appeal_id)
    form = AppealDecisionForm()
    status = _status()
    if form.validate_on_submit():
        try:
            svc.decide_appeal(current_user, appeal_id, form.outcome.data, form.reason.data)
        except DomainError as exc:
            show_field_errors(form, exc)
            status = status_of(exc)
            item = svc.get_appeal(current_user, appeal_id)
        else:
            flash(_("Decided."))
            return redirect(url_for("discipline.violation", violation_id=item.violation_id))
    return render_template("discipline/appeal_decide.html", appeal=item, v=item.violation, form=form), status


# --- dismissal reviews -------------------------------------------------------------------------


@bp.route("/dismissal-reviews")
@permission_required("dismissal.view")
def dismissal_reviews():
    status = request.args.get("status", "pending")
    if status not in DISMISSAL_STATUSES:
        raise InvalidInput(_("Unknown status"), fields={"status": "one of " + ", ".join(DISMISSAL_STATUSES)})
    page = svc.dismissal_reviews(current_user, status, cursor=request.args.get("cursor") or None)
    return render_template("discipline/dismissal_reviews.html", page=page, status=status, form=DismissalForm())


@bp.route("/dismissal-reviews/<int:review_id>", methods=["POST"])
@permission_required("dismissal.decide")
def decide_dismissal(review_id: int):
    form = DismissalForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("A decision and a reason are required."))
        svc.decide_dismissal(current_user, review_id, form.outcome.data, form.reason.data)
    except DomainError as exc:
        flash(error_text(exc), "error")
        page = svc.dismissal_reviews(current_user, "pending")
        return render_template("discipline/dismissal_reviews.html", page=page, status="pending",
                               form=form), status_of(exc)
    flash(_("Decision recorded."))
    return redirect(url_for("discipline.dismissal_reviews"))


# --- transfers (调岗) HR completes ------------------------------------------------------------------


@bp.route("/transfers")
@permission_required("transfers.view")
def transfers():
    status = request.args.get("status", "pending")
    if status not in TRANSFER_STATUSES:
        raise InvalidInput(_("Unknown status"), fields={"status": "one of " + ", ".join(TRANSFER_STATUSES)})
    page = svc.transfers(current_user, status, cursor=request.args.get("cursor") or None)
    return render_template("discipline/transfers.html", page=page, status=status, form=TransferForm())


@bp.route("/transfers/<int:transfer_id>", methods=["POST"])
@permission_required("transfers.complete")
def complete_transfer(transfer_id: int):
    form = TransferForm()
    try:
        if not form.validate_on_submit():
            raise InvalidInput(_("Say what was done."), fields={"note": "required"})
        svc.complete_transfer(current_user, transfer_id, form.note.data)
    except DomainError as exc:
        flash(exc.message, "error")
        page = svc.transfers(current_user, "pending")
        return render_template("discipline/transfers.html", page=page, status="pending", form=form), status_of(exc)
    flash(_("Transfer completed."))
    return redirect(url_for("discipline.transfers"))


# --- the violation log 《客服人员违纪记录表》 --------------------------------------------------------


def _log_args() -> tuple[str, str]:
    team = request.args.get("team") or (current_user.team.code if current_user.team else "")
    if not team:  # a lead's first team; for the office, the first team
        led = people.teams_led_by(current_user)
        teams = people.list_teams()
        team = next((t.code for t in teams if t.id in led or reach(current_user.roles) == "all"), "")
    if not team:
        raise InvalidInput(_("Choose a team."), fields={"team": "required"})
    return team, request.args.get("month") or clock.today().strftime("%Y-%m")


@bp.route("/violations/log")
@permission_required("violations.view")
def log():
    team_code, month = _log_args()
    team, rows = svc.violation_log(current_user, team_code, month)
    return render_template("discipline/log.html", team=team, month=month, rows=rows,
                           teams=people.list_teams(), title=documents.LOG_TITLE)


@bp.route("/violations/log.csv")
@permission_required("violations.view")
def log_csv():
    team_code, month = _log_args()
    team, rows = svc.violation_log(current_user, team_code, month)
    return Response(documents.log_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=violations-{team.code}-{month}.csv"})


@bp.route("/violations/log.xlsx")
@permission_required("violations.view")
def log_xlsx():
    team_code, month = _log_args()
    team, rows = svc.violation_log(current_user, team_code, month)
    return Response(documents.log_xlsx(rows, team_name=team.name, month=month),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=violations-{team.code}-{month}.xlsx"})


# --- the ledger --------------------------------------------------------------------------------


@bp.route("/ledger")
@permission_required("self.view")
def ledger():
    """Ledger entries with running balances (staff: their own)."""
    args = request.args
    page = svc.ledger_for(current_user, args.get("employee_no") or None, args.get("month") or None,
                          cursor=args.get("cursor") or None)
    return render_template("discipline/ledger.html", page=page)
