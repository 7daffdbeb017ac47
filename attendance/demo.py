"""A realistic demo department: 3 teams, about 40 staff, their leads and the office above them.

Later capabilities extend ``build_demo`` with their own demo data (rosters, violations, ...).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from attendance import clock
from attendance.extensions import db
from attendance.models import Employee, Team
from attendance.services import accounts, audit, policy
from attendance.services.transaction import use_case

DEMO_PASSWORD = "demo1234"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = ["丽", "静", "敏", "燕", "艳", "娟", "霞", "芳", "婷", "雪", "慧", "琳", "佳怡", "欣怡", "晓明",
         "志强", "建华", "海燕", "春梅", "秀英", "子涵", "雨桐", "浩然", "思琪", "梦瑶", "宇航", "俊杰",
         "文静", "嘉欣", "明辉", "一诺", "诗涵", "晨曦", "若曦", "天宇", "佳琪", "晓燕", "丹丹", "倩", "磊"]
TEAMS = [("T1", "热线一组"), ("T2", "投诉处理组"), ("T3", "回访组")]
OFFICE = [  # username, employee_no, name, roles
    ("admin", "A0001", "系统管理员", ["admin"]),
    ("hr", "H0001", "周人事", ["hr"]),
    ("gm", "G0001", "王总", ["gm"]),
    ("manager", "M0001", "李经理", ["manager"]),
    ("supervisor", "S0001", "陈主管", ["supervisor"]),
    ("inspector", "Q0001", "孙质检", ["inspector"]),
]


def _names(count: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def build_demo(staff_per_team: int = 12, seed: int = 7) -> list[tuple[str, str, list[str], str | None]]:
    """Create the demo department once; a second run changes nothing. Returns the logins to show: username,
    name, roles, and the team's name (None for the office)."""
    # The demo department adopted the shipped rule book (全体职工讨论) on the day it came into force.
    default = policy.ensure_default()
    policy.publish_default(min(default.effective_from, clock.today()))
    if db.session.scalar(select(Employee.id).where(Employee.username == "admin")) is None:
        _create(staff_per_team, seed)
    from attendance.shifts.demo import build_shifts_demo

    build_shifts_demo(seed)  # before grooming: its checks read the roster
    from attendance.grooming.demo import build_grooming_demo

    build_grooming_demo(seed)
    from attendance.discipline.demo import build_discipline_demo

    build_discipline_demo()
    from attendance.requests.demo import build_extra_shifts_demo, build_requests_demo

    build_requests_demo()
    build_extra_shifts_demo()
    from attendance.inspections.demo import build_inspections_demo

    build_inspections_demo()
    from attendance.leave.demo import build_leave_demo

    build_leave_demo()
    from attendance.swaps.demo import build_swaps_demo

    build_swaps_demo()
    from attendance.work_reports.demo import build_work_reports_demo

    build_work_reports_demo()
    from attendance.attendance.demo import build_meeting_excuse_demo
    from attendance.handovers.demo import build_handovers_demo

    build_handovers_demo()
    build_meeting_excuse_demo()
    from attendance.scores.demo import build_awards_demo

    build_awards_demo()
    rows = db.session.execute(
        select(Employee).where(Employee.username.in_(
            [o[0] for o in OFFICE] + ["lead1", "lead2", "lead3", "staff1", "staff2"]))
        .order_by(Employee.employee_no)).scalars()
    return [(p.username, p.name, sorted(p.roles), p.team.name if p.team else None) for p in rows]


@use_case
def _create(staff_per_team: int, seed: int) -> None:
    rng = random.Random(seed)
    password_hash = accounts.hash_password(DEMO_PASSWORD)  # one hash for every demo login: fast
    names = _names(len(TEAMS) * (staff_per_team + 1), rng)
    for username, no, name, roles in OFFICE:
        person = Employee(employee_no=no, name=name, username=username, password_hash=password_hash,
                          hire_date=date(2018, 3, 1), monthly_wage=Decimal("8000.00"), active=True)
        person.set_roles(set(roles))
        db.session.add(person)
    staff_no = 0
    for t, (code, team_name) in enumerate(TEAMS, start=1):
        team = Team(code=code, name=team_name, active=True)
        db.session.add(team)
        db.session.flush()
        lead = Employee(employee_no=f"E{t:02d}00", name=names.pop(), team_id=team.id,
                        username=f"lead{t}", password_hash=password_hash,
                        hire_date=date(2019, 1, 1) + timedelta(days=rng.randrange(900)),
                        monthly_wage=Decimal("5200.00"), active=True)
        lead.set_roles({"lead", "staff"})
        db.session.add(lead)
        db.session.flush()
        team.lead_id = lead.id
        for i in range(1, staff_per_team + 1):
            staff_no += 1
            person = Employee(employee_no=f"E{t:02d}{i:02d}", name=names.pop(), team_id=team.id,
                              hire_date=date(2020, 1, 1) + timedelta(days=rng.randrange(2000)),
                              monthly_wage=Decimal(rng.choice(["3200.00", "3500.00", "3800.00", "4200.00"])),
                              active=True, username=f"staff{staff_no}" if staff_no <= 2 else None,
                              password_hash=password_hash if staff_no <= 2 else None)
            person.set_roles({"staff"})
            db.session.add(person)
    audit.record(None, "demo.create", "department", "demo", teams=len(TEAMS))
