"""Shared by the page blueprints: the permission guard, navigation by role, errors as HTML or JSON."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, flash, render_template, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, InternalServerError

from attendance.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleRefused,
    Unauthenticated,
)
from attendance.domain.permissions import allowed

STATUS = {InvalidInput: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, RuleRefused: 422}

# (endpoint, label, action) — the navigation each role sees follows from the permission table.
NAV = [
    # staff: their own day
    ("people.me", _l("My record"), "self.view"),
    ("shifts.clock_page", _l("Clock in/out"), "punches.own"),
    ("shifts.my_month", _l("My roster"), "roster.view"),
    ("attendance.calendar", _l("My attendance"), "attendance.view"),
    # leads on the floor
    ("grooming.index", _l("Grooming"), "grooming.view"),
    ("discipline.record", _l("Record violation"), "violations.record"),
    ("shifts.roster", _l("Roster"), "roster.team"),
    ("attendance.board", _l("Attendance"), "attendance.team"),
    # supervisors, managers, HR
    ("discipline.violations", _l("Violations"), "violations.view"),
    ("discipline.appeals", _l("Appeals"), "appeals.decide"),
    ("discipline.dismissal_reviews", _l("Dismissal reviews"), "dismissal.view"),
    ("discipline.ledger", _l("Fines ledger"), "ledger.view"),
    ("scores.dashboard", _l("Scores"), "scores.dashboard"),
    ("scores.payroll", _l("Payroll deductions"), "payroll.view"),
    # administration
    ("people.employees", _l("Employees"), "employees.view"),
    ("people.teams", _l("Teams"), "teams.view"),
    ("policy.show", _l("Policy"), "policy.view"),
]


def can(action: str) -> bool:
    return bool(current_user and current_user.is_authenticated and allowed(current_user.roles, action))


def permission_required(action: str):
    """Log in first, then the permission table decides; 403 otherwise."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not can(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def show_field_errors(form, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """Put a service's field problems beside the form fields they concern; anything else as a flash."""
    for name, why in error.fields.items():
        field = getattr(form, (rename or {}).get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, why] if isinstance(field.errors, list) else [why]
        else:
            flash(f"{name}: {gettext(why)}", "error")
    if not error.fields:
        flash(error.message, "error")


def nav_items() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label, action in NAV if can(action)]


def template_helpers() -> dict:
    return {"can": can, "nav_items": nav_items, "get_locale": get_locale}


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def register_errors(app: Flask) -> None:
    from attendance.api.core import error_body, flatten_messages, is_api_request

    def http_error(error: HTTPException):
        if is_api_request():
            data = getattr(error, "data", None) or {}
            fields = flatten_messages(data["messages"]) if "messages" in data else None
            message = data.get("message") or (
                "invalid input" if fields else (error.description or error.name))
            headers = data.get("headers") or {}
            return error_body(error.code or 500, message=message, fields=fields), error.code, headers
        return render_template("errors/error.html", status=error.code, error=error), error.code

    def domain_error(error: DomainError):
        status = status_of(error)
        if is_api_request():
            return error_body(status, error.code, error.message, error.fields), status
        return render_template("errors/error.html", status=status, error=error), status

    def unexpected(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return http_error(InternalServerError())

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(DomainError, domain_error)
    if not app.testing:
        app.register_error_handler(Exception, unexpected)
