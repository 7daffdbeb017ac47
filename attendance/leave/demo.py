"""Demo leave: in every team one leave waiting for the lead, one approved annual leave next week, and an
emergency sick leave for today that the lead filed after a phone call, so the day board, the roster, the
approvers' 待办 and HR's register all have leave in them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, LeaveRequest, Team
from attendance.services import leave, requests


def _approve_all(request) -> None:
    """Decide every step with the first person who may (the demo's lead, supervisor, general manager)."""
    candidates = list(db.session.scalars(select(Employee).where(Employee.active.is_(True))
                                         .order_by(Employee.employee_no)))
    while request.status == "pending":
        decider = next((p for p in candidates if requests.may_decide(p, request)), None)
        if decider is None:
            return
        request = requests.decide(decider, request.id, "approve", "同意")


def build_leave_demo() -> int:
    """File the demo leave once (nothing when any leave exists). Returns how many were filed."""
    if db.session.scalar(select(LeaveRequest.id).limit(1)) is not None:
        return 0
    hr = db.session.scalar(select(Employee).where(Employee.username == "hr"))
    today = clock.today()
    next_week = today + timedelta(days=7 - today.weekday() + 1)  # a Tuesday at least 6 days ahead
    made = 0
    for n, team in enumerate(db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.code))):
        members = list(db.session.scalars(select(Employee).where(Employee.team_id == team.id,
                                                                 Employee.active.is_(True))
                                          .order_by(Employee.employee_no)))
        staff = sorted((p for p in members if "lead" not in p.roles), key=lambda p: (p.username is None,
                                                                                   p.employee_no))
        lead = next((p for p in members if "lead" in p.roles), None)
        if len(staff) < 6 or lead is None:
            continue
        asks = [
            (staff[0], {"type": "personal", "start": (today + timedelta(days=3)).isoformat(),
                        "reason": "孩子家长会"}, False),
            (staff[4], {"type": "annual", "start": next_week.isoformat(),
                        "end": (next_week + timedelta(days=1)).isoformat(), "reason": "回老家探亲"}, True),
        ]
        for person, data, approve in asks:
            try:
                if data["type"] == "annual" and hr is not None:
                    leave.set_entitlement(hr, person.employee_no, "annual", {"entitled": "5", "reason": "年初核定"})
                request = leave.file_leave(person, data)
                made += 1
                if approve:
                    _approve_all(request)
            except DomainError:  # a rest day, a policy without the type: no demo for it
                continue
        for person in staff[5:]:  # someone rostered today phoned in sick this morning; the lead files it
            try:
                request = leave.file_leave(lead, {"employee_no": person.employee_no, "type": "sick",
                                                  "start": today.isoformat(), "emergency": True,
                                                  "reason": "电话告知：发烧，去医院"})
            except DomainError:
                continue
            made += 1
            if n != 1:  # one team's still waits for the supervisor
                _approve_all(request)
            break
    return made
