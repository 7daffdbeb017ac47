"""Violations, appeals, re-stepping and dismissal reviews (docs/api.md: violations)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from attendance import clock
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
from attendance.api.schemas import Day, Money
from attendance.domain.discipline import (
    APPEAL_OUTCOMES,
    APPEAL_STATUSES,
    DISMISSAL_OUTCOMES,
    DISMISSAL_STATUSES,
    SOURCES,
    TRANSFER_STATUSES,
)
from attendance.domain.policy import SANCTIONS
from attendance.reporting import discipline_documents as documents
from attendance.reporting.explanation import explanation_sections
from attendance.services import discipline as svc
from attendance.services import people

blp = make_blueprint("api_violations", "", "Violations, appeals and dismissal reviews")


def _no(person) -> str | None:
    return person.employee_no if person is not None else None


def _fine_entry_id(v) -> int | None:
    return next((e.id for e in v.ledger_entries if e.kind == "fine"), None)


class ViolationOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda v: v.employee.employee_no)
    name = ma.fields.Function(lambda v: v.employee.name)
    team = ma.fields.Function(lambda v: v.employee.team.code if v.employee.team else None)
    rule = ma.fields.String(attribute="rule_code")
    rule_name = ma.fields.Function(lambda v: {"zh": v.rule_name_zh, "en": v.rule_name_en})
    occurred_at = ma.fields.DateTime()
    occurred_on = Day()
    occurrence = ma.fields.Integer()
    step = ma.fields.Integer()
    sanction = ma.fields.String(metadata={"enum": list(SANCTIONS)})
    options = ma.fields.List(ma.fields.String(), metadata={
        "description": "the options the step offered the recorder (罚…或开除); sanction is the one chosen; "
                       "empty when it offered none"})
    forfeits = ma.fields.String(allow_none=True, metadata={"description": "forfeit_reward: the reward lost"})
    fine = Money()
    points = ma.fields.Integer()
    flagged_for_review = ma.fields.Boolean()
    dismissal_review = ma.fields.Boolean()
    source = ma.fields.String()
    source_ref = ma.fields.String(allow_none=True)
    note = ma.fields.String()
    evidence = ma.fields.Function(lambda v: v.evidence_path is not None and v.evidence_removed_at is None,
                                  metadata={"type": "boolean",
                                            "description": "a photo is held (false once deleted under retention)"})
    recorded_by = ma.fields.Function(lambda v: _no(v.recorded_by))
    recorded_at = ma.fields.DateTime()
    policy_version = ma.fields.Integer(attribute="policy_version_id")
    ledger_entry = ma.fields.Function(_fine_entry_id, allow_none=True, metadata={"type": "integer"})
    reversed = ma.fields.Function(lambda v: v.reversed_at is not None)
    reversed_at = ma.fields.DateTime(allow_none=True)
    reversed_reason = ma.fields.String(allow_none=True)
    restep_of = ma.fields.Integer(attribute="restep_of_id", allow_none=True)
    appeal = ma.fields.Function(lambda v: {"id": v.appeal.id, "status": v.appeal.status} if v.appeal else None,
                                allow_none=True, metadata={"type": "object"})


class ViolationEvidenceIn(ma.Schema):
    filename = ma.fields.String(load_default="evidence")
    data = ma.fields.String(required=True, metadata={"description": "the photo, base64 (JPEG, PNG or WebP, ≤ 5 MB)"})


class ViolationIn(ma.Schema):
    employee_no = ma.fields.String(required=True)
    rule = ma.fields.String(required=True, metadata={"description": "a rule code of the policy, e.g. COMPLAINT"})
    occurred_at = ma.fields.String(metadata={"format": "date-time",
                                             "description": "ISO 8601; naive means the site's time zone; "
                                                            "default now"})
    note = ma.fields.String(load_default="")
    amount = ma.fields.Raw(allow_none=True, metadata={"type": "string", "example": "200.00",
                                                      "description": "only for a step with an amount range"})
    choice = ma.fields.String(allow_none=True, metadata={
        "example": "dismissal_review",
        "description": "only for a step that offers a choice: the sanction of the option chosen (FALSIFY: fine "
                       "or dismissal_review); say why in the note"})
    source = ma.fields.String(load_default="manual", validate=ma.validate.OneOf(SOURCES))
    source_ref = ma.fields.String(allow_none=True, metadata={"description": "idempotency key of an automated source"})
    evidence = ma.fields.Nested(ViolationEvidenceIn, allow_none=True)


class ViolationQuery(PageArgs):
    employee_no = ma.fields.String()
    month = ma.fields.String(metadata={"example": "2026-11"})
    team = ma.fields.String()


class AppealIn(ma.Schema):
    reason = ma.fields.String(required=True)


class AppealOut(ma.Schema):
    id = ma.fields.Integer()
    violation = ma.fields.Integer(attribute="violation_id")
    employee_no = ma.fields.Function(lambda a: a.employee.employee_no)
    reason = ma.fields.String()
    filed_at = ma.fields.DateTime()
    status = ma.fields.String(metadata={"enum": list(APPEAL_STATUSES)})
    decided_by = ma.fields.Function(lambda a: _no(a.decided_by))
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    reversal_entry = ma.fields.Integer(attribute="reversal_entry_id", allow_none=True)


class OutOfStepOut(ma.Schema):
    violation = ma.fields.Nested(ViolationOut)
    should_be = ma.fields.Function(
        lambda o: None if o.decision is None else {
            "occurrence": o.decision.occurrence, "step": o.decision.step, "sanction": o.decision.sanction,
            "fine": str(o.decision.fine), "points": o.decision.points,
            "flagged_for_review": o.decision.flagged_for_review,
            "dismissal_review": o.decision.dismissal_review},
        allow_none=True, metadata={"type": "object", "description": "null when the new step needs an amount chosen"})


class AppealDecisionOut(AppealOut):
    out_of_step = ma.fields.List(ma.fields.Nested(OutOfStepOut),
                                 metadata={"description": "the person's later occurrences of the rule now on the "
                                                          "wrong step; POST /violations/restep puts them right"})


class AppealDecisionIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(APPEAL_OUTCOMES))
    reason = ma.fields.String(required=True)


class AppealQuery(PageArgs):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(APPEAL_STATUSES))


class RestepQuery(ma.Schema):
    employee_no = ma.fields.String(required=True)
    rule = ma.fields.String(required=True)


class RestepIn(RestepQuery):
    reason = ma.fields.String(required=True)


class DismissalReviewOut(ma.Schema):
    id = ma.fields.Integer()
    violation = ma.fields.Nested(ViolationOut)
    employee_no = ma.fields.Function(lambda r: r.employee.employee_no)
    status = ma.fields.String(metadata={"enum": list(DISMISSAL_STATUSES)})
    created_at = ma.fields.DateTime()
    decided_by = ma.fields.Function(lambda r: _no(r.decided_by))
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)


class DismissalReviewQuery(PageArgs):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(DISMISSAL_STATUSES))


class DismissalDecisionIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(DISMISSAL_OUTCOMES))
    reason = ma.fields.String(required=True)


class TransferOut(ma.Schema):
    id = ma.fields.Integer()
    violation = ma.fields.Integer(attribute="violation_id")
    employee_no = ma.fields.Function(lambda t: t.employee.employee_no)
    name = ma.fields.Function(lambda t: t.employee.name)
    status = ma.fields.String(metadata={"enum": list(TRANSFER_STATUSES)})
    created_at = ma.fields.DateTime()
    completed_by = ma.fields.Function(lambda t: _no(t.completed_by))
    completed_at = ma.fields.DateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)


class TransferQuery(PageArgs):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(TRANSFER_STATUSES))


class TransferCompleteIn(ma.Schema):
    note = ma.fields.String(required=True, metadata={"description": "what was done: the new post, from when"})


ViolationPage = paged_schema(ViolationOut, "ViolationPage")
TransferPage = paged_schema(TransferOut, "TransferPage")
AppealPage = paged_schema(AppealOut, "AppealPage")
ReviewPage = paged_schema(DismissalReviewOut, "DismissalReviewPage")




# --- violations --------------------------------------------------------------------------------


@blp.route("/violations")
@permission("self.view")
@blp.arguments(ViolationQuery, location="query")
@blp.response(200, ViolationPage)
def list_violations(args):
    """Violations the caller may see, newest first (staff: their own; a lead: their team)."""
    page = svc.violations_for(actor(), args.get("employee_no"), args.get("month"), team=args.get("team"),
                              limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/violations", methods=["POST"])
@permission("violations.record")
@idempotent
@blp.arguments(ViolationIn)
@blp.response(201, ViolationOut)
def record(data):
    """Record a violation: the engine picks the step; the fine is posted to the ledger."""
    person = svc.recordable_employee(actor(), data["employee_no"])
    occurred_at = svc.parse_instant(data["occurred_at"]) if "occurred_at" in data else clock.now()
    violation = svc.record_violation(
        actor(), employee=person, rule_code=data["rule"], occurred_at=occurred_at, note=data["note"],
        amount=data.get("amount"), source=data["source"], source_ref=data.get("source_ref"),
        evidence=base64_upload(data.get("evidence"), "evidence"), choice=data.get("choice"))
    return svc.get_violation(actor(), violation.id)


@blp.route("/violations/<int:violation_id>")
@permission("self.view")
@blp.response(200, ViolationOut)
def get_violation(violation_id):
    return svc.get_violation(actor(), violation_id)


@blp.route("/violations/<int:violation_id>/explanation")
@permission("self.view")
@blp.response(200, description="why this penalty (PIPL Art. 24): the rule and version, what happened, the "
                               "earlier occurrences counted and the step, the appeal; `text`: the same as sentences "
                               "in the caller's language")
def explanation(violation_id):
    found = svc.explain(actor(), violation_id)
    data = found.as_data()
    data["text"] = [{"heading": h, "sentences": lines}
                    for h, lines in explanation_sections(data, found.rule, found.after_ladder)]
    return data


@blp.route("/violations/<int:violation_id>/evidence-bundle")
@permission("violations.evidence_bundle")
@blp.response(200, description="one ZIP for a labour dispute: summary.pdf, explanation.json, ledger.json (the "
                               "entries with their hashes and the chain check), trail.json, the evidence files, "
                               "SHA256SUMS", content_type="application/zip")
def evidence_bundle(violation_id):
    name, data = svc.evidence_bundle(actor(), violation_id)
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


@blp.route("/violations/<int:violation_id>/notice.pdf")
@permission("self.view")
@blp.response(200, description="the penalty notice 《违纪处罚通知单》 as PDF",
              content_type="application/pdf")
def notice_pdf(violation_id):
    violation = svc.get_violation(actor(), violation_id)
    return Response(documents.penalty_notice_pdf(violation, citation=svc.notice_citation(violation)),
                    mimetype="application/pdf")


@blp.route("/violations/<int:violation_id>/appeal", methods=["POST"])
@permission("appeals.file")
@idempotent
@blp.arguments(AppealIn)
@blp.response(201, AppealOut)
def appeal(data, violation_id):
    """The person appeals their own violation, once."""
    return svc.file_appeal(actor(), violation_id, data["reason"])


@blp.route("/violations/out-of-step")
@permission("violations.restep")
@blp.arguments(RestepQuery, location="query")
@blp.response(200, OutOfStepOut(many=True))
def out_of_step(args):
    """The person's counted occurrences of a rule whose step is no longer right."""
    person = people.get_employee(actor(), args["employee_no"])
    return svc.out_of_step(person, args["rule"].strip().upper())


