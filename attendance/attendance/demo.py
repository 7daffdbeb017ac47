"""Demo meeting data: a training meeting announced a week ahead, with a request to be excused waiting for the
lead (the meetings themselves and their attendance are made by shifts/demo.py with the roster)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from attendance import clock
from attendance.extensions import db
from attendance.models import Employee, Meeting, Team
from attendance.services import meetings
from attendance.services.transaction import use_case


@use_case
def build_meeting_excuse_demo() -> int:
    """A training meeting a week ahead for the first team's first four, one of whom asked to be excused (waiting
    for the lead in the approvals inbox)."""
    team = db.session.scalar(select(Team).where(Team.active.is_(True), Team.lead_id.is_not(None)).order_by(Team.code))
    if team is None or db.session.scalar(select(Meeting.id).where(Meeting.kind == "training").limit(1)):
        return 0
    lead = db.session.get(Employee, team.lead_id)
    members = list(db.session.scalars(
        select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True), Employee.id != team.lead_id
                               ).order_by(Employee.employee_no).limit(4)))
    if len(members) < 4:
        return 0
    day = clock.today() + timedelta(days=meetings.times().notice_days)
    meeting = meetings.create_meeting(lead, {"kind": "training", "date": day.isoformat(), "team": team.code,
                                             "title": "新工单系统培训", "notes": "地点：三楼培训室；请带笔记本电脑。",
                                             "attendees": [p.employee_no for p in members]})
    meetings.file_excuse(members[-1], meeting.id, "当天轮休回老家，车票已订")
    return 1
