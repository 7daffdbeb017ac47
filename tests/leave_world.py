"""A team with a month of roster and approved leave, for the tests of where leave shows and counts.

The clock is fixed (Thursday 2026-11-05 10:00 in Shanghai) and moved where a test needs time to pass.
Team T1 works the day shift D8 (08:00–18:00) every day of November 2026 except Sundays (REST). Leave is
asked and approved through the services, each step of its chain by the person holding that role.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from attendance.extensions import db
from attendance.models import Punch
from attendance.services import leave, punches, requests, roster, shift_types
from tests.clocks import NOW, SHANGHAI, Clock  # noqa: F401  (other test modules import them from here)
from tests.conftest import make_person, make_team, one_per_role

MONDAY = date(2026, 11, 9)  # the week the leave is in



def build(names: tuple[str, ...] = ("张丽", "王芳", "李娜", "赵敏")) -> dict:
    """T1 (热线一组) with one person per role, staff named ``names`` rostered on D8 all month, and T2."""
    t1 = make_team("T1", "热线一组")
    make_team("T2", "投诉组")
    world = one_per_role(t1)
    world["crew"] = [make_person(["staff"], t1, name=name) for name in names]
    for person in world["crew"]:
        person.hire_date = date(2015, 11, 1)  # 11 years worked: 10 days of annual leave
    db.session.commit()
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    roster.save_cells(world["supervisor"], [(p.employee_no, d, "REST" if d.weekday() == 6 else "D8")
                                            for p in world["crew"] for d in days])
    return world


def ask(world: dict, person, leave_type: str, start: date, end: date | None = None, half_day: str | None = None):
    """The person asks for leave; it waits for its chain."""
    return leave.file_leave(person, {"type": leave_type, "start": start.isoformat(),
                                     "end": (end or start).isoformat(), "half_day": half_day, "reason": "家中有事"})


def approve(world: dict, request) -> None:
    """Each step of the leave's chain approved by the person holding that role."""
    for role in request.chain:
        requests.decide(world[role], request.id, "approve")


def approved(world: dict, person, leave_type: str, start: date, end: date | None = None,
             half_day: str | None = None):
    request = ask(world, person, leave_type, start, end, half_day)
    approve(world, request)
    return request


def punch(person, day: date, hhmm: str, direction: str) -> None:
    at = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=SHANGHAI)
    db.session.add(Punch(employee_id=person.id, at=at, direction=direction, source="import",
                         dedupe_key=punches.dedupe_key(person.id, at)))
    db.session.commit()


def worked(person, day: date, start: str = "07:58", end: str = "18:02") -> None:
    punch(person, day, start, "in")
    punch(person, day, end, "out")


def leave_team() -> dict:
    """T1 with one person per role and a mate, T2 with a person and a lead; staff, mate and other rostered on D8
    every day of November 2026 but Sundays (the leave API and page tests)."""
    t1 = make_team("T1", "热线一组")
    t2 = make_team("T2", "投诉组")
    people = one_per_role(t1)
    people["mate"] = make_person(["staff"], t1, name="王芳")
    people["other"] = make_person(["staff"], t2, name="赵六")
    people["other_lead"] = make_person(["lead", "staff"], t2, name="钱七")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    roster.save_cells(people["supervisor"], [(p.employee_no, d, "REST" if d.weekday() == 6 else "D8")
                                             for p in (people["staff"], people["mate"], people["other"]) for d in days])
    return people
