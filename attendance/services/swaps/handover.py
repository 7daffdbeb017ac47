"""The handover of a swap (交接): the lead records the fine for a missed handover (rule ``SWAP_HANDOVER``)
from the swap's page, once per person and swap, through the discipline service."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput
from attendance.domain.permissions import allowed
from attendance.extensions import db
from attendance.models import Employee, ShiftType, Swap, Violation
from attendance.services import audit, discipline, people
from attendance.services.swaps.asking import _text, get_swap
from attendance.services.transaction import use_case

HANDOVER_RULE = "SWAP_HANDOVER"


def handover_ref(swap: Swap, employee_no: str) -> str:
    return f"swap:{swap.request_id}:handover:{employee_no}"


def handover_fines(swap: Swap) -> list[Violation]:
    """The missed-handover fines recorded from this swap (reversed ones included)."""
    refs = [handover_ref(swap, p.employee_no) for p in (swap.requester, swap.counterpart)]
    return list(db.session.scalars(select(Violation).where(Violation.source_ref.in_(refs)).order_by(Violation.id)))


def may_fine_handover(viewer: Employee, swap: Swap) -> bool:
    """Whether to offer the lead the handover fine: an approved swap whose first day has come."""
    return (swap.status == "approved" and allowed(viewer.roles, "swaps.handover") and clock.today() >= swap.days[0]
            and viewer.id not in (swap.requester_id, swap.counterpart_id)
            and people.can_see(viewer, swap.requester) and people.can_see(viewer, swap.counterpart))


def _worked(swap: Swap, person_id: int) -> tuple[date, ShiftType | None]:
    """The day and shift the person took over through the swap (the requester, in a cover: the day given)."""
    if person_id == swap.counterpart_id or swap.kind == "cover":
        return swap.requester_day, swap.requester_shift
    return swap.counterpart_day, swap.counterpart_shift


@use_case
def record_handover_fine(actor: Employee, request_id: int, employee_no: str, note: str | None = None) -> Violation:
    """``POST /swaps/{id}/handover-fine``: the lead records the 20-yuan fine for a missed handover (rule
    ``SWAP_HANDOVER``) for one of the two people, once per person and swap, after their shift began.
    :raise Conflict: the swap is not approved. :raise Forbidden: not a lead reaching both, or one of them.
    :raise InvalidInput: someone not in the swap, or a shift not begun yet."""
    swap = get_swap(actor, request_id)
    note = _text(note, "note", required=False)
    if actor.id in (swap.requester_id, swap.counterpart_id) or not (
            allowed(actor.roles, "swaps.handover") and people.can_see(actor, swap.requester)
            and people.can_see(actor, swap.counterpart)):
        raise Forbidden(N_("A missed handover is recorded by the lead of both people."))
    if swap.status != "approved":
        raise Conflict(N_("Only an approved swap has a handover to fine."), code="not_approved")
    person = {p.employee_no: p for p in (swap.requester, swap.counterpart)}.get(str(employee_no or "").strip())
    if person is None:
        raise InvalidInput(N_("The fine is for one of the two people of the swap."),
                           fields={"employee_no": N_("the requester or the colleague")})
    day, shift = _worked(swap, person.id)
    minute = shift.start_minute if shift is not None else 0
    at = datetime.combine(day, time(0), tzinfo=clock.site_zone()) + timedelta(minutes=minute)
    if at > clock.now():
        raise InvalidInput(N_("The shift has not begun yet: a missed handover is recorded after it."),
                           fields={"employee_no": N_("the shift has not begun")})
    text = note or f"换班 #{swap.request_id} {day.isoformat()} 交接不清"
    violation = discipline.record_violation(actor, employee=person, rule_code=HANDOVER_RULE, occurred_at=at,
                                            note=text, source="swap", source_ref=handover_ref(swap, person.employee_no))
    audit.record(actor, "swap.handover_fine", "swap", swap.request_id, employee=person.employee_no,
                 violation=violation.id)
    return violation
