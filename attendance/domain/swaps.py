"""Shift swaps, time off in lieu and cover (换班、换休、代班), docs/rules.md §5: what each kind does to the
roster, the rules that refuse one, and what punches say about a private swap. Pure: the caller reads the
roster, the counts and the punches, and passes them in.

The three kinds, for a requester A and a colleague B:

- ``swap`` 换班: A's shift on D1 for B's shift on D2. On different days B takes A's shift on D1 and A takes
  B's shift on D2 (each is free on the other's day); on one day they exchange their shifts.
- ``in_lieu`` 换休: A rests on D1 while B, resting that day, works A's shift; on D2 A works B's shift and B
  rests. The roster changes as for a swap on two days; the two days are different.
- ``cover`` 代班: B, resting on D1, takes A's shift; no day comes back.

A roster here is a mapping ``(person, day) -> Shift | None``: ``None`` is a rest day (休息), a missing key a
day with nothing on the roster yet. Both count as free for the person taking a shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, RuleRefused

KINDS = ("swap", "in_lieu", "cover")
STATUSES = ("pending_counterpart", "pending_approval", "approved", "declined", "rejected", "withdrawn")
OPEN = ("pending_counterpart", "pending_approval")  # either side may still withdraw
COUNTERPART = "counterpart"  # the role of a swap's first step: only the colleague asked decides it
REFUSALS = ("swap_notice", "swap_monthly_limit", "swap_other_team", "swap_not_rostered", "swap_rest_rule")
MAX_REST_HOURS = 24  # the policy's min_rest_hours is at most a day (the rest check looks two days around)
NEIGHBOUR_DAYS = 2  # a shift ends before the second midnight after its day: two days each side is enough


@dataclass(frozen=True)
class Shift:
    """A shift type as the rules need it: its code and its minutes on its day's scale (an end past 1440 is
    the next morning)."""

    code: str
    start_minute: int
    end_minute: int

    def on(self, day: date) -> tuple[datetime, datetime]:
        """Its start and end on ``day`` as wall-clock times (naive: rest is measured on the site's clock)."""
        midnight = datetime.combine(day, time(0))
        return midnight + timedelta(minutes=self.start_minute), midnight + timedelta(minutes=self.end_minute)

    def starts_at(self, day: date, zone: tzinfo) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=self.start_minute)


Key = tuple[int, date]
Roster = Mapping[Key, "Shift | None"]


@dataclass(frozen=True)
class Asked:
    """What a swap asks: who gives which day to whom. ``counterpart_day`` is None for a cover."""

    kind: str
    requester: int
    requester_day: date
    counterpart: int
    counterpart_day: date | None = None

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({self.requester_day, self.counterpart_day or self.requester_day}))

    @property
    def people(self) -> tuple[int, int]:
        return self.requester, self.counterpart

    @property
    def month(self) -> date:
        """The month a swap counts in, for both people: the month of its earlier day (product decision)."""
        return self.days[0].replace(day=1)

    def keys(self) -> set[Key]:
        """Every (person, day) cell the swap may change."""
        return {(p, d) for p in self.people for d in self.days}


def check_asked(asked: Asked) -> None:
    """The shape of the request, before any roster is read. :raise InvalidInput: naming the field."""
    if asked.kind not in KINDS:
        raise InvalidInput(N_("Unknown kind of swap."), fields={"kind": N_("swap, in_lieu or cover")})
    if asked.requester == asked.counterpart:
        raise InvalidInput(N_("A swap is with a colleague, not with oneself."),
                           fields={"counterpart_no": N_("someone else")})
    if asked.kind == "cover":
        if asked.counterpart_day not in (None, asked.requester_day):
            raise InvalidInput(N_("A cover gives no day back: the colleague's day is the same day."),
                               fields={"counterpart_date": N_("empty, or the requester's date")})
    elif asked.counterpart_day is None:
        raise InvalidInput(N_("Give the colleague's day."), fields={"counterpart_date": N_("required")})
    elif asked.kind == "in_lieu" and asked.counterpart_day == asked.requester_day:
        raise InvalidInput(N_("Time off in lieu moves a rest day: the two days differ."),
                           fields={"counterpart_date": N_("another day than the requester's")})


