"""Attendance per person per day, evaluation, the monthly sheet, meetings (docs/api.md: attendance)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from attendance.api import schemas
from attendance.api.core import actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.api.requests import DecisionIn
from attendance.api.schemas import Day
from attendance.domain.attendance_rules import STATUSES
from attendance.models.attendance import MEETING_KINDS, MEETING_MARKS
from attendance.reporting.attendance_sheet import sheet_xlsx
from attendance.services import attendance as svc
from attendance.services import meetings
from attendance.services import requests as requests_svc

blp = make_blueprint("api_attendance", "", "Attendance, the monthly sheet and meetings")


class AttendanceOut(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    date = Day()
    shift = ma.fields.String(allow_none=True, metadata={"description": "the rostered shift code, or REST"})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    late_minutes = ma.fields.Integer()
    early_minutes = ma.fields.Integer()
    leave_type = ma.fields.String(allow_none=True)
    worked_minutes = ma.fields.Integer(allow_none=True)
    missing_in = ma.fields.Boolean(metadata={"description": "no in-punch: for the lead to resolve"})
    missing_out = ma.fields.Boolean(metadata={"description": "no out-punch: for the lead to resolve"})
    in_at = ma.fields.DateTime(allow_none=True)
    out_at = ma.fields.DateTime(allow_none=True)
    evaluated = ma.fields.Boolean(metadata={"description": "false: read from the punches now, not stored yet"})


AttendancePage = paged_schema(AttendanceOut, "AttendancePage")


class EvaluateIn(ma.Schema):
    date = Day(required=True)
    to = Day()
    team = ma.fields.String()


class EvaluateOut(ma.Schema):
    days = ma.fields.Integer()
    raised = ma.fields.List(ma.fields.Integer(), metadata={"description": "ids of the violations raised"})
    reversed = ma.fields.Integer()
    not_over = ma.fields.Integer()
    problems = ma.fields.List(ma.fields.String())


class SheetQuery(ma.Schema):
    month = ma.fields.String(required=True, metadata={"example": "2026-11"})
    team = ma.fields.String()


class MeetingQuery(ma.Schema):
    month = ma.fields.String(metadata={"example": "2026-11"})
    team = ma.fields.String()


class MarkOut(ma.Schema):
    employee_no = ma.fields.Function(lambda a: a.employee.employee_no)
    mark = ma.fields.String(metadata={"enum": list(MEETING_MARKS)})
    note = ma.fields.String(allow_none=True)


class MeetingOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(MEETING_KINDS)})
    team = ma.fields.Function(lambda m: m.team.code if m.team else None)
    date = Day(attribute="day")
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    title = ma.fields.String()
    attendees = ma.fields.Function(lambda m: [a.employee.employee_no for a in m.attendees], metadata={
        "type": "array", "items": {"type": "string"}, "description": "named attendees; empty: the team"})
    announced_at = ma.fields.DateTime(allow_none=True)
    attendance = ma.fields.List(ma.fields.Nested(MarkOut))


class MeetingIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(MEETING_KINDS))
    date = ma.fields.String(required=True, metadata={"format": "date"})
    start = ma.fields.String(metadata={"example": "08:05"})
    end = ma.fields.String(metadata={"example": "08:30"})
    team = ma.fields.String(allow_none=True, metadata={"description": "none: the whole department"})
    title = ma.fields.String()
    notes = ma.fields.String(metadata={"description": "agenda, place, materials (sent to the attendees)"})
    attendees = ma.fields.List(ma.fields.String(), metadata={
        "description": "employee numbers who must attend (default: the team); topic and training meetings are "
                       "announced to them and must be at least the policy's notice_days ahead"})


class MarksIn(ma.Schema):
    marks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(validate=ma.validate.OneOf(MEETING_MARKS)),
                           required=True, metadata={"description": "employee_no → mark"})
    notes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), load_default={})


class MarksOut(ma.Schema):
    marked = ma.fields.Integer()
    raised = ma.fields.Function(lambda r: [v.id for v in r.raised], metadata={"type": "array"})
    reversed = ma.fields.Integer()
    problems = ma.fields.List(ma.fields.String())


@blp.route("/attendance")
@permission("attendance.view")
@blp.arguments(schemas.PeriodQuery, location="query")
@blp.response(200, AttendancePage)
def list_attendance(args):
    """Per person per rostered day that is over: status and minutes (staff: their own; a lead: their team)."""
    page = svc.list_attendance(actor(), start=args["start"], end=args["end"], team=args.get("team"),
                               employee_no=args.get("employee_no"), limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/attendance/evaluate", methods=["POST"])
@permission("attendance.evaluate")
@idempotent
@blp.arguments(EvaluateIn)
@blp.response(200, EvaluateOut)
def evaluate(data):
    """Judge the days that are over and raise LATE/EARLY/ABSENT once per person and day (re-running adds nothing)."""
    report = svc.evaluate(actor(), data["date"], data.get("to"), team=data.get("team"))
    return {"days": report.days, "raised": [v.id for v in report.raised], "reversed": report.reversed,
            "not_over": report.not_over, "problems": report.problems}


@blp.route("/attendance/sheet.xlsx")
@permission("attendance.team")
@blp.arguments(SheetQuery, location="query")
@blp.response(200, description="the monthly attendance sheet 考勤表",
              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def sheet(args):
    data = svc.month_sheet(actor(), args["month"], args.get("team"))
    body = sheet_xlsx(data)
    filename = f"attendance-{args['month']}{'-' + data.team.code if data.team else ''}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/meetings")
@permission("meetings.view")
@blp.arguments(MeetingQuery, location="query")
@blp.response(200, MeetingOut(many=True))
def list_meetings(args):
    return meetings.list_meetings(actor(), month=args.get("month"), team=args.get("team"))


@blp.route("/meetings", methods=["POST"])
@permission("meetings.record")
@idempotent
@blp.arguments(MeetingIn)
@blp.response(201, MeetingOut)
def create_meeting(data):
    """A morning, weekly or monthly meeting; times default to the rule book's (morning 08:05–08:30)."""
    return meetings.create_meeting(actor(), data)


