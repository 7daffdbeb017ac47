"""Asking for a swap and its way to approval: ask, the colleague accepts or declines, the policy's approver
approves or rejects (approval changes both roster days), either side withdraws; the swap's kind on the
requests layer; reading swaps and each person's count against the monthly limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain import approvals, dates
from attendance.domain import swaps as rules
from attendance.domain.errors import N_, Conflict, DomainError, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import (
    ApprovalStep,
    Employee,
    Request,
    RosterEntry,
    ShiftType,
    Swap,
)
from attendance.models.types import utcnow
from attendance.services import audit, handovers, notifications, paging, people, requests, roster
from attendance.services import policy as policy_service
from attendance.services.transaction import use_case

MAX_TEXT = 500
LIVE = ("pending", "approved")  # a swap counts against the monthly limit while pending or approved
ROSTER_NOTES = {"swap": "换班 #{id}", "in_lieu": "换休 #{id}", "cover": "代班 #{id}"}
STATUSES = rules.STATUSES


def settings():
    """The swap settings in force today (the forms' hints and the limit shown beside each count)."""
    return policy_service.in_force(clock.today()).policy.swaps


# --- reading the input ---------------------------------------------------------------------------


def _text(value, field: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("This field is required."), fields={field: N_("required")})
    if len(text) > MAX_TEXT:
        raise InvalidInput(N_("The text is too long."),
                           fields={field: N_("at most %(max_text)s characters", max_text=MAX_TEXT)})
    return text


@dataclass(frozen=True)
class Wanted:
    kind: str
    requester_no: str | None
    requester_day: date
    counterpart_no: str
    counterpart_day: date | None
    reason: str
    handover_note: str


def read_swap(data: dict) -> Wanted:
    """The fields of a swap request, every problem at once. :raise InvalidInput: naming each bad field."""
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "swap").strip()
    if kind not in rules.KINDS:
        errors["kind"] = "swap, in_lieu or cover"
    requester_day = counterpart_day = None
    try:
        requester_day = dates.parse_day(data.get("requester_date"), "requester_date")
    except InvalidInput as exc:
        errors.update(exc.fields)
    if data.get("counterpart_date") not in (None, ""):
        try:
            counterpart_day = dates.parse_day(data.get("counterpart_date"), "counterpart_date")
        except InvalidInput as exc:
            errors.update(exc.fields)
    elif kind in ("swap", "in_lieu"):
        errors["counterpart_date"] = "required"
    counterpart_no = str(data.get("counterpart_no") or "").strip()
    if not counterpart_no:
        errors["counterpart_no"] = "required"
    texts = {}
    for field, required in (("reason", True), ("handover_note", False)):
        try:
            texts[field] = _text(data.get(field), field, required=required)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(N_("The swap request has problems; see each field."), fields=errors)
    if kind == "cover" and counterpart_day == requester_day:
        counterpart_day = None
    return Wanted(kind, str(data.get("requester_no") or "").strip() or None, requester_day, counterpart_no,
                  counterpart_day, texts["reason"], texts["handover_note"])


def _requester(actor: Employee, employee_no: str | None) -> Employee:
    if not employee_no or employee_no == actor.employee_no:
        return actor
    person = people.visible_employee(actor, employee_no)
    if not (allowed(actor.roles, "swaps.file_for") and reach(actor.roles) != "self"):
        raise Forbidden(N_("A swap for someone else is filed by their lead."))
    return person


def _counterpart(employee_no: str) -> Employee:
    """The colleague asked, by number (staff may ask someone they cannot otherwise see). :raise InvalidInput:
    nobody active has that number."""
    person = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no,
                                                      Employee.active.is_(True)))
    if person is None:
        raise InvalidInput(N_("No colleague has this employee number."), fields={"counterpart_no": N_("unknown")})
    return person


# --- the roster and counts the rules read --------------------------------------------------------


def _lock_people(*ids: int) -> None:
    for employee_id in sorted(set(ids)):
        people.lock(employee_id)


def _shift(entry: RosterEntry | None) -> rules.Shift | None:
    st = entry.shift_type if entry is not None else None
    return rules.Shift(st.code, st.start_minute, st.end_minute) if st is not None else None


