"""Cover (最低在岗人数): the fewest people a team's shift needs, and which shifts a change takes below it.

The service is round the clock, and on public holidays someone is on duty [003 5.1]; the lead checks cover
before a swap [002 4.3.1]. The policy names the minimum (``cover``): a default for every rostered shift,
one for public holidays, and any number of rules for a team, a shift or both (the most specific wins).

A person counts on a shift on a day when the roster gives them that shift and no approved whole-day leave
covers the day (**product decision**: half a day of leave still counts them, they are there for half).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from attendance.domain.policy.model import CoverPolicy


def required(policy: CoverPolicy, team: str, shift: str, *, holiday: bool) -> int:
    """How many people ``team``'s ``shift`` needs on a day: the most specific rule (team and shift, then
    shift, then team), else the default; on a public holiday at least the holiday minimum."""
    best: tuple[int, int] | None = None
    for rule in policy.rules:
        if (rule.team is None or rule.team == team) and (rule.shift is None or rule.shift == shift):
            rank = (rule.team is not None) * 1 + (rule.shift is not None) * 2
            if best is None or rank > best[0]:
                best = (rank, rule.people)
    need = best[1] if best is not None else policy.minimum
    return max(need, policy.holiday_minimum) if holiday else need


def named_shifts(policy: CoverPolicy, team: str) -> set[str]:
    """The shifts the policy names for this team (checked even on a day nobody is rostered on them)."""
    return {r.shift for r in policy.rules if r.shift is not None and (r.team is None or r.team == team)
            and r.people > 0}


def counts(shifts: Mapping[int, str | None], away: Iterable[int] = ()) -> Counter:
    """People per shift code among ``shifts`` (person → code; None and REST are no shift), less ``away``."""
    gone = set(away)
    return Counter(code for person, code in shifts.items() if code not in (None, "REST") and person not in gone)


@dataclass(frozen=True)
class Shortfall:
    team: str
    day: object  # date
    shift: str
    need: int
    have: int
    had: int | None = None  # before the change being decided (None: the roster as it is)


def below(policy: CoverPolicy, team: str, day, have: Counter, *, holiday: bool,
          rostered: Iterable[str] = ()) -> list[Shortfall]:
    """The shifts of the day below cover: those rostered, and those the policy names for the team."""
    out = []
    for shift in sorted(set(rostered) | set(have) | named_shifts(policy, team)):
        need = required(policy, team, shift, holiday=holiday)
        if have.get(shift, 0) < need:
            out.append(Shortfall(team, day, shift, need, have.get(shift, 0)))
    return out


def made_worse(policy: CoverPolicy, team: str, day, before: Counter, after: Counter, *,
               holiday: bool) -> list[Shortfall]:
    """The shifts a change leaves below cover with fewer people than before it (a shift already short that
    the change does not touch is not the approver's doing)."""
    out = []
    for shift in sorted(set(before) | set(after) | named_shifts(policy, team)):
        need = required(policy, team, shift, holiday=holiday)
        had, has = before.get(shift, 0), after.get(shift, 0)
        if has < need and has < had:
            out.append(Shortfall(team, day, shift, need, has, had))
    return out
