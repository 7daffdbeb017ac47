"""Work reports (周报、月报): hand one in (text and/or a file), one's own list, the team's who-has-and-who-has-not."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import actor, base64_upload, idempotent, make_blueprint, permission
from attendance.domain.work_reports import REPORT_KINDS
from attendance.services import work_reports as svc

blp = make_blueprint("api_work_reports", "", "Work reports (weekly and monthly) and who has handed them in")


def _iso(value):
    return value.isoformat() if value is not None else None


class WorkReportOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda r: r.employee.employee_no)
    kind = ma.fields.String(metadata={"enum": list(REPORT_KINDS)})
    period_start = ma.fields.Function(lambda r: r.period_start.isoformat(), metadata={"format": "date"})
    due_at = ma.fields.Function(lambda r: r.due_at.isoformat(), metadata={"format": "date-time"})
    nominal_due_at = ma.fields.Function(
        lambda r: _iso(r.nominal_due_at) if r.nominal_due_at and r.nominal_due_at != r.due_at else None,
        metadata={"format": "date-time", "description": "the rule book's deadline when a public holiday or rest "
                  "day moved due_at to the next working day; null when nothing moved it"})
    handed_in_at = ma.fields.Function(lambda r: _iso(r.handed_in_at), metadata={
        "format": "date-time", "description": "null: not handed in (a row the nightly run made when it was late)"})
    late = ma.fields.Function(lambda r: svc.is_late(r), metadata={"type": "boolean"})
    text = ma.fields.String(attribute="body")
    file_name = ma.fields.String(allow_none=True)
    file_removed_at = ma.fields.Function(lambda r: _iso(r.file_removed_at), metadata={
        "format": "date-time", "description": "when retention deleted the file (the name and hash are kept)"})
    violation_id = ma.fields.Integer(allow_none=True, metadata={"description": "the REPORT_LATE it raised"})


class WorkReportFileIn(ma.Schema):
    filename = ma.fields.String(load_default="report")
    data = ma.fields.String(required=True, metadata={"description": "base64 of a PDF, photo, .xlsx or .docx"})


class WorkReportIn(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"enum": list(REPORT_KINDS)})
    period = ma.fields.String(metadata={"format": "date", "description": "a day of the period; default: due next"})
    text = ma.fields.String(load_default="")
    file = ma.fields.Nested(WorkReportFileIn, allow_none=True)


class WorkReportTeamQuery(ma.Schema):
    team = ma.fields.String(required=True)
    kind = ma.fields.String(load_default="weekly", validate=ma.validate.OneOf(REPORT_KINDS))
    period = ma.fields.String(metadata={"format": "date"})


class WorkReportTeamRowOut(ma.Schema):
    employee_no = ma.fields.Function(lambda r: r.person.employee_no)
    name = ma.fields.Function(lambda r: r.person.name)
    status = ma.fields.String(metadata={"enum": ["on_time", "late", "missing", "not_due", "away"]})
    report_id = ma.fields.Function(lambda r: r.report.id if r.handed_in else None, metadata={"type": "integer"})
    handed_in_at = ma.fields.Function(lambda r: _iso(r.report.handed_in_at) if r.handed_in else None,
                                      metadata={"format": "date-time"})


class WorkReportTeamOut(ma.Schema):
    team = ma.fields.String()
    kind = ma.fields.String()
    period_start = ma.fields.String(metadata={"format": "date"})
    due_at = ma.fields.String(metadata={"format": "date-time"})
    items = ma.fields.List(ma.fields.Nested(WorkReportTeamRowOut))


MineList = ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(WorkReportOut))}, name="WorkReportList")


@blp.route("/work-reports", methods=["POST"])
@permission("work_reports.hand_in")
@idempotent
@blp.arguments(WorkReportIn)
@blp.response(201, WorkReportOut)
def hand_in(data):
    """Hand in one's report of ``kind`` for the period containing ``period`` (default: the one due next), as
    ``text``, a ``file`` or both. Late is recorded, never refused; 409 ``already_handed_in`` for a second one;
    403 when one's roles owe no report."""
    return svc.hand_in(actor(), data, base64_upload(data.get("file"), "file"))


@blp.route("/work-reports")
@permission("work_reports.hand_in")
@blp.response(200, MineList)
def my_reports():
    """The caller's reports, newest period first (those the nightly run found missing included)."""
    return {"items": svc.my_reports(actor())}


@blp.route("/work-reports/team")
@permission("work_reports.team")
@blp.arguments(WorkReportTeamQuery, location="query")
@blp.response(200, WorkReportTeamOut)
def team_reports(args):
    """Who of a team has handed in the report of ``kind`` for ``period`` and who has not: ``on_time``, ``late``,
    ``missing`` (past the deadline), ``not_due`` or ``away`` (on leave on the due day)."""
    team, start, due, rows = svc.team_status(actor(), args["team"], args["kind"], args.get("period"))
    return {"team": team.code, "kind": args["kind"], "period_start": start.isoformat(), "due_at": due.isoformat(),
            "items": rows}


@blp.route("/work-reports/<int:report_id>")
@permission("self.view")
@blp.response(200, WorkReportOut)
def get_report(report_id: int):
    """One report: the person's own, or one of a team the caller leads (404 otherwise)."""
    return svc.get_report(actor(), report_id)
