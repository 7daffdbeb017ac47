"""Web sessions (Flask-Login) and the language of each request.

A session is over, whatever the cookie says, when (ASVS 5.0 7.3.2, 7.4.1, 7.4.2):

- the person's ``session_generation`` is no longer the one the session started with (they signed out on
  any device, their password changed, or they were deactivated), or
- it began more than ``PERMANENT_SESSION_LIFETIME`` ago (``SESSION_HOURS``, default 12: an absolute limit,
  however busy the session was).

Both are checked in the user loader, so on every request that looks at who is signed in.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, has_request_context, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from attendance.extensions import db, login_manager

GENERATION = "generation"
SIGNED_IN_AT = "signed_in_at"
KEPT_ACROSS_SIGN_IN = ("lang",)
# What a person with a one-time password may still reach before choosing their own.
OPEN_BEFORE_PASSWORD_CHANGE = {"auth.password", "auth.logout", "auth.language", "auth.login", "static"}


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from attendance.models import Employee

        person = db.session.get(Employee, int(user_id)) if user_id.isdigit() else None
        if person is None or not person.active:
            return None
        if session.get(GENERATION) != person.session_generation:
            return None
        started = session.get(SIGNED_IN_AT)
        lifetime = current_app.permanent_session_lifetime.total_seconds()
        if not isinstance(started, int | float) or not 0 <= time.time() - started <= lifetime:
            return None
        return person

    app.before_request(_password_change_first)


def start_session(person) -> None:
    """Sign ``person`` in on a fresh session (ASVS 5.0 7.2.4: nothing from before sign-in is carried
    over but the chosen language), stamped with their generation and the time."""
    kept = {key: session[key] for key in KEPT_ACROSS_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    login_user(person)
    session.permanent = True  # the cookie itself expires with PERMANENT_SESSION_LIFETIME too
    session[GENERATION] = person.session_generation
    session[SIGNED_IN_AT] = int(time.time())


def keep_session(person) -> None:
    """This session goes on after the person's generation moved (their own password change)."""
    session[GENERATION] = person.session_generation


def end_session() -> None:
    kept = {key: session[key] for key in KEPT_ACROSS_SIGN_IN if key in session}
    logout_user()
    session.clear()
    session.update(kept)


def _password_change_first():
    """Pages lead a person who still has a one-time password to the change-password page."""
    from attendance.errors import is_api_request

    if request.endpoint in OPEN_BEFORE_PASSWORD_CHANGE or request.endpoint is None or is_api_request():
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.password"))
    return None


def select_locale() -> str:
    """Chinese first; a signed-in person's own choice (on a page, or the API's caller), else the choice
    made on the login page."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands: the site's default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    person = g.get("actor")  # the API's caller, known by their bearer token
    if person is None and current_user and current_user.is_authenticated:
        person = current_user
    if person is not None and person.locale in languages:
        return person.locale
    chosen = session.get("lang")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["SITE_TIMEZONE"]
