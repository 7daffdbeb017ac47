"""One person's day of attendance (docs/rules.md §2–§3): shift window + punches + leave + policy → status.

Pure functions: the caller loads the roster, the punches and any approved leave and
passes them in; nothing here reads a clock or a database.

A shift belongs to the day it starts, so an 18:30–24:00 shift with its out-punch at
00:02 the next morning is still that day's shift (``assign_punches`` sees to it).
A missing punch is flagged for the lead, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from attendance.domain.policy import AttendancePolicy

STATUSES = ("present", "late", "early", "late_early", "half_absent", "absent", "leave", "rest")
# How bad a status is; "more lateness never improves the status" is stated in these terms.
SEVERITY = {"rest": 0, "leave": 0, "present": 0, "late": 1, "early": 1, "late_early": 2,
            "half_absent": 3, "absent": 4}
DIRECTIONS = ("in", "out")
KINDS = ("late", "early", "half_absent", "absent")  # the violations a day can raise (policy attendance.rules)
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class ShiftWindow:
    """When a rostered shift runs on one day, as aware instants; ``end`` may be on the next day."""

    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime], ...] = ()
    grace_minutes: int | None = None  # the shift type's own grace, used when the policy allows
    code: str | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        if _utc(self.end) <= _utc(self.start):
            raise ValueError("a shift ends after it starts")

    @classmethod
    def on(cls, day: date, start_minute: int, end_minute: int, zone: tzinfo, *,
           breaks: Iterable[tuple[int, int]] = (), grace_minutes: int | None = None,
           code: str | None = None) -> ShiftWindow:
        """The window of a shift type on ``day``; minutes count from that day's midnight (24:00 = 1440)."""
        midnight = datetime.combine(day, time(0), tzinfo=zone)

        def at(minute: int) -> datetime:
            # Wall-clock arithmetic on the site's calendar, then made a real instant.
            return _local(midnight, minute, zone)

        return cls(at(start_minute), at(end_minute),
                   tuple((at(b0), at(b1)) for b0, b1 in breaks), grace_minutes, code)

    @property
    def midpoint(self) -> datetime:
        return self.start + (_utc(self.end) - _utc(self.start)) / 2


@dataclass(frozen=True)
class Punch:
    at: datetime  # aware
    direction: str | None = None  # "in", "out", or None when the clock does not say


# What a day of a stand-down for retraining (待岗培训) covers the shift as: not a leave type, but read like a
# whole day's leave (the person is not due; it does not keep the month's full attendance).
TRAINING = "training"


@dataclass(frozen=True)
class LeaveCover:
    """Approved leave touching the day; ``start``/``end`` None mean it covers that whole side."""

    leave_type: str
    start: datetime | None = None
    end: datetime | None = None

    def covers_start(self, shift: ShiftWindow) -> bool:
        """The leave holds the shift's start: the person is not due at it (nor at a check before it)."""
        return ((self.start is None or _utc(self.start) <= _utc(shift.start))
                and (self.end is None or _utc(self.end) > _utc(shift.start)))

    def covers_end(self, shift: ShiftWindow) -> bool:
        return ((self.start is None or _utc(self.start) < _utc(shift.end))
                and (self.end is None or _utc(self.end) >= _utc(shift.end)))

    def due_at(self, shift: ShiftWindow) -> datetime:
        """When the person is due at work that day: the shift's start, or the leave's end when it holds
        the start (a morning off comes in at the middle of the shift)."""
        return self.end if self.covers_start(shift) and self.end is not None else shift.start


@dataclass(frozen=True)
class DayRules:
    """The numbers of the policy that judge a day."""

    grace_minutes: int = 5
    half_absent_after_minutes: int = 30
    shift_grace_allowed: bool = True  # a shift type's own grace replaces the policy's
    punch_before_minutes: int = 180  # how early an in-punch still belongs to the shift
    punch_after_minutes: int = 240  # how late an out-punch still belongs to the shift

    @classmethod
    def from_policy(cls, attendance: AttendancePolicy, settings: Mapping | None = None) -> DayRules:
        """The policy's attendance section plus the product decisions kept in its ``settings``."""
        settings = settings or {}
        defaults = cls()

        def number(key: str, default: int) -> int:
            value = settings.get(key, default)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default

        allowed = settings.get("shift_grace_allowed", defaults.shift_grace_allowed)
        return cls(
            grace_minutes=attendance.grace_minutes,
            half_absent_after_minutes=attendance.half_absent_after_minutes,
            shift_grace_allowed=allowed if isinstance(allowed, bool) else defaults.shift_grace_allowed,
            punch_before_minutes=number("punch_before_minutes", defaults.punch_before_minutes),
            punch_after_minutes=number("punch_after_minutes", defaults.punch_after_minutes),
        )

    def grace_for(self, shift: ShiftWindow) -> int:
        if self.shift_grace_allowed and shift.grace_minutes is not None:
            return shift.grace_minutes
        return self.grace_minutes


