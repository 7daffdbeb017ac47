"""Demo requests: corrections waiting in every lead's 待办, one a lead filed for themself (the supervisor's),
and some decided ones, so 我的申请 shows whole chains."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, Request, Team
from attendance.services import requests

REASONS = ["地铁故障，进门时忘记打卡", "手机没电，打卡页面打不开", "交接客户来电，下班忘记打卡",
           "门禁打卡机故障，已找领班签字"]


def build_requests_demo() -> int:
    """File the demo corrections once (nothing when any request exists). Returns how many were filed."""
    if db.session.scalar(select(Request.id).limit(1)) is not None:
        return 0
    day = clock.today() - timedelta(days=1)
    made = 0
    for n, team in enumerate(db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.code))):
        members = list(db.session.scalars(select(Employee).where(Employee.team_id == team.id,
                                                                 Employee.active.is_(True))
                                          .order_by(Employee.employee_no)))
        staff = sorted((p for p in members if "lead" not in p.roles), key=lambda p: (p.username is None,
                                                                                 p.employee_no))
        lead = next((p for p in members if "lead" in p.roles), None)
        for i, person in enumerate(staff[:3]):
            direction, hour = ("in", "08:5") if i % 2 == 0 else ("out", "18:0")
            try:
                request = requests.file_correction(person, {
                    "date": day.isoformat(), "direction": direction, "at": f"{day.isoformat()}T{hour}{i}",
                    "reason": REASONS[(n + i) % len(REASONS)]})
                made += 1
                if lead is not None and i == 2:  # one decided already, so the chain shows who and when
                    requests.decide(lead, request.id, "approve" if n % 2 == 0 else "reject",
                                    "已向同事核实" if n % 2 == 0 else "当天监控显示未到岗")
            except DomainError:  # a policy without corrections, or a demo run on another day: no demo for it
                continue
        if lead is not None and n == 0:
            try:
                requests.file_correction(lead, {"date": day.isoformat(), "direction": "out",
                                                "at": f"{day.isoformat()}T18:10", "reason": "巡检机房后忘记打卡"})
                made += 1
            except DomainError:
                pass
    return made


EXTRA_REASONS = ["双十一促销话务高峰", "新品上线咨询量大，领班安排加班", "节假日值班人手不足"]


def build_extra_shifts_demo() -> int:
    """Extra shifts (加班) in each team once: one approved yesterday evening (it shows in the 考勤表 hours and
    on the roster), one asked for tomorrow waiting in the lead's 待办. Returns how many were filed."""
    from attendance.models import ExtraShift
    from attendance.services import extra_shifts

    if db.session.scalar(select(ExtraShift.id).limit(1)) is not None:
        return 0
    made = 0
    yesterday, tomorrow = clock.today() - timedelta(days=1), clock.today() + timedelta(days=1)
    for n, team in enumerate(db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.code))):
        members = list(db.session.scalars(select(Employee).where(Employee.team_id == team.id,
                                                                 Employee.active.is_(True))
                                          .order_by(Employee.employee_no)))
        staff = [p for p in members if "lead" not in p.roles]
        lead = next((p for p in members if "lead" in p.roles), None)
        if lead is None or len(staff) < 2:
            continue
        try:
            done = extra_shifts.file(staff[0], {"date": yesterday.isoformat(), "start": "18:30", "end": "21:00",
                                                "reason": EXTRA_REASONS[n % len(EXTRA_REASONS)]})
            requests.decide(lead, done.id, "approve", "已核实话务量")
            extra_shifts.file(staff[1], {"date": tomorrow.isoformat(), "start": "19:00", "end": "22:00",
                                         "reason": EXTRA_REASONS[(n + 1) % len(EXTRA_REASONS)]})
            made += 2
        except DomainError:  # a policy that refuses them: no demo for it
            continue
    return made
