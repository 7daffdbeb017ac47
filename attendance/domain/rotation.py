"""Rotation patterns that build a roster (docs/rules.md §2): who works which shift, who rests, on each day.

``generate`` gives ``{(employee_no, date): shift code or REST}`` for every person and day of
a range. Rotations are counted from a fixed anchor date, not from the start of the range,
so November and December generated one after the other continue the same rotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance.domain.errors import N_, InvalidInput

REST = "REST"
PATTERNS = ("weekly_rest", "one_on_one_off", "cycle")
ANCHOR = date(2001, 1, 1)  # a Monday; every rotation counts its days and weeks from here
MAX_DAYS = 366


@dataclass(frozen=True)
class RotationPattern:
    """How to rotate.

    - ``weekly_rest``: everyone works ``shift`` and rests one day a week; the rest day moves one
      weekday later every week and people are spread over the week, so cover stays even.
    - ``one_on_one_off``: a day of ``shift``, a day of rest; alternate people start on alternate days.
    - ``cycle``: any sequence of shift codes and ``REST`` (e.g. 5 × D8 then 2 × REST), each person
      ``stagger`` days further along it than the one before.

    ``weekday_shifts`` (0 = Monday … 6 = Sunday) replaces ``shift`` on those weekdays of a working day
    (e.g. ``{6: "SUN"}``; ``REST`` there makes the weekday a rest day for all). ``rest_on_holidays``
    gives everyone a rest on the public holidays passed to ``generate``.
    """

    kind: str
    shift: str | None = None
    cycle: tuple[str, ...] = ()
    stagger: int = 1
    weekday_shifts: Mapping[int, str] = field(default_factory=dict)
    rest_on_holidays: bool = False
    anchor: date = ANCHOR

    def check(self) -> None:
        """:raise InvalidInput: naming each bad field."""
        errors: dict[str, str] = {}
        if self.kind not in PATTERNS:
            errors["pattern"] = "one of: " + ", ".join(PATTERNS)
        elif self.kind == "cycle":
            if not self.cycle:
                errors["cycle"] = "required: a list of shift codes and REST"
            elif all(code == REST for code in self.cycle):
                errors["cycle"] = "needs at least one working day"
            if self.stagger < 0:
                errors["stagger"] = "0 or more"
        elif not self.shift or self.shift == REST:
            errors["shift"] = "required: the shift code worked"
        for weekday in self.weekday_shifts:
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                errors["weekday_shifts"] = "weekdays are 0 (Monday) to 6 (Sunday)"
        if errors:
            raise InvalidInput(N_("invalid rotation pattern"), fields=errors)

    def codes(self) -> set[str]:
        """Every shift code the pattern may put on the roster (REST aside)."""
        used = set(self.cycle) | set(self.weekday_shifts.values()) | ({self.shift} if self.shift else set())
        return used - {REST}


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included. :raise InvalidInput: for a bad range."""
    if end < start:
        raise InvalidInput(N_("the range ends before it starts"), fields={"to": N_("before from")})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(N_("at most %(max_days)s days at once", max_days=MAX_DAYS),
                           fields={"to": N_("at most %(max_days)s days", max_days=MAX_DAYS)})
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _base_code(pattern: RotationPattern, index: int, day: date) -> str:
    days = (day - pattern.anchor).days
    if pattern.kind == "weekly_rest":
        week = days // 7
        return REST if day.weekday() == (index + week) % 7 else pattern.shift  # type: ignore[return-value]
    if pattern.kind == "one_on_one_off":
        return pattern.shift if (days + index) % 2 == 0 else REST  # type: ignore[return-value]
    return pattern.cycle[(days + index * pattern.stagger) % len(pattern.cycle)]


def generate(pattern: RotationPattern, employee_nos: Sequence[str], start: date, end: date,
             holidays: frozenset[date] | set[date] = frozenset()) -> dict[tuple[str, date], str]:
    """The roster the pattern gives ``employee_nos`` (in that order) from ``start`` to ``end``."""
    pattern.check()
    if len(set(employee_nos)) != len(employee_nos):
        raise InvalidInput(N_("a person is listed twice"), fields={"employee_nos": N_("duplicates")})
    out: dict[tuple[str, date], str] = {}
    for day in days_between(start, end):
        for index, no in enumerate(employee_nos):
            code = _base_code(pattern, index, day)
            if code != REST and day.weekday() in pattern.weekday_shifts:
                code = pattern.weekday_shifts[day.weekday()]
            if pattern.rest_on_holidays and day in holidays:
                code = REST
            out[(no, day)] = code
    return out
