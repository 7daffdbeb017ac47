"""Marshmallow schemas: they shape the JSON and, through flask-smorest, write the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma

from attendance.domain import dates
from attendance.domain.policy import ROLES


class Money(ma.fields.Decimal):
    """Yuan as a two-place decimal string, never a float (and documented so: a Decimal field is a number to
    apispec)."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "30.00", **kwargs.pop("metadata", {})}
        super().__init__(places=2, as_string=True, metadata=metadata, **kwargs)


class Day(ma.fields.Date):
    """A ``YYYY-MM-DD`` date within the days the system takes in (attendance.domain.dates.FIRST_DAY..LAST_DAY):
    a day in year 1 or 9999 is bad input, not an overflow in the date arithmetic behind it."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not dates.in_range(day):
            raise ma.ValidationError(dates.OUT_OF_RANGE)
        return day


class TokenIn(ma.Schema):
    username = ma.fields.String(required=True)
    password = ma.fields.String(required=True, load_only=True)


class TokenOut(ma.Schema):
    token = ma.fields.String()
    expires_at = ma.fields.DateTime()


class Me(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    team = ma.fields.Function(lambda p: p.team.code if p.team else None)
    roles = ma.fields.Function(lambda p: sorted(p.roles))
    locale = ma.fields.String(allow_none=True)


class TeamOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    lead = ma.fields.Function(lambda t: t.lead.employee_no if t.lead else None)
    active = ma.fields.Boolean()


class TeamIn(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    lead = ma.fields.String(allow_none=True)


class TeamPatch(ma.Schema):
    name = ma.fields.String()
    lead = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()


class EmployeeOut(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    team = ma.fields.Function(lambda p: p.team.code if p.team else None)
    roles = ma.fields.Function(lambda p: sorted(p.roles))
    hire_date = Day(allow_none=True)
    monthly_wage = Money(allow_none=True)
    active = ma.fields.Boolean()
    username = ma.fields.String(allow_none=True)


class EmployeeIn(ma.Schema):
    # Values are checked by the people service (shared with pages and CSV import); here only their shape.
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    team = ma.fields.String(allow_none=True)
    # The service checks the roles with the other values, so one answer names every bad field (docs/api.md).
    roles = ma.fields.List(ma.fields.String(metadata={"enum": list(ROLES)}))
    hire_date = ma.fields.String(allow_none=True, metadata={"format": "date"})
    monthly_wage = ma.fields.Raw(allow_none=True, metadata={"type": "string", "example": "3000.00"})
    username = ma.fields.String()
    password = ma.fields.String(load_only=True)


class EmployeePatch(ma.Schema):
    name = ma.fields.String()
    team = ma.fields.String(allow_none=True)
    # The service checks the roles with the other values, so one answer names every bad field (docs/api.md).
    roles = ma.fields.List(ma.fields.String(metadata={"enum": list(ROLES)}))
    hire_date = ma.fields.String(allow_none=True, metadata={"format": "date"})
    monthly_wage = ma.fields.Raw(allow_none=True, metadata={"type": "string", "example": "3000.00"})
    active = ma.fields.Boolean()


class EmployeeQuery(ma.Schema):
    q = ma.fields.String()
    team = ma.fields.String()
    active = ma.fields.Boolean(load_default=True)
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = ma.fields.String(load_default=None)


class PasswordIn(ma.Schema):
    password = ma.fields.String(required=True, load_only=True)


class ImportRejected(ma.Schema):
    line = ma.fields.Integer()
    reason = ma.fields.String()


class ImportOut(ma.Schema):
    imported = ma.fields.List(ma.fields.String())
    rejected = ma.fields.List(ma.fields.Nested(ImportRejected))
    committed = ma.fields.Boolean()


class PolicyQuery(ma.Schema):
    on = Day()


class PolicyVersionOut(ma.Schema):
    id = ma.fields.Integer()
    label = ma.fields.String()
    effective_from = Day()
    created_at = ma.fields.DateTime()
    created_by = ma.fields.Function(lambda v: v.created_by.employee_no if v.created_by else None)
    published = ma.fields.Boolean()
    published_at = ma.fields.DateTime(allow_none=True)
    adopted_on = ma.fields.Date(allow_none=True)
    adopted_by = ma.fields.String(allow_none=True)
    evidence_sha256 = ma.fields.String(allow_none=True)


class PolicyEvidenceIn(ma.Schema):
    filename = ma.fields.String(load_default="evidence")
    data = ma.fields.String(required=True, metadata={"description": "the minute or notice, base64 (PDF, JPEG, "
                                                                    "PNG or WebP, ≤ 5 MB)"})


class PolicyPublishIn(ma.Schema):
    adopted_on = ma.fields.String(load_default=None, allow_none=True,
                                  metadata={"format": "date", "description": "may lie in the past, not ahead"})
    adopted_by = ma.fields.String(load_default=None, allow_none=True,
                                  metadata={"example": "职工代表大会", "description": "职工代表大会, 全体职工讨论 or "
                                                                             "another body, as text"})
    evidence = ma.fields.Nested(PolicyEvidenceIn, allow_none=True)


class AcknowledgementOut(ma.Schema):
    employee_no = ma.fields.String()
    name = ma.fields.String()
    team = ma.fields.String(allow_none=True)
    acknowledged_at = ma.fields.DateTime(allow_none=True)


class AcknowledgementsOut(ma.Schema):
    version = ma.fields.Integer()
    published = ma.fields.Boolean()
    acknowledged = ma.fields.List(ma.fields.Nested(AcknowledgementOut))
    pending = ma.fields.List(ma.fields.Nested(AcknowledgementOut))


class PolicyOut(ma.Schema):
    version = ma.fields.Nested(PolicyVersionOut)
    document = ma.fields.Dict()


class PeriodQuery(ma.Schema):
    """Rows per person and day over ``from``..``to``, for a team or one person, a page at a time."""

    start = Day(data_key="from", required=True)
    end = Day(data_key="to", required=True)
    team = ma.fields.String()
    employee_no = ma.fields.String()
    limit = ma.fields.Integer(load_default=500, validate=ma.validate.Range(min=1, max=2000))
    cursor = ma.fields.String(load_default=None)
