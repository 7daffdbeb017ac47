"""What every /api/v1 resource shares: the error shape, bearer-token auth, roles, idempotency, pages."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from copy import deepcopy
from functools import wraps

import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Blueprint as SmorestBlueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from webargs.flaskparser import FlaskParser

from attendance import security_log
from attendance.domain import text
from attendance.domain.errors import Forbidden, InvalidInput
from attendance.domain.permissions import allowed
from attendance.errors import (  # noqa: F401  (the API modules' one import)
    ERROR_CODES,
    PREFIX,
    error_body,
    flatten_messages,
    is_api_request,
)
from attendance.extensions import csrf, db
from attendance.models import IdempotencyRecord
from attendance.services import accounts
from attendance.services.transaction import savepoint, transaction

PUBLIC_ENDPOINTS = {"api_auth.issue_token"}


class Parser(FlaskParser):
    # docs/api.md: malformed or invalid input is 400; 422 is kept for refusals by a policy rule.
    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:  # nested deeper than Python's json can read: bad JSON (400), not a 500
            raise json.JSONDecodeError("nested too deeply", "nested too deeply", 0) from None

    def _load_location_data(self, *, schema, req, location):
        """What the request holds at ``location``, refused (400, naming the field) where some text in it is not
        fit to keep (a NUL, an unpaired surrogate: attendance.domain.text), before any of it reaches a query."""
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location in ("query", "querystring", "form"):
            raw = req.args if location != "form" else req.form
            bad = [key if text.fit(key) else "_query" for key, value in raw.items(multi=True)
                   if not (text.fit(key) and text.fit(value))]
        else:
            bad = list(text.unfit_paths(data)) if isinstance(data, dict | list | str) else []
        if bad:
            raise ma.ValidationError({path: [text.NOT_TEXT] for path in bad})
        return data


class ErrorDetail(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "snake_case, or the policy rule code"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    error_id = ma.fields.String(metadata={"description": "only on a 500: the id of the log entry to quote"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetail, required=True)


# The error answers of docs/api.md, each documented once under its usual code (components/responses) and
# listed on every route that can give it, so a client (or the fuzzer, tests/api/test_fuzz_api.py) knows each
# status a route may answer and the body it comes with. There is no catch-all "default" answer.
ERROR_ANSWERS = {
    400: "malformed or invalid input (bad JSON, a missing or bad field, a cursor the pager did not write); "
         "`fields` names each bad field",
    401: "no token, or a bad, expired or revoked one",
    403: "the caller's roles do not allow it (or another refusal named by `code`, e.g. own_request)",
    404: "an unknown thing, or one the caller may not see",
    409: "a state conflict: already decided, withdrawn, changed meanwhile, month already closed; or the same "
         "Idempotency-Key again while the first request is still running",
    413: "the body is larger than MAX_CONTENT_LENGTH",
    422: "refused by a rule of the policy (`code` names the rule), or an Idempotency-Key reused for a different "
         "request",
    429: "too many failed sign-ins; Retry-After says how many seconds to wait",
    500: "an unexpected error (a bug): quote `error_id` when reporting it",
}
# What a route answers besides its own success unless it declares otherwise with @errors: any route may be
# given bad input, a missing token, roles that do not allow it or an unknown name; a write may also conflict,
# be too large or be refused by a rule.
READ_ERRORS = (400, 401, 403, 404, 500)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422, 500)


def errors(*statuses: int):
    """Declare the error statuses a route answers with, instead of READ_ERRORS or WRITE_ERRORS (500 is
    always listed). Each is documented with the error body; a route's own ``alt_response`` for one of them
    keeps its description."""
    unknown = set(statuses) - set(ERROR_ANSWERS)
    if unknown:
        raise ValueError(f"no documented error answer for {sorted(unknown)}")

    def decorate(view):
        view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        view._apidoc["errors"] = tuple(sorted(set(statuses) | {500}))
        return view

    return decorate


def register_error_answers(spec) -> None:
    """The shared error answers as components/responses, named by their usual code (``not_found``, …)."""
    for status, description in ERROR_ANSWERS.items():
        spec.components.response(ERROR_CODES[status], {
            "description": description, "content": {"application/json": {"schema": ErrorSchema}}})


def _document_errors(doc, doc_info, *, method, **_kwargs):
    """A flask-smorest doc callback: list the route's error answers (see ERROR_ANSWERS)."""
    statuses = doc_info.get("errors") or (READ_ERRORS if method == "get" else WRITE_ERRORS)
    responses = doc.setdefault("responses", {})
    given = {str(code): code for code in responses}
    for status in statuses:
        key = given.get(str(status))
        if key is None:
            responses[status] = ERROR_CODES[status]
        elif isinstance(responses[key], dict) and "content" not in responses[key]:
            # the route's own words for it (alt_response(409, description=…)), with the error body
            responses[key]["content"] = {"application/json": {"schema": ErrorSchema}}
        elif isinstance(responses[key], str) and responses[key] in ("BAD_REQUEST", "DEFAULT_ERROR"):
            responses[key] = ERROR_CODES[status]  # flask-smorest's own 400 for bad arguments: ours instead
    return doc


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(_document_errors)


