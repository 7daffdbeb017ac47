"""Signing in and out, changing one's password, and switching the language."""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from attendance import security_log
from attendance.auth.forms import LoginForm, PasswordForm
from attendance.auth.session import end_session, keep_session, start_session
from attendance.domain.errors import InvalidInput, Throttled
from attendance.services import accounts
from attendance.services.today import landing_is_today
from attendance.web import show_field_errors

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None, person=None) -> str:
    # Only same-site paths, so the login page cannot be used to bounce people elsewhere.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return _landing(person)


def _landing(person=None) -> str:
    """Staff land on today (their clock, what is asked of them); leads and the office on their record."""
    person = person or current_user
    if not person.is_authenticated:
        return url_for("people.me")
    return url_for("shifts.today") if landing_is_today(person) else url_for("people.me")


def _throttled_message(error: Throttled) -> str:
    return _("Too many failed sign-ins. Try again in %(minutes)s minutes.",
             minutes=max(1, math.ceil(error.retry_after / 60)))


@bp.route("/")
def index():
    return redirect(_landing() if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data
        try:
            person = accounts.sign_in(username, form.password.data, request.remote_addr)
        except Throttled as exc:
            security_log.event("login.throttled", outcome="refused", username=username, channel="page",
                               level=logging.WARNING)
            # The same page whether or not the username exists: it was counted either way.
            form.password.errors.append(_throttled_message(exc))
            return (render_template("auth/login.html", form=form), 429,
                    {"Retry-After": str(exc.retry_after)})
        if person is not None:
            start_session(person)
            security_log.event("login.success", outcome="success", person=person.employee_no, channel="page")
            if person.must_change_password:
                return redirect(url_for("auth.password"))
            return redirect(_safe_next(request.args.get("next"), person))
        security_log.event("login.failure", outcome="failure", username=username, channel="page",
                           level=logging.WARNING)
        form.password.errors.append(_("Unknown username or wrong password."))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out here and everywhere else: the person's session generation moves on, so a copy of this
    cookie (or another device's) is no longer a session."""
    person = current_user._get_current_object()
    accounts.sign_out(person)
    end_session()
    security_log.event("logout", outcome="success", person=person.employee_no)
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Choose a new password (the current one first). Other sessions and every API token end; this one goes on."""
    person = current_user._get_current_object()
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            proven = accounts.sign_in(person.username, form.current.data, request.remote_addr)
            if proven is None or proven.id != person.id:
                security_log.event("password.change", outcome="failure", person=person.employee_no,
                                   level=logging.WARNING)
                form.current.errors.append(_("Wrong password."))
            else:
                accounts.change_own_password(person, form.new.data)
                keep_session(person)
                security_log.event("password.change", outcome="success", person=person.employee_no)
                flash(_("Password changed. Every other session and API token has been signed out."))
                return redirect(url_for("people.me"))
        except Throttled as exc:
            form.current.errors.append(_throttled_message(exc))
            return (render_template("auth/password.html", form=form, must=person.must_change_password,
                            min_length=accounts.MIN_PASSWORD), 429,
                    {"Retry-After": str(exc.retry_after)})
        except InvalidInput as exc:
            show_field_errors(form, exc, rename={"password": "new"})
    if request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form, must=person.must_change_password,
                            min_length=accounts.MIN_PASSWORD), status


@bp.route("/language/<lang>", methods=["POST"])
def language(lang: str):
    """Switch language; a signed-in person keeps the choice on their account."""
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(url_for("auth.index"))
    session["lang"] = lang
    if current_user.is_authenticated:
        accounts.set_locale(current_user, lang)
        flash(_("Language changed."))
    return redirect(_safe_next(request.form.get("next")))
