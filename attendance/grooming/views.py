"""Pages for grooming: the team check on a phone, a person's history, the monthly insight and its chart.

The check is one form for the whole team: every item passes unless tapped, one submit records
everyone. A hidden one-time token (a uuid made when the page is drawn) makes a double click or a
replayed form record nothing twice; CSRF is checked by Flask-WTF's global CSRFProtect.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from attendance import clock
from attendance.domain.errors import N_, DomainError, InvalidInput
from attendance.errors import status_of
from attendance.labels import error_text, translated
from attendance.services import grooming as service
from attendance.web import can, permission_required

bp = Blueprint("grooming", __name__, url_prefix="/grooming")


def _day_arg(name: str = "date"):
    value = request.values.get(name)
    return service.parse_day(value) if value else None


def _default_team() -> str | None:
    teams = service.checkable_teams(current_user)
    if current_user.team_id and any(t.id == current_user.team_id for t in teams):
        return next(t.code for t in teams if t.id == current_user.team_id)
    return teams[0].code if teams else None


@bp.route("")
@permission_required("grooming.view")
def index():
    """Leads and supervisors go to the check, the office to the insight, staff to their own history."""
    if can("grooming.check") and service.checkable_teams(current_user):
        return redirect(url_for("grooming.check"))
    if can("grooming.report") and service.report_teams(current_user):
        return redirect(url_for("grooming.report"))
    return redirect(url_for("grooming.history", employee_no=current_user.employee_no))


@bp.route("/check")
@permission_required("grooming.check")
def check():
    roll = service.roll(current_user, request.args.get("team") or _default_team(), _day_arg(),
                        request.args.get("shift") or None)
    return render_template("grooming/check.html", roll=roll, teams=service.checkable_teams(current_user),
                           form_token=uuid.uuid4().hex, today=clock.today())


def _entries_from_form() -> list[service.Entry]:
    entries = []
    for no in request.form.getlist("people"):
        base = request.form.get(f"base-{no}")
        # str.isdigit() accepts "²", and a number past INTEGER would reach the database: digits, bounded
        if base not in (None, "") and not (base.isascii() and base.isdigit() and int(base) < 2**31):
            raise InvalidInput(N_("bad form"), fields={f"people.{no}": N_("reload the page")})
        photo = request.files.get(f"photo-{no}")
        evidence = None
        if photo is not None and photo.filename:
            evidence = (photo.filename, photo.read(), photo.mimetype or "")
        entries.append(service.Entry(
            employee_no=no,
            absent=request.form.get(f"absent-{no}") == "1",
            failed={code: "" for code in request.form.getlist(f"fail-{no}")},
            note=request.form.get(f"note-{no}", ""),
            evidence=evidence,
            expect_current=int(base) if base else None,
            check_current=base is not None,
        ))
    return entries


@bp.route("/check", methods=["POST"])
@permission_required("grooming.check")
def submit():
    team = request.form.get("team", "")
    try:
        result = service.submit_team(current_user, team, request.form.get("date"),
                                     request.form.get("shift") or None, _entries_from_form(),
                                     form_token=request.form.get("form_token") or None)
    except DomainError as exc:
        return _check_again(exc)
    if result.replayed:
        flash(_("This check was already recorded."))
    else:
        flash(ngettext("Recorded %(num)d check.", "Recorded %(num)d checks.", result.changed) + " "
              + ngettext("%(num)d violation raised.", "%(num)d violations raised.", len(result.raised))
              + (" " + ngettext("%(num)d violation reversed.", "%(num)d violations reversed.",
                                len(result.reversed)) if result.reversed else ""))
    return redirect(url_for("grooming.check", team=result.team.code, date=result.day.isoformat(),
                            shift=result.shift_code or None), code=303)


def _check_again(error: DomainError):
    """A refused check (nothing was stored) comes back as the lead left it: every tick, absence and note
    kept, and each problem beside the person it concerns. Only a form whose team or day cannot be drawn
    again goes to the error page."""
    form = request.form
    try:
        roll = service.roll(current_user, form.get("team") or None, _day_arg(), form.get("shift") or None)
    except DomainError:
        raise error from None
    entered = {no: {"absent": form.get(f"absent-{no}") == "1", "failed": form.getlist(f"fail-{no}"),
                    "note": form.get(f"note-{no}", ""), "base": form.get(f"base-{no}", "")}
               for no in form.getlist("people")}
    beside: dict[str, list[str]] = {}
    general: list[str] = []
    for name, why in error.fields.items():
        parts = str(name).split(".")
        if parts[0] == "people" and len(parts) > 1 and parts[1] in entered:
            beside.setdefault(parts[1], []).append(translated(why))
        else:
            general.append(translated(why))
    if not beside:
        general.insert(0, error_text(error))
    photos = [no for no in entered if request.files.get(f"photo-{no}") and request.files[f"photo-{no}"].filename]
    return render_template("grooming/check.html", roll=roll, teams=service.checkable_teams(current_user),
                           form_token=uuid.uuid4().hex, today=clock.today(), entered=entered, beside=beside,
                           general=general, photos_again=photos), status_of(error)


@bp.route("/people/<employee_no>")
@permission_required("grooming.view")
def history(employee_no: str):
    person, checks = service.history(current_user, employee_no)
    names = service.item_names(c.policy_version_id for c in checks)
    return render_template("grooming/history.html", person=person, checks=checks, names=names)


def _report_args() -> tuple[str, str]:
    team = request.args.get("team")
    if not team:
        teams = service.report_teams(current_user)
        if not teams:
            abort(404)
        own = [t for t in teams if t.id == current_user.team_id]
        team = (own or teams)[0].code
    return team, request.args.get("month") or clock.today().strftime("%Y-%m")


@bp.route("/report")
@permission_required("grooming.report")
def report():
    team, month = _report_args()
    insight = service.month_insight(current_user, team, month)
    return render_template("grooming/report.html", insight=insight, teams=service.report_teams(current_user))


@bp.route("/report/chart.<fmt>")
@permission_required("grooming.report")
def chart(fmt: str):
    from attendance.reporting import grooming_charts

    if fmt not in ("png", "svg"):
        abort(404)
    team, month = _report_args()
    insight = service.month_insight(current_user, team, month)
    words = chart_words(insight)
    if fmt == "svg":
        return Response(grooming_charts.failed_items_svg(insight, **words), mimetype="image/svg+xml")
    return Response(grooming_charts.failed_items_png(insight, **words), mimetype="image/png")


def chart_words(insight) -> dict[str, str]:
    """The grooming chart's title and axis words, in the reader's language."""
    return {"title": _("Most failed grooming items — %(team)s %(month)s", team=insight.team.name,
                       month=str(insight.month)),
            "xlabel": _("Failures"), "empty": _("No failed items")}
