"""Configuration read from the environment; nothing secret lives in the code."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written with O_EXCL so two processes starting at once cannot each keep a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "attendance.sqlite3")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


def from_environment(instance_path: str, root_path: str) -> dict:
    https = _flag("HTTPS")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SITE_TIMEZONE": os.environ.get("SITE_TIMEZONE", "Asia/Shanghai"),
        "REPORTS_FOLDER": os.environ.get(
            "REPORTS_FOLDER", str(Path(root_path).parent / "reports")
        ),
        # The task queue for long work (docs/operations: "Background jobs"): unset = a SQLite file in the
        # instance folder (one host); redis://host:6379/0 for several hosts; TASK_QUEUE_IMMEDIATE=1 runs
        # each job at once in the request (no worker; the tests)
        "TASK_QUEUE_URL": os.environ.get("TASK_QUEUE_URL", ""),
        "TASK_QUEUE_IMMEDIATE": _flag("TASK_QUEUE_IMMEDIATE"),
        "REPORT_PARALLEL": os.environ.get("REPORT_PARALLEL", "1").strip().lower() not in ("0", "false", "no", "off"),
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "720")),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024))),
        "CERTIFICATE_MAX_BYTES": int(os.environ.get("CERTIFICATE_MAX_BYTES",
                                                    os.environ.get("EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024)))),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("SITE_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh", "en"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        # The largest request body (413 beyond it; ASVS 5.0 5.2.1). 40 MB: a team's grooming check may
        # carry one phone photo per person who failed an item (each at most EVIDENCE_MAX_BYTES).
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 40 * 1024 * 1024),
        # Sessions (ASVS 5.0 3.3.1-3.3.4, 7.3.2): the cookie is never readable by scripts, is not sent on
        # cross-site POSTs, and only over HTTPS when the site is served over HTTPS (HTTPS=1), where it
        # also takes the __Host- prefix (no Domain, Path=/, Secure: no sibling host can set it).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_NAME": "__Host-session" if https else "session",
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        # The absolute lifetime of a sign-in: after SESSION_HOURS the person signs in again, however
        # busy the session was (checked on the server against the time of sign-in, not only the cookie's).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 12)),
        # Password hashing (ASVS 5.0 11.4.2, OWASP Password Storage Cheat Sheet): scrypt N=2^15, r=8, p=3,
        # OWASP's 32 MiB variant of its scrypt minimum (werkzeug's own default has p=1, below it). A stored
        # hash weaker than this is re-made at the person's next sign-in.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:3"),
        # Sign-in throttle (ASVS 5.0 6.3.1): this many failures in LOGIN_WINDOW_MINUTES for one username,
        # or from one client address, and sign-ins for it answer 429 until the oldest failure ages out.
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 10),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50),
        "LOGIN_WINDOW_MINUTES": _int("LOGIN_WINDOW_MINUTES", 15),
        # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For/-Proto are
        # believed; 0 believes none, so a client cannot choose the address the logs and throttle see.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "API_TITLE": "客服部考勤·排班·纪律系统 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_AS_ASCII": False,
    }
