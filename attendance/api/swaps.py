"""Shift swaps, time off in lieu and cover (换班、换休、代班): ask, accept or decline, approve or reject,
withdraw; the handover fine; suspected private swaps and the lead's verdict on them."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.api.requests import DecisionIn, StepOut, _no
from attendance.api.schemas import Day
from attendance.domain.swaps import KINDS, STATUSES
from attendance.services import swaps as svc

blp = make_blueprint("api_swaps", "", "Shift swaps, time off in lieu and cover, and suspected private swaps")


def _day(value):
    return value.isoformat() if value is not None else None


class SwapOut(ma.Schema):
    id = ma.fields.Integer(attribute="request_id")
    kind = ma.fields.String(metadata={"enum": list(KINDS)})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    requester_no = ma.fields.Function(lambda s: s.requester.employee_no)
    requester_name = ma.fields.Function(lambda s: s.requester.name)
    requester_date = ma.fields.Function(lambda s: _day(s.requester_day), metadata={"format": "date"})
    requester_shift = ma.fields.Function(lambda s: s.requester_shift.code if s.requester_shift else None,
                                         metadata={"description": "the shift given, as rostered when asked"})
    counterpart_no = ma.fields.Function(lambda s: s.counterpart.employee_no)
    counterpart_name = ma.fields.Function(lambda s: s.counterpart.name)
    counterpart_date = ma.fields.Function(lambda s: _day(s.counterpart_day), metadata={
        "format": "date", "description": "null for a cover: no day comes back"})
    counterpart_shift = ma.fields.Function(lambda s: s.counterpart_shift.code if s.counterpart_shift else None)
    month = ma.fields.Function(lambda s: s.month.strftime("%Y-%m"), metadata={
        "description": "the month it counts in against the limit (its earlier day's)"})
    reason = ma.fields.String()
    handover_note = ma.fields.String()
    requested_by = ma.fields.Function(lambda s: _no(s.request.requester))
    submitted_at = ma.fields.Function(lambda s: s.request.submitted_at.isoformat(), metadata={"format": "date-time"})
    accepted_at = ma.fields.DateTime(allow_none=True)
    declined_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.Function(lambda s: s.request.decided_at.isoformat() if s.request.decided_at else None,
                                    metadata={"format": "date-time"})
    withdrawn_at = ma.fields.Function(
        lambda s: s.request.withdrawn_at.isoformat() if s.request.withdrawn_at else None,
        metadata={"format": "date-time"})
    approval_chain = ma.fields.Function(lambda s: StepOut(many=True).dump(s.request.steps), metadata={
        "type": "array", "items": {"type": "object"},
        "description": "the colleague's step (role counterpart) first, then the policy's approver"})


class SwapIn(ma.Schema):
    requester_no = ma.fields.String(metadata={"description": "default: the caller; a lead may file for their team"})
    requester_date = ma.fields.String(required=True, metadata={"format": "date"})
    counterpart_no = ma.fields.String(required=True)
    counterpart_date = ma.fields.String(allow_none=True, metadata={
        "format": "date", "description": "required for swap and in_lieu; none (or the same day) for cover"})
    kind = ma.fields.String(load_default="swap", metadata={"enum": list(KINDS)})
    reason = ma.fields.String(required=True)
    handover_note = ma.fields.String(load_default="")


class SwapQuery(PageArgs):
    employee_no = ma.fields.String()
    month = ma.fields.String(metadata={"example": "2026-11"})
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))


class HandoverIn(ma.Schema):
    employee_no = ma.fields.String(required=True, metadata={"description": "the requester or the colleague"})
    note = ma.fields.String(load_default="")


class ViolationRef(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda v: v.employee.employee_no)
    rule = ma.fields.String(attribute="rule_code")
    sanction = ma.fields.String()
    fine = ma.fields.Function(lambda v: str(v.fine))


class CountOut(ma.Schema):
    employee_no = ma.fields.Function(lambda c: c.person.employee_no)
    name = ma.fields.Function(lambda c: c.person.name)
    used = ma.fields.Integer()
    limit = ma.fields.Integer()


class CountQuery(ma.Schema):
    month = ma.fields.String(metadata={"example": "2026-11", "description": "default: this month"})
    team = ma.fields.String()


class PrivateQuery(ma.Schema):
    team = ma.fields.String(required=True)
    from_ = ma.fields.String(data_key="from", required=True, metadata={"format": "date"})
    to = ma.fields.String(required=True, metadata={"format": "date"})


class SuspectedOut(ma.Schema):
    date = Day(attribute="day")
    absent_no = ma.fields.Function(lambda s: s.absent.employee_no)
    absent_name = ma.fields.Function(lambda s: s.absent.name)
    worker_no = ma.fields.Function(lambda s: s.worker.employee_no)
    worker_name = ma.fields.Function(lambda s: s.worker.name)
    shift = ma.fields.Function(lambda s: s.shift.code)
    punches = ma.fields.Function(lambda s: [t.strftime("%H:%M") for t in s.punches],
                                 metadata={"type": "array", "items": {"type": "string"}})


class VerdictIn(ma.Schema):
    absent_no = ma.fields.String(required=True)
    worker_no = ma.fields.String(required=True)
    date = ma.fields.String(required=True, metadata={"format": "date"})
    note = ma.fields.String(load_default="")


class VerdictOut(ma.Schema):
    id = ma.fields.Integer()
    outcome = ma.fields.String(metadata={"enum": ["confirmed", "dismissed"]})
    date = Day(attribute="day")
    absent_no = ma.fields.Function(lambda r: r.absent.employee_no)
    worker_no = ma.fields.Function(lambda r: r.worker.employee_no)


SwapPage = paged_schema(SwapOut, "SwapPage")
CountList = ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(CountOut))}, name="SwapCountList")
SuspectedList = ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(SuspectedOut))},
                                    name="SuspectedSwapList")


@blp.route("/swaps", methods=["POST"])
@permission("swaps.request")
@idempotent
@blp.arguments(SwapIn)
@blp.response(201, SwapOut)
def file_swap(data):
    """Ask a colleague to swap (``swap``), to work one's shift for a rest day later (``in_lieu``) or to cover
    it (``cover``). The colleague accepts first, then the policy's approver. 422 codes name the rule that
    refuses it: ``swap_notice``, ``swap_monthly_limit``, ``swap_other_team``, ``swap_not_rostered``,
    ``swap_rest_rule``; nothing is stored."""
    return svc.file_swap(actor(), data).swap


@blp.route("/swaps")
@permission("swaps.view")
@blp.arguments(SwapQuery, location="query")
@blp.response(200, SwapPage)
def list_swaps(args):
    """Swaps the caller may see (staff: those they are in; a lead: their team's), newest first;
    ``employee_no`` on either side; ``month``: counted in that month."""
    page = svc.list_swaps(actor(), employee_no=args.get("employee_no"), month=args.get("month"),
                          status=args.get("status"), limit=args["limit"], cursor=args["cursor"])
    return page_body([r.swap for r in page.items], page.next)


@blp.route("/swaps/counts")
@permission("swaps.view")
@blp.arguments(CountQuery, location="query")
@blp.response(200, CountList)
def swap_counts(args):
    """Each person's swaps counted in the month against the policy's limit: the caller's own, or a team's."""
    return {"items": svc.month_summary(actor(), args.get("month"), args.get("team"))}


@blp.route("/swaps/<int:request_id>")
@permission("swaps.view")
@blp.response(200, SwapOut)
def get_swap(request_id: int):
    return svc.get_swap(actor(), request_id)


@blp.route("/swaps/<int:request_id>/accept", methods=["POST"])
@permission("swaps.view")
@blp.arguments(DecisionIn)
@blp.response(200, SwapOut)
def accept_swap(data, request_id: int):
    """The colleague asked accepts; the rules are checked again against today's roster (409 when one
    refuses now). 403 for anyone else; 409 once answered or withdrawn."""
    return svc.accept(actor(), request_id, data["note"])


@blp.route("/swaps/<int:request_id>/decline", methods=["POST"])
@permission("swaps.view")
@blp.arguments(DecisionIn)
@blp.response(200, SwapOut)
def decline_swap(data, request_id: int):
    return svc.decline(actor(), request_id, data["note"])


@blp.route("/swaps/<int:request_id>/approve", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, SwapOut)
def approve_swap(data, request_id: int):
    """Approve: every rule is checked again against the roster as it is now, then both roster days change at
    once, each linked to the swap. 409 when waiting for the colleague, declined, decided or withdrawn, or when
    a rule refuses it now (the code names it: another swap approved first); 403 for one's own swap."""
    return svc.decide(actor(), request_id, "approve", data["note"])


