"""Quality inspection (质检): check a pasted transcript against the policy's service phrases, record an
inspection of a call or chat (a forbidden phrase heard raises the policy's rule, FORBIDDEN_PHRASE, with the
inspection as its evidence), list them, and the month's counts and most frequent phrases per team for HR.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import dates
from attendance.domain import inspections as rules
from attendance.domain.errors import N_, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed
from attendance.extensions import db
from attendance.models import Employee, QualityInspection, Team
from attendance.reporting import charts
from attendance.services import audit, discipline, paging, people
from attendance.services import policy as policy_service
from attendance.services.transaction import use_case

MAX_REFERENCE = 100


def settings(on: date | None = None):
    """The service phrases and the inspection settings in force (today, or on a day)."""
    return policy_service.in_force(on or clock.today()).policy.service_phrases


def check_transcript(text: object) -> list[rules.Match]:
    """``POST /inspections/check-transcript``: the phrases found in ``text``, by position (nothing stored)."""
    body = str(text or "")
    if len(body) > rules.MAX_TRANSCRIPT:
        raise InvalidInput("transcript is too long", fields={"text": f"at most {rules.MAX_TRANSCRIPT} characters"})
    return rules.find(body, settings())


def _occurred(value) -> datetime:
    if value in (None, ""):
        return clock.now()
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput("not a time", fields={"occurred_at": N_("a time like 2026-11-03T09:00")}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.site_zone())
    if not dates.in_range(moment):
        raise InvalidInput("out of range", fields={"occurred_at": dates.OUT_OF_RANGE})
    if moment > clock.now():
        raise InvalidInput("in the future", fields={"occurred_at": N_("in the future")})
    return moment


def _inspected(employee_no: object) -> Employee:
    """Whoever is inspected: any active member of a team (an inspector reaches every team)."""
    person = db.session.scalar(select(Employee).where(Employee.employee_no == str(employee_no or "").strip(),
                                                      Employee.active.is_(True)))
    if person is None or person.team_id is None:
        raise NotFound(f"no employee {employee_no}", fields={"employee_no": N_("unknown employee")})
    return person


@use_case
def record(actor: Employee, data: dict) -> QualityInspection:
    """``POST /inspections``: ``employee_no``, ``channel`` call/chat, ``reference`` (the call's or chat's
    record), ``score``, ``phrases`` (the codes heard; left out with a ``transcript``: those found in it),
    ``transcript``, ``occurred_at`` (default now). A forbidden phrase among them raises the policy's rule
    once, with the inspection as evidence, and the person is told.

    :raise Forbidden: not an inspector. :raise InvalidInput: a bad field. :raise NotFound: nobody by that number.
    """
    if not allowed(actor.roles, "inspections.record"):
        raise Forbidden(N_("Only a quality inspector records an inspection."))
    policy = settings()
    errors: dict[str, str] = {}
    channel = str(data.get("channel") or "").strip()
    if channel not in rules.CHANNELS:
        errors["channel"] = N_("call or chat")
    reference = str(data.get("reference") or "").strip()
    if not reference:
        errors["reference"] = N_("required")
    elif len(reference) > MAX_REFERENCE:
        errors["reference"] = f"at most {MAX_REFERENCE} characters"
    transcript = str(data.get("transcript") or "")
    if len(transcript) > rules.MAX_TRANSCRIPT:
        errors["transcript"] = f"at most {rules.MAX_TRANSCRIPT} characters"
    score = codes = occurred = None
    for name, read in (("score", lambda: rules.check_score(data.get("score"), policy.max_score)),
                       ("phrases", lambda: _codes(data, transcript, policy)),
                       ("occurred_at", lambda: _occurred(data.get("occurred_at")))):
        try:
            value = read()
        except InvalidInput as exc:
            errors.update(exc.fields or {name: exc.message})
        else:
            score, codes, occurred = ((value, codes, occurred) if name == "score" else
                                      (score, value, occurred) if name == "phrases" else (score, codes, value))
    if errors:
        raise InvalidInput(N_("The inspection has bad fields."), fields=errors)
    person = _inspected(data.get("employee_no"))
    row = QualityInspection(employee_id=person.id, team_id=person.team_id, inspector_id=actor.id, channel=channel,
                            reference=reference, occurred_at=occurred, score=score, phrases=codes,
                            transcript=transcript)
    db.session.add(row)
    db.session.flush()
    known = rules.by_code(policy)
    heard = [known[c][1] for c in codes if known[c][0] == "forbidden"]
    if heard:
        note = (f"质检 #{row.id}（{'电话' if channel == 'call' else '在线'} {reference}，评分 {score}）听到服务忌语："
                + "；".join(f"「{p.text}」" for p in heard))
        row.violation = discipline.record_violation(actor, employee=person, rule_code=policy.rule,
                                                    occurred_at=occurred, note=note[:500], source="inspection",
                                                    source_ref=f"inspection:{row.id}")
    audit.record(actor, "inspection.record", "inspection", row.id, employee=person.employee_no, score=score,
                 phrases=codes, violation=row.violation.id if row.violation else None)
    return row


def _codes(data: dict, transcript: str, policy) -> list[str]:
    given = data.get("phrases")
    if given is None:
        return rules.check_phrases([m.code for m in rules.find(transcript, policy)], policy)
    if not isinstance(given, list) or not all(isinstance(c, str) for c in given):
        raise InvalidInput("phrases is a list of codes", fields={"phrases": N_("a list of phrase codes")})
    return rules.check_phrases(given, policy)


def _visible(viewer: Employee):
    """Inspectors and the office see every inspection, a lead their team's, staff their own."""
    if allowed(viewer.roles, "inspections.all"):
        return True
    return people.visible_clause(viewer)


