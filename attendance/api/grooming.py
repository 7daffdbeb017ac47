"""Grooming checks (docs/api.md: grooming): the checklist, recording a check, listing checks, the monthly insight."""

from __future__ import annotations

import marshmallow as ma
from flask import g

from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.api.schemas import Day, Money
from attendance.domain import grooming as rules
from attendance.services import grooming as service

blp = make_blueprint("api_grooming", "", "Grooming and workstation checks")


def _no(person) -> str | None:
    return person.employee_no if person is not None else None


def _items_of(check) -> dict[str, str]:
    # One checklist per policy version and team, shared by every check of the response.
    return service.item_results(check, g.setdefault("grooming_checklists", {}))


class _Result:
    """A recorded check seen with what recording it did (for GroomingCheckResultOut)."""

    def __init__(self, outcome: service.Outcome):
        self._check = outcome.check
        self.violations, self.reversed, self.recorded = outcome.raised, outcome.reversed, outcome.changed

    def __getattr__(self, name):
        return getattr(self._check, name)


class GroomingName(ma.Schema):
    zh = ma.fields.String()
    en = ma.fields.String()


class GroomingItemOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.Nested(GroomingName)
    rule = ma.fields.String(metadata={"description": "the policy rule a failure raises"})
    kind = ma.fields.String(metadata={"enum": ["grooming", "workstation"]})
    teams = ma.fields.List(ma.fields.String(), allow_none=True,
                           metadata={"description": "null: every team"})


class GroomingVersionOut(ma.Schema):
    id = ma.fields.Integer()
    label = ma.fields.String()
    effective_from = Day()


class GroomingChecklistOut(ma.Schema):
    policy_version = ma.fields.Nested(GroomingVersionOut)
    items = ma.fields.List(ma.fields.Nested(GroomingItemOut))


class GroomingChecklistQuery(ma.Schema):
    on = Day(metadata={"description": "the policy in force on this day (default today)"})
    team = ma.fields.String(metadata={"description": "only the items that apply to this team"})


class GroomingViolationOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda v: v.employee.employee_no)
    rule = ma.fields.String(attribute="rule_code")
    item = ma.fields.Function(lambda v: (v.source_ref or "").rsplit(":", 1)[-1] or None)
    occurred_at = ma.fields.DateTime()
    occurrence = ma.fields.Integer()
    step = ma.fields.Integer()
    sanction = ma.fields.String(metadata={"enum": ["warning", "fine", "points", "dismissal_review"]})
    fine = Money()
    points = ma.fields.Integer()
    ledger_entry = ma.fields.Function(
        lambda v: next((e.id for e in v.ledger_entries if e.kind == "fine"), None), allow_none=True,
        metadata={"type": "integer"})
    reversed = ma.fields.Function(lambda v: v.reversed_at is not None)


class GroomingFailureOut(ma.Schema):
    item = ma.fields.String(attribute="item_code")
    rule = ma.fields.String(attribute="rule_code")
    note = ma.fields.String()
    evidence = ma.fields.Function(lambda f: f.evidence_path is not None)
    violation_id = ma.fields.Integer(allow_none=True)


class GroomingCheckOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda c: c.employee.employee_no)
    name = ma.fields.Function(lambda c: c.employee.name)
    team = ma.fields.Function(lambda c: c.team.code if c.team else None)
    date = Day(attribute="day")
    shift = ma.fields.Function(lambda c: c.shift_code or None, metadata={"description": "null: no roster"})
    status = ma.fields.String(metadata={"enum": list(rules.STATUSES)})
    items = ma.fields.Function(_items_of, metadata={"type": "object", "additionalProperties": {
        "type": "string", "enum": list(rules.RESULTS)}})
    failures = ma.fields.List(ma.fields.Nested(GroomingFailureOut))
    note = ma.fields.String()
    checked_by = ma.fields.Function(lambda c: _no(c.checked_by))
    checked_at = ma.fields.DateTime()
    policy_version = ma.fields.Integer(attribute="policy_version_id")
    current = ma.fields.Boolean()
    supersedes = ma.fields.Integer(attribute="supersedes_id", allow_none=True)
    superseded_at = ma.fields.DateTime(allow_none=True)
    superseded_by = ma.fields.Function(lambda c: _no(c.superseded_by))


