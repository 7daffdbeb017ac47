"""Signing in and out, and switching the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from attendance.auth.forms import LoginForm
from attendance.services import accounts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so the login page cannot be used to bounce people elsewhere.
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("people.me")


@bp.route("/")
def index():
    return redirect(url_for("people.me") if current_user.is_authenticated else url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        person = accounts.authenticate(form.username.data, form.password.data)
        if person is not None:
            login_user(person)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Unknown username or wrong password."))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


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
