"""Demo work reports for the first team: last week's weekly reports (most on time, one late, the rest missing,
for the lead's list and the nightly run), and a few handed in for this week."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain import work_reports as rules
from attendance.extensions import db
from attendance.models import Employee, Team, WorkReport
from attendance.services import work_reports as svc
from attendance.services.transaction import use_case

TEXTS = ["本周接线 312 通，回访 45 户，投诉 2 起已处理完毕。", "本周重点：新楼盘咨询增多，已整理常见问题。",
         "系统故障 1 次（周三 14:00–14:20），已报技术部。", "下周计划：完成 11 月客户满意度回访。"]


@use_case
def build_work_reports_demo() -> int:
    """Hand in the demo reports once (nothing when any exists). Returns how many rows were made."""
    if db.session.scalar(select(WorkReport.id).limit(1)) is not None:
        return 0
    team = db.session.scalar(select(Team).where(Team.active.is_(True), Team.lead_id.is_not(None)).order_by(Team.code))
    if team is None:
        return 0
    policy = svc.report_policy()
    if "weekly" not in policy.kinds:
        return 0
    members = [p for p in db.session.scalars(select(Employee).where(Employee.team_id == team.id,
                                                                     Employee.active.is_(True))
                                             .order_by(Employee.employee_no)) if svc.owes_reports(p, policy)]
    this = rules.period_of("weekly", clock.today())
    last = this - timedelta(days=7)
    # the deadlines as the service sets them: a Monday that is a public holiday moves to the next working day
    due_last, nominal_last = svc.deadline(policy, "weekly", last)
    due_this, nominal_this = svc.deadline(policy, "weekly", this)
    made = 0
    for i, person in enumerate(members[:8]):
        # last week: six on time, the seventh two hours late, the eighth missing (the nightly run raises it)
        if i < 7:
            at = due_last - timedelta(hours=14 - i) if i < 6 else due_last + timedelta(hours=2)
            at = min(at, clock.now())
            db.session.add(WorkReport(employee_id=person.id, kind="weekly", period_start=last, due_at=due_last,
                                      nominal_due_at=nominal_last,
                                      body=TEXTS[i % len(TEXTS)], handed_in_at=at, handed_in_by_id=person.id))
            made += 1
        if i < 3 and clock.now() < due_this:
            db.session.add(WorkReport(employee_id=person.id, kind="weekly", period_start=this, due_at=due_this,
                                      nominal_due_at=nominal_this,
                                      body=TEXTS[(i + 1) % len(TEXTS)], handed_in_at=clock.now() - timedelta(hours=i),
                                      handed_in_by_id=person.id))
            made += 1
    return made