def _cells(ids, days, *, lock: bool) -> dict[tuple[int, date], RosterEntry]:
    """The roster rows of these people around these days; with ``lock``, read afresh and locked until the use
    case ends (``FOR UPDATE OF roster_entries``: the shift type is joined beside them)."""
    span = rules.around(list(days))
    stmt = select(RosterEntry).where(RosterEntry.employee_id.in_(list(ids)), RosterEntry.day >= span[0],
                                     RosterEntry.day <= span[-1])
    if lock:
        stmt = stmt.with_for_update(of=RosterEntry).execution_options(populate_existing=True)
    return {(e.employee_id, e.day): e for e in db.session.scalars(stmt).unique()}


def _roster(cells: dict[tuple[int, date], RosterEntry]) -> dict[tuple[int, date], rules.Shift | None]:
    return {key: _shift(entry) for key, entry in cells.items()}


def month_counts(employee_ids, month: date, *, exclude: int | None = None) -> dict[int, int]:
    """Swaps counted against each person's limit in the month (pending or approved, either side)."""
    ids = set(employee_ids)
    if not ids:
        return {}
    stmt = (select(Swap.requester_id, Swap.counterpart_id).join(Request, Request.id == Swap.request_id)
            .where(Swap.month == month, Request.status.in_(LIVE),
                   or_(Swap.requester_id.in_(ids), Swap.counterpart_id.in_(ids))))
    if exclude is not None:
        stmt = stmt.where(Swap.request_id != exclude)
    out = dict.fromkeys(ids, 0)
    for a, b in db.session.execute(stmt):
        for person in (a, b):
            if person in out:
                out[person] += 1
    return out


def _asked(swap: Swap) -> rules.Asked:
    return rules.Asked(swap.kind, swap.requester_id, swap.requester_day, swap.counterpart_id, swap.counterpart_day)


def _check(asked: rules.Asked, a: Employee, b: Employee, cells, *, asked_at: datetime,
           exclude: int | None = None) -> dict[tuple[int, date], rules.Shift | None]:
    policy = settings()
    used = month_counts(asked.people, asked.month, exclude=exclude)
    facts = rules.Facts(_roster(cells), a.team_id, b.team_id,
                        {"requester_no": used[a.id], "counterpart_no": used[b.id]}, asked_at, clock.now(),
                        clock.site_zone())
    return rules.check(asked, facts, notice_hours=policy.notice_hours, max_per_month=policy.max_per_month,
                       same_team=policy.same_team, min_rest_hours=policy.min_rest_hours)


def _recheck(swap: Swap, *, lock_roster: bool) -> dict[tuple[int, date], rules.Shift | None]:
    """Every rule again, against the roster as it is now (the people locked first). :raise Conflict: the
    roster or the counts changed so that a rule refuses it now (its code names the rule), or a shift given
    is no longer the one asked for."""
    asked = _asked(swap)
    _lock_people(*asked.people)
    cells = _cells(asked.people, asked.days, lock=lock_roster)
    try:
        changes = _check(asked, swap.requester, swap.counterpart, cells, asked_at=swap.created_at,
                         exclude=swap.request_id)
    except RuleRefused as refusal:
        raise Conflict(refusal.message, code=refusal.code, fields=refusal.fields) from None
    for person, day, shift_id in ((swap.requester_id, swap.requester_day, swap.requester_shift_id),
                                  (swap.counterpart_id, swap.counterpart_day, swap.counterpart_shift_id)):
        entry = cells.get((person, day)) if day is not None else None
        if day is not None and (entry.shift_type_id if entry else None) != shift_id:
            raise Conflict(N_("The roster changed since this swap was asked: a shift in it is no longer the one "
                              "asked for."), code="swap_roster_changed")
    return changes


# --- filing --------------------------------------------------------------------------------------


def _chain(policy_approver: str, *roles: set[str]) -> tuple[str, ...]:
    """The colleague first, then the policy's approver, moved up past any role the people of the swap hold
    (nobody approves a swap they are in)."""
    everyone = frozenset().union(*roles)
    return (rules.COUNTERPART, *approvals.chain_for((policy_approver,), everyone))