@blp.route("/violations/restep", methods=["POST"])
@permission("violations.restep")
@idempotent
@blp.arguments(RestepIn)
@blp.response(200, ViolationOut(many=True))
def restep(data):
    """Put every out-of-step occurrence right at once: a reversal and a new entry for each."""
    person = people.get_employee(actor(), data["employee_no"])
    created = svc.restep(actor(), person, data["rule"].strip().upper(), data["reason"])
    return [svc.get_violation(actor(), v.id) for v in created]


# --- appeals -----------------------------------------------------------------------------------


@blp.route("/appeals")
@permission("appeals.decide")
@blp.arguments(AppealQuery, location="query")
@blp.response(200, AppealPage)
def list_appeals(args):
    page = svc.appeals(actor(), args["status"], limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/appeals/<int:appeal_id>/decide", methods=["POST"])
@permission("appeals.decide")
@idempotent
@blp.arguments(AppealDecisionIn)
@blp.response(200, AppealDecisionOut)
def decide_appeal(data, appeal_id):
    """Uphold or overturn; overturning posts a reversal and lists what is now out of step."""
    appeal = svc.decide_appeal(actor(), appeal_id, data["outcome"], data["reason"])
    violation = appeal.violation
    appeal.out_of_step = svc.out_of_step(violation.employee, violation.rule_code)
    return appeal


# --- dismissal reviews -------------------------------------------------------------------------


@blp.route("/dismissal-reviews")
@permission("dismissal.view")
@blp.arguments(DismissalReviewQuery, location="query")
@blp.response(200, ReviewPage)
def list_reviews(args):
    page = svc.dismissal_reviews(actor(), args["status"], limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/dismissal-reviews/<int:review_id>/decide", methods=["POST"])
@permission("dismissal.decide")
@idempotent
@blp.arguments(DismissalDecisionIn)
@blp.response(200, DismissalReviewOut)
def decide_review(data, review_id):
    """A manager's decision: dismiss, final_warning or dropped. Nothing is automatic."""
    return svc.decide_dismissal(actor(), review_id, data["outcome"], data["reason"])


# --- transfers (调岗) ------------------------------------------------------------------------------


@blp.route("/transfers")
@permission("transfers.view")
@blp.arguments(TransferQuery, location="query")
@blp.response(200, TransferPage)
def list_transfers(args):
    """Transfers off the post a ladder step decided, oldest first (pending by default)."""
    page = svc.transfers(actor(), args["status"], limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/transfers/<int:transfer_id>/complete", methods=["POST"])
@permission("transfers.complete")
@idempotent
@blp.arguments(TransferCompleteIn)
@blp.response(200, TransferOut)
def complete_transfer(data, transfer_id):
    """HR records the transfer done, saying what was done; the person is told."""
    return svc.complete_transfer(actor(), transfer_id, data["note"])
