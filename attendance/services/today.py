"""Today (今日): what a member of staff lands on after signing in — their clock (the shift it is about and the
one button that makes sense now), and what is asked of them: swaps waiting for their answer, unread
notifications, their own requests still waiting for a decision. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from attendance.domain.permissions import allowed
from attendance.extensions import db
from attendance.models import Employee, Request, Swap
from attendance.services import notifications, punches, swaps
from attendance.services.punches import ClockState


@dataclass
class Today:
    clock: ClockState | None  # None for someone who does not clock in (the office)
    swaps_to_answer: list[Swap]
    unread: int
    my_pending: int  # the person's own requests waiting for a decision

    @property
    def asked(self) -> int:
        """How many things wait for the person themselves."""
        return len(self.swaps_to_answer) + self.unread


def landing_is_today(person: Employee) -> bool:
    """Staff land on today after signing in; those who decide others' requests (leads, the office) keep
    landing on their own record, with 待办 one tap away."""
    return allowed(person.roles, "punches.own") and not allowed(person.roles, "approvals.view")


def today(person: Employee) -> Today:
    state = punches.clock_state(person) if allowed(person.roles, "punches.own") else None
    pending = db.session.scalar(select(func.count()).select_from(Request).where(
        (Request.requester_id == person.id) | (Request.subject_id == person.id), Request.status == "pending"))
    return Today(state, swaps.waiting_for_answer(person), notifications.unread_count(person), pending or 0)