@use_case
def file_swap(actor: Employee, data: dict) -> Request:
    """``POST /swaps``: ``requester_no`` (default oneself; a lead may file for their team), ``requester_date``,
    ``counterpart_no``, ``counterpart_date`` (none for a cover), ``kind``, ``reason``, ``handover_note``.
    Refusals store nothing.

    :raise InvalidInput: a bad field. :raise NotFound: a requester out of reach. :raise Forbidden: someone
    else's, without being their lead. :raise RuleRefused: ``swap_other_team``, ``swap_not_rostered``,
    ``swap_notice``, ``swap_monthly_limit``, ``swap_rest_rule``.
    """
    wanted = read_swap(data)
    a = _requester(actor, wanted.requester_no)
    b = _counterpart(wanted.counterpart_no)
    asked = rules.Asked(wanted.kind, a.id, wanted.requester_day, b.id, wanted.counterpart_day)
    rules.check_asked(asked)
    in_force = policy_service.in_force(clock.today())
    _lock_people(a.id, b.id)  # the monthly count is read and used in one step per person
    cells = _cells(asked.people, asked.days, lock=False)
    _check(asked, a, b, cells, asked_at=clock.now())
    chain = _chain(in_force.policy.swaps.approver, set(actor.roles), set(a.roles), set(b.roles))
    request = requests.start(actor, "swap", a, chain, policy_version_id=in_force.version.id)
    given = cells.get((a.id, asked.requester_day))
    back = cells.get((b.id, asked.counterpart_day)) if asked.counterpart_day else None
    request.swap = Swap(kind=asked.kind, requester_id=a.id, requester=a, requester_day=asked.requester_day,
                        requester_shift_id=given.shift_type_id if given else None, counterpart_id=b.id,
                        counterpart=b, counterpart_day=asked.counterpart_day,
                        counterpart_shift_id=back.shift_type_id if back else None, month=asked.month,
                        reason=wanted.reason, handover_note=wanted.handover_note, created_at=clock.now())
    db.session.flush()
    requests.submitted(request)  # the audit; the first step's "approvers" are nobody: the colleague is told here
    message, params = _summary(request)
    notifications.notify([b.id], "swap_asked", N_("%(name)s asks you: %(what)s"), wanted.reason,
                         params={**params, "what_id": message, "name": a.name}, link=_link(request))
    return request


# --- the colleague's answer ----------------------------------------------------------------------


def get_swap(viewer: Employee, request_id: int) -> Swap:
    """A swap the viewer asked, is in, or reaches one of its people. :raise NotFound: otherwise."""
    request = db.session.get(Request, request_id) if 0 < request_id < 2**31 else None
    swap = request.swap if request is not None and request.kind == "swap" else None
    if swap is None or not (viewer.id in (request.requester_id, swap.requester_id, swap.counterpart_id)
                            or people.can_see(viewer, swap.requester) or people.can_see(viewer, swap.counterpart)):
        raise NotFound(N_("no swap %(request_id)s", request_id=request_id))
    return swap


def _answerable(actor: Employee, request_id: int) -> tuple[Swap, Request]:
    swap = get_swap(actor, request_id)
    request = requests.lock_request(request_id)
    db.session.refresh(swap)
    rules.check_answer(swap.status, actor.id, _asked(swap))
    return swap, request


@use_case
def accept(actor: Employee, request_id: int, note: str | None = None) -> Swap:
    """The colleague accepts: the swap goes to the policy's approver. The rules are checked again against
    the roster as it is now. :raise Forbidden: not the colleague asked. :raise Conflict: already answered or
    withdrawn, or a rule refuses it now."""
    note = _text(note, "note", required=False)
    swap, request = _answerable(actor, request_id)
    _recheck(swap, lock_roster=False)
    now = utcnow()
    first = request.steps[0]
    first.status, first.decided_by, first.decided_at, first.note = "approved", actor, now, note
    request.step = 1
    request.steps[1].status = "pending"
    swap.accepted_at = now
    audit.record(actor, "swap.accept", "swap", request.id, note=note)
    _tell_answer(swap, N_("%(name)s accepted: %(what)s"))
    requests.tell_approvers(request)
    return swap


