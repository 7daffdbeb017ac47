"""The policy: in force, versions, and adding a version."""

from __future__ import annotations

from datetime import date

from flask import request

from attendance.api import schemas
from attendance.api.core import PageArgs, actor, make_blueprint, page_body, paged_schema, permission
from attendance.clock import today
from attendance.services import policy as policy_service

blp = make_blueprint("api_policy", "/policy", "The policy as data")


def _out(row):
    return {"version": row, "document": row.document}


@blp.route("")
@permission("policy.view")
@blp.arguments(schemas.PolicyQuery, location="query")
@blp.response(200, schemas.PolicyOut)
def in_force(args):
    """The policy in force today, or on ``?on=YYYY-MM-DD``."""
    on: date = args.get("on") or today()
    return _out(policy_service.version_in_force(on))


VersionPage = paged_schema(schemas.PolicyVersionOut, "PolicyVersionPage")


@blp.route("/versions")
@permission("policy.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, VersionPage)
def versions(args):
    """Every version, newest first."""
    page = policy_service.page_versions(**args)
    return page_body(page.items, page.next)


@blp.route("/versions", methods=["POST"])
@permission("policy.manage")
@blp.doc(requestBody={"description": "a policy document (docs/api.md), YAML or JSON", "content": {
    "application/json": {"schema": {"type": "object"}}, "application/yaml": {"schema": {"type": "string"}}}})
@blp.response(201, schemas.PolicyOut)
def add_version():
    """Add a policy version; a bad document is refused with every problem and its path."""
    doc = policy_service.read_document(request.get_data())
    return _out(policy_service.add_version(actor(), doc))