@blp.route("/meetings/<int:meeting_id>")
@permission("meetings.view")
@blp.response(200, MeetingOut)
def get_meeting(meeting_id):
    return meetings.get_meeting(actor(), meeting_id)


@blp.route("/meetings/<int:meeting_id>/attendance", methods=["PUT"])
@permission("meetings.record")
@blp.arguments(MarksIn)
@blp.response(200, MarksOut)
def mark_attendance(data, meeting_id):
    """Mark who came: late or left early → MEETING_LATE, absent → MEETING_ABSENT, once per person and meeting."""
    return meetings.record_attendance(actor(), meeting_id, data["marks"], data["notes"])


class ExcuseIn(ma.Schema):
    reason = ma.fields.String(required=True)


class ExcuseOut(ma.Schema):
    id = ma.fields.Integer(attribute="request_id")
    meeting = ma.fields.Integer(attribute="meeting_id")
    employee_no = ma.fields.Function(lambda e: e.employee.employee_no)
    reason = ma.fields.String()
    status = ma.fields.Function(lambda e: e.request.status)


class SignInOut(ma.Schema):
    meeting = ma.fields.Integer(attribute="meeting_id")
    mark = ma.fields.String(metadata={"enum": list(MEETING_MARKS)})
    signed_in_at = ma.fields.DateTime()


@blp.route("/meetings/mine")
@permission("meetings.attend")
@blp.response(200, MeetingOut(many=True))
def my_meetings():
    """The meetings the caller must attend, from a week ago to a month ahead."""
    return meetings.mine(actor())


@blp.route("/meetings/<int:meeting_id>/sign-in", methods=["POST"])
@permission("meetings.attend")
@blp.response(201, SignInOut)
def sign_in(meeting_id):
    """An attendee signs in on the phone, from the policy's ``sign_in_before_minutes`` before the start to the
    end; after the start it counts as late (MEETING_LATE). 422 ``meeting_sign_in_window``; 409 signed in."""
    return meetings.sign_in(actor(), meeting_id)


@blp.route("/meetings/<int:meeting_id>/excuse-requests", methods=["POST"])
@permission("meetings.attend")
@idempotent
@blp.arguments(ExcuseIn)
@blp.response(201, ExcuseOut)
def file_excuse(data, meeting_id):
    """Ask to be excused, at the latest the day before (422 ``excuse_too_late``); the lead decides it in the
    approvals inbox (``POST /meeting-excuses/{id}/approve``, ``/reject``). Approved: marked excused, nothing
    raised (an absence already raised is reversed)."""
    return meetings.file_excuse(actor(), meeting_id, data["reason"])


@blp.route("/meeting-excuses/<int:request_id>/approve", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, ExcuseOut)
def approve_excuse(data, request_id):
    """The lead approves a request to be excused (409 decided; 403 one's own or another's step)."""
    requests_svc.decide(actor(), request_id, "approve", data["note"], kind="meeting_excuse")
    return meetings.excuse(actor(), request_id)


@blp.route("/meeting-excuses/<int:request_id>/reject", methods=["POST"])
@permission("approvals.decide")
@blp.arguments(DecisionIn)
@blp.response(200, ExcuseOut)
def reject_excuse(data, request_id):
    requests_svc.decide(actor(), request_id, "reject", data["note"], kind="meeting_excuse")
    return meetings.excuse(actor(), request_id)
