"""Cover (最低在岗人数): which of a team's shifts are below the policy's minimum on the roster grid, and which
a leave or a swap being approved would take below it (the approval then needs a note: ``services.requests``).

A person counts on their rostered shift unless approved whole-day leave covers the day (``domain/cover.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import select

from attendance.domain import cover as rules
from attendance.domain.cover import Shortfall
from attendance.extensions import db
from attendance.models import Employee, Team
from attendance.models.leave import day_marks, live_leaves
from attendance.models.shifts import roster_cells
from attendance.services import calendar
from attendance.services import policy as policy_service

Change = Mapping[tuple[int, date], str | None]  # (person, day) → the shift code after the change (None: off)


def _away(ids: Iterable[int], start: date, end: date) -> set[tuple[int, date]]:
    """The (person, day) pairs approved whole-day leave takes off the roster."""
    marks = day_marks(live_leaves(ids, start, end), start, end)
    return {key for key, mark in marks.items() if not mark.pending and mark.half_day is None and not mark.returned}


def grid_shortfalls(team: Team, people: list[Employee], days: list[date]) -> dict[date, list[Shortfall]]:
    """Per day of the grid, the team's shifts below cover (those rostered and those the policy names)."""
    if not days:
        return {}
    ids = [p.id for p in people]
    cells = roster_cells(ids, days[0], days[-1])
    away = _away(ids, days[0], days[-1])
    holidays = calendar.public_holidays(days[0], days[-1])
    out: dict[date, list[Shortfall]] = {}
    for day in days:
        policy = policy_service.in_force(day).policy.cover
        shifts = {p: (cells[(p, day)].code if (p, day) in cells else None) for p in ids}
        have = rules.counts(shifts, {p for p in ids if (p, day) in away})
        short = rules.below(policy, team.code, day, have, holiday=day in holidays,
                            rostered={c for c in shifts.values() if c not in (None, "REST")})
        if short:
            out[day] = short
    return out


def shortfalls_after(change: Change) -> list[Shortfall]:
    """The shifts that ``change`` would leave below cover with fewer people than now, per team and day."""
    if not change:
        return []
    people = {p.id: p for p in db.session.scalars(select(Employee).where(Employee.id.in_({p for p, _ in change})))}
    by_team_day: dict[tuple[int, date], dict[int, str | None]] = defaultdict(dict)
    for (person_id, day), code in change.items():
        person = people.get(person_id)
        if person is not None and person.team_id is not None:
            by_team_day[(person.team_id, day)][person_id] = code
    out: list[Shortfall] = []
    for (team_id, day), changed in sorted(by_team_day.items(), key=lambda item: (item[0][1], item[0][0])):
        team = db.session.get(Team, team_id)
        ids = list(db.session.scalars(select(Employee.id).where(Employee.team_id == team_id,
                                                                Employee.active.is_(True))))
        cells = roster_cells(ids, day, day)
        away = {p for p, d in _away(ids, day, day)}
        shifts = {p: (cells[(p, day)].code if (p, day) in cells else None) for p in ids}
        before = rules.counts(shifts, away)
        after = rules.counts({**shifts, **changed}, away - set(changed))
        policy = policy_service.in_force(day).policy.cover
        holiday = day in calendar.public_holidays(day, day)
        out += rules.made_worse(policy, team.code, day, before, after, holiday=holiday)
    return out


def describe(shortfalls: list[Shortfall]) -> list[dict]:
    """For the audit and the API: each shortfall as plain values."""
    return [{"team": s.team, "date": s.day.isoformat(), "shift": s.shift, "need": s.need, "have": s.have,
             "had": s.had} for s in shortfalls]


__all__ = ["Shortfall", "describe", "grid_shortfalls", "shortfalls_after"]
