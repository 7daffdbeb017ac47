"""Leave pages (请假): the request form, my leave, one leave with its chain and what may be done with it, the
balances, HR's register, the team's leave calendar and the printable form. Thin: the rules, who may do what
and every number shown are the leave service's."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from attendance import clock, labels
from attendance.domain import dates
from attendance.domain.errors import N_, DomainError, InvalidInput, RuleRefused
from attendance.domain.leave import days_text
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.errors import status_of
from attendance.labels import error_text, translated
from attendance.leave.forms import (
    CancelForm,
    CertificateForm,
    DecisionForm,
    EntitlementForm,
    ExtendForm,
    LeaveForm,
    ReturnForm,
)
from attendance.services import calendar, paging, people
from attendance.services import leave as svc
from attendance.services import requests as requests_service
from attendance.web import can, permission_required

bp = Blueprint("leave", __name__)

CALENDAR_DAYS = 28
# The service's field names, as the forms call them (a balance refusal is about the type chosen).
FORM_FIELDS = {"type": "leave_type", "days": "leave_type"}
CHOOSE_FILE = N_("Choose the file.")


class _Labels:
    TYPE, STATUS, HALF = labels.LEAVE_TYPE_LABELS, labels.LEAVE_STATUS_LABELS, labels.HALF_DAY_LABELS
    MARK = labels.LEAVE_MARKS
    ROLE, STEP = labels.ROLE_LABELS, labels.STEP_STATUS_LABELS


def _local(instant) -> str:
    return instant.astimezone(clock.site_zone()).strftime("%Y-%m-%d %H:%M") if instant else ""


@bp.context_processor
def leave_helpers() -> dict:
    return {"leave_labels": _Labels, "days_text": days_text, "local_time": _local, "weekdays": labels.WEEKDAYS}


# --- errors beside their fields, in the reader's language ------------------------------------------


def _add_error(form, name: str, text: str) -> bool:
    field = getattr(form, FORM_FIELDS.get(name, name), None)
    if field is None or not hasattr(field, "errors"):
        return False
    field.errors = [*field.errors, text]
    return True


def _show_errors(form, exc: DomainError, rule: str | None = None) -> None:
    """A refusal: its message at the top and the rule beside the field it concerns. Bad input: each problem
    beside its field. Anything without a field: at the top."""
    if isinstance(exc, RuleRefused) or not exc.fields:
        flash(error_text(exc), "error")
        first = next(iter(exc.fields), "emergency" if exc.code == "emergency_by_lead" else "")
        if not _add_error(form, first, rule or error_text(exc)) and rule:
            flash(rule, "error")
        return
    for name, why in exc.fields.items():
        if not _add_error(form, name, translated(why)):
            flash(f"{error_text(exc)} ({name}: {translated(why)})", "error")


def _ahead(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48 and hours % 24 == 0:
        return _("%(n)s days", n=hours // 24)
    return _("%(n)s hours", n=hours)


def _rule(code: str, hint: svc.Preview | None) -> str | None:
    """The rule behind a refusal of the form, with this leave's own numbers (from the service's preview)."""
    if hint is None:
        return None
    if code == "leave_notice" and hint.ask_by is not None:
        if hint.emergency:
            return _("An emergency leave is filed at most %(ahead)s after it begins: this one by %(by)s.",
                     ahead=_ahead(hint.notice), by=_local(hint.ask_by))
        return _("A leave of this type and length is asked %(ahead)s before it begins: this one by %(by)s.",
                 ahead=_ahead(hint.notice), by=_local(hint.ask_by))
    if code == "leave_balance" and hint.balance is not None and hint.balance.remaining is not None \
            and hint.days is not None:
        return _("%(type)s left: %(remaining)s days (of %(entitled)s; %(pending)s pending); this leave needs "
                 "%(days)s.", type=_Labels.TYPE[hint.leave_type], remaining=days_text(hint.balance.remaining),
                 entitled=days_text(hint.balance.entitled), pending=days_text(hint.balance.pending),
                 days=days_text(hint.days))
    if code == "leave_overlap" and hint.overlapping:
        other = hint.overlapping[0]
        return _("Already on leave from %(start)s to %(end)s (%(status)s).", start=other.start_day.isoformat(),
                 end=other.end_day.isoformat(), status=_Labels.STATUS[other.status])
    return None


# --- asking for leave ------------------------------------------------------------------------------


def _people_choices(form: LeaveForm) -> bool:
    """Whom the form may file for: oneself, and for a lead or the office the people they reach."""
    form.employee_no.choices = [SelectChoice("", _("Myself"))]
    if not can("leave.file_for"):
        return False
    reached = people.list_employees(current_user, limit=500).items
    form.employee_no.choices += [SelectChoice(p.employee_no, f"{p.name} · {p.employee_no}")
                                 for p in reached if p.id != current_user.id]
    return True


def _preview(data: dict) -> svc.Preview | None:
    try:
        return svc.preview(current_user, data)
    except DomainError:
        return None


@bp.route("/leave/new", methods=["GET", "POST"])
@permission_required("leave.request")
def new():
    """请假: the form, with the person's balance and the chain that will decide shown before sending."""
    form = LeaveForm()
    for_others = _people_choices(form)
    if request.method == "GET":
        for name, key in (("leave_type", "type"), ("start", "start"), ("end", "end"), ("employee_no", "employee_no")):
            if request.args.get(key):
                getattr(form, name).data = request.args[key]
    status = 200
    if form.validate_on_submit():
        upload = form.certificate.data
        certificate = (upload.filename, upload.read(), upload.mimetype) if upload and upload.filename else None
        try:
            made = svc.file_leave(current_user, form.fields_for_service(), certificate)
        except DomainError as exc:
            _show_errors(form, exc, _rule(exc.code, _preview(form.fields_for_service())))
            status = status_of(exc)
        else:
            flash(_("Your leave request is sent; you are told of each decision."))
            return redirect(url_for("leave.show", request_id=made.id))
    elif request.method == "POST":
        status = 400
    return render_template("leave/form.html", form=form, for_others=for_others,
                           hint=_preview(form.fields_for_service()),
                           emergency_window=_ahead(timedelta(hours=svc.leave_policy().emergency_report_hours)),
                           file_again=request.method == "POST" and bool(request.files.get("certificate"))), status


