"""Private swaps (私下换班): punches that say someone resting worked a colleague's shift with no approved
swap while the colleague did not come, read set-based for a team and a range of days; the lead confirms
one (UNAPPROVED_SWAP for both, the day's roster set to what happened and judged again, so nobody is also
absent for it) or dismisses it (attendance stays as judged); either verdict is kept so it is not shown again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import dates
from attendance.domain import swaps as rules
from attendance.domain.errors import N_, Conflict, InvalidInput, NotFound
from attendance.domain.permissions import reach
from attendance.extensions import db
from attendance.models import Employee, PrivateSwapReview, ShiftType, Team
from attendance.models.shifts import punches_between, roster_cells
from attendance.services import attendance, audit, calendar, discipline, people, roster
from attendance.services.swaps.asking import _lock_people, _shift, _text
from attendance.services.transaction import savepoint, use_case

PRIVATE_RULE = "UNAPPROVED_SWAP"
PRIVATE_NOTE = "私下换班（已确认）"


@dataclass(frozen=True)
class Suspected:
    day: date
    absent: Employee
    worker: Employee
    shift: ShiftType
    punches: list[datetime]  # the worker's punches that day, on the site's clock


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.site_zone())


def _detect(members: list[Employee], start: date, end: date) -> list[Suspected]:
    """Suspected private swaps among ``members`` from ``start`` to ``end``: four queries (roster, punches,
    leave, verdicts), whatever the number of people or days."""
    ids = [p.id for p in members]
    if not ids:
        return []
    zone = clock.site_zone()
    cells = roster_cells(ids, start - timedelta(days=1), end + timedelta(days=1))
    found = punches_between(ids, _midnight(start - timedelta(days=1)), _midnight(end + timedelta(days=2)))
    by_person: dict[int, list[datetime]] = {}
    for punch in found:
        by_person.setdefault(punch.employee_id, []).append(punch.at.astimezone(zone).replace(tzinfo=None))
    excused = set(attendance.leave_covers(ids, start, end))
    seen = {(a, w, d) for a, w, d in db.session.execute(
        select(PrivateSwapReview.absent_id, PrivateSwapReview.worker_id, PrivateSwapReview.day)
        .where(PrivateSwapReview.absent_id.in_(ids), PrivateSwapReview.day >= start, PrivateSwapReview.day <= end))}
    day_rules = attendance.policies_for([start])[start].rules
    days = calendar.check_range(start, end)
    suspicions = rules.suspected_private_swaps(
        ids, days, {key: _shift(entry) for key, entry in cells.items()}, by_person,
        before_minutes=day_rules.punch_before_minutes, after_minutes=day_rules.punch_after_minutes,
        now=clock.now().astimezone(zone).replace(tzinfo=None), excused=excused, seen=seen)
    who = {p.id: p for p in members}
    out = []
    for s in suspicions:
        entry = cells[(s.absent, s.day)]
        worked = [t for t in by_person.get(s.worker, []) if t.date() == s.day]
        out.append(Suspected(s.day, who[s.absent], who[s.worker], entry.shift_type, worked))
    return out


def suspected(viewer: Employee, team_code: str, start, end) -> list[Suspected]:
    """``GET /private-swaps``: for a team's lead, the days someone punched for a colleague's shift with no
    approved swap while the colleague did not come, not yet confirmed or dismissed."""
    team = people.visible_team(viewer, team_code)
    start, end = dates.parse_day(start, "from"), dates.parse_day(end, "to")
    calendar.check_range(start, end)
    return _detect(people.team_members(team), start, end)


@use_case
def review_private(actor: Employee, data: dict, outcome: str) -> PrivateSwapReview:
    """Confirm or dismiss one suspected private swap (``absent_no``, ``worker_no``, ``date``, ``note``).
    Confirmed: UNAPPROVED_SWAP for both, and the day's roster set to what happened (the colleague worked
    the shift, the other rested), so the day is judged again and nobody is also absent for it. Dismissed:
    attendance stays as judged. Either way it is not shown again.
    :raise Conflict: not (or no longer) a suspicion. :raise NotFound: a person out of reach."""
    if outcome not in ("confirmed", "dismissed"):
        raise ValueError(outcome)
    errors = {}
    day = None
    try:
        day = dates.parse_day(data.get("date"), "date")
    except InvalidInput as exc:
        errors.update(exc.fields)
    for field in ("absent_no", "worker_no"):
        if not str(data.get(field) or "").strip():
            errors[field] = "required"
    try:
        note = _text(data.get("note"), "note", required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(N_("The verdict has problems; see each field."), fields=errors)
    absent = people.visible_employee(actor, str(data["absent_no"]).strip())
    worker = people.visible_employee(actor, str(data["worker_no"]).strip())
    if absent.team_id is None or worker.team_id != absent.team_id or reach(actor.roles) == "self":
        raise NotFound(N_("no such suspicion"))
    _lock_people(absent.id, worker.id)
    match = next((s for s in _detect(people.team_members(db.session.get(Team, absent.team_id)), day, day)
                  if s.absent.id == absent.id and s.worker.id == worker.id), None)
    if match is None:
        raise Conflict(N_("This is not a suspected private swap (any more)."), code="not_suspected")
    review = PrivateSwapReview(absent_id=absent.id, worker_id=worker.id, day=day, shift_type_id=match.shift.id,
                               outcome=outcome, note=note, decided_by_id=actor.id)
    try:
        with savepoint():
            db.session.add(review)
            db.session.flush()
    except IntegrityError:
        raise Conflict(N_("This is not a suspected private swap (any more)."), code="not_suspected") from None
    audit.record(actor, "swap.private.confirm" if outcome == "confirmed" else "swap.private.dismiss",
                 "private_swap", review.id, absent=absent.employee_no, worker=worker.employee_no,
                 day=day.isoformat(), note=note)
    if outcome == "dismissed":
        return review
    at = _midnight(day) + timedelta(minutes=match.shift.start_minute)
    for person in (absent, worker):
        discipline.record_violation(
            actor, employee=person, rule_code=PRIVATE_RULE, occurred_at=at, source="swap",
            source_ref=f"private_swap:{review.id}:{person.employee_no}",
            note=note or f"{day.isoformat()} {match.shift.code}: {worker.name} 顶替 {absent.name}，未经批准")
    roster.set_by_swap(actor, [(absent, day, None), (worker, day, match.shift)], note=PRIVATE_NOTE, judge_new=True)
    return review


def reviews(viewer: Employee, team_code: str, start, end) -> list[PrivateSwapReview]:
    """The verdicts already given for a team's days (newest first), so the lead sees what was decided."""
    team = people.visible_team(viewer, team_code)
    start, end = dates.parse_day(start, "from"), dates.parse_day(end, "to")
    return list(db.session.scalars(
        select(PrivateSwapReview).join(Employee, Employee.id == PrivateSwapReview.absent_id)
        .options(joinedload(PrivateSwapReview.absent), joinedload(PrivateSwapReview.worker),
                 joinedload(PrivateSwapReview.shift_type), joinedload(PrivateSwapReview.decided_by))
        .where(Employee.team_id == team.id, PrivateSwapReview.day >= start, PrivateSwapReview.day <= end)
        .order_by(PrivateSwapReview.id.desc()).limit(200)))
