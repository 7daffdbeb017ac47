"""Leave (请假): requests, decisions, cancel, extension (续假), return (销假), certificates, balances."""

from __future__ import annotations

import marshmallow as ma
from flask import request, send_file

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
from attendance.api.requests import DecisionIn, StepOut, _no
from attendance.domain.errors import InvalidInput
from attendance.domain.leave import days_text
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.services import leave as svc
from attendance.services import requests as requests_service

blp = make_blueprint("api_leave", "", "Leave requests, approvals, returns, certificates and balances")


def _leave(r):
    return r.leave


class LeaveOut(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.Function(lambda r: r.leave.status, metadata={"enum": list(svc.STATUSES)})
    employee_no = ma.fields.Function(lambda r: r.subject.employee_no)
    name = ma.fields.Function(lambda r: r.subject.name)
    requested_by = ma.fields.Function(lambda r: _no(r.requester))
    type = ma.fields.Function(lambda r: r.leave.leave_type, metadata={"enum": list(LEAVE_TYPES)})
    counted_as = ma.fields.Function(lambda r: r.leave.counted_as, metadata={
        "enum": list(LEAVE_TYPES), "description": "personal for sick leave whose certificate did not come in time"})
    start = ma.fields.Function(lambda r: r.leave.start_day.isoformat(), metadata={"format": "date"})
    end = ma.fields.Function(lambda r: r.leave.end_day.isoformat(), metadata={"format": "date"})
    half_day = ma.fields.Function(lambda r: r.leave.half_day, metadata={"enum": ["am", "pm", None]})
    days = ma.fields.Function(lambda r: days_text(r.leave.days), metadata={
        "type": "string", "example": "1.5", "description": "working days on the roster"})
    reason = ma.fields.Function(lambda r: r.leave.reason)
    emergency = ma.fields.Function(lambda r: r.leave.emergency, metadata={"type": "boolean"})
    extends = ma.fields.Function(lambda r: r.leave.extends.request_id if r.leave.extends else None, allow_none=True,
                                 metadata={"type": "integer", "description": "the leave this extends (续假)"})
    certificate = ma.fields.Function(lambda r: svc.certificate_of(r.leave).certificate_path is not None,
                                     metadata={"type": "boolean", "description": "an extension shares its leave's"})
    certificate_missed_at = ma.fields.Function(
        lambda r: r.leave.certificate_missed_at.isoformat() if r.leave.certificate_missed_at else None,
        metadata={"format": "date-time"})
    cancel_asked_at = ma.fields.Function(
        lambda r: r.leave.cancel_asked_at.isoformat() if r.leave.cancel_asked_at else None,
        metadata={"format": "date-time"})
    cancelled_at = ma.fields.Function(
        lambda r: r.leave.cancelled_at.isoformat() if r.leave.cancelled_at else
        (r.withdrawn_at.isoformat() if r.withdrawn_at else None), metadata={"format": "date-time"})
    returned_at = ma.fields.Function(lambda r: r.leave.returned_at.isoformat() if r.leave.returned_at else None,
                                     metadata={"format": "date-time"})
    submitted_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    approval_chain = ma.fields.List(ma.fields.Nested(StepOut), attribute="steps")


class CertificateIn(ma.Schema):
    filename = ma.fields.String(load_default="certificate")
    data = ma.fields.String(required=True,
                            metadata={"description": "the file, base64 (PDF, JPEG, PNG or WebP, ≤ 5 MB)"})


class LeaveIn(ma.Schema):
    employee_no = ma.fields.String(metadata={"description": "default: the caller; a lead may file for their team"})
    type = ma.fields.String(required=True, metadata={"enum": list(LEAVE_TYPES)})
    start = ma.fields.String(required=True, metadata={"format": "date"})
    end = ma.fields.String(metadata={"format": "date", "description": "default: the start"})
    half_day = ma.fields.String(allow_none=True,
                                metadata={"enum": ["am", "pm"], "description": "only when start == end"})
    reason = ma.fields.String(required=True)
    emergency = ma.fields.Boolean(load_default=False, metadata={
        "description": "filed by the lead after a phone call, up to the policy's hours after the start"})
    certificate = ma.fields.Nested(CertificateIn, allow_none=True)


class LeaveQuery(PageArgs):
    employee_no = ma.fields.String()
    team = ma.fields.String()
    type = ma.fields.String(validate=ma.validate.OneOf(LEAVE_TYPES))
    status = ma.fields.String(validate=ma.validate.OneOf(svc.STATUSES))
    from_ = ma.fields.String(data_key="from", metadata={"format": "date"})
    to = ma.fields.String(metadata={"format": "date"})


class CancelIn(ma.Schema):
    reason = ma.fields.String(load_default="")


class ExtendIn(ma.Schema):
    end = ma.fields.String(required=True, metadata={"format": "date"})
    reason = ma.fields.String(required=True)


class ReturnIn(ma.Schema):
    at = ma.fields.String(load_default=None, allow_none=True, metadata={
        "format": "date-time", "description": "when the person was back; default now; naive means site time"})


class BalanceOut(ma.Schema):
    type = ma.fields.String(attribute="leave_type", metadata={"enum": list(LEAVE_TYPES)})
    limited = ma.fields.Boolean(metadata={"description": "false: the type has no balance (entitled is null)"})
    entitled = ma.fields.Function(lambda b: None if b.entitled is None else days_text(b.entitled),
                                  allow_none=True, metadata={"type": "string"})
    used = ma.fields.Function(lambda b: days_text(b.used), metadata={"type": "string"})
    pending = ma.fields.Function(lambda b: days_text(b.pending), metadata={"type": "string"})
    remaining = ma.fields.Function(lambda b: None if b.remaining is None else days_text(b.remaining),
                                   allow_none=True, metadata={"type": "string"})


class BalanceQuery(ma.Schema):
    employee_no = ma.fields.String()
    year = ma.fields.Integer(metadata={"description": "default: this year"})


class BalancesOut(ma.Schema):
    employee_no = ma.fields.String()
    year = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(BalanceOut))