def _free(roster: Roster, key: Key) -> bool:
    return roster.get(key) is None


def plan(asked: Asked, roster: Roster) -> dict[Key, Shift | None]:
    """The cells the swap sets, each to a shift or rest. :raise RuleRefused: ``swap_not_rostered`` when the
    requester has no shift on their day, the colleague none on theirs (for a cover: is not resting that
    day); ``swap_rest_rule`` when someone would take a shift on a day they already work.
    :raise InvalidInput: a same-day swap of the same shift (nothing would change)."""
    check_asked(asked)
    a, b, d1 = asked.requester, asked.counterpart, asked.requester_day
    mine = roster.get((a, d1))
    if mine is None:
        raise RuleRefused(N_("The requester has no shift on their day to give."), code="swap_not_rostered",
                          fields={"requester_date": N_("not rostered")})
    if asked.kind == "cover":
        if not _free(roster, (b, d1)):
            raise RuleRefused(N_("The colleague is not resting that day, so cannot take the shift."),
                              code="swap_not_rostered", fields={"counterpart_no": N_("works that day")})
        return {(a, d1): None, (b, d1): mine}
    d2 = asked.counterpart_day
    theirs = roster.get((b, d2))
    if theirs is None:
        raise RuleRefused(N_("The colleague has no shift on their day to give."), code="swap_not_rostered",
                          fields={"counterpart_date": N_("not rostered")})
    if d1 == d2:
        if mine == theirs:
            raise InvalidInput(N_("Both have the same shift that day: there is nothing to swap."),
                               fields={"counterpart_date": N_("the same shift")})
        return {(a, d1): theirs, (b, d1): mine}
    if not _free(roster, (b, d1)):
        raise RuleRefused(N_("The colleague already works on the requester's day."), code="swap_rest_rule",
                          fields={"requester_date": N_("the colleague works that day")})
    if not _free(roster, (a, d2)):
        raise RuleRefused(N_("The requester already works on the colleague's day."), code="swap_rest_rule",
                          fields={"counterpart_date": N_("the requester works that day")})
    return {(a, d1): None, (b, d1): mine, (b, d2): None, (a, d2): theirs}


def earliest_start(asked: Asked, roster: Roster, zone: tzinfo) -> datetime:
    """When the earlier of the shifts given away begins (the notice counts back from it)."""
    starts = [roster[(asked.requester, asked.requester_day)].starts_at(asked.requester_day, zone)]
    if asked.kind != "cover" and roster.get((asked.counterpart, asked.counterpart_day)) is not None:
        starts.append(roster[(asked.counterpart, asked.counterpart_day)].starts_at(asked.counterpart_day, zone))
    return min(starts)


def check_notice(starts_at: datetime, asked_at: datetime, notice_hours: int) -> None:
    """A swap is asked at least ``notice_hours`` before the earlier shift begins (exactly that is in time).
    :raise RuleRefused: ``swap_notice``."""
    if starts_at - asked_at < timedelta(hours=notice_hours):
        raise RuleRefused(N_("This swap is asked too late (see the policy's notice before the earlier shift)."),
                          code="swap_notice",
                          fields={"requester_date": N_("at least %(hours)s hours ahead", hours=notice_hours)})


def check_started(starts_at: datetime, now: datetime) -> None:
    """Nothing is swapped once the earlier shift has begun. :raise RuleRefused: ``swap_notice``."""
    if now >= starts_at:
        raise RuleRefused(N_("The earlier shift of this swap has already begun."), code="swap_notice",
                          fields={"requester_date": N_("already begun")})


