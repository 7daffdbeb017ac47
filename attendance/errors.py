"""Errors for the whole app: a domain error or an HTTP error answers as a page, or under /api/v1 in the
documented JSON shape ``{"error": {"code", "message", "fields"}}``. Pages and the API both import this.

An unexpected error (a bug) answers 500 with an ``error_id`` that is also in the log line holding the
traceback; the client never sees the traceback (ASVS 5.0 16.5.1). A refused permission (403) is logged to
the security log (ASVS 5.0 16.3.2)."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from attendance import security_log
from attendance.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleRefused,
    Throttled,
    Unauthenticated,
)
from attendance.extensions import db

PREFIX = "/api/v1"
ERROR_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "rule_refused", 429: "too_many_attempts", 500: "internal_error"}
STATUS = {InvalidInput: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, RuleRefused: 422,
          Throttled: 429}


def error_body(status: int, code: str | None = None, message: str | None = None,
               fields: dict | None = None, error_id: str | None = None) -> dict:
    body = {"code": code or ERROR_CODES.get(status, "error"), "message": message or ""}
    if fields:
        body["fields"] = {str(k): str(v) for k, v in fields.items()}
    if error_id:
        body["error_id"] = error_id
    return {"error": body}


def flatten_messages(messages, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow nest errors by location and field; docs/api.md wants one flat field → text map."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "form", "files", "headers", "view_args"):
                out.update(flatten_messages(value, ""))
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "_body"] = "; ".join(messages)
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            out.update(flatten_messages(m, f"{prefix}[{i}]"))
    else:
        out[prefix or "_body"] = str(messages)
    return out


def is_api_request() -> bool:
    return request.path.startswith(PREFIX + "/") or request.path == PREFIX


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _who() -> str | None:
    """The employee_no of whoever made the request: the API's caller, else the signed-in person."""
    person = g.get("actor")
    if person is None and current_user and current_user.is_authenticated:
        person = current_user
    return person.employee_no if person is not None else None


def _log_refusal(status: int, code: str) -> None:
    if status == 403:
        security_log.event("access.denied", outcome="refused", person=_who(), code=code, endpoint=request.endpoint,
                           level=logging.WARNING)


def register_errors(app: Flask) -> None:
    def http_error(error: HTTPException, error_id: str | None = None):
        status = error.code or 500
        _log_refusal(status, ERROR_CODES.get(status, "error"))
        if is_api_request():
            data = getattr(error, "data", None) or {}
            fields = flatten_messages(data["messages"]) if "messages" in data else None
            message = data.get("message") or (
                "invalid input" if fields else (error.description or error.name))
            headers = data.get("headers") or {}
            return error_body(status, message=message, fields=fields, error_id=error_id), status, headers
        return render_template("errors/error.html", status=status, error=error, error_id=error_id), status

    def domain_error(error: DomainError):
        status = status_of(error)
        _log_refusal(status, error.code)
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Throttled) else {}
        if is_api_request():
            return error_body(status, error.code, error.message, error.fields), status, headers
        return render_template("errors/error.html", status=status, error=error), status, headers

    def unexpected(error: Exception):
        # The id ties what the person sees to the log line with the traceback; nothing else is shown.
        error_id = uuid.uuid4().hex[:16]
        app.logger.error("unexpected error error_id=%s method=%s route=%s", error_id, request.method,
                         request.path, exc_info=error)
        try:
            db.session.rollback()  # the error page asks who is signed in; a failed transaction would refuse
        except Exception:  # noqa: BLE001  (the answer matters more than a second failure, which is logged)
            app.logger.exception("rollback after error_id=%s failed", error_id)
        return http_error(InternalServerError(
            description="an unexpected error; quote error_id when reporting it"), error_id=error_id)

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(DomainError, domain_error)
    if not app.testing:  # tests see a bug's own exception; tests/test_hardening.py checks this answer
        app.register_error_handler(Exception, unexpected)