def make_blueprint(name: str, url: str, description: str) -> Blueprint:
    """A resource blueprint under /api/v1, token-protected, exempt from CSRF (no cookies are used)."""
    blp = Blueprint(name, __name__, url_prefix=PREFIX + url, description=description)
    csrf.exempt(blp)
    blp.before_request(_authenticate)
    return blp


def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = accounts.token_in_use(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        security_log.event("token.refused", outcome="failure", level=logging.WARNING,
                           reason="invalid" if header else "missing")
        return error_body(401, message="a valid bearer token is required"), 401, {
            "WWW-Authenticate": 'Bearer realm="api"'}
    g.actor = row.employee
    security_log.event("token.used", outcome="success", person=row.employee.employee_no, token_id=row.id)
    return None


def actor():
    return g.actor


def require(action: str) -> None:
    """Refuse with 403 unless the caller's roles allow ``action`` (the one permission table)."""
    if not allowed(g.actor.roles, action):
        raise Forbidden(f"your roles do not allow {action}")


def permission(action: str):
    """Decorator: the permission check runs before the body is even parsed, so a refusal leaks nothing."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            require(action)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def answered_in_use_case(view):
    """Decorator (above ``blp.response``): the answer is serialised inside the use case's transaction, while
    what the service wrote is still loaded, instead of being read back after the commit. For the busiest
    writes (the time clock's punches at shift start), where those re-reads were a fifth of the statements."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with transaction():
            return view(*args, **kwargs)

    return wrapper


class _KeyTaken(Exception):
    """The Idempotency-Key already has an answer (or had one committed while this request waited)."""


def idempotent(view):
    """Replay the stored first answer when the same Idempotency-Key comes again from the same caller.

    The key is claimed first, in the same transaction as the effect: a duplicate sent at the same moment
    waits for the first (its insert of the same key blocks on the unique key; on SQLite the whole use case
    waits for the write lock) and then replays its answer. If the first fails, its claim goes with it.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        digest = hashlib.sha256(request.get_data() or b"").hexdigest()
        try:
            with transaction():
                record = _claim(key, digest)
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code >= 500:
                    db.session.delete(record)  # a failure is not an answer to replay
                else:
                    record.status_code = response.status_code
                    record.response_body = response.get_data(as_text=True)
        except _KeyTaken:
            return _replay(_stored(key), digest)
        return response

    return wrapper


def _claim(key: str, digest: str) -> IdempotencyRecord:
    if _stored(key) is not None:
        raise _KeyTaken
    record = IdempotencyRecord(employee_id=g.actor.id, key=key, method=request.method, path=request.path,
                               request_hash=digest, status_code=0, response_body="")
    try:
        with savepoint():
            db.session.add(record)
    except IntegrityError:
        raise _KeyTaken from None
    return record


def _stored(key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.employee_id == g.actor.id,
                                        IdempotencyRecord.key == key))


def _replay(record: IdempotencyRecord, digest: str):
    if record.request_hash != digest or record.path != request.path:
        # Stripe's semantics: a key names one request; another body (or route) under it is the caller's
        # mistake, not a state conflict.
        return error_body(422, "idempotency_key_reused",
                          "this Idempotency-Key was used for a different request"), 422
    response = current_app.response_class(record.response_body, status=record.status_code,
                                          mimetype="application/json")
    response.headers["Idempotent-Replay"] = "true"
    return response


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = ma.fields.String(load_default=None)


def base64_upload(data: dict | None, field: str) -> tuple[str, bytes, str] | None:
    """A file sent in JSON as ``{"filename", "data"}`` (base64) as (name, bytes, declared type); the declared
    type is left empty because the service judges the bytes. :raise InvalidInput: not base64, naming ``field``."""
    if not data:
        return None
    try:
        raw = base64.b64decode(data["data"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{field} data is not base64", fields={field: "not base64"}) from None
    return data["filename"], raw, ""


def page_body(items: list, next_cursor: str | None) -> dict:
    return {"items": items, "next": next_cursor}


def paged_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict(
        {"items": ma.fields.List(ma.fields.Nested(item_schema)), "next": ma.fields.String(allow_none=True)},
        name=name,
    )