def check_same_team(requester_team: int | None, counterpart_team: int | None, same_team: bool) -> None:
    """:raise RuleRefused: ``swap_other_team`` when the policy keeps swaps inside a team and they differ."""
    if same_team and (requester_team is None or requester_team != counterpart_team):
        raise RuleRefused(N_("Swaps are only within the same team (see the policy)."), code="swap_other_team",
                          fields={"counterpart_no": N_("another team")})


def check_monthly_limit(used: Mapping[str, int], max_per_month: int) -> None:
    """``used``: for each side (``requester_no``, ``counterpart_no``), the swaps already counted in the month,
    pending and approved, this one left out. :raise RuleRefused: ``swap_monthly_limit`` naming the side."""
    full = {side: f"at most {max_per_month} a month" for side, n in used.items() if n >= max_per_month}
    if full:
        raise RuleRefused(N_("This month's swaps are used up (see the policy's monthly limit)."),
                          code="swap_monthly_limit", fields=full)


def intervals(person: int, roster: Roster, days: Iterable[date]) -> list[tuple[datetime, datetime, date]]:
    """The person's shifts on these days as (start, end, day), in order of start."""
    out = []
    for day in days:
        shift = roster.get((person, day))
        if shift is not None:
            out.append((*shift.on(day), day))
    return sorted(out)


def around(days: Sequence[date]) -> list[date]:
    """The days whose shifts can come too close to a shift on one of ``days``."""
    first, last = min(days) - timedelta(days=NEIGHBOUR_DAYS), max(days) + timedelta(days=NEIGHBOUR_DAYS)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def check_rest(roster: Roster, changes: Mapping[Key, Shift | None], min_rest_hours: int) -> None:
    """After ``changes``, nobody they touch works two shifts that overlap, nor has less than
    ``min_rest_hours`` between a changed shift and the one before or after it. Rest that was already short
    before the swap and that it does not touch is not its concern.
    :raise RuleRefused: ``swap_rest_rule``."""
    after = {**roster, **changes}
    rest = timedelta(hours=min_rest_hours)
    for person in sorted({p for p, _ in changes}):
        changed_days = {d for p, d in changes if p == person and changes[(p, d)] is not None}
        shifts = intervals(person, after, around(sorted({d for p, d in changes if p == person})))
        for (_s1, e1, d1), (s2, _e2, d2) in zip(shifts, shifts[1:], strict=False):
            if d1 not in changed_days and d2 not in changed_days:
                continue
            if s2 < e1:
                raise RuleRefused(N_("After this swap someone would work two shifts that overlap."),
                                  code="swap_rest_rule",
                                  fields={"date": N_("%(day)s and %(day2)s", day=d1.isoformat(), day2=d2.isoformat())})
            if s2 - e1 < rest:
                raise RuleRefused(N_("After this swap someone would rest less than the policy's minimum between "
                                     "two shifts."), code="swap_rest_rule",
                                  fields={"date": N_("%(day)s and %(day2)s: at least %(hours)s hours between shifts",
                                                     day=d1.isoformat(), day2=d2.isoformat(), hours=min_rest_hours)})


@dataclass(frozen=True)
class Facts:
    """What the rules of a swap read, gathered by the caller at one moment."""

    roster: Roster  # both people's cells around the swap's days (``around``)
    requester_team: int | None
    counterpart_team: int | None
    used: Mapping[str, int]  # side -> swaps counted in the swap's month, this one left out
    asked_at: datetime  # when it was asked (the notice counts from it)
    now: datetime
    zone: tzinfo


def check(asked: Asked, facts: Facts, *, notice_hours: int, max_per_month: int, same_team: bool,
          min_rest_hours: int) -> dict[Key, Shift | None]:
    """Every rule of a swap, in a fixed order (team, roster, notice, monthly limit, rest); the cells it sets.
    :raise RuleRefused: the first rule that refuses it, by its code. :raise InvalidInput: a malformed ask."""
    check_asked(asked)
    check_same_team(facts.requester_team, facts.counterpart_team, same_team)
    changes = plan(asked, facts.roster)
    starts = earliest_start(asked, facts.roster, facts.zone)
    check_notice(starts, facts.asked_at, notice_hours)
    check_started(starts, facts.now)
    check_monthly_limit(facts.used, max_per_month)
    check_rest(facts.roster, changes, min_rest_hours)
    return changes


