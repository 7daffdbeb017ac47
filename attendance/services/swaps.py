"""Shift swaps, time off in lieu and cover (换班、换休、代班), docs/rules.md §5: ask, the colleague accepts or
declines, the policy's approver approves or rejects, either side withdraws before approval; on approval
both roster days change in one transaction. Also each person's count against the monthly limit, the
handover fine, and private swaps read from punches.

A swap is a ``Request`` of kind ``swap`` (its chain, inbox and notifications are the requests layer's)
with a ``Swap`` beside it; its API id is the request's id. The chain's first step has the role
``counterpart``: no approver holds it, so the inbox never offers it and the generic decision refuses it;
only ``accept``/``decline`` here decide it, and only the colleague asked may. The policy's approver is
the next step. Every rule is in ``domain/swaps.py``; this module reads what they need and stores what they
allow.

Filing, accepting and approving lock both people's rows (in id order, so two use cases never wait on each
other crosswise) and, on approval, the roster rows of both around the swap's days (PostgreSQL; on SQLite
the use case holds the write lock), then read the roster and check every rule again: of two swaps
touching the same person-day approved at once, the second sees the first's roster and gets a 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain import approvals, dates
from attendance.domain import swaps as rules
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import (
    ApprovalStep,
    Employee,
    PrivateSwapReview,
    Request,
    RosterEntry,
    ShiftType,
    Swap,
    Team,
    Violation,
)
from attendance.models.shifts import punches_between, roster_cells
from attendance.models.types import utcnow
from attendance.services import attendance, audit, calendar, discipline, notifications, paging, people, requests, roster
from attendance.services import policy as policy_service
from attendance.services.transaction import savepoint, use_case

MAX_TEXT = 500
LIVE = ("pending", "approved")  # a swap counts against the monthly limit while pending or approved
HANDOVER_RULE = "SWAP_HANDOVER"
PRIVATE_RULE = "UNAPPROVED_SWAP"
ROSTER_NOTES = {"swap": "换班 #{id}", "in_lieu": "换休 #{id}", "cover": "代班 #{id}"}
PRIVATE_NOTE = "私下换班（已确认）"
STATUSES = rules.STATUSES
KIND_NAMES = {"swap": N_("Shift swap"), "in_lieu": N_("Time off in lieu"), "cover": N_("Cover")}


def settings():
    """The swap settings in force today (the forms' hints and the limit shown beside each count)."""
    return policy_service.in_force(clock.today()).policy.swaps


# --- reading the input ---------------------------------------------------------------------------


def _text(value, field: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("This field is required."), fields={field: "required"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(N_("The text is too long."), fields={field: f"at most {MAX_TEXT} characters"})
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
        raise InvalidInput(N_("No colleague has this employee number."), fields={"counterpart_no": "unknown"})
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
        raise NotFound(f"no swap {request_id}")
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
    message, params = _summary(request)
    leads = set(notifications.people_with_role("lead", team_id=swap.requester.team_id))
    leads |= set(notifications.people_with_role("lead", team_id=swap.counterpart.team_id))
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


requests.register(requests.Kind("swap", _summary, _approved, _link,
                                parties=lambda r: {r.swap.counterpart_id} if r.swap is not None else set()))


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


def may_answer(viewer: Employee, swap: Swap) -> bool:
    return swap.status == "pending_counterpart" and viewer.id == swap.counterpart_id


def may_decide(viewer: Employee, swap: Swap) -> bool:
    return (swap.status == "pending_approval" and allowed(viewer.roles, "approvals.decide")
            and requests.may_decide(viewer, swap.request))


def may_withdraw(viewer: Employee, swap: Swap) -> bool:
    return swap.status in rules.OPEN and viewer.id in (swap.requester_id, swap.counterpart_id,
                                                        swap.request.requester_id)


# --- the handover (交接) -------------------------------------------------------------------------


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
                           fields={"employee_no": "the requester or the colleague"})
    day, shift = _worked(swap, person.id)
    minute = shift.start_minute if shift is not None else 0
    at = datetime.combine(day, time(0), tzinfo=clock.site_zone()) + timedelta(minutes=minute)
    if at > clock.now():
        raise InvalidInput(N_("The shift has not begun yet: a missed handover is recorded after it."),
                           fields={"employee_no": "the shift has not begun"})
    text = note or f"换班 #{swap.request_id} {day.isoformat()} 交接不清"
    violation = discipline.record_violation(actor, employee=person, rule_code=HANDOVER_RULE, occurred_at=at,
                                            note=text, source="swap", source_ref=handover_ref(swap, person.employee_no))
    audit.record(actor, "swap.handover_fine", "swap", swap.request_id, employee=person.employee_no,
                 violation=violation.id)
    return violation


# --- private swaps (私下换班) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Suspected:
    day: date
    absent: Employee
    worker: Employee
    shift: ShiftType
    punches: list[datetime]  # the worker's punches that day, on the site's clock


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.site_zone())


def _detect(members: list[Employee], start: date, end: date) -> list[Suspected]:
    """Suspected private swaps among ``members`` from ``start`` to ``end``: four queries (roster, punches,
    leave, verdicts), whatever the number of people or days."""
    ids = [p.id for p in members]
    if not ids:
        return []
    zone = clock.site_zone()
    cells = roster_cells(ids, start - timedelta(days=1), end + timedelta(days=1))
    found = punches_between(ids, _midnight(start - timedelta(days=1)), _midnight(end + timedelta(days=2)))
    by_person: dict[int, list[datetime]] = {}
    for punch in found:
        by_person.setdefault(punch.employee_id, []).append(punch.at.astimezone(zone).replace(tzinfo=None))
    excused = set(attendance.leave_covers(ids, start, end))
    seen = {(a, w, d) for a, w, d in db.session.execute(
        select(PrivateSwapReview.absent_id, PrivateSwapReview.worker_id, PrivateSwapReview.day)
        .where(PrivateSwapReview.absent_id.in_(ids), PrivateSwapReview.day >= start, PrivateSwapReview.day <= end))}
    day_rules = attendance.policies_for([start])[start].rules
    days = calendar.check_range(start, end)
    suspicions = rules.suspected_private_swaps(
        ids, days, {key: _shift(entry) for key, entry in cells.items()}, by_person,
        before_minutes=day_rules.punch_before_minutes, after_minutes=day_rules.punch_after_minutes,
        now=clock.now().astimezone(zone).replace(tzinfo=None), excused=excused, seen=seen)
    who = {p.id: p for p in members}
    out = []
    for s in suspicions:
        entry = cells[(s.absent, s.day)]
        worked = [t for t in by_person.get(s.worker, []) if t.date() == s.day]
        out.append(Suspected(s.day, who[s.absent], who[s.worker], entry.shift_type, worked))
    return out


def suspected(viewer: Employee, team_code: str, start, end) -> list[Suspected]:
    """``GET /private-swaps``: for a team's lead, the days someone punched for a colleague's shift with no
    approved swap while the colleague did not come, not yet confirmed or dismissed."""
    team = people.visible_team(viewer, team_code)
    start, end = dates.parse_day(start, "from"), dates.parse_day(end, "to")
    calendar.check_range(start, end)
    return _detect(people.team_members(team), start, end)


@use_case
def review_private(actor: Employee, data: dict, outcome: str) -> PrivateSwapReview:
    """Confirm or dismiss one suspected private swap (``absent_no``, ``worker_no``, ``date``, ``note``).
    Confirmed: UNAPPROVED_SWAP for both, and the day's roster set to what happened (the colleague worked
    the shift, the other rested), so the day is judged again and nobody is also absent for it. Dismissed:
    attendance stays as judged. Either way it is not shown again.
    :raise Conflict: not (or no longer) a suspicion. :raise NotFound: a person out of reach."""
    if outcome not in ("confirmed", "dismissed"):
        raise ValueError(outcome)
    errors = {}
    day = None
    try:
        day = dates.parse_day(data.get("date"), "date")
    except InvalidInput as exc:
        errors.update(exc.fields)
    for field in ("absent_no", "worker_no"):
        if not str(data.get(field) or "").strip():
            errors[field] = "required"
    try:
        note = _text(data.get("note"), "note", required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(N_("The verdict has problems; see each field."), fields=errors)
    absent = people.visible_employee(actor, str(data["absent_no"]).strip())
    worker = people.visible_employee(actor, str(data["worker_no"]).strip())
    if absent.team_id is None or worker.team_id != absent.team_id or reach(actor.roles) == "self":
        raise NotFound("no such suspicion")
    _lock_people(absent.id, worker.id)
    match = next((s for s in _detect(people.team_members(db.session.get(Team, absent.team_id)), day, day)
                  if s.absent.id == absent.id and s.worker.id == worker.id), None)
    if match is None:
        raise Conflict(N_("This is not a suspected private swap (any more)."), code="not_suspected")
    review = PrivateSwapReview(absent_id=absent.id, worker_id=worker.id, day=day, shift_type_id=match.shift.id,
                               outcome=outcome, note=note, decided_by_id=actor.id)
    try:
        with savepoint():
            db.session.add(review)
            db.session.flush()
    except IntegrityError:
        raise Conflict(N_("This is not a suspected private swap (any more)."), code="not_suspected") from None
    audit.record(actor, "swap.private.confirm" if outcome == "confirmed" else "swap.private.dismiss",
                 "private_swap", review.id, absent=absent.employee_no, worker=worker.employee_no,
                 day=day.isoformat(), note=note)
    if outcome == "dismissed":
        return review
    at = _midnight(day) + timedelta(minutes=match.shift.start_minute)
    for person in (absent, worker):
        discipline.record_violation(
            actor, employee=person, rule_code=PRIVATE_RULE, occurred_at=at, source="swap",
            source_ref=f"private_swap:{review.id}:{person.employee_no}",
            note=note or f"{day.isoformat()} {match.shift.code}: {worker.name} 顶替 {absent.name}，未经批准")
    roster.set_by_swap(actor, [(absent, day, None), (worker, day, match.shift)], note=PRIVATE_NOTE, judge_new=True)
    return review


def reviews(viewer: Employee, team_code: str, start, end) -> list[PrivateSwapReview]:
    """The verdicts already given for a team's days (newest first), so the lead sees what was decided."""
    team = people.visible_team(viewer, team_code)
    start, end = dates.parse_day(start, "from"), dates.parse_day(end, "to")
    return list(db.session.scalars(
        select(PrivateSwapReview).join(Employee, Employee.id == PrivateSwapReview.absent_id)
        .options(joinedload(PrivateSwapReview.absent), joinedload(PrivateSwapReview.worker),
                 joinedload(PrivateSwapReview.shift_type), joinedload(PrivateSwapReview.decided_by))
        .where(Employee.team_id == team.id, PrivateSwapReview.day >= start, PrivateSwapReview.day <= end)
        .order_by(PrivateSwapReview.id.desc()).limit(200)))


__all__ = ["STATUSES", "MonthCount", "Suspected", "accept", "colleagues", "decide", "decline", "file_swap",
           "get_swap", "handover_fines", "list_swaps", "month_counts", "month_summary", "record_handover_fine",
           "review_private", "reviews", "settings", "summary", "suspected", "withdraw"]
