"""Configuration read from the environment; nothing secret lives in the code."""

from __future__ import annotations

import os
import secrets
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


def from_environment(instance_path: str, root_path: str) -> dict:
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SITE_TIMEZONE": os.environ.get("SITE_TIMEZONE", "Asia/Shanghai"),
        "REPORTS_FOLDER": os.environ.get(
            "REPORTS_FOLDER", str(Path(root_path).parent / "reports")
        ),
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "720")),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024))),
        "CERTIFICATE_MAX_BYTES": int(os.environ.get("CERTIFICATE_MAX_BYTES",
                                                    os.environ.get("EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024)))),
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("SITE_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh", "en"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,  # a team check may carry several phone photos
        "API_TITLE": "客服部考勤·排班·纪律系统 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_AS_ASCII": False,
    }