class BalanceIn(ma.Schema):
    entitled = ma.fields.Raw(required=True,
                             metadata={"type": "string", "example": "3", "description": "days, in half days"})
    reason = ma.fields.String(required=True)
    year = ma.fields.Integer(metadata={"description": "default: this year"})


LeavePage = paged_schema(LeaveOut, "LeavePage")




@blp.route("/leave-requests", methods=["POST"])
@permission("leave.request")
@idempotent
@blp.arguments(LeaveIn)
@blp.response(201, LeaveOut)
def file_leave(data):
    """Ask for leave (a lead may file for their team; ``emergency`` only by the lead). 422 codes name the rule
    that refuses it: ``leave_notice``, ``leave_overlap``, ``leave_balance``, ``leave_no_working_day``."""
    return svc.file_leave(actor(), data, base64_upload(data.get("certificate"), "certificate"))


@blp.route("/leave-requests")
@permission("requests.view")
@blp.arguments(LeaveQuery, location="query")
@blp.response(200, LeavePage)
def list_leave(args):
    """Leave the caller may see (staff: their own; a lead: their team), newest first; ``from``/``to`` keep
    leaves touching the range. HR's register: ``status=approved``."""
    page = svc.list_leave(actor(), employee_no=args.get("employee_no"), status=args.get("status"),
                          start=args.get("from_"), end=args.get("to"), team=args.get("team"),
                          leave_type=args.get("type"), limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/leave-requests/<int:request_id>")
@permission("requests.view")
@blp.response(200, LeaveOut)
def get_leave(request_id: int):
    return svc.get_leave(actor(), request_id).request


@blp.route("/leave-requests/<int:request_id>/approve", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, LeaveOut)
def approve_leave(data, request_id: int):
    """Approve the current step; at the last one the days become ``leave`` in attendance (an ABSENT already
    raised for them is reversed). 409 when already decided; 403 for one's own or another's step."""
    return requests_service.decide(actor(), request_id, "approve", data["note"], kind="leave")


@blp.route("/leave-requests/<int:request_id>/reject", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, LeaveOut)
def reject_leave(data, request_id: int):
    return requests_service.decide(actor(), request_id, "reject", data["note"], kind="leave")


@blp.route("/leave-requests/<int:request_id>/cancel", methods=["POST"])
@permission("requests.view")
@blp.arguments(CancelIn)
@blp.response(200, LeaveOut)
def cancel_leave(data, request_id: int):
    """Pending: the person cancels it. Approved and not begun: an approver cancels it (the person's own
    cancel asks the approvers, ``cancel_asked_at``). 422 ``leave_started`` once it has begun."""
    return svc.cancel(actor(), request_id, data["reason"]).request


@blp.route("/leave-requests/<int:request_id>/extend", methods=["POST"])
@permission("leave.request")
@idempotent
@blp.arguments(ExtendIn)
@blp.response(201, LeaveOut)
def extend_leave(data, request_id: int):
    """An extension (续假): a new leave request for the days after the end, through the chain for the whole
    leave; 422 ``extension_too_late`` under the policy's hours before the end."""
    return svc.extend(actor(), request_id, data)


@blp.route("/leave-requests/<int:request_id>/return", methods=["POST"])
@permission("requests.view")
@blp.arguments(ReturnIn)
@blp.response(200, LeaveOut)
def return_from_leave(data, request_id: int):
    """Report back (销假): the person, or their lead; back early, the later days are no longer leave."""
    return svc.report_back(actor(), request_id, data.get("at")).request


@blp.route("/leave-requests/<int:request_id>/certificate", methods=["POST"])
@permission("requests.view")
@blp.response(200, LeaveOut)
def add_certificate(request_id: int):
    """The certificate, as a multipart file field ``certificate`` or JSON ``{"filename", "data"}`` (base64):
    a PDF or a photo, judged by its content, at most 5 MB."""
    upload = request.files.get("certificate")
    if upload is not None:
        got = (upload.filename or "certificate", upload.read(), upload.mimetype or "")
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("data"), str):
            raise InvalidInput("send the file as 'certificate'", fields={"certificate": "required"})
        got = base64_upload({"filename": str(body.get("filename") or "certificate"), "data": body["data"]},
                            "certificate")
    return svc.add_certificate(actor(), request_id, got).request


@blp.route("/leave-requests/<int:request_id>/certificate")
@permission("requests.view")
@blp.response(200)
def get_certificate(request_id: int):
    """The certificate, for the person, the leave's approvers and HR; every view is recorded."""
    path, mime = svc.certificate_file(actor(), request_id)
    response = send_file(path, mimetype=mime, as_attachment=mime == "application/pdf",
                         download_name=f"certificate-{request_id}{path.suffix}", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/leave-balances")
@permission("requests.view")
@blp.arguments(BalanceQuery, location="query")
@blp.response(200, BalancesOut)
def leave_balances(args):
    """Per type: entitled, used (approved), pending and remaining days for the year (staff: their own)."""
    person, year, rows = svc.balances(actor(), args.get("employee_no"), args.get("year"))
    return {"employee_no": person.employee_no, "year": year, "items": rows}


@blp.route("/leave-balances/<employee_no>/<leave_type>", methods=["PUT"])
@permission("leave.balances")
@blp.arguments(BalanceIn)
@blp.response(200, BalanceOut)
def set_balance(data, employee_no: str, leave_type: str):
    """HR sets the year's entitlement with a reason; the history keeps every earlier value."""
    return svc.set_entitlement(actor(), employee_no, leave_type, data)
