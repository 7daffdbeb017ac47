"""The year-end review (年终考核): a person's year, a team's or the department's, awards granted by hand and
closing a year (docs/api.md: years)."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import actor, idempotent, make_blueprint, permission
from attendance.api.schemas import Day, Money
from attendance.services import year_review

blp = make_blueprint("api_years", "", "The year-end review, awards and closing a year")


class YearMonthOut(ma.Schema):
    month = ma.fields.Integer()
    score = ma.fields.Integer()
    full_attendance = ma.fields.Boolean()
    violations = ma.fields.Integer()
    leave_days = ma.fields.Float()


class YearAwardOut(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "none: the month's reward paid with the pay"})
    date = ma.fields.Date()
    kind = ma.fields.String(metadata={"description": "monthly_reward, or a kind of the policy's awards"})
    amount = Money()
    reason = ma.fields.String()


def _halves(r) -> dict:
    return {"first": r.half_year_leave[0], "second": r.half_year_leave[1]}


class YearReviewOut(ma.Schema):
    year = ma.fields.Integer()
    employee_no = ma.fields.String()
    name = ma.fields.String()
    team = ma.fields.String(attribute="team_code", allow_none=True)
    months = ma.fields.List(ma.fields.Nested(YearMonthOut))
    violations = ma.fields.Integer(metadata={"description": "counted violations of the year"})
    violations_by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    score = ma.fields.Float(allow_none=True, metadata={"description": "mean monthly score plus the bonus"})
    bonus = ma.fields.Integer(metadata={"description": "rewards.full_attendance_year points for a full year"})
    half_year_leave = ma.fields.Function(_halves, metadata={"type": "object", "description": "days: first, second"})
    awards = ma.fields.List(ma.fields.Nested(YearAwardOut))
    rewards_total = Money()
    closed = ma.fields.Boolean(metadata={"description": "the year is closed: these figures are frozen"})


class TeamYearQuery(ma.Schema):
    team = ma.fields.String(metadata={"description": "a team code; left out: everyone the caller reaches"})


class YearOut(ma.Schema):
    year = ma.fields.Integer()
    closed = ma.fields.Boolean()
    closed_at = ma.fields.DateTime(allow_none=True)
    closed_by = ma.fields.String(allow_none=True)
    staff = ma.fields.Integer(allow_none=True)
    bonus_points = ma.fields.Integer(allow_none=True)


class AwardIn(ma.Schema):
    employee_no = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "a kind of the policy's awards"})
    amount = Money(required=True, metadata={"description": "set by the manager, yuan"})
    reason = ma.fields.String(required=True)
    awarded_on = Day(load_default=None, metadata={"description": "today when left out"})


class AwardReverseIn(ma.Schema):
    reason = ma.fields.String(required=True)


class AwardOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda a: a.employee.employee_no)
    name = ma.fields.Function(lambda a: a.employee.name)
    awarded_on = ma.fields.Date()
    kind = ma.fields.String()
    amount = Money()
    reason = ma.fields.String()
    recorded_by = ma.fields.Function(lambda a: a.recorded_by.employee_no if a.recorded_by else None)
    recorded_at = ma.fields.DateTime()
    reversed_at = ma.fields.DateTime(allow_none=True)
    reversed_by = ma.fields.Function(lambda a: a.reversed_by.employee_no if a.reversed_by else None)
    reversed_reason = ma.fields.String(allow_none=True)


class AwardQuery(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1901, max=2099))


def _year_out(year: int) -> dict:
    close = year_review.get_close(year)
    return {"year": year, "closed": close is not None, "closed_at": close.closed_at if close else None,
            "closed_by": close.closed_by.employee_no if close and close.closed_by else None,
            "staff": close.staff if close else None, "bonus_points": close.bonus_points if close else None}


@blp.route("/year-reviews/<int:year>/<employee_no>")
@permission("scores.view")
@blp.response(200, YearReviewOut)
def year_review_of(year: int, employee_no: str):
    """The year-end review of one person the caller may see (staff: themselves): monthly scores, violations by
    category, half-year leave, the full-year attendance bonus and the year's awards."""
    return year_review.review(actor(), year, employee_no)


@blp.route("/year-reviews/<int:year>")
@permission("years.team")
@blp.arguments(TeamYearQuery, location="query")
@blp.response(200, YearReviewOut(many=True))
def team_year(args, year: int):
    """Every person's year the caller reaches (a lead: their teams; the office: the department), ``?team=``
    narrows it; one list, by team and employee number."""
    return list(year_review.team_year(actor(), year, args.get("team")).people.values())


@blp.route("/years/<int:year>")
@permission("scores.view")
@blp.response(200, YearOut)
def get_year(year: int):
    """Whether the year is closed, when and by whom."""
    year_review.parse_year(year)
    return _year_out(year)


@blp.route("/years/<int:year>/close", methods=["POST"])
@permission("years.close")
@idempotent
@blp.response(201, YearOut)
@blp.alt_response(409, description="already closed")
@blp.alt_response(422, description="months_open: a month of the year is not closed yet")
def close_year(year: int):
    """Freeze every person's year review (HR), once all twelve months of the year are closed."""
    year_review.close_year(actor(), year)
    return _year_out(year)


@blp.route("/awards")
@permission("scores.view")
@blp.arguments(AwardQuery, location="query")
@blp.response(200, AwardOut(many=True))
def list_awards(args):
    """The year's awards granted by hand of the people the caller reaches (reversed ones marked)."""
    return year_review.awards(actor(), args["year"])


@blp.route("/awards", methods=["POST"])
@permission("awards.record")
@idempotent
@blp.arguments(AwardIn)
@blp.response(201, AwardOut)
def record_award(data):
    """A supervisor or manager grants an award (000 §5 奖励2–4) with the amount they set; the person is told."""
    return year_review.record_award(actor(), data["employee_no"], data["kind"], data["amount"], data["reason"],
                                    data.get("awarded_on"))


@blp.route("/awards/<int:award_id>/reverse", methods=["POST"])
@permission("awards.record")
@idempotent
@blp.arguments(AwardReverseIn)
@blp.response(200, AwardOut)
@blp.alt_response(409, description="already reversed, or its year is closed")
def reverse_award(data, award_id: int):
    """Take back an award recorded by mistake (kept, with who, when and why)."""
    return year_review.reverse_award(actor(), award_id, data["reason"])