@dataclass(frozen=True)
class DayResult:
    status: str
    late_minutes: int = 0
    early_minutes: int = 0
    missing_in: bool = False
    missing_out: bool = False
    in_at: datetime | None = None
    out_at: datetime | None = None
    worked_minutes: int | None = None
    leave_type: str | None = None
    kinds: tuple[str, ...] = field(default=())  # violations to raise: subset of KINDS, in that order

    @property
    def needs_resolution(self) -> bool:
        """A punch is missing: the lead resolves it (adds or voids a punch); nothing is guessed."""
        return self.missing_in or self.missing_out


# ------------------------------------------------------------------------------------ helpers


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _local(midnight: datetime, minute: int, zone: tzinfo) -> datetime:
    naive = midnight.replace(tzinfo=None) + timedelta(minutes=minute)
    return naive.replace(tzinfo=zone)


def _whole_minutes(later: datetime, earlier: datetime) -> int:
    """Whole minutes from ``earlier`` to ``later`` (seconds dropped), never negative."""
    seconds = (_utc(later) - _utc(earlier)).total_seconds()
    return max(0, math.floor(seconds / 60))


def _overlap_minutes(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    start, end = max(_utc(a0), _utc(b0)), min(_utc(a1), _utc(b1))
    return max(0.0, (end - start).total_seconds() / 60)


def minutes_to_hhmm(minute: int) -> str:
    """1110 → "18:30"; 1440 → "24:00"; past midnight of the next day → its own clock time."""
    if minute == MINUTES_PER_DAY:
        return "24:00"
    minute %= MINUTES_PER_DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hhmm_to_minutes(text: str) -> int:
    """"08:00" → 480; "24:00" → 1440. :raise ValueError: for anything else."""
    text = str(text).strip()
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or len(hours) > 2:
        raise ValueError("not a time (HH:MM)")
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError("not a time (HH:MM)")
    return h * 60 + m


def shift_minutes(start: str, end: str) -> tuple[int, int]:
    """A shift's start and end as minutes from its day's midnight; an end at or before the start is the
    next day ("18:30"–"02:00" → 1110, 1560), and "24:00" is midnight at the end of the day."""
    s, e = hhmm_to_minutes(start), hhmm_to_minutes(end)
    if s == MINUTES_PER_DAY:
        raise ValueError("a shift cannot start at 24:00")
    if e <= s:
        e += MINUTES_PER_DAY
    if e - s > MINUTES_PER_DAY:
        raise ValueError("a shift lasts at most 24 hours")
    return s, e


def break_minutes(start: str, end: str, shift: tuple[int, int]) -> tuple[int, int]:
    """A break inside a shift, on the shift's minute scale. :raise ValueError: when outside the shift."""
    s, e = hhmm_to_minutes(start), hhmm_to_minutes(end)
    if s < shift[0]:
        s += MINUTES_PER_DAY
    if e <= s:
        e += MINUTES_PER_DAY
    if not (shift[0] <= s < e <= shift[1]):
        raise ValueError("a break lies inside its shift")
    return s, e


# ----------------------------------------------------------------------------- punches to days


def punch_window(shift: ShiftWindow, rules: DayRules) -> tuple[datetime, datetime]:
    """The instants whose punches may belong to ``shift``."""
    return (shift.start - timedelta(minutes=rules.punch_before_minutes),
            shift.end + timedelta(minutes=rules.punch_after_minutes))


def _distance(shift: ShiftWindow, at: datetime) -> float:
    t, s, e = _utc(at), _utc(shift.start), _utc(shift.end)
    if t < s:
        return (s - t).total_seconds()
    if t > e:
        return (t - e).total_seconds()
    return 0.0


def assign_punches(shifts: Mapping[date, ShiftWindow | None], punches: Iterable[Punch],
                   rules: DayRules) -> dict[date, list[Punch]]:
    """Give each punch to the one rostered day whose window holds it (the nearest shift when two do).

    Punches no shift claims (a rest day's, or far from any shift) are left out.
    """
    out: dict[date, list[Punch]] = {day: [] for day, shift in shifts.items() if shift is not None}
    windows = [(day, shift, *punch_window(shift, rules)) for day, shift in shifts.items() if shift is not None]
    for punch in punches:
        t = _utc(punch.at)
        best = None
        for day, shift, w0, w1 in windows:
            if _utc(w0) <= t <= _utc(w1):
                d = _distance(shift, punch.at)
                if best is None or d < best[0]:
                    best = (d, day)
        if best is not None:
            out[best[1]].append(punch)
    for day in out:
        out[day].sort(key=lambda p: _utc(p.at))
    return out


# ------------------------------------------------------------------------------- one day


def _part(minutes: int, grace: int, half_after: int) -> str:
    if minutes <= grace:
        return "none"
    if minutes > half_after:
        return "half"
    return "minor"


def _pick(punches: Sequence[Punch], start: datetime, end: datetime) -> tuple[datetime | None, datetime | None]:
    """The in- and out-punch: a punch that names its direction is taken at its word; one that does not is
    an arrival before the middle of the shift and a departure from the middle on."""
    middle = _utc(start) + (_utc(end) - _utc(start)) / 2
    ins, outs = [], []
    for p in punches:
        t = _utc(p.at)
        if p.direction == "in" or (p.direction is None and t < middle):
            ins.append(t)
        elif p.direction == "out" or p.direction is None:
            outs.append(t)
    in_at = min(ins) if ins else None
    later = [t for t in outs if in_at is None or t > in_at]
    out_at = max(later) if later else None
    return in_at, out_at


def classify_day(shift: ShiftWindow | None, punches: Sequence[Punch], rules: DayRules,
                 leave: LeaveCover | None = None) -> DayResult:
    """Judge one person's day.

    - no shift → ``rest``; approved leave over the whole shift → ``leave``;
    - late/early beyond the grace → ``late``/``early``/``late_early`` with the minutes;
    - late (or early) by more than ``half_absent_after_minutes`` → ``half_absent``; both → ``absent``;
    - no punch at all → ``absent`` (``half_absent`` when leave covers part of the shift);
    - an in-punch without an out-punch (or the reverse) is judged on what is there and flagged.
    """
    if shift is None:
        return DayResult("rest")
    start, end = shift.start, shift.end
    partial_leave = None
    if leave is not None:
        covers_start, covers_end = leave.covers_start(shift), leave.covers_end(shift)
        if covers_start and covers_end:
            return DayResult("leave", leave_type=leave.leave_type)
        if covers_start:
            start, partial_leave = leave.end, leave.leave_type
        elif covers_end:
            end, partial_leave = leave.start, leave.leave_type
    grace = rules.grace_for(shift)
    half_after = rules.half_absent_after_minutes
    in_at, out_at = _pick(punches, start, end)

    if in_at is None and out_at is None:
        status = "half_absent" if partial_leave else "absent"
        return DayResult(status, leave_type=partial_leave, kinds=(status,))
    if in_at is not None and in_at >= _utc(end):
        # Arrived when the shift was over: no part of it was worked.
        return DayResult("absent", late_minutes=_whole_minutes(in_at, start), in_at=in_at, out_at=out_at,
                         missing_out=out_at is None, worked_minutes=0, leave_type=partial_leave,
                         kinds=("absent",))

    late = _whole_minutes(in_at, start) if in_at is not None else 0
    early = _whole_minutes(end, out_at) if out_at is not None else 0
    late_part, early_part = _part(late, grace, half_after), _part(early, grace, half_after)
    if late_part == "half" and early_part == "half":
        status = "absent"
    elif "half" in (late_part, early_part):
        status = "half_absent"
    elif late_part == "minor" and early_part == "minor":
        status = "late_early"
    elif late_part == "minor":
        status = "late"
    elif early_part == "minor":
        status = "early"
    else:
        status = "present"
    # Half a day missed is its own violation (HALF_ABSENT in the default policy), not a day's 旷工: no rule
    # book fines 31 minutes late like a day away. Both halves missed is absent.
    kinds = tuple(k for k, raised in (("late", late_part == "minor"), ("early", early_part == "minor"),
                                      ("half_absent", status == "half_absent"), ("absent", status == "absent"))
                  if raised)
    worked = None
    if in_at is not None and out_at is not None:
        span = _overlap_minutes(in_at, out_at, start, end)
        span -= sum(_overlap_minutes(in_at, out_at, b0, b1) for b0, b1 in shift.breaks)
        worked = max(0, math.floor(span))
    return DayResult(
        status,
        late_minutes=late if late_part != "none" else 0,
        early_minutes=early if early_part != "none" else 0,
        missing_in=in_at is None,
        missing_out=out_at is None,
        in_at=in_at,
        out_at=out_at,
        worked_minutes=worked,
        leave_type=partial_leave,
        kinds=kinds,
    )


def is_over(shift: ShiftWindow | None, rules: DayRules, now: datetime) -> bool:
    """Whether a day can be judged for good: its shift and the time allowed for an out-punch are past."""
    if shift is None:
        return True
    return _utc(now) >= _utc(punch_window(shift, rules)[1])


# ------------------------------------------------------------------------------- the clock


@dataclass(frozen=True)
class PunchReading:
    """What a punch just made counts as, for the person who made it.

    ``outcome``: ``no_shift`` (not rostered: it does not count), ``outside`` (outside the shift's punch
    window: it does not count), ``in_on_time``, ``in_late``, ``out_on_time``, ``out_early``, ``out_missing_in``
    (a clock-out with no clock-in before it: the clock-in is missing, 补卡).
    """

    outcome: str
    at: datetime
    direction: str | None
    shift: ShiftWindow | None = None
    minutes: int = 0  # late or early minutes beyond the grace
    window: tuple[datetime, datetime] | None = None  # the shift's punch window

    @property
    def counts(self) -> bool:
        return self.outcome not in ("no_shift", "outside")

    @property
    def needs_correction(self) -> bool:
        return self.outcome == "out_missing_in"


def current_shift(shifts: Mapping[date, ShiftWindow | None], rules: DayRules, now: datetime,
                  today: date) -> date | None:
    """The rostered day the clock is about now: the shift whose punch window holds ``now`` (the nearest when
    two do, as ``assign_punches`` shares punches), else today's shift (even when its window has not opened)."""
    best = None
    for day, shift in shifts.items():
        if shift is None:
            continue
        w0, w1 = punch_window(shift, rules)
        if _utc(w0) <= _utc(now) <= _utc(w1):
            d = _distance(shift, now)
            if best is None or d < best[0]:
                best = (d, day)
    if best is not None:
        return best[1]
    return today if shifts.get(today) is not None else None


def clock_action(shift: ShiftWindow | None, punches: Sequence[Punch], rules: DayRules, now: datetime) -> str:
    """The one button that makes sense now: ``in`` until the person has clocked in for the shift, ``out``
    after. ``punches`` are the shift's own (``assign_punches``); with no shift, the person's punches today.
    Past the middle of a shift with no clock-in, it is ``out`` (the clock-in is missing; the message says so)."""
    if any(p.direction == "in" for p in punches):
        return "out"
    if shift is None:
        return "out" if punches and punches[-1].direction in ("in", None) else "in"
    if any(p.direction is None for p in punches) or _utc(now) >= _utc(shift.midpoint):
        return "out"
    return "in"


def read_punch(shift: ShiftWindow | None, punch: Punch, earlier: Sequence[Punch], rules: DayRules,
               leave: LeaveCover | None = None) -> PunchReading:
    """What ``punch`` counts as against ``shift`` (the shift the clock is about), ``earlier`` being the
    shift's punches before it. The same rules as ``classify_day``: the punch window, the grace, the leave."""
    if shift is None:
        return PunchReading("no_shift", punch.at, punch.direction)
    window = punch_window(shift, rules)
    if not (_utc(window[0]) <= _utc(punch.at) <= _utc(window[1])):
        return PunchReading("outside", punch.at, punch.direction, shift, window=window)
    start, end = shift.start, shift.end
    if leave is not None and leave.covers_start(shift) and leave.end is not None:
        start = leave.end
    if leave is not None and leave.covers_end(shift) and leave.start is not None:
        end = leave.start
    grace = rules.grace_for(shift)
    direction = punch.direction or ("in" if _utc(punch.at) < _utc(shift.midpoint) else "out")
    if direction == "in":
        late = _whole_minutes(punch.at, start)
        if late > grace:
            return PunchReading("in_late", punch.at, direction, shift, late, window)
        return PunchReading("in_on_time", punch.at, direction, shift, 0, window)
    if not any(p.direction in ("in", None) and _utc(p.at) < _utc(punch.at) for p in earlier):
        return PunchReading("out_missing_in", punch.at, direction, shift, 0, window)
    early = _whole_minutes(end, punch.at)
    if early > grace:
        return PunchReading("out_early", punch.at, direction, shift, early, window)
    return PunchReading("out_on_time", punch.at, direction, shift, 0, window)