@use_case
def decline(actor: Employee, request_id: int, note: str | None = None) -> Swap:
    """The colleague declines: the swap ends (``declined``). :raise Forbidden: not the colleague asked.
    :raise Conflict: already answered or withdrawn."""
    note = _text(note, "note", required=False)
    swap, request = _answerable(actor, request_id)
    now = utcnow()
    first = request.steps[0]
    first.status, first.decided_by, first.decided_at, first.note = "rejected", actor, now, note
    for later in request.steps[1:]:
        later.status = "cancelled"
    request.status, request.decided_at = "rejected", now
    swap.declined_at = now
    audit.record(actor, "swap.decline", "swap", request.id, note=note)
    _tell_answer(swap, N_("%(name)s declined: %(what)s"), body=note)
    return swap


def _tell_answer(swap: Swap, title: str, body: str = "") -> None:
    request = swap.request
    message, params = _summary(request)
    notifications.notify({request.requester_id, swap.requester_id}, "swap_answered", title, body,
                         params={**params, "what_id": message, "name": swap.counterpart.name}, link=_link(request))


# --- the approver's decision ---------------------------------------------------------------------


def decide(actor: Employee, request_id: int, outcome: str, note: str | None = None) -> Swap:
    """``/approve`` or ``/reject`` the approver's step (the requests layer decides it; approval changes the
    roster, ``_approved``). :raise Conflict: waiting for the colleague, declined, decided or withdrawn; on
    approval also a rule that refuses it against today's roster. :raise Forbidden: one's own swap, or
    another approver's step."""
    swap = get_swap(actor, request_id)
    if actor.id in (swap.requester_id, swap.counterpart_id, swap.request.requester_id):
        raise Forbidden(N_("Nobody decides their own request."), code="own_request")
    if swap.status == "pending_counterpart":
        raise Conflict(N_("The colleague has not accepted this swap yet."), code="awaiting_counterpart")
    requests.decide(actor, request_id, outcome, note, kind="swap")
    db.session.refresh(swap)
    return swap


def _approved(actor: Employee, request: Request) -> None:
    """On approval (inside the decision's use case): every rule again against the roster locked now, then
    both roster days change, each cell linked to the swap; the leads are told."""
    swap = request.swap
    changes = _recheck(swap, lock_roster=True)
    by_code = {st.code: st for st in db.session.scalars(
        select(ShiftType).where(ShiftType.code.in_({s.code for s in changes.values() if s is not None})))}
    who = {swap.requester_id: swap.requester, swap.counterpart_id: swap.counterpart}
    cells = [(who[p], day, by_code[s.code] if s is not None else None) for (p, day), s in sorted(changes.items())]
    roster.set_by_swap(actor, cells, note=ROSTER_NOTES[swap.kind].format(id=request.id), request_id=request.id)
    handovers.from_swap(swap)  # the handover note lands in the book, for the one taking over to acknowledge
    message, params = _summary(request)
    leads: set[int] = set()
    for role in settings().notify:  # the leads by default; the shop book tells the shop manager too [000 §4 四.2(4)]
        leads |= set(notifications.people_with_role(role, team_id=swap.requester.team_id))
        leads |= set(notifications.people_with_role(role, team_id=swap.counterpart.team_id))
    leads -= {swap.requester_id, swap.counterpart_id, actor.id}
    notifications.notify(leads, "swap_roster_changed", N_("Roster changed by an approved swap: %(what)s"),
                         swap.handover_note, params={**params, "what_id": message}, link=_link(request))


# --- withdrawing ---------------------------------------------------------------------------------


