"""A demo award granted by hand (000 §5 奖励2): staff1's adopted suggestion, recorded by the manager, so the
year-end review and the awards page show one."""

from __future__ import annotations

from sqlalchemy import select

from attendance import clock
from attendance.extensions import db
from attendance.models import Award, Employee
from attendance.services import year_review
from attendance.services.transaction import use_case


@use_case
def build_awards_demo() -> int:
    """Record the demo award once (nothing when any award exists). Returns how many were recorded."""
    if db.session.scalar(select(Award.id).limit(1)) is not None:
        return 0
    manager = db.session.scalar(select(Employee).where(Employee.username == "manager"))
    staff = db.session.scalar(select(Employee).where(Employee.username == "staff1"))
    if manager is None or staff is None or year_review.get_close(clock.today().year) is not None:
        return 0
    year_review.record_award(manager, staff.employee_no, "suggestion", "300.00",
                             "提出来电高峰错峰排班建议，已采纳，接通率提高", clock.today())
    return 1
