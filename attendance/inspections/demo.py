"""Demo quality inspections (质检): a few calls and chats of each team's staff by the demo inspector, one of
them with a forbidden phrase (a FORBIDDEN_PHRASE violation), so HR's month per team has rows and a chart."""

from __future__ import annotations

from sqlalchemy import select

from attendance.domain.errors import DomainError
from attendance.extensions import db
from attendance.models import Employee, EmployeeRole, QualityInspection, Team
from attendance.services import inspections

TRANSCRIPTS = ["您好，请问有什么可以帮您？好的，请稍等……已经为您处理好了，谢谢，再见",
               "您好！很抱歉让您久等了，我理解您的心情，请放心，我们马上处理。不用客气",
               "喂，干什么？墙上贴着，自己看。"]


def build_inspections_demo() -> int:
    """Inspections once (nothing when any exists or there is no inspector). Returns how many were made."""
    if db.session.scalar(select(QualityInspection.id).limit(1)) is not None:
        return 0
    inspector = db.session.scalar(select(Employee).join(EmployeeRole, EmployeeRole.employee_id == Employee.id)
                                  .where(EmployeeRole.role == "inspector", Employee.active.is_(True)).limit(1))
    if inspector is None:
        return 0
    made = 0
    for n, team in enumerate(db.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.code))):
        staff = list(db.session.scalars(select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True))
                                        .order_by(Employee.employee_no).limit(3)))
        for i, person in enumerate(staff):
            text = TRANSCRIPTS[2] if (n == 0 and i == 2) else TRANSCRIPTS[i % 2]
            try:
                channel = "chat" if i % 2 else "call"
                inspections.record(inspector, {"employee_no": person.employee_no, "channel": channel,
                                               "reference": f"{channel.upper()}-{team.code}-{100 + i}",
                                               "score": 60 if text == TRANSCRIPTS[2] else 92 + i, "transcript": text})
                made += 1
            except DomainError:  # a policy without the phrase lists: no demo for it
                continue
    return made
