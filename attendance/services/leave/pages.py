"""For the pages: the form's hint (``preview``), what a viewer may do now (``actions``), a leave's
extensions, HR's register, the team calendar, the leave settings in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import dates
from attendance.domain import leave as rules
from attendance.domain.errors import N_, Forbidden, InvalidInput, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.domain.policy.model import LEAVE_TYPES
from attendance.extensions import db
from attendance.models import Employee, LeaveRequest, Request, Team
from attendance.models.shifts import roster_cells
from attendance.services import calendar, notifications, paging, people, requests
from attendance.services.leave.balances import BalanceRow, balance_rows
from attendance.services.leave.certificates import may_see_certificate
from attendance.services.leave.common import (
    LIVE,
    MAX_SPAN_DAYS,
    _chain_end,
    _flag,
    _live_leaves,
    _policy,
    _rostered,
    _span,
    _starts_at,
    effective_end,
)
from attendance.services.leave.filing import _subject
from attendance.services.leave.lifecycle import is_approver
from attendance.services.leave.reading import list_leave

# --- for the pages: the form's hint, what a viewer may do now, the register, the team calendar ----


@dataclass(frozen=True)
class Preview:
    """What a leave asked with these fields would come to, before it is filed: the form's hint, and the
    facts a refusal is explained with. Nothing is stored; a field not readable yet leaves its facts None."""

    person: Employee
    leave_type: str | None
    start: date | None
    end: date | None
    days: Decimal | None  # working days on the person's roster (None: the dates are not readable yet)
    balance: BalanceRow | None  # the type's row for the start's year (None: no type yet)
    chain: tuple[str, ...]  # the roles that will decide, in order (empty: not known yet, or no chain)
    approvers: dict[str, list[str]]  # role -> the names of the people who may decide that step
    notice: timedelta | None  # how long ahead it is asked (an emergency: how long after it starts it may be)
    ask_by: datetime | None  # the latest moment to ask (an emergency: to file)
    in_time: bool | None  # whether now is before ``ask_by`` (None: not known yet)
    emergency: bool
    overlapping: tuple[LeaveRequest, ...]  # the person's live leaves sharing a day with it
    needs_certificate: bool
    certificate_days_after_return: int


def _readable_days(data: dict) -> tuple[date | None, date | None, str | None]:
    try:
        start = dates.parse_day(data.get("start"), "start")
    except InvalidInput:
        return None, None, None
    try:
        end = dates.parse_day(data.get("end"), "end") if data.get("end") not in (None, "") else start
    except InvalidInput:
        return start, None, None
    if end < start or (end - start).days >= MAX_SPAN_DAYS:
        return start, None, None
    half_day = str(data.get("half_day") or "").strip() or None
    return start, end, half_day if half_day in rules.HALF_DAYS and start == end else None


def preview(actor: Employee, data: dict) -> Preview:
    """The form's hint for ``data`` (the fields of ``file_leave``, any of them missing or not yet valid):
    the person's balance of the type, the days on their roster, the chain and its approvers, the notice.
    Reads only. :raise NotFound, Forbidden: a person the actor may not file for (as ``file_leave``)."""
    person = _subject(actor, data)
    policy = _policy().policy
    leave_type = str(data.get("type") or "").strip()
    leave_type = leave_type if leave_type in LEAVE_TYPES else None
    emergency = _flag(data.get("emergency"))
    start, end, half_day = _readable_days(data)
    days = chain = notice = ask_by = None
    overlapping: tuple[LeaveRequest, ...] = ()
    if start and end:
        rostered, cells = _rostered(person.id, start, end)
        days = rules.leave_days(start, end, half_day, rostered, set(calendar.public_holidays(start, end)))
        overlapping = tuple(_live_leaves(person.id, start, end))
        begins = _starts_at(cells, start, half_day)
        if emergency:
            notice = timedelta(hours=policy.leave.emergency_report_hours)
            ask_by = begins + notice
        elif leave_type and days:
            notice = rules.notice_needed(policy.leave, leave_type, days)
            ask_by = begins - notice
    if leave_type and days:
        try:
            chain = rules.chain_for_leave(policy.leave, leave_type, days, frozenset(actor.roles),
                                          frozenset(person.roles))
        except RuleRefused:
            chain = None
    balance = None
    if leave_type:
        balance = {b.leave_type: b for b in balance_rows(person, (start or clock.today()).year)}[leave_type]
    return Preview(person, leave_type, start, end, days, balance, chain or (), _approver_names(chain or (), person,
                   actor), notice, ask_by, None if ask_by is None else clock.now() <= ask_by, emergency, overlapping,
                   bool(leave_type) and policy.leave.needs_certificate(leave_type),
                   policy.leave.certificate_days_after_return)


def _approver_names(chain: tuple[str, ...], person: Employee, actor: Employee) -> dict[str, list[str]]:
    ids = {role: [i for i in notifications.people_with_role(role, team_id=person.team_id)
                  if i not in (person.id, actor.id)] for role in chain}
    wanted = {i for found in ids.values() for i in found}
    rows = db.session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(wanted))) if wanted else []
    names = {person_id: name for person_id, name in rows}
    return {role: sorted(names[i] for i in found if i in names) for role, found in ids.items()}


def leave_policy():
    """The leave settings in force today (the pages' hints: the extension notice, the certificate days)."""
    return _policy().policy.leave


@dataclass(frozen=True)
class Actions:
    """What the viewer may do with a leave now, for showing its buttons (each use case still decides)."""

    decide: bool
    cancel: str | None  # "cancel": it takes effect; "ask": the person asks their approvers; None: not offered
    extend: bool
    report_back: bool
    add_certificate: bool
    see_certificate: bool


def _begun(leave: LeaveRequest) -> bool:
    _, cells = _rostered(leave.employee_id, leave.start_day, leave.start_day)
    return clock.now() >= _starts_at(cells, leave.start_day, leave.half_day)


def actions(viewer: Employee, leave: LeaveRequest) -> Actions:
    """The buttons a leave's page shows ``viewer``, following ``cancel``, ``extend``, ``report_back`` and
    ``add_certificate``: a button shown may still be refused by a rule (the notice of an extension)."""
    request, status = leave.request, leave.status
    own = viewer.id in (request.requester_id, request.subject_id)
    lead_of = allowed(viewer.roles, "leave.file_for") and people.can_see(viewer, leave.employee)
    running = status == "approved" and leave.returned_at is None
    begun = _begun(leave) if status == "approved" else False
    cancel = None
    if status == "pending" and own:
        cancel = "cancel"
    elif status == "approved" and not begun:
        cancel = "cancel" if is_approver(viewer, leave) else ("ask" if own else None)
    extend = (running and allowed(viewer.roles, "leave.request") and (viewer.id == leave.employee_id or lead_of)
              and _chain_end(leave).end_day >= clock.today())
    back = (running and begun and clock.today() <= leave.end_day + timedelta(days=1)
            and (viewer.id == leave.employee_id or (people.can_see(viewer, leave.employee)
                                                    and reach(viewer.roles) != "self")))
    policy = _policy().policy
    certificate = (status in LIVE and (viewer.id in (request.requester_id, leave.employee_id) or lead_of)
                   and (policy.leave.needs_certificate(leave.leave_type) or leave.certificate_path is not None))
    return Actions(allowed(viewer.roles, "approvals.decide") and requests.may_decide(viewer, request), cancel, extend,
                   back, certificate, bool(leave.certificate_path) and may_see_certificate(viewer, leave))


def extensions(leave: LeaveRequest) -> list[LeaveRequest]:
    """The extensions (续假) asked on this leave, whatever became of them, oldest first."""
    return list(db.session.scalars(select(LeaveRequest).options(joinedload(LeaveRequest.request))
                                   .where(LeaveRequest.extends_id == leave.id).order_by(LeaveRequest.id)))


def leave_register(viewer: Employee, *, month: str | None = None, start=None, end=None, team: str | None = None,
                   leave_type: str | None = None, limit: int = 50, cursor: str | None = None) -> paging.Page:
    """HR's register (请假登记): approved leave touching ``month`` (YYYY-MM) or ``start``..``end``, by team and
    type, newest first. :raise Forbidden: without ``leave.register``."""
    if not allowed(viewer.roles, "leave.register"):
        raise Forbidden(N_("The leave register is for HR and the office."))
    if month not in (None, ""):
        first = dates.parse_month(month)
        start, end = first, dates.add_months(first, 1) - timedelta(days=1)
    return list_leave(viewer, status="approved", start=start, end=end, team=team or None,
                      leave_type=leave_type or None, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class CalendarCell:
    status: str  # approved or pending
    leave_type: str
    half_day: str | None
    request_id: int


@dataclass
class TeamCalendar:
    """Who of a team is off when: one row per person, one column per day."""

    team: Team
    days: list[date]
    people: list[Employee]
    cells: dict[tuple[int, date], CalendarCell]
    rest: set[tuple[int, date]]  # rostered off (a rest day on the roster)
    holidays: dict

    def cell(self, person: Employee, day: date) -> CalendarCell | None:
        return self.cells.get((person.id, day))

    def is_rest(self, person: Employee, day: date) -> bool:
        return (person.id, day) in self.rest

    def off_count(self, day: date) -> int:
        return sum(1 for p in self.people if (p.id, day) in self.cells)


CALENDAR_MAX_DAYS = 62


def team_calendar(viewer: Employee, team_code: str, start: date, days: int = 28) -> TeamCalendar:
    """A team's leave from ``start`` for ``days`` days: approved and pending leave (a leave reported back
    early ends the day before the return), rest days on the roster and public holidays. A fixed number of
    queries whatever the team's size. :raise Forbidden: without ``leave.calendar``. :raise NotFound: a team
    out of reach."""
    if not allowed(viewer.roles, "leave.calendar"):
        raise Forbidden(N_("The team's leave calendar is for leads and the office."))
    team = people.visible_team(viewer, team_code)
    days = max(1, min(int(days), CALENDAR_MAX_DAYS))
    end = start + timedelta(days=days - 1)
    members = people.team_members(team)
    ids = [p.id for p in members]
    cells: dict[tuple[int, date], CalendarCell] = {}
    if ids:
        rows = db.session.execute(
            select(LeaveRequest, Request.status).join(Request, Request.id == LeaveRequest.request_id)
            .where(LeaveRequest.employee_id.in_(ids), Request.status.in_(LIVE), LeaveRequest.cancelled_at.is_(None),
                   LeaveRequest.start_day <= end, LeaveRequest.end_day >= start)
            .order_by(LeaveRequest.start_day))
        for leave, status in rows:
            for day in _span(max(leave.start_day, start), min(effective_end(leave), end)):
                known = cells.get((leave.employee_id, day))
                if known is None or known.status != "approved":
                    cells[(leave.employee_id, day)] = CalendarCell(status, leave.leave_type, leave.half_day,
                                                                   leave.request_id)
    rest = {key for key, entry in roster_cells(ids, start, end).items() if entry.shift_type_id is None}
    return TeamCalendar(team, _span(start, end), members, cells, rest, calendar.holidays(start, end))
