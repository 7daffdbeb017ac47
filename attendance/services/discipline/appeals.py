"""Appeals against a violation and dismissal reviews: filed, listed for those who decide, decided once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from attendance.domain.discipline import (
    APPEAL_OUTCOMES,
    DISMISSAL_OUTCOMES,
)
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import (
    Appeal,
    DismissalReview,
    Employee,
    Violation,
)
from attendance.models.types import utcnow
from attendance.services import audit, notifications, people
from attendance.services.discipline.inputs import (
    _get,
    _text,
)
from attendance.services.discipline.violations import get_violation, reverse_violation
from attendance.services.paging import Page, paginate
from attendance.services.transaction import savepoint, use_case

# --- appeals -----------------------------------------------------------------------------------


@use_case
def file_appeal(actor: Employee, violation_id: int, reason: str) -> Appeal:
    """The person appeals their own violation, once. :raise Forbidden: someone else's; Conflict: twice."""
    violation = get_violation(actor, violation_id)
    if violation.employee_id != actor.id:
        raise Forbidden(N_("only the person it concerns can appeal a violation"))
    reason = _text(reason, "reason", required=True)
    if violation.reversed_at is not None:
        raise Conflict(N_("this violation is already reversed"))
    if violation.appeal is not None:
        raise Conflict(N_("this violation has already been appealed"))
    appeal = Appeal(violation_id=violation.id, employee_id=actor.id, reason=reason, filed_by_id=actor.id,
                    filed_at=utcnow(), status="pending")
    try:
        with savepoint():
            db.session.add(appeal)
    except IntegrityError:
        raise Conflict(N_("this violation has already been appealed")) from None
    audit.record(actor, "appeal.file", "appeal", appeal.id, violation=violation.id, reason=reason)
    return appeal


def _locked(model, row_id: int):
    return db.session.scalar(select(model).where(model.id == row_id).with_for_update()
                             .execution_options(populate_existing=True))


def get_appeal(viewer: Employee, appeal_id: int) -> Appeal:
    appeal = _get(Appeal, appeal_id)
    if appeal is None or not people.can_see(viewer, appeal.employee):
        raise NotFound(N_("no appeal %(appeal_id)s", appeal_id=appeal_id))
    return appeal


def appeals(viewer: Employee, status: str | None = "pending", *, limit: int = 50,
            cursor: str | None = None) -> Page:
    stmt = (select(Appeal).join(Employee, Appeal.employee_id == Employee.id)
            .where(people.visible_clause(viewer))
            .options(joinedload(Appeal.employee), joinedload(Appeal.violation), joinedload(Appeal.decided_by)))
    if status:
        stmt = stmt.where(Appeal.status == status)
    return paginate(stmt, Appeal.id, limit=limit, cursor=cursor)


@use_case
def decide_appeal(actor: Employee, appeal_id: int, outcome: str, reason: str) -> Appeal:
    """Uphold or overturn; overturning posts the reversal. :raise Conflict: already decided."""
    get_appeal(actor, appeal_id)
    if outcome not in APPEAL_OUTCOMES:
        raise InvalidInput(N_("unknown outcome %(outcome)s", outcome=outcome),
                           fields={"outcome": N_("upheld or overturned")})
    reason = _text(reason, "reason", required=True)
    appeal = _locked(Appeal, appeal_id)
    if appeal.status != "pending":
        raise Conflict(N_("appeal %(appeal_id)s is already decided (%(status)s)", appeal_id=appeal_id,
                          status=appeal.status))
    if appeal.employee_id == actor.id:
        raise Forbidden(N_("nobody decides their own appeal"))
    appeal.status, appeal.decision_reason = outcome, reason
    appeal.decided_by_id, appeal.decided_at = actor.id, utcnow()
    if outcome == "overturned" and appeal.violation.reversed_at is None:
        entry = reverse_violation(actor, appeal.violation, f"appeal {appeal.id} overturned: {reason}")
        appeal.reversal_entry_id = entry.id
    audit.record(actor, "appeal.decide", "appeal", appeal.id, outcome=outcome, reason=reason,
                 violation=appeal.violation_id)
    violation = appeal.violation
    notifications.notify(
        [appeal.employee_id], "appeal_decided", N_("Your appeal was decided: %(outcome)s"),
        N_("%(rule)s on %(date)s. Reason: %(reason)s"),
        params={"outcome_id": N_("the penalty stands") if outcome == "upheld" else N_("the penalty is withdrawn"),
                "rule_zh": violation.rule_name_zh, "rule_en": violation.rule_name_en,
                "date": violation.occurred_on.isoformat(), "reason": reason},
        link=f"/violations/{violation.id}")
    return appeal


# --- dismissal reviews -------------------------------------------------------------------------


def dismissal_reviews(viewer: Employee, status: str | None = "pending", *, limit: int = 50,
                      cursor: str | None = None) -> Page:
    stmt = (select(DismissalReview).join(Employee, DismissalReview.employee_id == Employee.id)
            .where(people.visible_clause(viewer))
            .options(joinedload(DismissalReview.employee).joinedload(Employee.team),
                     joinedload(DismissalReview.violation).options(
                         joinedload(Violation.employee).joinedload(Employee.team),
                         joinedload(Violation.recorded_by), joinedload(Violation.appeal),
                         selectinload(Violation.ledger_entries)),
                     joinedload(DismissalReview.decided_by)))
    if status:
        stmt = stmt.where(DismissalReview.status == status)
    return paginate(stmt, DismissalReview.id, limit=limit, cursor=cursor)


@use_case
def decide_dismissal(actor: Employee, review_id: int, outcome: str, reason: str) -> DismissalReview:
    """Record a manager's decision with who and when. :raise Conflict: already decided."""
    review = _get(DismissalReview, review_id)
    if review is None or not people.can_see(actor, review.employee):
        raise NotFound(N_("no dismissal review %(review_id)s", review_id=review_id))
    if outcome not in DISMISSAL_OUTCOMES:
        raise InvalidInput(N_("unknown outcome %(outcome)s", outcome=outcome),
                           fields={"outcome": N_("one of %(values)s", values=", ".join(DISMISSAL_OUTCOMES))})
    reason = _text(reason, "reason", required=True)
    review = _locked(DismissalReview, review_id)
    if review.status != "pending":
        raise Conflict(N_("dismissal review %(review_id)s is already decided (%(status)s)", review_id=review_id,
                          status=review.status))
    if review.employee_id == actor.id:
        raise Forbidden(N_("nobody decides their own dismissal review"))
    review.status, review.decision_reason = outcome, reason
    review.decided_by_id, review.decided_at = actor.id, utcnow()
    audit.record(actor, "dismissal.decide", "dismissal_review", review.id, outcome=outcome, reason=reason,
                 violation=review.violation_id, employee=review.employee.employee_no)
    return review


def count_pending(viewer: Employee, what: str) -> int:
    """How many appeals (``appeal``) or dismissal reviews (``dismissal_review``) wait for a decision among
    the people ``viewer`` reaches, not their own: the number on the 待办 badge."""
    model = Appeal if what == "appeal" else DismissalReview
    return db.session.scalar(
        select(func.count(model.id)).join(Employee, model.employee_id == Employee.id)
        .where(model.status == "pending", model.employee_id != viewer.id, people.visible_clause(viewer)))