@bp.route("/leave/new/hint")
@permission_required("leave.request")
def hint():
    """The form's hint for the fields typed so far (the form's script asks for it as they change)."""
    data = {key: request.args.get(key) for key in ("employee_no", "type", "start", "end", "half_day", "emergency")}
    return render_template("leave/_hint.html", hint=_preview(data))


# --- my leave, one leave ---------------------------------------------------------------------------


@bp.route("/leave")
@permission_required("requests.view")
def mine():
    """我的请假, newest first; a lead or the office may switch to everyone they reach (``?scope=team``)."""
    team_view = request.args.get("scope") == "team" and can("leave.calendar")
    status = request.args.get("status") or None
    page = svc.list_leave(current_user, employee_no=None if team_view else current_user.employee_no,
                          status=status if status in svc.STATUSES else None, limit=30,
                          cursor=request.args.get("cursor"))
    return render_template("leave/mine.html", page=page, team_view=team_view, status=status)


def _show(leave, status: int = 200, **forms):
    for name, cls in (("decision", DecisionForm), ("cancel", CancelForm), ("extend", ExtendForm),
                      ("back", ReturnForm), ("certificate", CertificateForm)):
        forms.setdefault(name, cls(formdata=None))
    actions = svc.actions(current_user, leave)
    below_cover = requests_service.below_cover(leave.request) if actions.decide else []
    return render_template("leave/show.html", leave=leave, item=leave.request, actions=actions, below_cover=below_cover,
                           extensions=svc.extensions(leave), leave_policy=svc.leave_policy(), forms=forms), status


@bp.route("/leave/<int:request_id>")
@permission_required("requests.view")
def show(request_id: int):
    return _show(svc.get_leave(current_user, request_id))