@use_case
def withdraw(actor: Employee, request_id: int) -> Swap:
    """Either side (or whoever filed it) takes the swap back before approval. :raise Forbidden: someone
    else. :raise Conflict: approved, rejected, declined or withdrawn already."""
    swap = get_swap(actor, request_id)
    request = requests.lock_request(request_id)
    db.session.refresh(swap)
    waiting_for_approver = swap.status == "pending_approval"
    rules.check_withdraw(swap.status, actor.id, {request.requester_id, swap.requester_id, swap.counterpart_id})
    request.status, request.withdrawn_at = "withdrawn", utcnow()
    for step in request.steps:
        if step.status in ("pending", "waiting"):
            step.status = "cancelled"
    audit.record(actor, "swap.withdraw", "swap", request.id)
    told = {request.requester_id, swap.requester_id, swap.counterpart_id} - {actor.id}
    if waiting_for_approver:
        told |= set(requests.approvers(request, request.chain[request.step]))
    message, params = _summary(request)
    notifications.notify(told, "swap_withdrawn", N_("Withdrawn by %(name)s: %(what)s"), "",
                         params={**params, "what_id": message, "name": actor.name}, link=_link(request))
    return swap


# --- the kind ------------------------------------------------------------------------------------


def _link(request: Request) -> str:
    return f"/swaps/{request.id}"


def _summary(request: Request) -> tuple[str, dict]:
    s = request.swap
    params = {"a": s.requester.name, "b": s.counterpart.name, "d1": s.requester_day.isoformat(),
              "d2": (s.counterpart_day or s.requester_day).isoformat(),
              "s1": s.requester_shift.code if s.requester_shift else "—",
              "s2": s.counterpart_shift.code if s.counterpart_shift else "—", "reason": s.reason}
    if s.kind == "cover":
        return N_("Cover: %(b)s works %(a)s's %(s1)s on %(d1)s"), params
    if s.kind == "in_lieu":
        return N_("Time off in lieu: %(a)s rests on %(d1)s (%(b)s works the %(s1)s) and works %(b)s's %(s2)s on "
                  "%(d2)s"), params
    return N_("Shift swap: %(a)s's %(s1)s on %(d1)s for %(b)s's %(s2)s on %(d2)s"), params


def summary(swap: Swap) -> tuple[str, dict]:
    return _summary(swap.request)


def _cover_change(request: Request) -> dict:
    """The roster cells approving the swap sets (for the cover check); none when a rule refuses it now, as
    the approval itself then does."""
    swap = request.swap
    if swap is None:
        return {}
    asked = _asked(swap)
    try:
        changes = rules.plan(asked, _roster(_cells(asked.people, asked.days, lock=False)))
    except DomainError:
        return {}
    return {key: (shift.code if shift is not None else None) for key, shift in changes.items()}


requests.register(requests.Kind("swap", _summary, _approved, _link,
                                parties=lambda r: {r.swap.counterpart_id} if r.swap is not None else set(),
                                cover_change=_cover_change))


# --- reading -------------------------------------------------------------------------------------


def _listing(viewer: Employee):
    subject = Employee.__table__.alias("subject_person")
    other = Employee.__table__.alias("other_person")
    mine = or_(Swap.requester_id == viewer.id, Swap.counterpart_id == viewer.id, Request.requester_id == viewer.id)
    how_far = reach(viewer.roles)
    if how_far == "all":
        seen = True
    elif how_far == "team":
        teams = people.teams_led_by(viewer)
        seen = or_(mine, subject.c.team_id.in_(teams), other.c.team_id.in_(teams))
    else:
        seen = mine
    return (select(Request).join(Swap, Swap.request_id == Request.id)
            .join(subject, subject.c.id == Swap.requester_id).join(other, other.c.id == Swap.counterpart_id)
            .where(Request.kind == "swap", seen)
            .options(selectinload(Request.steps).joinedload(ApprovalStep.decided_by),
                     joinedload(Request.requester),
                     joinedload(Request.swap).joinedload(Swap.requester),
                     joinedload(Request.swap).joinedload(Swap.counterpart),
                     joinedload(Request.swap).joinedload(Swap.requester_shift),
                     joinedload(Request.swap).joinedload(Swap.counterpart_shift)))


