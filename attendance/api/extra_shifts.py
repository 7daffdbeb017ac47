"""Extra shifts (加班): ask (for oneself, or a lead for a team member), list, approve, reject, withdraw."""

from __future__ import annotations

import marshmallow as ma

from attendance import clock
from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.api.requests import DecisionIn, StepOut, _no
from attendance.domain.approvals import STATUSES
from attendance.domain.extra_shifts import DAY_TYPES, hours
from attendance.services import extra_shifts as svc
from attendance.services import requests as requests_svc

blp = make_blueprint("api_extra_shifts", "", "Extra shifts (加班) through the approval chain")


def _local(moment) -> str:
    return moment.astimezone(clock.site_zone()).strftime("%H:%M")


class ExtraShiftOut(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    employee_no = ma.fields.Function(lambda r: r.subject.employee_no)
    name = ma.fields.Function(lambda r: r.subject.name)
    requested_by = ma.fields.Function(lambda r: _no(r.requester))
    date = ma.fields.Function(lambda r: r.extra_shift.day.isoformat(), metadata={"format": "date"})
    start = ma.fields.Function(lambda r: _local(r.extra_shift.start_at), metadata={"example": "18:00"})
    end = ma.fields.Function(lambda r: _local(r.extra_shift.end_at), metadata={"example": "22:00"})
    start_at = ma.fields.Function(lambda r: r.extra_shift.start_at.isoformat(), metadata={"format": "date-time"})
    end_at = ma.fields.Function(lambda r: r.extra_shift.end_at.isoformat(), metadata={"format": "date-time"})
    minutes = ma.fields.Function(lambda r: r.extra_shift.minutes, metadata={"type": "integer"})
    hours = ma.fields.Function(lambda r: hours(r.extra_shift.minutes), metadata={"type": "number"})
    day_type = ma.fields.Function(lambda r: r.extra_shift.day_type, metadata={
        "enum": list(DAY_TYPES), "description": "working day, rest day (not rostered) or public holiday"})
    reason = ma.fields.Function(lambda r: r.extra_shift.reason)
    submitted_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    approval_chain = ma.fields.List(ma.fields.Nested(StepOut), attribute="steps")


class ExtraShiftIn(ma.Schema):
    employee_no = ma.fields.String(metadata={"description": "default: the caller; a lead may file for their team"})
    date = ma.fields.String(required=True, metadata={"format": "date"})
    start = ma.fields.String(required=True, metadata={"example": "18:00"})
    end = ma.fields.String(required=True, metadata={
        "example": "22:00", "description": "at or before start: the morning after"})
    reason = ma.fields.String(required=True)


class ExtraShiftQuery(PageArgs):
    employee_no = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    month = ma.fields.String(metadata={"example": "2026-11"})


ExtraShiftPage = paged_schema(ExtraShiftOut, "ExtraShiftPage")


@blp.route("/extra-shifts", methods=["POST"])
@permission("extra_shifts.request")
@idempotent
@blp.arguments(ExtraShiftIn)
@blp.response(201, ExtraShiftOut)
def file_extra_shift(data):
    """Ask for an extra shift; the policy's approvers decide it. 422 ``extra_shift_too_long``,
    ``extra_shift_window``, ``extra_shift_overlap``."""
    return svc.file(actor(), data)


@blp.route("/extra-shifts")
@permission("extra_shifts.request")
@blp.arguments(ExtraShiftQuery, location="query")
@blp.response(200, ExtraShiftPage)
def list_extra_shifts(args):
    """Extra shifts the caller may see (staff: their own; a lead: their team), newest first."""
    page = svc.list_extra_shifts(actor(), employee_no=args.get("employee_no"), status=args.get("status"),
                                 month=args.get("month"), limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/extra-shifts/<int:request_id>")
@permission("extra_shifts.request")
@blp.response(200, ExtraShiftOut)
def get_extra_shift(request_id: int):
    return requests_svc.get(actor(), request_id, "extra_shift")


@blp.route("/extra-shifts/<int:request_id>/approve", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, ExtraShiftOut)
def approve_extra_shift(data, request_id: int):
    """Approve the current step; at the last one the hours count in the 考勤表. 409 when already decided or
    withdrawn; 403 for one's own request or another's step."""
    return requests_svc.decide(actor(), request_id, "approve", data["note"], kind="extra_shift")


@blp.route("/extra-shifts/<int:request_id>/reject", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, ExtraShiftOut)
def reject_extra_shift(data, request_id: int):
    return requests_svc.decide(actor(), request_id, "reject", data["note"], kind="extra_shift")


@blp.route("/extra-shifts/<int:request_id>/withdraw", methods=["POST"])
@permission("extra_shifts.request")
@blp.response(200, ExtraShiftOut)
def withdraw_extra_shift(request_id: int):
    """The requester takes it back while it is pending."""
    return requests_svc.withdraw(actor(), request_id, kind="extra_shift")