def _refused(request_id: int, form_name: str, form, exc: DomainError, rule: str | None = None):
    _show_errors(form, exc, rule)
    return _show(svc.get_leave(current_user, request_id), status_of(exc), **{form_name: form})


@bp.route("/leave/<int:request_id>/<any(approve, reject):outcome>", methods=["POST"])
@permission_required("approvals.decide")
def decide(request_id: int, outcome: str):
    form = DecisionForm()
    back_to_inbox = request.form.get("back") == "inbox"
    if not form.validate_on_submit():
        return _show(svc.get_leave(current_user, request_id), 400, decision=form)
    try:
        requests_service.decide(current_user, request_id, outcome, form.note.data, kind="leave")
    except DomainError as exc:
        return _refused(request_id, "decision", form, exc)
    flash(_("Approved.") if outcome == "approve" else _("Rejected."))
    return redirect(url_for("requests.inbox") if back_to_inbox else url_for("leave.show", request_id=request_id))


@bp.route("/leave/<int:request_id>/cancel", methods=["POST"])
@permission_required("requests.view")
def cancel(request_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        return _show(svc.get_leave(current_user, request_id), 400, cancel=form)
    try:
        leave = svc.cancel(current_user, request_id, form.reason.data)
    except DomainError as exc:
        return _refused(request_id, "cancel", form, exc)
    flash(_("The leave is cancelled.") if leave.status == "cancelled"
          else _("Your approvers are asked to cancel it; the leave stands until one of them does."))
    return redirect(url_for("leave.show", request_id=request_id))


@bp.route("/leave/<int:request_id>/extend", methods=["POST"])
@permission_required("leave.request")
def extend(request_id: int):
    """续假: a new request for the days after the end, through the approvers again."""
    form = ExtendForm()
    if not form.validate_on_submit():
        return _show(svc.get_leave(current_user, request_id), 400, extend=form)
    try:
        made = svc.extend(current_user, request_id, {"end": form.end.data, "reason": form.reason.data})
    except DomainError as exc:
        rule = None
        if exc.code == "extension_too_late":
            rule = _("An extension is asked at least %(ahead)s before the leave ends.",
                     ahead=_ahead(timedelta(hours=svc.leave_policy().extension_notice_hours)))
        return _refused(request_id, "extend", form, exc, rule)
    flash(_("The extension is asked; it goes to the approvers."))
    return redirect(url_for("leave.show", request_id=made.id))


@bp.route("/leave/<int:request_id>/return", methods=["POST"])
@permission_required("requests.view")
def report_back(request_id: int):
    """销假: the person is back (now, or at the time given)."""
    form = ReturnForm()
    if not form.validate_on_submit():
        return _show(svc.get_leave(current_user, request_id), 400, back=form)
    try:
        svc.report_back(current_user, request_id, form.at.data or None)
    except DomainError as exc:
        return _refused(request_id, "back", form, exc)
    flash(_("Reported back; the lead and the supervisor are told."))
    return redirect(url_for("leave.show", request_id=request_id))


@bp.route("/leave/<int:request_id>/certificate", methods=["POST"])
@permission_required("requests.view")
def add_certificate(request_id: int):
    form = CertificateForm()
    upload = form.certificate.data if form.validate_on_submit() else None
    if not (upload and upload.filename):
        return _refused(request_id, "certificate", form,
                        InvalidInput(CHOOSE_FILE, fields={"certificate": CHOOSE_FILE}))
    try:
        svc.add_certificate(current_user, request_id, (upload.filename, upload.read(), upload.mimetype or ""))
    except DomainError as exc:
        return _refused(request_id, "certificate", form, exc)
    flash(_("The certificate is kept with the leave."))
    return redirect(url_for("leave.show", request_id=request_id))


@bp.route("/leave/<int:request_id>/certificate")
@permission_required("requests.view")
def certificate(request_id: int):
    """The certificate, for the person, the leave's approvers and HR; every view is recorded."""
    path, mime = svc.certificate_file(current_user, request_id)
    return send_file(path, mimetype=mime, download_name=f"certificate-{request_id}{path.suffix}")


@bp.route("/leave/<int:request_id>/print")
@permission_required("requests.view")
def print_form(request_id: int):
    """《请假申请单》 to print: the leave and its chain's signatures."""
    return render_template("leave/print.html", leave=svc.get_leave(current_user, request_id))


# --- balances --------------------------------------------------------------------------------------


def _balances_page(employee_no: str | None, year, form: EntitlementForm | None = None, status: int = 200):
    person, year, rows = svc.balances(current_user, employee_no, year)
    if can("leave.balances"):
        form = form or EntitlementForm(formdata=None, employee_no=person.employee_no, year=str(year))
        form.leave_type.choices = [SelectChoice(r.leave_type, _Labels.TYPE[r.leave_type]) for r in rows if r.limited]
    return render_template("leave/balances.html", person=person, year=year, rows=rows, form=form,
                           history=svc.entitlement_history(current_user, person.employee_no)), status


@bp.route("/leave/balances")
@permission_required("requests.view")
def balances():
    """Entitled, used, pending and remaining days by type for a year: one's own, or (HR, a lead) someone's."""
    return _balances_page(request.args.get("employee_no") or None, request.args.get("year"))


@bp.route("/leave/balances", methods=["POST"])
@permission_required("leave.balances")
def set_balance():
    """HR sets a person's days of a type for the year, with the reason; the change is kept in the history."""
    form = EntitlementForm()
    form.leave_type.choices = [SelectChoice(t, _Labels.TYPE[t]) for t in LEAVE_TYPES]
    if form.validate_on_submit():
        try:
            row = svc.set_entitlement(current_user, form.employee_no.data, form.leave_type.data,
                                      {"year": form.year.data, "entitled": form.entitled.data,
                                       "reason": form.reason.data})
        except DomainError as exc:
            _show_errors(form, exc)
            return _balances_page(form.employee_no.data, form.year.data, form, status_of(exc))
        flash(_("Saved: %(type)s is now %(days)s days.", type=_Labels.TYPE[row.leave_type],
                days=days_text(row.entitled)))
        return redirect(url_for("leave.balances", employee_no=form.employee_no.data, year=form.year.data))
    if not form.employee_no.data:
        return _balances_page(None, None, None, 400)
    return _balances_page(form.employee_no.data, form.year.data, form, 400)


# --- HR's register, the team's calendar -----------------------------------------------------------


@bp.route("/leave/register")
@permission_required("leave.register")
def register():
    """请假登记: approved leave by month (or from–to), team and type, newest first, a page at a time."""
    args = request.args
    month = args.get("month", "")
    if not (month or args.get("from") or args.get("to")):
        month = clock.today().strftime("%Y-%m")
    status = 200
    try:
        page = svc.leave_register(current_user, month=month, start=args.get("from"), end=args.get("to"),
                                  team=args.get("team"), leave_type=args.get("type") or None,
                                  cursor=args.get("cursor"))
    except InvalidInput as exc:
        flash(error_text(exc) + "".join(f" {translated(why)}" for why in exc.fields.values()), "error")
        page, status = paging.Page([], None), 400
    return render_template("leave/register.html", page=page, month=month, teams=people.teams_reached(current_user),
                           types=LEAVE_TYPES), status


@bp.route("/leave/calendar")
@permission_required("leave.calendar")
def team_calendar():
    """Who of the team is off when: the four weeks from the week asked, approved and pending apart."""
    teams = people.teams_reached(current_user)
    code = request.args.get("team") or next((t.code for t in teams if t.id == current_user.team_id),
                                            teams[0].code if teams else None)
    week = request.args.get("week")
    monday = calendar.week_start(dates.parse_day(week, "week") if week else clock.today())
    grid = svc.team_calendar(current_user, code, monday, CALENDAR_DAYS) if code else None
    return render_template("leave/calendar.html", grid=grid, teams=teams, monday=monday, today=clock.today(),
                           prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7))
