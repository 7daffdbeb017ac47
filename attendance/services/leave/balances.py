"""Balances by year: entitlements (HR's, kept as history, or from years worked for annual leave), used and
pending days, what remains; setting an entitlement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import leave as rules
from attendance.domain.errors import N_, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.extensions import db
from attendance.models import Employee, LeaveEntitlement, LeaveRequest, Request
from attendance.services import audit, notifications, people
from attendance.services import policy as policy_service
from attendance.services.leave.common import LIVE, MAX_REASON, TYPE_NAMES
from attendance.services.transaction import use_case

# --- the person's balance -----------------------------------------------------------------------


def _as_of(year: int) -> date:
    today = clock.today()
    return min(date(year, 12, 31), max(date(year, 1, 1), today))


def _entitlements(employee_ids: list[int], year: int) -> dict[tuple[int, str], LeaveEntitlement]:
    """The newest entitlement row per (person, type) for the year."""
    newest = (select(func.max(LeaveEntitlement.id)).where(LeaveEntitlement.employee_id.in_(employee_ids),
                                                           LeaveEntitlement.year == year)
              .group_by(LeaveEntitlement.employee_id, LeaveEntitlement.leave_type))
    rows = db.session.scalars(select(LeaveEntitlement).where(LeaveEntitlement.id.in_(newest)))
    return {(r.employee_id, r.leave_type): r for r in rows}


def _spent(employee_id: int, year: int) -> dict[tuple[str, str], Decimal]:
    """Days per (type counted as, request status) of the person's live leaves starting in the year."""
    rows = db.session.execute(
        select(LeaveRequest.counted_as, Request.status, LeaveRequest.days)
        .join(Request, Request.id == LeaveRequest.request_id)
        .where(LeaveRequest.employee_id == employee_id, Request.status.in_(LIVE),
               LeaveRequest.cancelled_at.is_(None),
               LeaveRequest.start_day >= date(year, 1, 1), LeaveRequest.start_day <= date(year, 12, 31)))
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for leave_type, status, days in rows:
        out[(leave_type, status)] += Decimal(days)
    return out


@dataclass(frozen=True)
class BalanceRow:
    leave_type: str
    limited: bool  # the type has a balance; otherwise ``entitled`` and ``remaining`` are None
    entitled: Decimal | None
    used: Decimal
    pending: Decimal
    remaining: Decimal | None
    set_by: str | None = None  # who set the entitlement (None: from years worked, or never set)
    reason: str | None = None


def _entitled(person: Employee, leave_type: str, year: int, row: LeaveEntitlement | None, policy) -> Decimal:
    if row is not None:
        return Decimal(row.entitled)
    if leave_type == "annual" and person.hire_date is not None:
        return Decimal(rules.annual_entitlement(policy.leave, person.hire_date, _as_of(year)))
    return Decimal(0)


def balance_rows(person: Employee, year: int) -> list[BalanceRow]:
    """Every leave type's entitlement, used (approved), pending and remaining days for the year."""
    policy = policy_service.in_force(_as_of(year)).policy
    rows = _entitlements([person.id], year)
    spent = _spent(person.id, year)
    out = []
    for leave_type in LEAVE_TYPES:
        used, pending = spent.get((leave_type, "approved"), Decimal(0)), spent.get((leave_type, "pending"), Decimal(0))
        if not policy.leave.settings_for(leave_type).balance:
            out.append(BalanceRow(leave_type, False, None, used, pending, None))
            continue
        row = rows.get((person.id, leave_type))
        entitled = _entitled(person, leave_type, year, row, policy)
        balance = rules.Balance(entitled, used, pending)
        out.append(BalanceRow(leave_type, True, entitled, used, pending, balance.remaining,
                              row.set_by.name if row else None, row.reason if row else None))
    return out


def balances(viewer: Employee, employee_no: str | None = None, year: int | None = None
             ) -> tuple[Employee, int, list[BalanceRow]]:
    """``GET /leave-balances``: a person's balances (staff: their own). :raise NotFound: out of reach."""
    person = people.visible_employee(viewer, employee_no) if employee_no else viewer
    year = _year(year)
    return person, year, balance_rows(person, year)


def _year(value) -> int:
    if value in (None, ""):
        return clock.today().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise InvalidInput(N_("Give a year such as 2026."), fields={"year": "2000..2100"})
    return year


def _check_balance(person: Employee, leave_type: str, days: Decimal, start: date, policy) -> None:
    if not policy.leave.settings_for(leave_type).balance:
        return
    row = {b.leave_type: b for b in balance_rows(person, start.year)}[leave_type]
    rules.check_balance(rules.Balance(row.entitled, row.used, row.pending), days)


@use_case
def set_entitlement(actor: Employee, employee_no: str, leave_type: str, data: dict) -> BalanceRow:
    """``PUT /leave-balances/{employee_no}/{type}`` (HR): the year's entitlement, with the reason. The
    earlier value stays in the history; the person is told."""
    if not allowed(actor.roles, "leave.balances"):
        raise Forbidden(N_("Balances are set by HR."))
    person = people.visible_employee(actor, employee_no)
    errors = {}
    if leave_type not in LEAVE_TYPES:
        raise NotFound(N_("no leave type %(leave_type)s", leave_type=leave_type))
    year = None
    try:
        year = _year(data.get("year"))
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        entitled = Decimal(str(data.get("entitled", "")).strip())
        if not entitled.is_finite() or entitled < 0 or entitled > 366 or (entitled * 2) % 1 != 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["entitled"] = "days, in half days, 0..366"
        entitled = None
    reason = str(data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = "required"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"at most {MAX_REASON} characters"
    if errors:
        raise InvalidInput(N_("The balance has problems; see each field."), fields=errors)
    policy = policy_service.in_force(_as_of(year)).policy
    if not policy.leave.settings_for(leave_type).balance:
        raise InvalidInput(N_("This leave type has no balance in the policy."), fields={"type": leave_type})
    people.lock(person.id)
    before = {b.leave_type: b for b in balance_rows(person, year)}[leave_type]
    db.session.add(LeaveEntitlement(employee_id=person.id, leave_type=leave_type, year=year, entitled=entitled,
                                    previous=before.entitled, reason=reason, set_by_id=actor.id))
    db.session.flush()
    audit.record(actor, "leave.balance", "employee", person.employee_no, type=leave_type, year=year,
                 before=str(before.entitled), after=str(entitled), reason=reason)
    notifications.notify([person.id], "leave_balance", N_("Your %(type)s balance for %(year)s is now %(days)s days"),
                         N_("Set by %(by)s: %(reason)s"),
                         params={"type_id": TYPE_NAMES[leave_type], "year": year, "days": rules.days_text(entitled),
                                 "by": actor.name, "reason": reason}, link="/leave/balances")
    return {b.leave_type: b for b in balance_rows(person, year)}[leave_type]


def entitlement_history(viewer: Employee, employee_no: str | None = None) -> list[LeaveEntitlement]:
    person = people.visible_employee(viewer, employee_no) if employee_no else viewer
    return list(db.session.scalars(
        select(LeaveEntitlement).options(joinedload(LeaveEntitlement.set_by))
        .where(LeaveEntitlement.employee_id == person.id).order_by(LeaveEntitlement.id.desc()).limit(200)))
