"""Demo handovers for the first team: today's, one acknowledged and one still waiting (on the lead's day board)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from attendance import clock
from attendance.extensions import db
from attendance.models import Employee, Handover, Team
from attendance.services.transaction import use_case


@use_case
def build_handovers_demo() -> int:
    """Write the demo handovers once (nothing when any not from a swap exists). Returns how many were written."""
    if db.session.scalar(select(Handover.id).where(Handover.swap_request_id.is_(None)).limit(1)) is not None:
        return 0
    team = db.session.scalar(select(Team).where(Team.active.is_(True), Team.lead_id.is_not(None)).order_by(Team.code))
    if team is None:
        return 0
    members = list(db.session.scalars(select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True),
                                                             Employee.id != team.lead_id)
                                      .order_by(Employee.employee_no).limit(4)))
    if len(members) < 4:
        return 0
    now, today = clock.now(), clock.today()
    db.session.add_all([
        Handover(team_id=team.id, day=today, written_by_id=members[0].id, incoming_id=members[1].id,
                 open_cases="投诉单 2 张未结：王先生（物业费）下午回电；李女士（停车位）待主管答复。",
                 keys="档案柜钥匙、前台抽屉钥匙各一把", notes="打印机缺纸，已报行政。",
                 written_at=now - timedelta(hours=3), acknowledged_by_id=members[1].id,
                 acknowledged_at=now - timedelta(hours=2, minutes=50)),
        Handover(team_id=team.id, day=today, written_by_id=members[2].id, incoming_id=members[3].id,
                 open_cases="回访名单在共享盘“回访/本周”，重点客户已标红。", keys="", notes="",
                 written_at=now - timedelta(minutes=30)),
    ])
    return 2

