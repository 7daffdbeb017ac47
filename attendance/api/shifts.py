"""Shift types, the roster and punches (docs/api.md: shift types, roster, punches)."""

from __future__ import annotations

from types import SimpleNamespace

import marshmallow as ma
from flask import request

from attendance.api import schemas
from attendance.api.core import actor, answered_in_use_case, make_blueprint, page_body, paged_schema, permission
from attendance.api.schemas import Day, ImportRejected, Money
from attendance.domain.errors import Forbidden, InvalidInput
from attendance.domain.permissions import allowed
from attendance.domain.rotation import PATTERNS
from attendance.services import people, punches, roster, shift_types

blp = make_blueprint("api_shifts", "", "Shift types, the roster and punches")


# --- schemas ---------------------------------------------------------------------------------------


class BreakSchema(ma.Schema):
    start = ma.fields.String(required=True, metadata={"example": "12:00"})
    end = ma.fields.String(required=True, metadata={"example": "14:00"})


class ShiftTypeOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    start = ma.fields.String(metadata={"example": "18:30"})
    end = ma.fields.String(metadata={"example": "24:00", "description": "at or before start: the next day"})
    breaks = ma.fields.List(ma.fields.Nested(BreakSchema), attribute="break_list")
    grace_minutes = ma.fields.Integer(allow_none=True, metadata={"description": "own grace, if the policy allows"})
    crosses_midnight = ma.fields.Boolean()
    active = ma.fields.Boolean()


class ShiftTypeIn(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    start = ma.fields.String(required=True, metadata={"example": "08:00"})
    end = ma.fields.String(required=True, metadata={"example": "18:00"})
    breaks = ma.fields.List(ma.fields.Nested(BreakSchema), load_default=[])
    grace_minutes = ma.fields.Raw(allow_none=True, metadata={"type": "integer"})


class ShiftTypePatch(ma.Schema):
    name = ma.fields.String()
    start = ma.fields.String()
    end = ma.fields.String()
    breaks = ma.fields.List(ma.fields.Nested(BreakSchema))
    grace_minutes = ma.fields.Raw(allow_none=True, metadata={"type": "integer"})
    active = ma.fields.Boolean()


class RosterRowOut(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    date = Day()
    shift = ma.fields.String(metadata={"description": "a shift code, or REST"})
    note = ma.fields.String(allow_none=True)
    swap = ma.fields.Integer(allow_none=True, metadata={
        "description": "the approved swap that set this day (GET /swaps/{id}); null when set by hand"})


RosterPage = paged_schema(RosterRowOut, "RosterPage")


class RosterPut(ma.Schema):
    shift = ma.fields.String(required=True, metadata={"description": "a shift code, or REST"})
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))


class RosterEntryOut(ma.Schema):
    employee_no = ma.fields.Function(lambda e: e.employee.employee_no)
    date = Day(attribute="day")
    shift = ma.fields.String(attribute="code")
    note = ma.fields.String(allow_none=True)
    swap = ma.fields.Integer(attribute="request_id", allow_none=True)


class RosterEffectOut(ma.Schema):
    employee_no = ma.fields.String()
    date = ma.fields.Date(attribute="day")
    rule_code = ma.fields.String()
    rule_name_zh = ma.fields.String()
    rule_name_en = ma.fields.String()
    sanction = ma.fields.String(metadata={"enum": ["warning", "fine", "points", "dismissal_review"]})
    fine = Money()
    points = ma.fields.Integer()


class RosterPutOut(RosterEntryOut):
    raised = ma.fields.List(ma.fields.Nested(RosterEffectOut), metadata={
        "description": "violations the change raised on a day already judged (its fine included)"})
    reversed = ma.fields.List(ma.fields.Nested(RosterEffectOut), metadata={
        "description": "violations the change reversed on a day already judged"})


class GenerateIn(ma.Schema):
    team = ma.fields.String(required=True)
    pattern = ma.fields.String(required=True, validate=ma.validate.OneOf(PATTERNS))
    start = Day(data_key="from", required=True)
    end = Day(data_key="to", required=True)
    shift = ma.fields.String(metadata={"description": "weekly_rest and one_on_one_off: the shift worked"})
    cycle = ma.fields.List(ma.fields.String(), metadata={"description": "cycle: e.g. [D8, D8, D8, D8, D8, REST, REST]"})
    stagger = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=0, max=366))
    weekday_shifts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                                    metadata={"description": "0 (Mon) … 6 (Sun) → a code on those weekdays"})
    rest_on_holidays = ma.fields.Boolean(load_default=False)
    employee_nos = ma.fields.List(ma.fields.String())


class GenerateOut(ma.Schema):
    team = ma.fields.String()
    start = Day(data_key="from")
    end = Day(data_key="to")
    people = ma.fields.Integer()
    cells = ma.fields.Integer()
    changed = ma.fields.Integer()


class PunchIn(ma.Schema):
    employee_no = ma.fields.String(metadata={"description": "default: the caller"})
    at = ma.fields.String(metadata={"format": "date-time", "description": "ISO 8601; naive = site time. "
                                    "Left out: the server's time (staff clocking themselves may not set it)"})
    direction = ma.fields.String(allow_none=True, metadata={"enum": ["in", "out"]})
    source = ma.fields.String(metadata={"enum": ["web", "api", "clock", "import", "correction"]})
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))


class PunchOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda p: p.employee.employee_no)
    at = ma.fields.DateTime()
    direction = ma.fields.String(allow_none=True)
    source = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    voided = ma.fields.Function(lambda p: p.voided_at is not None, metadata={"type": "boolean"})
    void_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class PunchQuery(ma.Schema):
    employee_no = ma.fields.String(required=True)
    date = Day(required=True)


