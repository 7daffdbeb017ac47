"""Errors for the whole app: a domain error or an HTTP error answers as a page, or under /api/v1 in the
documented JSON shape ``{"error": {"code", "message", "fields"}}``. Pages and the API both import this."""

from __future__ import annotations

from flask import Flask, render_template, request
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

PREFIX = "/api/v1"
ERROR_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "rule_refused", 500: "internal_error"}
STATUS = {InvalidInput: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, RuleRefused: 422}


def error_body(status: int, code: str | None = None, message: str | None = None,
               fields: dict | None = None) -> dict:
    body = {"code": code or ERROR_CODES.get(status, "error"), "message": message or ""}
    if fields:
        body["fields"] = {str(k): str(v) for k, v in fields.items()}
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


def register_errors(app: Flask) -> None:
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
