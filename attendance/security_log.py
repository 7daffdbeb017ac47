"""The security log: one JSON line per sign-in, sign-out, password change, refused permission, API token
use and unexpected error, on the logger ``attendance.security`` (ASVS 5.0 16.2.1, 16.3.1, 16.3.2).

Each line holds the UTC time, the event, its outcome, who (the person's employee_no, or for a failed
sign-in the username that was tried), the client address (the real one behind a configured proxy:
``TRUSTED_PROXIES``) and the route. Passwords, tokens and cookies are never passed in; the line is JSON, so
a username with a line break in it cannot forge a second line (ASVS 5.0 16.4.1).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import has_request_context, request

logger = logging.getLogger("attendance.security")

MAX_USERNAME = 100  # what a failed sign-in tried is logged, cut to this length


def event(name: str, *, outcome: str, person: str | None = None, username: str | None = None,
          level: int = logging.INFO, **details: object) -> None:
    """Log one security event. ``person`` is an employee_no; ``username`` what was typed (failures)."""
    line: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": name,
        "outcome": outcome,
    }
    if person is not None:
        line["person"] = person
    if username is not None:
        line["username"] = str(username)[:MAX_USERNAME]
    if has_request_context():
        line["address"] = request.remote_addr
        line["method"] = request.method
        line["route"] = request.path
    line.update(details)
    logger.log(level, json.dumps(line, ensure_ascii=False, default=str))
