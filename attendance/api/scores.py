"""Monthly scores, closing a month, payroll deductions and the monthly report (docs/api.md: months, scores,
payroll, reports)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, send_file, url_for

from attendance import clock
from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.api.schemas import Money
from attendance.domain import scoring
from attendance.domain.discipline import NOMINATION_OUTCOMES, NOMINATION_STATUSES
from attendance.domain.errors import InvalidInput
from attendance.reporting import charts
from attendance.services import nominations, reports, scores
from attendance.services.paging import Key, page_rows

blp = make_blueprint("api_scores", "", "Monthly scores, month close, payroll deductions and reports")

MONTH = {"example": "2026-10", "description": "YYYY-MM; the month before this one when left out"}


class Deduction(ma.Schema):
    rule = ma.fields.String(allow_none=True, metadata={"description": "the rule code (none: a plain adjustment)"})
    points = ma.fields.Integer()
    adjustment = ma.fields.Boolean(metadata={"description": "a correction dated in a closed month, booked here"})


class ScoreOut(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    team = ma.fields.String(allow_none=True)
    month = ma.fields.String()
    score = ma.fields.Integer()
    points_lost = ma.fields.Integer()
    deductions = ma.fields.List(ma.fields.Nested(Deduction))
    fines_total = Money()
    violations = ma.fields.Integer(metadata={"description": "violations of the month still in force"})
    rostered_days = ma.fields.Integer()
    worked_days = ma.fields.Float(metadata={"description": "a half-absent day counts one half"})
    late_count = ma.fields.Integer()
    early_count = ma.fields.Integer()
    absent_days = ma.fields.Float()
    leave_days = ma.fields.Integer()
    full_attendance = ma.fields.Boolean()
    reward_eligible = ma.fields.Boolean()
    reward = Money(metadata={"description": "the policy's full-attendance reward when eligible"})
    nomination = ma.fields.String(allow_none=True, metadata={
        "description": "the nomination for outstanding work (工作突出): pending, confirmed, declined; none"})
    reward_forfeited = ma.fields.Boolean(metadata={"description": "a forfeit_reward sanction took the reward"})
    training_days = ma.fields.Integer(metadata={"description": "stand-down days for retraining (待岗培训)"})
    rank = ma.fields.Integer(metadata={"description": "in the department (1 = best; equal scores share)"})
    team_rank = ma.fields.Integer(allow_none=True)
    closed = ma.fields.Boolean(metadata={"description": "the month is closed: these figures are frozen"})
    extra_hours = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(), metadata={
        "description": "approved extra shifts (加班) in hours by day type: working, rest, holiday (no pay)"})


class ScoreQuery(PageArgs):
    month = ma.fields.String(metadata=MONTH)
    team = ma.fields.String(metadata={"description": "a team code"})


class PayrollOut(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    team = ma.fields.String(allow_none=True)
    month = ma.fields.String()
    wage = Money(allow_none=True)
    fines = Money(metadata={"description": "the month's own fines, net of reversals"})
    carried_in = Money(metadata={"description": "carried over from the month before"})
    fines_due = Money(metadata={"description": "fines + carried_in"})
    cap = Money(metadata={"description": "the most one month's pay may lose (share of wage, minimum wage kept)"})
    deducted = Money(metadata={"description": "taken off this month's pay (negative: paid back)"})
    carried_over = Money(metadata={"description": "carried to the next month"})
    reward = Money(metadata={"description": "the month's reward paid with the pay (0: none or forfeited)"})
    training_days = ma.fields.Integer(metadata={"description": "stand-down days for retraining (待岗培训)"})
    training_reduction = Money(metadata={
        "description": "what those days take off the pay under the policy's stand_down.pay_percent"})
    closed = ma.fields.Boolean()


class PayrollQuery(ScoreQuery):
    owing = ma.fields.Boolean(load_default=False, metadata={"description": "only people with something due"})


class MonthOut(ma.Schema):
    month = ma.fields.String()
    closed = ma.fields.Boolean()
    closed_at = ma.fields.DateTime(allow_none=True)
    closed_by = ma.fields.String(allow_none=True)
    staff = ma.fields.Integer(allow_none=True)
    pending_nominations = ma.fields.Integer(metadata={
        "description": "nominations for the month's reward not yet decided (closed under pending_at_close warn: "
                       "they earned nothing)"})


class NominationOut(ma.Schema):
    id = ma.fields.Integer()
    month = ma.fields.Function(lambda n: scoring.month_label(n.month))
    employee_no = ma.fields.Function(lambda n: n.employee.employee_no)
    name = ma.fields.Function(lambda n: n.employee.name)
    team = ma.fields.Function(lambda n: n.employee.team.code if n.employee.team else None)
    reward = ma.fields.String()
    reason = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(NOMINATION_STATUSES)})
    nominated_by = ma.fields.Function(lambda n: n.nominated_by.employee_no if n.nominated_by else None)
    nominated_at = ma.fields.DateTime()
    decided_by = ma.fields.Function(lambda n: n.decided_by.employee_no if n.decided_by else None)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)


class NominationQuery(ma.Schema):
    month = ma.fields.String(metadata=MONTH)
    status = ma.fields.String(validate=ma.validate.OneOf(NOMINATION_STATUSES))


class NominationIn(ma.Schema):
    employee_no = ma.fields.String(required=True)
    month = ma.fields.String(required=True, metadata={"example": "2026-11"})
    reason = ma.fields.String(required=True, metadata={"description": "what was outstanding (工作突出)"})


class NominationDecisionIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(NOMINATION_OUTCOMES))
    reason = ma.fields.String(load_default="", metadata={"description": "required when declining"})


class ReportFileOut(ma.Schema):
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": ["pdf", "xlsx", "png", "svg"]})
    size = ma.fields.Integer()
    modified = ma.fields.DateTime()
    url = ma.fields.String()


class ReportOut(ma.Schema):
    month = ma.fields.String()
    files = ma.fields.List(ma.fields.Nested(ReportFileOut))
    charts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                            metadata={"description": "live charts of the month, name → PNG URL"})


class ChartQuery(ma.Schema):
    team = ma.fields.String()


ScorePage = paged_schema(ScoreOut, "ScorePage")
PayrollPage = paged_schema(PayrollOut, "PayrollPage")


BY_PERSON = (Key(str),)


def _month_out(month: str) -> dict:
    first = scoring.parse_month(month)
    close = scores.get_close(first)
    return {"month": scoring.month_label(first), "closed": close is not None,
            "closed_at": close.closed_at if close else None,
            "closed_by": close.closed_by.employee_no if close and close.closed_by else None,
            "staff": close.staff if close else None, "pending_nominations": scores.pending_nominations(first)}


@blp.route("/scores")
@permission("scores.view")
@blp.arguments(ScoreQuery, location="query")
@blp.response(200, ScorePage)
def list_scores(args):
    """Each person's score and figures for the month, by rank (a lead: their team; staff: themselves)."""
    figures = scores.scores_for(actor(), args.get("month"), args.get("team"))
    shown, next_cursor = scores.score_page(figures, limit=args["limit"], cursor=args["cursor"])
    return page_body(scores.score_rows(shown), next_cursor)


