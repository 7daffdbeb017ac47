"""Nominations for the month's reward for outstanding work (工作突出, 000 §5 奖励1; docs/rules.md §8): a lead
nominates a person of their team, the supervisor confirms or declines before the month closes. Only a confirmed
nomination, with no violation and full attendance, earns the reward when the policy's reward asks for one
(``rewards.full_attendance.nomination``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import scoring
from attendance.domain.discipline import NOMINATION_OUTCOMES, NOMINATION_STATUSES
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import Employee, RewardNomination
from attendance.models.types import utcnow
from attendance.services import audit, notifications, people
from attendance.services.discipline.inputs import MAX_ID, _text
from attendance.services.scores import REWARD, get_close
from attendance.services.transaction import savepoint, use_case


def _month(value) -> date:
    """The month a nomination is for: this month or an earlier one. :raise InvalidInput: not YYYY-MM, or later."""
    if isinstance(value, date):
        month = scoring.month_start(value)
    else:
        month = scoring.parse_month(str(value or "").strip())  # raises InvalidInput
    if month > scoring.month_start(clock.today()):
        raise InvalidInput("a nomination is for this month or an earlier one", fields={"month": "not yet begun"})
    return month


def _open(month: date) -> None:
    if get_close(month) is not None:
        raise Conflict(f"{scoring.month_label(month)} is closed: its rewards are settled")


def get_nomination(viewer: Employee, nomination_id: int) -> RewardNomination:
    """:raise NotFound: no such nomination, or of someone ``viewer`` may not see."""
    row = None if not 0 < nomination_id <= MAX_ID else db.session.scalar(
        select(RewardNomination).where(RewardNomination.id == nomination_id)
        .options(joinedload(RewardNomination.employee).joinedload(Employee.team),
                 joinedload(RewardNomination.nominated_by), joinedload(RewardNomination.decided_by)))
    if row is None or not people.can_see(viewer, row.employee):
        raise NotFound(f"no nomination {nomination_id}")
    return row


def nominations(viewer: Employee, month_value, *, status: str | None = None) -> list[RewardNomination]:
    """The month's nominations among the people ``viewer`` may see, by employee number."""
    month = _month(month_value)
    if status is not None and status not in NOMINATION_STATUSES:
        raise InvalidInput(f"unknown status {status}", fields={"status": "one of " + ", ".join(NOMINATION_STATUSES)})
    stmt = (select(RewardNomination).join(Employee, RewardNomination.employee_id == Employee.id)
            .where(RewardNomination.month == month, RewardNomination.reward == REWARD, people.visible_clause(viewer))
            .options(joinedload(RewardNomination.employee).joinedload(Employee.team),
                     joinedload(RewardNomination.nominated_by), joinedload(RewardNomination.decided_by))
            .order_by(Employee.employee_no))
    if status:
        stmt = stmt.where(RewardNomination.status == status)
    return list(db.session.scalars(stmt).unique())


def candidates(viewer: Employee) -> list[Employee]:
    """Whom ``viewer`` may nominate: the active staff of the teams they reach (a lead: their own teams)."""
    rows = db.session.scalars(select(Employee).options(joinedload(Employee.team))
                              .where(people.visible_clause(viewer), Employee.active.is_(True),
                                     Employee.team_id.is_not(None), Employee.id != viewer.id)
                              .order_by(Employee.employee_no))
    return [p for p in rows.unique() if "staff" in p.roles]


@use_case
def nominate(actor: Employee, employee_no: str, month_value, reason: str) -> RewardNomination:
    """A lead nominates a person for the month's reward, saying what was outstanding.

    :raise InvalidInput: bad month or empty reason. :raise NotFound: a person ``actor`` may not see.
    :raise Forbidden: oneself. :raise Conflict: the month is closed, or the person is already nominated.
    """
    month = _month(month_value)
    reason = _text(reason, "reason", required=True)
    person = people.get_employee(actor, str(employee_no or "").strip())
    if person.id == actor.id:
        raise Forbidden("nobody nominates themselves")
    if not person.active:
        raise InvalidInput(f"{person.employee_no} is deactivated", fields={"employee_no": "deactivated"})
    _open(month)
    row = RewardNomination(month=month, employee_id=person.id, reward=REWARD, reason=reason, status="pending",
                           nominated_by_id=actor.id, nominated_at=utcnow())
    try:
        with savepoint():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"{person.employee_no} is already nominated for {scoring.month_label(month)}") from None
    audit.record(actor, "nomination.create", "reward_nomination", row.id, employee=person.employee_no,
                 month=scoring.month_label(month), reason=reason)
    notifications.notify([person.id], "nomination", N_("Nominated for the reward of %(month)s"),
                         N_("Your lead nominated you for outstanding work: %(reason)s. The supervisor decides."),
                         params={"month": scoring.month_label(month), "reason": reason}, link="/me")
    return row


@use_case
def decide(actor: Employee, nomination_id: int, outcome: str, reason: str = "") -> RewardNomination:
    """The supervisor confirms or declines a nomination before the month closes (a reason when declining).

    :raise InvalidInput: unknown outcome, or declining without a reason. :raise Forbidden: one's own.
    :raise Conflict: already decided, or the month is closed.
    """
    row = get_nomination(actor, nomination_id)
    if outcome not in NOMINATION_OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome}", fields={"outcome": "confirmed or declined"})
    reason = _text(reason, "reason", required=outcome == "declined")
    if row.employee_id == actor.id:
        raise Forbidden("nobody decides their own nomination")
    row = db.session.scalar(select(RewardNomination).where(RewardNomination.id == nomination_id).with_for_update()
                            .execution_options(populate_existing=True))
    if row.status != "pending":
        raise Conflict(f"nomination {nomination_id} is already decided ({row.status})")
    _open(row.month)
    row.status, row.decision_reason = outcome, reason or None
    row.decided_by_id, row.decided_at = actor.id, utcnow()
    audit.record(actor, "nomination.decide", "reward_nomination", row.id, outcome=outcome, reason=reason,
                 employee=row.employee.employee_no, month=scoring.month_label(row.month))
    title = (N_("Your nomination for %(month)s was confirmed") if outcome == "confirmed"
             else N_("Your nomination for %(month)s was declined"))
    notifications.notify([row.employee_id, row.nominated_by_id], "nomination", title,
                         N_("Reason: %(reason)s") if reason else "",
                         params={"month": scoring.month_label(row.month), "reason": reason}, link="/me")
    return row