def _status_clause(status: str):
    if status == "pending_counterpart":
        return and_(Request.status == "pending", Request.step == 0)
    if status == "pending_approval":
        return and_(Request.status == "pending", Request.step > 0)
    if status == "declined":
        return and_(Request.status == "rejected", Swap.declined_at.is_not(None))
    if status == "rejected":
        return and_(Request.status == "rejected", Swap.declined_at.is_(None))
    return Request.status == status


def list_swaps(viewer: Employee, *, employee_no: str | None = None, month=None, status: str | None = None,
               limit: int = 50, cursor: str | None = None) -> paging.Page:
    """``GET /swaps``: swaps the viewer may see (staff: those they are in), newest first. ``employee_no``: those
    the person is in, on either side; ``month``: those counting in that month (their earlier day's)."""
    stmt = _listing(viewer)
    if employee_no:
        person = people.visible_employee(viewer, employee_no)
        stmt = stmt.where(or_(Swap.requester_id == person.id, Swap.counterpart_id == person.id))
    if status:
        if status not in STATUSES:
            raise InvalidInput(N_("Unknown status."), fields={"status": ", ".join(STATUSES)})
        stmt = stmt.where(_status_clause(status))
    if month not in (None, ""):
        stmt = stmt.where(Swap.month == (month if isinstance(month, date) else dates.parse_month(month)))
    return paging.paginate(stmt, Request.id, limit=limit, cursor=cursor, descending=True)


@dataclass(frozen=True)
class MonthCount:
    person: Employee
    used: int
    limit: int


def month_summary(viewer: Employee, month=None, team_code: str | None = None) -> list[MonthCount]:
    """Each person's swaps counted in the month against the limit: the viewer's own, and for a lead (or the
    office, given a team) each member of the team."""
    if isinstance(month, date):
        first = month.replace(day=1)
    else:
        first = dates.parse_month(month) if month else clock.today().replace(day=1)
    limit = settings().max_per_month
    if team_code:
        team = people.visible_team(viewer, team_code)
        persons = people.team_members(team)
    elif reach(viewer.roles) == "team":
        persons = list(db.session.scalars(select(Employee).where(
            Employee.team_id.in_(people.teams_led_by(viewer)), Employee.active.is_(True))
            .order_by(Employee.employee_no)))
    else:
        persons = [viewer]
    counts = month_counts([p.id for p in persons], first)
    return [MonthCount(p, counts.get(p.id, 0), limit) for p in persons]


def colleagues(viewer: Employee) -> list[Employee]:
    """Whom the viewer may ask: the active members of their team (everyone's team, when the policy lets swaps
    cross teams), themselves left out."""
    stmt = select(Employee).where(Employee.active.is_(True), Employee.id != viewer.id,
                                  Employee.team_id.is_not(None))
    if settings().same_team:
        stmt = stmt.where(Employee.team_id == viewer.team_id)
    return list(db.session.scalars(stmt.order_by(Employee.employee_no).limit(500)))


def waiting_for_answer(viewer: Employee) -> list[Swap]:
    """The swaps asked of ``viewer`` that wait for their answer (accept or decline), oldest first."""
    rows = db.session.scalars(
        select(Swap).join(Request, Request.id == Swap.request_id)
        .where(Swap.counterpart_id == viewer.id, Request.status == "pending", Swap.accepted_at.is_(None),
               Swap.declined_at.is_(None)).order_by(Swap.created_at, Swap.id).limit(50))
    return [s for s in rows if may_answer(viewer, s)]


def may_answer(viewer: Employee, swap: Swap) -> bool:
    return swap.status == "pending_counterpart" and viewer.id == swap.counterpart_id


def may_decide(viewer: Employee, swap: Swap) -> bool:
    return (swap.status == "pending_approval" and allowed(viewer.roles, "approvals.decide")
            and requests.may_decide(viewer, swap.request))


def below_cover(swap: Swap) -> list:
    """The shifts approving the swap would take below cover (its page warns; approving then needs a note)."""
    return requests.below_cover(swap.request)


def may_withdraw(viewer: Employee, swap: Swap) -> bool:
    return swap.status in rules.OPEN and viewer.id in (swap.requester_id, swap.counterpart_id,
                                                        swap.request.requester_id)
