"""Tokens: POST /auth/token, DELETE /auth/token (revoke the one in use), GET /me."""

from __future__ import annotations

from flask import current_app, request

from attendance.api import schemas
from attendance.api.core import actor, make_blueprint
from attendance.domain.errors import Unauthenticated
from attendance.services import accounts

blp = make_blueprint("api_auth", "", "Tokens and the caller")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(schemas.TokenIn)
@blp.response(201, schemas.TokenOut)
def issue_token(data):
    """Exchange a username and password for a bearer token."""
    person = accounts.authenticate(data["username"], data["password"])
    if person is None:
        raise Unauthenticated("unknown username or wrong password", code="bad_credentials")
    token, expires = accounts.issue_token(person, current_app.config["API_TOKEN_HOURS"])
    return {"token": token, "expires_at": expires}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
def revoke_token():
    """Revoke the token this request carries."""
    accounts.revoke_token(request.headers["Authorization"].partition(" ")[2].strip())


@blp.route("/me")
@blp.response(200, schemas.Me)
def me():
    """The caller: employee_no, name, team and roles."""
    return actor()