class GroomingCheckResultOut(GroomingCheckOut):
    violations = ma.fields.List(ma.fields.Nested(GroomingViolationOut),
                                metadata={"description": "the violations this check raised"})
    reversed = ma.fields.List(ma.fields.Nested(GroomingViolationOut),
                              metadata={"description": "violations this correction reversed"})
    recorded = ma.fields.Boolean(metadata={"description": "false: the same as the current check, nothing stored"})


class GroomingCheckIn(ma.Schema):
    employee_no = ma.fields.String(required=True)
    date = ma.fields.String(required=True, metadata={"format": "date"})
    shift = ma.fields.String(allow_none=True, metadata={"description": "default: the person's rostered shift"})
    status = ma.fields.String(load_default="present", validate=ma.validate.OneOf(rules.STATUSES))
    items = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(validate=ma.validate.OneOf(rules.RESULTS)),
                           load_default=dict, metadata={"description": "item code → pass/fail; unlisted items pass"})
    notes = ma.fields.Raw(allow_none=True, metadata={
        "description": "a note for the check, or {item code: note} for failed items",
        "oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]})

    @ma.validates("notes")
    def _notes_shape(self, value, **_kwargs):
        if value is None or isinstance(value, str):
            return
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ma.ValidationError("text, or an object of item code → text")


class GroomingCheckQuery(PageArgs):
    team = ma.fields.String()
    date = ma.fields.String(metadata={"format": "date"})
    month = ma.fields.String(metadata={"description": "YYYY-MM"})
    employee_no = ma.fields.String()
    include_superseded = ma.fields.Boolean(load_default=False)


GroomingCheckPage = paged_schema(GroomingCheckOut, "GroomingCheckPage")


class GroomingInsightQuery(ma.Schema):
    team = ma.fields.String(required=True)
    month = ma.fields.String(required=True, metadata={"description": "YYYY-MM"})


class GroomingItemCountOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.Nested(GroomingName, allow_none=True)
    failures = ma.fields.Integer()
    people = ma.fields.Integer()


class GroomingPersonCountOut(ma.Schema):
    employee_no = ma.fields.Function(lambda p: p.employee.employee_no)
    name = ma.fields.Function(lambda p: p.employee.name)
    checks = ma.fields.Integer()
    absent = ma.fields.Integer()
    failed_checks = ma.fields.Integer()
    failures = ma.fields.Integer()
    items = ma.fields.List(ma.fields.String())


class GroomingInsightOut(ma.Schema):
    team = ma.fields.Function(lambda i: i.team.code)
    month = ma.fields.String()
    checks = ma.fields.Integer()
    present = ma.fields.Integer()
    absent = ma.fields.Integer()
    failed_checks = ma.fields.Integer()
    failures = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(GroomingItemCountOut))
    people = ma.fields.List(ma.fields.Nested(GroomingPersonCountOut))


@blp.route("/grooming/checklist")
@permission("grooming.view")
@blp.arguments(GroomingChecklistQuery, location="query")
@blp.response(200, GroomingChecklistOut)
def checklist(args):
    """The active checklist items in force (today, or ``on``), in order; for one team with ``team``."""
    version, items = service.checklist(args.get("on"), args.get("team"))
    return {"policy_version": version, "items": list(items)}


@blp.route("/grooming-checks", methods=["POST"])
@permission("grooming.check")
@idempotent
@blp.arguments(GroomingCheckIn)
@blp.response(201, GroomingCheckResultOut)
@blp.alt_response(200, schema=GroomingCheckResultOut, description="the same as the current check: nothing stored")
def record_check(data):
    """Record one person's check; failed items raise violations of their rules. Sending a different
    check for the same person, day and shift corrects it: violations of items no longer failed are reversed."""
    outcome = service.submit_check(actor(), data)
    return _Result(outcome), 201 if outcome.changed else 200


@blp.route("/grooming-checks")
@permission("grooming.view")
@blp.arguments(GroomingCheckQuery, location="query")
@blp.response(200, GroomingCheckPage)
def list_checks(args):
    """Checks the caller may see (staff: their own), newest first; corrected ones with ``include_superseded``."""
    args["day"] = args.pop("date", None)
    page = service.list_checks(actor(), **args)
    return page_body(page.items, page.next)


@blp.route("/grooming/insight")
@permission("grooming.report")
@blp.arguments(GroomingInsightQuery, location="query")
@blp.response(200, GroomingInsightOut)
def insight(args):
    """Per team and month: the most failed items and who fails most."""
    return service.month_insight(actor(), args["team"], args["month"])
