"""Tokens: POST /auth/token, DELETE /auth/token (revoke the one in use), GET /me."""

from __future__ import annotations

import logging

from flask import current_app, request

from attendance import security_log
from attendance.api import schemas
from attendance.api.core import actor, errors, make_blueprint
from attendance.domain.errors import Forbidden, Throttled, Unauthenticated
from attendance.services import accounts

blp = make_blueprint("api_auth", "", "Tokens and the caller")


@blp.route("/auth/token", methods=["POST"])
@blp.doc(security=[])  # the one call without a token (core.PUBLIC_ENDPOINTS)
@errors(400, 401, 403, 413, 429)
@blp.arguments(schemas.TokenIn)
@blp.response(201, schemas.TokenOut)
def issue_token(data):
    """Exchange a username and password for a bearer token.

    Throttled like the sign-in page: after ``LOGIN_MAX_FAILURES`` failures for a username (known or not) in
    ``LOGIN_WINDOW_MINUTES``, or ``LOGIN_MAX_FAILURES_PER_ADDRESS`` from one address, 429 with Retry-After.
    A person who still has a one-time password gets 403 ``password_change_required``.
    """
    username = data["username"]
    try:
        person = accounts.sign_in(username, data["password"], request.remote_addr)
    except Throttled:
        security_log.event("login.throttled", outcome="refused", username=username, channel="api",
                           level=logging.WARNING)
        raise
    if person is None:
        security_log.event("login.failure", outcome="failure", username=username, channel="api",
                           level=logging.WARNING)
        raise Unauthenticated("unknown username or wrong password", code="bad_credentials")
    try:
        token, expires = accounts.issue_token(person, current_app.config["API_TOKEN_HOURS"])
    except Forbidden:
        security_log.event("login.success", outcome="token_refused", person=person.employee_no, channel="api",
                           reason="password_change_required", level=logging.WARNING)
        raise
    security_log.event("login.success", outcome="success", person=person.employee_no, channel="api")
    return {"token": token, "expires_at": expires}


@blp.route("/auth/token", methods=["DELETE"])
@errors(401)
@blp.response(204)
def revoke_token():
    """Revoke the token this request carries."""
    accounts.revoke_token(request.headers["Authorization"].partition(" ")[2].strip())


@blp.route("/me")
@errors(401)
@blp.response(200, schemas.Me)
def me():
    """The caller: employee_no, name, team and roles."""
    return actor()
