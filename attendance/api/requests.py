"""Missed-punch corrections (补卡) and the approvals inbox (待办)."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.domain.approvals import STATUSES, STEP_STATUSES
from attendance.labels import message
from attendance.services import requests as svc

blp = make_blueprint("api_requests", "", "Missed-punch corrections and the approvals inbox")


def _no(person) -> str | None:
    return person.employee_no if person is not None else None


class StepOut(ma.Schema):
    role = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(STEP_STATUSES)})
    by = ma.fields.Function(lambda s: _no(s.decided_by))
    at = ma.fields.DateTime(attribute="decided_at", allow_none=True)
    note = ma.fields.String()


class CorrectionOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    employee_no = ma.fields.Function(lambda r: r.subject.employee_no)
    name = ma.fields.Function(lambda r: r.subject.name)
    requested_by = ma.fields.Function(lambda r: _no(r.requester))
    date = ma.fields.Function(lambda r: r.correction.day.isoformat(), metadata={"format": "date"})
    direction = ma.fields.Function(lambda r: r.correction.direction, metadata={"enum": ["in", "out"]})
    at = ma.fields.Function(lambda r: r.correction.at.isoformat(), metadata={"format": "date-time"})
    reason = ma.fields.Function(lambda r: r.correction.reason)
    punch = ma.fields.Function(lambda r: r.correction.punch_id, allow_none=True, metadata={"type": "integer"})
    submitted_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    approval_chain = ma.fields.List(ma.fields.Nested(StepOut), attribute="steps")


class CorrectionIn(ma.Schema):
    employee_no = ma.fields.String(metadata={"description": "default: the caller; a lead may file for their team"})
    date = ma.fields.String(required=True, metadata={"format": "date"})
    direction = ma.fields.String(required=True, metadata={"enum": ["in", "out"]})
    at = ma.fields.String(required=True, metadata={"format": "date-time",
                                                   "description": "the time of the missed punch; naive means the "
                                                                  "site's time zone"})
    reason = ma.fields.String(required=True)


class CorrectionQuery(PageArgs):
    employee_no = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    month = ma.fields.String(metadata={"example": "2026-11"})


class DecisionIn(ma.Schema):
    note = ma.fields.String(load_default="")


class ApprovalOut(ma.Schema):
    kind = ma.fields.String(metadata={"enum": ["punch_correction", "leave", "swap", "extra_shift", "appeal",
                                                 "dismissal_review"]})
    id = ma.fields.Integer()
    employee_no = ma.fields.String()
    name = ma.fields.String()
    summary = ma.fields.Function(lambda i: message(i.summary, i.params))
    submitted_at = ma.fields.DateTime()
    step = ma.fields.String(metadata={"description": "the role whose decision is asked"})
    link = ma.fields.String()


class ApprovalQuery(ma.Schema):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(["pending"]))


CorrectionPage = paged_schema(CorrectionOut, "CorrectionPage")
ApprovalList = ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(ApprovalOut))}, name="ApprovalList")


@blp.route("/punch-corrections", methods=["POST"])
@permission("requests.view")
@idempotent
@blp.arguments(CorrectionIn)
@blp.response(201, CorrectionOut)
def file_correction(data):
    """Ask for a missed punch on a recent day; the lead decides. 422 ``correction_quota`` /
    ``correction_window`` name the policy rule that refuses it."""
    return svc.file_correction(actor(), data)


@blp.route("/punch-corrections")
@permission("requests.view")
@blp.arguments(CorrectionQuery, location="query")
@blp.response(200, CorrectionPage)
def list_corrections(args):
    """Corrections the caller may see (staff: their own; a lead: their team), newest first."""
    page = svc.corrections(actor(), employee_no=args.get("employee_no"), status=args.get("status"),
                           month=args.get("month"), limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/punch-corrections/<int:request_id>")
@permission("requests.view")
@blp.response(200, CorrectionOut)
def get_correction(request_id: int):
    return svc.get(actor(), request_id, "punch_correction")


@blp.route("/punch-corrections/<int:request_id>/approve", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, CorrectionOut)
def approve_correction(data, request_id: int):
    """Approve the current step; at the last one the punch is added (source ``correction``) and the day
    judged again. 409 when already decided or withdrawn; 403 for one's own request or another's step."""
    return svc.decide(actor(), request_id, "approve", data["note"], kind="punch_correction")


@blp.route("/punch-corrections/<int:request_id>/reject", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, CorrectionOut)
def reject_correction(data, request_id: int):
    return svc.decide(actor(), request_id, "reject", data["note"], kind="punch_correction")


@blp.route("/punch-corrections/<int:request_id>/withdraw", methods=["POST"])
@permission("requests.view")
@blp.response(200, CorrectionOut)
def withdraw_correction(request_id: int):
    """The requester takes it back while it is pending."""
    return svc.withdraw(actor(), request_id, kind="punch_correction")


@blp.route("/approvals")
@permission("approvals.view")
@blp.arguments(ApprovalQuery, location="query")
@blp.response(200, ApprovalList)
def approvals(args):
    """Everything the caller may decide now, oldest first: corrections, appeals, dismissal reviews (leave and
    swaps once they exist)."""
    return {"items": svc.inbox(actor())}