@blp.route("/payroll-deductions")
@permission("payroll.view")
@blp.arguments(PayrollQuery, location="query")
@blp.response(200, PayrollPage)
def list_payroll(args):
    """Per person: the month's fines due, what comes off pay under the cap, what carries over."""
    payroll = scores.payroll_view(actor(), args.get("month"), args.get("team"), owing_only=args["owing"])
    page = page_rows(scores.payroll_rows(payroll), lambda r: (r["employee_no"],), BY_PERSON,
                     limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/months/<month>")
@permission("scores.view")
@blp.response(200, MonthOut)
def get_month(month):
    """Whether the month is closed, when and by whom."""
    return _month_out(month)


@blp.route("/months/<month>/close", methods=["POST"])
@permission("months.close")
@idempotent
@blp.response(201, MonthOut)
@blp.alt_response(409, description="already closed, or before the last closed month")
@blp.alt_response(422, description="month_not_over, months_close_in_order, or nominations_pending (under the "
                                   "policy's pending_at_close refuse)")
def close_month(month):
    """Freeze the month's scores, ranks and payroll deductions (HR). Later corrections land in the open month."""
    scores.close_month(actor(), month)
    return _month_out(month)


# --- nominations for the month's reward (工作突出) -----------------------------------------------------


@blp.route("/nominations")
@permission("nominations.view")
@blp.arguments(NominationQuery, location="query")
@blp.response(200, NominationOut(many=True))
def list_nominations(args):
    """The month's nominations among the people the caller reaches (this month when left out)."""
    return nominations.nominations(actor(), args.get("month") or clock.today().strftime("%Y-%m"),
                                   status=args.get("status"))


@blp.route("/nominations", methods=["POST"])
@permission("nominations.create")
@idempotent
@blp.arguments(NominationIn)
@blp.response(201, NominationOut)
@blp.alt_response(409, description="already nominated for the month, or the month is closed")
def nominate(data):
    """A lead nominates a person of their team for the month's reward for outstanding work."""
    row = nominations.nominate(actor(), data["employee_no"], data["month"], data["reason"])
    return nominations.get_nomination(actor(), row.id)


@blp.route("/nominations/<int:nomination_id>/decide", methods=["POST"])
@permission("nominations.decide")
@idempotent
@blp.arguments(NominationDecisionIn)
@blp.response(200, NominationOut)
@blp.alt_response(409, description="already decided, or the month is closed")
def decide_nomination(data, nomination_id):
    """The supervisor confirms or declines (with a reason) before the month closes."""
    nominations.decide(actor(), nomination_id, data["outcome"], data["reason"])
    return nominations.get_nomination(actor(), nomination_id)


def _files(month: str) -> dict:
    label = scoring.month_label(scoring.parse_month(month))
    return {"month": label,
            "files": [{"name": f.name, "kind": f.kind, "size": f.size, "modified": f.modified,
                       "url": url_for("api_scores.report_file", month=label, name=f.name)}
                      for f in reports.report_files(label)],
            "charts": {name: url_for("api_scores.chart", month=label, name=name, fmt="png")
                       for name in reports.CHARTS}}


@blp.route("/reports/<month>")
@permission("reports.view")
@blp.response(200, ReportOut)
def list_report(month):
    """The month's report files (PDF, XLSX, each chart as PNG) once written, and the live charts (PNG or SVG)."""
    return _files(month)


@blp.route("/reports/<month>", methods=["POST"])
@permission("reports.generate")
@blp.response(201, ReportOut)
def generate_report(month):
    """Write (or write again) the month's report to reports/YYYY-MM/."""
    reports.generate(actor(), month)
    return _files(month)


@blp.route("/reports/<month>/files/<name>")
@permission("reports.view")
@blp.response(200, description="a report file: PDF, XLSX, PNG or SVG",
              content_type="application/octet-stream")
def report_file(month, name):
    path = reports.report_file(month, name)
    return send_file(path, as_attachment=path.suffix in (".pdf", ".xlsx"), download_name=name)


@blp.route("/reports/<month>/charts/<name>.<fmt>")
@permission("scores.dashboard")
@blp.arguments(ChartQuery, location="query")
@blp.response(200, description="the chart drawn now, as PNG or SVG", content_type="image/png")
def chart(args, month, name, fmt):
    """One of the month's charts: ranking, trend, categories, lateness, attendance (``?team=`` narrows it)."""
    if fmt not in ("png", "svg"):
        raise InvalidInput("png or svg", fields={"fmt": "png or svg"})
    figure = reports.chart_figure(actor(), name, month, args.get("team"))
    if fmt == "png":
        return Response(charts.png(figure), mimetype="image/png")
    return Response(charts.svg(figure), mimetype="image/svg+xml")
