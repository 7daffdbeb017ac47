"""Quality inspections (质检): check a transcript against the service phrases, record an inspection (a
forbidden phrase raises FORBIDDEN_PHRASE with the inspection as evidence), list them, the month per team."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.domain.inspections import CHANNELS
from attendance.services import inspections as svc

blp = make_blueprint("api_inspections", "", "Quality inspections of calls and chats (质检)")


class MatchOut(ma.Schema):
    code = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": ["forbidden", "required"]})
    category = ma.fields.String()
    phrase = ma.fields.String()
    start = ma.fields.Integer(metadata={"description": "offset in the text (characters)"})
    end = ma.fields.Integer()


class TranscriptIn(ma.Schema):
    text = ma.fields.String(required=True)


MatchList = ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(MatchOut))}, name="MatchList")


class InspectionOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda r: r.employee.employee_no)
    name = ma.fields.Function(lambda r: r.employee.name)
    team = ma.fields.Function(lambda r: r.team.code if r.team else None)
    inspector_no = ma.fields.Function(lambda r: r.inspector.employee_no)
    channel = ma.fields.String(metadata={"enum": list(CHANNELS)})
    reference = ma.fields.String()
    occurred_at = ma.fields.DateTime()
    score = ma.fields.Integer()
    phrases = ma.fields.List(ma.fields.String())
    transcript = ma.fields.String()
    violation = ma.fields.Function(lambda r: None if r.violation is None else {
        "id": r.violation.id, "rule": r.violation.rule_code, "sanction": r.violation.sanction,
        "fine": str(r.violation.fine), "points": r.violation.points}, metadata={"type": "object"}, allow_none=True)
    created_at = ma.fields.DateTime()


class InspectionIn(ma.Schema):
    employee_no = ma.fields.String(required=True)
    channel = ma.fields.String(required=True, metadata={"enum": list(CHANNELS)})
    reference = ma.fields.String(required=True, metadata={"description": "the call's or chat's record number"})
    score = ma.fields.Raw(required=True, metadata={"type": "integer"})
    phrases = ma.fields.Raw(metadata={"type": "array", "items": {"type": "string"},
                                      "description": "phrase codes heard; left out: those found in transcript"})
    transcript = ma.fields.String()
    occurred_at = ma.fields.String(metadata={"format": "date-time"})


class InspectionQuery(PageArgs):
    team = ma.fields.String()
    month = ma.fields.String(metadata={"example": "2026-11"})
    employee_no = ma.fields.String()


class TeamMonthOut(ma.Schema):
    team = ma.fields.Function(lambda t: t.team.code if t.team else None)
    inspections = ma.fields.Integer()
    with_forbidden = ma.fields.Integer()
    average_score = ma.fields.Float(attribute="average", allow_none=True)
    top_phrases = ma.fields.Function(lambda t: [{"code": c, "count": n} for c, n in t.phrases.most_common(5)],
                                     metadata={"type": "array"})


class SummaryQuery(ma.Schema):
    month = ma.fields.String(required=True, metadata={"example": "2026-11"})


SummaryOut = ma.Schema.from_dict({"month": ma.fields.String(),
                                  "teams": ma.fields.List(ma.fields.Nested(TeamMonthOut))}, name="InspectionSummary")
InspectionPage = paged_schema(InspectionOut, "InspectionPage")


@blp.route("/inspections/check-transcript", methods=["POST"])
@permission("inspections.record")
@blp.arguments(TranscriptIn)
@blp.response(200, MatchList)
def check_transcript(data):
    """The forbidden and required phrases found in a pasted transcript, with their positions (stores nothing)."""
    return {"items": svc.check_transcript(data["text"])}


@blp.route("/inspections", methods=["POST"])
@permission("inspections.record")
@idempotent
@blp.arguments(InspectionIn)
@blp.response(201, InspectionOut)
def record(data):
    """Record an inspection; a forbidden phrase heard raises FORBIDDEN_PHRASE (in ``violation``), once."""
    return svc.record(actor(), data)


@blp.route("/inspections")
@permission("inspections.view")
@blp.arguments(InspectionQuery, location="query")
@blp.response(200, InspectionPage)
def list_inspections(args):
    """Inspections the caller may see (inspectors and the office: all; a lead: the team's; staff: their own)."""
    page = svc.list_inspections(actor(), team=args.get("team"), month=args.get("month"),
                                employee_no=args.get("employee_no"), limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/inspections/summary")
@permission("inspections.report")
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
def summary(args):
    """The month per team: inspections, those with a forbidden phrase, the average score, the top phrases."""
    first, teams, _known = svc.month_summary(actor(), args["month"])
    return {"month": first.strftime("%Y-%m"), "teams": teams}