def status_of(request_status: str, step: int, declined: bool) -> str:
    """The swap's status from its request: the first step is the colleague's answer."""
    if request_status == "pending":
        return "pending_counterpart" if step == 0 else "pending_approval"
    if request_status == "rejected" and declined:
        return "declined"
    return request_status


def check_withdraw(status: str, by_id: int, parties: set[int]) -> None:
    """Either side (or whoever filed it) takes a swap back before it is approved. :raise Forbidden: someone
    else. :raise Conflict: already approved, rejected, declined or withdrawn."""
    if by_id not in parties:
        raise Forbidden(N_("Only the two people of a swap can withdraw it."), code="not_requester")
    if status not in OPEN:
        raise Conflict(N_("This swap is already decided or withdrawn."), code="already_decided")


def check_answer(status: str, by_id: int, asked: Asked) -> None:
    """Only the colleague asked accepts or declines, once, while it waits for them. :raise Forbidden:
    anyone else. :raise Conflict: already answered, or withdrawn."""
    if by_id != asked.counterpart:
        raise Forbidden(N_("Only the colleague asked can accept or decline this swap."), code="not_counterpart")
    if status != "pending_counterpart":
        raise Conflict(N_("This swap is no longer waiting for the colleague's answer."), code="already_decided")


# --- private swaps: punches that say B worked A's shift ------------------------------------------


@dataclass(frozen=True)
class Suspicion:
    """B (``worker``), resting that day, punched in for A's (``absent``) rostered shift, and A did not punch."""

    day: date
    absent: int
    worker: int
    shift: Shift


def suspected_private_swaps(people: Iterable[int], days: Iterable[date], roster: Roster,
                            punches: Mapping[int, Sequence[datetime]], *, before_minutes: int,
                            after_minutes: int, now: datetime | None = None, excused: set[Key] = frozenset(),
                            seen: set[tuple[int, int, date]] = frozenset()) -> list[Suspicion]:
    """Who seems to have worked whose shift without a swap. ``punches``: each person's punch times on the
    site's clock (naive); ``roster`` must reach a day beyond ``days`` on each side. A's shift counts as
    missed when A has no punch from ``before_minutes`` before its start to ``after_minutes`` after its end;
    B worked it when B rests that day (or is not rostered) and punched from ``before_minutes`` before its
    start to its middle, with a punch that does not belong to one of B's own shifts the day before or after.
    Only shifts over by ``now`` (naive, the site's clock) are read. ``excused``: A's days covered otherwise
    (approved leave); ``seen``: (absent, worker, day) already confirmed or dismissed. In order of day, then
    shift start, then people."""
    people = sorted(set(people))
    before, after = timedelta(minutes=before_minutes), timedelta(minutes=after_minutes)
    out = []
    for day in sorted(set(days)):
        for a in people:
            shift = roster.get((a, day))
            if shift is None or (a, day) in excused:
                continue
            start, end = shift.on(day)
            if now is not None and end + after > now:
                continue
            if any(start - before <= t <= end + after for t in punches.get(a, ())):
                continue
            middle = start + (end - start) / 2
            for b in people:
                if b == a or not _free(roster, (b, day)) or (a, b, day) in seen:
                    continue
                own = [w for w in (_window(roster, b, day + timedelta(days=k)) for k in (-1, 1)) if w]
                if any(start - before <= t <= middle and not any(s - before <= t <= e + after for s, e in own)
                       for t in punches.get(b, ())):
                    out.append(Suspicion(day, a, b, shift))
    return sorted(out, key=lambda s: (s.day, s.shift.start_minute, s.absent, s.worker))


def _window(roster: Roster, person: int, day: date) -> tuple[datetime, datetime] | None:
    shift = roster.get((person, day))
    return shift.on(day) if shift is not None else None
