"""客服部考勤·排班·纪律系统 — the Flask application factory."""

from __future__ import annotations

import logging
import os

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, UnicodeConverter

# The largest id a database INTEGER key holds. A larger one in a URL names nothing (404) instead of
# reaching PostgreSQL, which refuses the query (a 500) — found by the API fuzzer (tests/api/test_fuzz_api.py).
MAX_ID = 2**31 - 1


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply for Python to read is bad JSON (400), not a 500."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative id, documented with MAX_ID as its maximum. A larger one is a
    404 at once; werkzeug's own check (a ValidationError) would let the URL fall to a rule of another method,
    a 405."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.max:
            raise NotFound(f"no such id: the largest is {self.max}")
        return number


class TextConverter(UnicodeConverter):
    """``<…>`` and ``<string:…>``: a path segment without NUL, which PostgreSQL refuses in a query's text."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters.update(default=TextConverter, string=TextConverter, int=IdConverter)
    from attendance.config import from_environment

    app.config.from_mapping(from_environment(app.instance_path, app.root_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.json = JSONProvider(app)
    app.json.ensure_ascii = False
    trust_proxies(app)
    # The security log (attendance.security_log) writes at INFO through the app's logger's handler.
    app.logger  # noqa: B018  (creating it gives the "attendance" logger Flask's handler when it has none)
    logging.getLogger("attendance.security").setLevel(logging.INFO)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For and -Proto from ``TRUSTED_PROXIES`` proxies in front of the app, so logs and
    the sign-in throttle see the real client address (ASVS 5.0 4.1.3). 0 (the default) believes none: a
    client cannot pick the address it is counted under."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


# Scripts and styles only from our own static files (no inline script, no inline style attributes), pictures
# also from data:/blob: URLs (the grooming page previews the photo just taken), never shown in a frame.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _no_store(response):
    """Signed-in pages and API answers carry personal data and money: never kept by a browser or a proxy
    (ASVS 14.2.2). Static files stay cacheable; a response that chose its own caching keeps it."""
    from flask import request
    from flask_login import current_user

    if request.path.startswith("/static/") or "no-store" in response.headers.get("Cache-Control", ""):
        return response
    if request.path.startswith("/api/") or current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def register_extensions(app: Flask) -> None:
    from flask_talisman import Talisman

    from attendance import models  # noqa: F401  (every model known before Alembic looks)
    from attendance.auth.session import init_login, select_locale, select_timezone
    from attendance.extensions import api, babel, csrf, db, migrate

    db.init_app(app)
    from attendance.services.transaction import configure_engine

    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    from attendance import task_queue
    from attendance.services.jobs import run as run_job
    from attendance.services.outbox import send_due

    task_queue.init_app(app, run_job, send_due)
    https = bool(app.config.get("SESSION_COOKIE_SECURE"))
    # One Talisman per app: it keeps its options on itself, so a shared instance would take the last app's.
    app.extensions["talisman"] = Talisman(
        app, content_security_policy=CONTENT_SECURITY_POLICY, frame_options="DENY",
        referrer_policy="same-origin", x_content_type_options=True,
        force_https=https, strict_transport_security=https, strict_transport_security_max_age=31_536_000,
        session_cookie_secure=https, session_cookie_http_only=True, session_cookie_samesite="Lax")
    app.after_request(_no_store)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Every message goes through the wording of the policy in force (labels.PayWordedDomain): under the
    # "performance_pay" treatment nothing is called a fine (罚款).
    from attendance.labels import PayWordedDomain
    from attendance.services.policy import pay_treatment

    PayWordedDomain.treatment = staticmethod(pay_treatment)
    babel.domain_instance = PayWordedDomain()
    init_login(app)
    from attendance.api.core import ErrorSchema, register_error_answers

    api.ERROR_SCHEMA = ErrorSchema  # the documented error responses show the body the API really sends
    api.DEFAULT_ERROR_RESPONSE_NAME = None  # each route lists its own error answers (api/core.py, errors)
    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}]})
    register_error_answers(api.spec)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]


def register_blueprints(app: Flask) -> None:
    """One page blueprint per capability, then the API under /api/v1."""
    from attendance.api import register as register_api
    from attendance.attendance.views import bp as attendance_bp
    from attendance.auth.views import bp as auth_bp
    from attendance.discipline.views import bp as discipline_bp
    from attendance.grooming.views import bp as grooming_bp
    from attendance.handovers.views import bp as handovers_bp
    from attendance.inspections.views import bp as inspections_bp
    from attendance.leave.views import bp as leave_bp
    from attendance.notifications.views import bp as notifications_bp
    from attendance.people.views import bp as people_bp
    from attendance.policy.views import bp as policy_bp
    from attendance.privacy.views import bp as privacy_bp
    from attendance.requests.views import bp as requests_bp
    from attendance.scores.views import bp as scores_bp
    from attendance.shifts.views import bp as shifts_bp
    from attendance.swaps.views import bp as swaps_bp
    from attendance.work_reports.views import bp as work_reports_bp

    for bp in (auth_bp, people_bp, policy_bp, discipline_bp, shifts_bp, attendance_bp, grooming_bp, scores_bp,
               requests_bp, leave_bp, swaps_bp, notifications_bp, privacy_bp, work_reports_bp,
               handovers_bp, inspections_bp):
        app.register_blueprint(bp)
    register_api(app)

    from attendance.web import template_globals, template_helpers

    app.context_processor(template_helpers)
    app.jinja_env.globals.update(template_globals())  # macros imported without context use these too


def register_errorhandlers(app: Flask) -> None:
    from attendance.errors import register_errors

    register_errors(app)


def register_cli(app: Flask) -> None:
    from attendance.cli import register

    register(app)
