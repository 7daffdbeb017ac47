"""Demo shifts: the shift types of the rule book, last month's and this month's roster for each team from
a rotation, time-clock punches from the first of last month (mostly on time, some late, a few missing)
evaluated into violations, and a few morning meetings with attendance taken."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, Punch, RosterEntry, ShiftType, Team
from attendance.services import attendance, meetings, punches, roster, shift_types
from attendance.services.transaction import use_case

# docs/rules.md §2 [000 §7 五, §4 四.1]
SHIFT_TYPES = [
    {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00", "breaks": [{"start": "12:00", "end": "14:00"}]},
    {"code": "D8S", "name": "短白班", "start": "08:00", "end": "16:00",
     "breaks": [{"start": "11:30", "end": "12:00"}]},
    {"code": "M12", "name": "中班", "start": "12:00", "end": "20:00", "breaks": [{"start": "17:30", "end": "18:00"}]},
    {"code": "E", "name": "晚班", "start": "18:30", "end": "24:00", "breaks": []},
    {"code": "SUN", "name": "周日全班", "start": "09:30", "end": "24:00", "breaks": []},
]
# One pattern per demo team: a weekly rotating rest day; a custom cycle; one day on, one day off.
PATTERNS = {
    "T1": {"pattern": "weekly_rest", "shift": "D8", "weekday_shifts": {"6": "SUN"}},
    "T2": {"pattern": "cycle", "cycle": ["D8S", "D8S", "M12", "M12", "REST", "D8S", "REST"]},
    "T3": {"pattern": "one_on_one_off", "shift": "E", "weekday_shifts": {"6": "SUN"}},
}
PUNCH_DAYS = 21  # at least three weeks of punches, more when the month is further along
LATE, VERY_LATE, NO_SHOW, NO_OUT, EARLY = 0.05, 0.006, 0.006, 0.02, 0.02


def build_shifts_demo(seed: int = 7) -> int:
    """Shift types, roster, punches and their evaluation, once (nothing when a roster exists). Returns the
    number of punches made."""
    for data in SHIFT_TYPES:
        if db.session.scalar(select(ShiftType.id).where(ShiftType.code == data["code"])) is None:
            shift_types.save_shift_type(None, data)
    if db.session.scalar(select(RosterEntry.id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)
    today = clock.today()
    # From the first of last month: HR opens the demo on a whole month it can score and close.
    start = min((today.replace(day=1) - timedelta(days=1)).replace(day=1), today - timedelta(days=PUNCH_DAYS))
    end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    teams = db.session.scalars(select(Team).where(Team.active.is_(True), Team.lead_id.is_not(None))
                               .order_by(Team.code)).all()
    for team in teams:
        lead = db.session.get(Employee, team.lead_id)
        pattern = PATTERNS.get(team.code, PATTERNS["T1"])
        try:
            roster.generate_roster(lead, team.code, {**pattern, "from": start.isoformat(),
                                                         "to": end.isoformat()})
        except DomainError:
            continue
    made = _punches(rng, start, today)  # today: only punches already made, so the day board looks live
    supervisor = db.session.scalar(select(Employee).where(Employee.username == "supervisor"))
    if start < today:
        attendance.evaluate(supervisor, start, today - timedelta(days=1))
    _meetings(rng, teams, today)
    return made


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.site_zone()) + timedelta(minutes=minute)


@use_case
def _punches(rng: random.Random, first: date, last: date) -> int:
    rows = db.session.scalars(select(RosterEntry).where(RosterEntry.day >= first, RosterEntry.day <= last,
                                                        RosterEntry.shift_type_id.is_not(None))
                              .order_by(RosterEntry.day, RosterEntry.employee_id)).all()
    now = clock.now()
    made = 0
    for entry in rows:
        st = entry.shift_type
        die = rng.random()
        if die < NO_SHOW:
            continue
        if die < NO_SHOW + VERY_LATE:
            late = rng.randint(31, 70)
        elif die < NO_SHOW + VERY_LATE + LATE:
            late = rng.randint(6, 25)
        else:
            late = -rng.randint(0, 15) if rng.random() < 0.85 else rng.randint(1, 5)
        moments = [(_at(entry.day, st.start_minute + late) + timedelta(seconds=rng.randint(0, 59)), "in")]
        if rng.random() >= NO_OUT:
            early = rng.randint(10, 25) if rng.random() < EARLY else -rng.randint(0, 20)
            moments.append((_at(entry.day, st.end_minute - early) + timedelta(seconds=rng.randint(0, 59)), "out"))
        for at, direction in moments:
            if at >= now:
                continue
            db.session.add(Punch(employee_id=entry.employee_id, at=at, direction=direction, source="clock",
                                 dedupe_key=punches.dedupe_key(entry.employee_id, at)))
            made += 1
    return made


def _meetings(rng: random.Random, teams: list[Team], today: date) -> None:
    """The morning meeting of the last three days for each team, with a late arrival now and then."""
    for team in teams:
        lead = db.session.get(Employee, team.lead_id)
        for back in (3, 2, 1):
            day = today - timedelta(days=back)
            try:
                meeting = meetings.create_meeting(lead, {"kind": "morning", "date": day.isoformat(),
                                                         "team": team.code})
                people = meetings.participants(meeting)
                marks = {p.employee_no: ("late" if rng.random() < 0.08 else "present") for p in people}
                meetings.record_attendance(lead, meeting.id, marks)
            except DomainError:
                continue
