"""Web sessions (Flask-Login) and the language of each request."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, session
from flask_login import current_user

from attendance.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from attendance.models import Employee

        person = db.session.get(Employee, int(user_id)) if user_id.isdigit() else None
        return person if person is not None and person.active else None


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
