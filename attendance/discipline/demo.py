"""Demo discipline: a few realistic violations recorded through the service, an appeal, a reversal."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, Violation
from attendance.services import discipline as service

# (employee_no, rule, days ago, hour, recorder username, note, amount)
CASES = [
    ("E0101", "COMPLAINT", 20, 10, "lead1", "客户来电投诉接线时态度冷淡、推诿", None),
    ("E0101", "COMPLAINT", 6, 15, "lead1", "客户投诉回复超时未跟进", None),
    ("E0102", "OFF_TASK", 15, 14, "lead1", "值班时间看手机短视频", None),
    ("E0102", "OFF_TASK", 4, 21, "lead1", "夜班趴在工位睡觉", None),
    ("E0105", "HANDBOOK", 9, 9, "lead1", "未按规定填写交接本", None),
    ("E0201", "PHONE", 11, 11, "lead2", "在客户面前接听私人电话", None),
    ("E0203", "FALSIFY", 8, 16, "supervisor", "回访记录造假，未实际致电客户；初犯，选择罚款", "200.00"),
    ("E0207", "LEAVE_POST", 3, 10, "lead2", "上班时间窜岗聊天二十分钟", None),
    ("E0304", "FORBIDDEN_PHRASE", 7, 13, "lead3", "对客户说“这不归我们管”", None),
    ("E0306", "MOCK_CUSTOMER", 2, 17, "lead3", "客户离开后议论客户口音", None),
]


def build_discipline_demo() -> int:
    """Record the demo violations once (nothing when any exist). Returns how many were recorded."""
    if db.session.scalar(select(Violation.id).where(Violation.source_ref.like("demo:%")).limit(1)):
        return 0
    people = {p.employee_no: p for p in db.session.scalars(select(Employee))}
    logins = {p.username: p for p in people.values() if p.username}
    recorded = []
    for no, rule, days, hour, by, note, amount in CASES:
        person, recorder = people.get(no), logins.get(by)
        if person is None or recorder is None:
            continue
        when = datetime.combine(clock.today() - timedelta(days=days), time(hour), clock.site_zone())
        try:
            recorded.append(service.record_violation(
                recorder, employee=person, rule_code=rule, occurred_at=when, note=note, amount=amount,
                choice="fine" if rule == "FALSIFY" else None,  # 罚款或开除: the demo's recorder chose the fine
                source="complaint" if rule == "COMPLAINT" else "manual", source_ref=f"demo:{no}:{rule}:{days}"))
        except DomainError:  # a policy without the rule: no demo for it (its use case rolled back)
            continue
    by_key = {(v.employee.employee_no, v.rule_code): v for v in recorded}
    supervisor = logins.get("supervisor")
    if (second := by_key.get(("E0101", "COMPLAINT"))) is not None:
        service.file_appeal(second.employee, second.id, "该客户投诉的是系统故障导致的延迟，并非本人服务问题")
    if supervisor is not None and (wrong := by_key.get(("E0105", "HANDBOOK"))) is not None:
        service.reverse_violation(supervisor, wrong, "误记：当日交接本已由他人代填并签字")
    return len(recorded)
