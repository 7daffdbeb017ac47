"""The policy: in force, versions, and adding a version."""

from __future__ import annotations

from datetime import date

from flask import request

from attendance.api import schemas
from attendance.api.core import (
    PageArgs,
    actor,
    base64_upload,
    idempotent,
    make_blueprint,
    page_body,
    paged_schema,
    permission,
)
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




@blp.route("/versions/<int:version_id>/publish", methods=["POST"])
@permission("policy.publish")
@idempotent
@blp.arguments(schemas.PolicyPublishIn)
@blp.response(200, schemas.PolicyVersionOut)
def publish(data, version_id):
    """Publish a draft with how it was adopted and made known (劳动合同法 Art. 4); everyone is told."""
    return policy_service.publish(actor(), version_id, adopted_on=data.get("adopted_on"),
                                  adopted_by=data.get("adopted_by"),
                                  evidence=base64_upload(data.get("evidence"), "evidence"))


@blp.route("/versions/<int:version_id>/acknowledge", methods=["POST"])
@permission("policy.acknowledge")
@blp.response(200, schemas.AcknowledgementOut)
def acknowledge(version_id):
    """The caller has read a published version (已阅知); a second time changes nothing."""
    ack = policy_service.acknowledge(actor(), version_id)
    me = actor()
    return {"employee_no": me.employee_no, "name": me.name, "team": me.team.code if me.team else None,
            "acknowledged_at": ack.acknowledged_at}


def _person(person, at=None):
    return {"employee_no": person.employee_no, "name": person.name,
            "team": person.team.code if person.team else None, "acknowledged_at": at}


@blp.route("/versions/<int:version_id>/acknowledgements")
@permission("policy.acknowledgements")
@blp.response(200, schemas.AcknowledgementsOut)
def acknowledgements(version_id):
    """Who (of those the caller reaches) has acknowledged the version, and who has not yet."""
    acks = policy_service.acknowledgements(actor(), version_id)
    return {"version": acks.version.id, "published": acks.version.published,
            "acknowledged": [_person(p, at) for p, at in acks.acknowledged],
            "pending": [_person(p) for p in acks.pending]}