class VoidIn(ma.Schema):
    reason = ma.fields.String(required=True)


class PunchImportOut(ma.Schema):
    imported = ma.fields.Integer()
    duplicates = ma.fields.Integer(metadata={"description": "lines already stored by an earlier import"})
    duplicate_lines = ma.fields.List(ma.fields.Integer())
    rejected = ma.fields.List(ma.fields.Nested(ImportRejected))
    evaluated = ma.fields.Integer(metadata={"description": "attendance days judged again"})


# --- shift types -------------------------------------------------------------------------------------


@blp.route("/shift-types")
@permission("shifts.view")
@blp.response(200, ShiftTypeOut(many=True))
def list_shift_types():
    """Every shift type, retired ones too (``active: false``)."""
    return shift_types.list_shift_types(include_inactive=True)


@blp.route("/shift-types", methods=["POST"])
@permission("shifts.manage")
@blp.arguments(ShiftTypeIn)
@blp.response(201, ShiftTypeOut)
def create_shift_type(data):
    return shift_types.save_shift_type(actor(), data)


@blp.route("/shift-types/<code>", methods=["PATCH"])
@permission("shifts.manage")
@blp.arguments(ShiftTypePatch)
@blp.response(200, ShiftTypeOut)
def update_shift_type(data, code):
    """Change a shift type; ``active: false`` retires it (the roster keeps its past days)."""
    return shift_types.save_shift_type(actor(), data, code)


# --- roster ------------------------------------------------------------------------------------------


@blp.route("/roster")
@permission("roster.view")
@blp.arguments(schemas.PeriodQuery, location="query")
@blp.response(200, RosterPage)
def list_roster(args):
    """The roster the caller may see (staff: their own), by person then day; at most 93 days at once."""
    page = roster.list_roster(actor(), start=args["start"], end=args["end"], team=args.get("team"),
                           employee_no=args.get("employee_no"), limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/roster/<employee_no>/<day>", methods=["PUT"])
@permission("roster.edit")
@blp.arguments(RosterPut)
@blp.response(200, RosterPutOut)
def put_roster_day(data, employee_no, day):
    """Put a shift code (or REST) on one person's day; a lead only in their own team. A day already over and
    judged is judged again at once: the answer lists the violations that raised (with their fines) or reversed."""
    entry, change = roster.put_day(actor(), employee_no, day, data["shift"], data.get("note"))
    return SimpleNamespace(employee=entry.employee, day=entry.day, code=entry.code, note=entry.note,
                           request_id=entry.request_id, raised=change.raised, reversed=change.reversed)


@blp.route("/roster/generate", methods=["POST"])
@permission("roster.edit")
@blp.arguments(GenerateIn)
@blp.response(200, GenerateOut)
def generate_roster(data):
    """Fill a team's roster from a rotation pattern (weekly rotating rest day, one on one off, a custom cycle)."""
    data = dict(data)
    data["from"], data["to"] = data.pop("start"), data.pop("end")
    report = roster.generate_roster(actor(), data.pop("team"), data)
    return {"team": report.team, "start": report.start, "end": report.end, "people": report.people,
            "cells": report.cells, "changed": report.changed}


# --- punches -----------------------------------------------------------------------------------------


@blp.route("/punches", methods=["POST"])
@permission("self.view")
@answered_in_use_case
@blp.arguments(PunchIn)
@blp.response(201, PunchOut)
@blp.alt_response(200, schema=PunchOut, description="the same punch (person and second) was already stored")
def add_punch(data):
    """Clock in/out at the server's time (staff, for themselves), or send a time clock's punch with ``at``."""
    if not any(allowed(actor().roles, a) for a in ("punches.own", "punches.import", "punches.correct")):
        raise Forbidden("your roles do not allow punches")
    punch, created = punches.add_punch(actor(), data)
    return punch, 201 if created else 200


@blp.route("/punches")
@permission("attendance.view")
@blp.arguments(PunchQuery, location="query")
@blp.response(200, PunchOut(many=True))
def list_punches(args):
    """A person's punches of a day and the morning after (void ones too), for resolving a missing punch."""
    return punches.punches_of_day(actor(), args["employee_no"], args["date"])


@blp.route("/punches/<int:punch_id>/void", methods=["POST"])
@permission("punches.correct")
@blp.arguments(VoidIn)
@blp.response(200, PunchOut)
def void_punch(data, punch_id):
    """Take a wrong punch out of the reckoning (it is kept, marked void) and judge its day again."""
    return punches.void_punch(actor(), punch_id, data["reason"])


@blp.route("/punches/import", methods=["POST"])
@permission("punches.import")
@blp.doc(requestBody={"content": {"text/csv": {"schema": {"type": "string"}},
                                  "multipart/form-data": {"schema": {"type": "object", "properties": {
                                      "file": {"type": "string", "format": "binary"}}}}}})
@blp.response(200, PunchImportOut)
def import_punches():
    """Import a time clock's CSV (employee number, timestamp, optional direction; UTF-8 or GB18030).

    Good lines are stored, each bad line is answered with its reason; lines stored before are counted as
    duplicates, so sending the same file twice adds nothing.
    """
    upload = request.files.get("file")
    raw = upload.read() if upload else request.get_data()
    if not raw:
        raise InvalidInput("no CSV file in the request", fields={"file": "required"})
    report = punches.import_punches(actor(), people.decode_upload(raw))
    return {"imported": report.imported, "duplicates": len(report.duplicates),
            "duplicate_lines": report.duplicates, "evaluated": report.evaluated,
            "rejected": [{"line": line, "reason": why} for line, why in report.rejected]}