def list_inspections(viewer: Employee, *, team: str | None = None, month=None, employee_no: str | None = None,
                     limit: int = 50, cursor: str | None = None) -> paging.Page:
    stmt = (select(QualityInspection).join(Employee, Employee.id == QualityInspection.employee_id)
            .where(_visible(viewer))
            .options(joinedload(QualityInspection.employee), joinedload(QualityInspection.inspector),
                     joinedload(QualityInspection.violation)))
    if team:
        found = db.session.scalar(select(Team).where(Team.code == str(team).strip()))
        if found is None:
            raise InvalidInput("unknown team", fields={"team": N_("unknown team")})
        stmt = stmt.where(QualityInspection.team_id == found.id)
    if employee_no:
        stmt = stmt.where(Employee.employee_no == str(employee_no).strip())
    if month not in (None, ""):
        first = month if isinstance(month, date) else dates.parse_month(month)
        start, end = (datetime.combine(d, datetime.min.time(), tzinfo=clock.site_zone())
                      for d in (first, dates.add_months(first, 1)))
        stmt = stmt.where(QualityInspection.occurred_at >= start, QualityInspection.occurred_at < end)
    return paging.paginate(stmt, QualityInspection.id, limit=limit, cursor=cursor, descending=True)


@dataclass
class TeamMonth:
    team: Team | None
    inspections: int = 0
    with_forbidden: int = 0
    score_total: int = 0
    phrases: Counter = field(default_factory=Counter)

    @property
    def average(self) -> float | None:
        return round(self.score_total / self.inspections, 1) if self.inspections else None


def month_summary(viewer: Employee, month) -> tuple[date, list[TeamMonth], dict]:
    """The month's inspections per team: how many, how many heard a forbidden phrase, the average score and
    the most frequent phrases; and the policy's phrases by code (their text and kind)."""
    first = month if isinstance(month, date) else dates.parse_month(month)
    rows = list(list_inspections(viewer, month=first, limit=100_000).items)
    by_team: dict[int | None, TeamMonth] = {}
    policy = settings(first)
    known = rules.by_code(policy)
    for row in rows:
        item = by_team.setdefault(row.team_id, TeamMonth(row.team))
        item.inspections += 1
        item.score_total += row.score
        item.with_forbidden += any(known.get(c, ("",))[0] == "forbidden" for c in row.phrases or [])
        item.phrases.update(row.phrases or [])
    teams = sorted(by_team.values(), key=lambda t: t.team.code if t.team else "")
    return first, teams, known


def get(viewer: Employee, inspection_id: int) -> QualityInspection:
    row = db.session.get(QualityInspection, inspection_id) if 0 < inspection_id < 2**31 else None
    if row is None or not (allowed(viewer.roles, "inspections.all") or people.can_see(viewer, row.employee)):
        raise NotFound(f"no inspection {inspection_id}")
    return row


def month_chart(viewer: Employee, month, *, title: str, clean: str, forbidden: str, empty: str) -> bytes:
    """The month's inspections per team as stacked bars (without / with a forbidden phrase), a PNG."""
    _first, teams, _known = month_summary(viewer, month)
    labels = [t.team.name if t.team else "—" for t in teams]
    fig = charts.stacked(labels, {clean: [t.inspections - t.with_forbidden for t in teams],
                                  forbidden: [t.with_forbidden for t in teams]},
                         title=title, ylabel="", empty=empty)
    return charts.png(fig)