@blp.route("/swaps/<int:request_id>/reject", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, SwapOut)
def reject_swap(data, request_id: int):
    return svc.decide(actor(), request_id, "reject", data["note"])


@blp.route("/swaps/<int:request_id>/withdraw", methods=["POST"])
@permission("swaps.view")
@blp.response(200, SwapOut)
def withdraw_swap(request_id: int):
    """Either side takes it back before approval; 409 once approved, rejected, declined or withdrawn."""
    return svc.withdraw(actor(), request_id)


@blp.route("/swaps/<int:request_id>/handover-fine", methods=["POST"])
@permission("swaps.handover")
@blp.arguments(HandoverIn)
@blp.response(201, ViolationRef)
def handover_fine(data, request_id: int):
    """The lead records a missed handover (rule ``SWAP_HANDOVER``, 20 yuan) for one of the two, once each."""
    return svc.record_handover_fine(actor(), request_id, data["employee_no"], data["note"])


@blp.route("/private-swaps")
@permission("swaps.private")
@blp.arguments(PrivateQuery, location="query")
@blp.response(200, SuspectedList)
def private_swaps(args):
    """Suspected private swaps of a team: someone resting punched for a colleague's shift with no approved
    swap, and the colleague did not punch. Confirmed or dismissed ones are not listed again."""
    return {"items": svc.suspected(actor(), args["team"], args["from_"], args["to"])}


@blp.route("/private-swaps/confirm", methods=["POST"])
@permission("swaps.private")
@blp.arguments(VerdictIn)
@blp.response(201, VerdictOut)
def confirm_private_swap(data):
    """UNAPPROVED_SWAP for both; the day's roster becomes what happened and is judged again (no ABSENT)."""
    return svc.review_private(actor(), data, "confirmed")


@blp.route("/private-swaps/dismiss", methods=["POST"])
@permission("swaps.private")
@blp.arguments(VerdictIn)
@blp.response(201, VerdictOut)
def dismiss_private_swap(data):
    """Not a private swap: attendance stays as judged; it is not listed again."""
    return svc.review_private(actor(), data, "dismissed")
