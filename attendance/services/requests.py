"""Requests and approvals: file a request with its chain from the policy, decide its steps, withdraw it,
the approver's inbox (待办) and the requester's own list (我的申请). Missed-punch corrections (补卡) are
the first kind; leave and swaps plug in the same way (a ``Kind`` with what approval does).

Deciding locks the request's row first (PostgreSQL; on SQLite the use case holds the write lock), then
reads its state: two approvers pressing at the same moment get one success and one 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from attendance import clock
from attendance.domain import approvals as rules
from attendance.domain import dates
from attendance.domain.errors import N_, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import ApprovalStep, Employee, PunchCorrection, Request, Swap
from attendance.models.types import utcnow
from attendance.services import audit, cover, discipline, notifications, paging, people, punches
from attendance.services import policy as policy_service
from attendance.services.transaction import use_case

MAX_NOTE = 500
MAX_REASON = 500


@dataclass(frozen=True)
class Kind:
    """What a kind of request adds to the shared chain: a summary line, the effect of approval, and the
    other people it is about besides its subject (a swap's colleague): they are told of each decision and
    never decide a step of it, as the subject never does."""

    name: str
    summary: Callable[[Request], tuple[str, dict]]  # (message id, values)
    on_approved: Callable[[Employee, Request], None]
    link: Callable[[Request], str]
    parties: Callable[[Request], set[int]] = lambda request: set()
    # What approving it would do to the roster, (person, day) → shift code or None (off), for the cover check:
    # leave takes its days off, a swap moves shifts. None: the kind changes no one's presence.
    cover_change: Callable[[Request], dict] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.name] = kind


# --- the chain -----------------------------------------------------------------------------------


def _text(value, field: str, limit: int, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(N_("%(field)s is required", field=field), fields={field: N_("required")})
    if len(text) > limit:
        raise InvalidInput(N_("%(field)s is too long", field=field),
                           fields={field: N_("at most %(limit)s characters", limit=limit)})
    return text


def _state(request: Request) -> rules.RequestState:
    return rules.RequestState(request.status, request.step, request.chain, request.requester_id, request.subject_id)


def _decider(actor: Employee, request: Request) -> rules.Decider:
    return rules.Decider(actor.id, frozenset(actor.roles), people.can_see(actor, request.subject))


def _party(actor: Employee, request: Request) -> bool:
    """Whether the actor is one of the other people the request is about (who never decide it)."""
    return actor.id in KINDS[request.kind].parties(request)


def _approvers(request: Request, role: str) -> list[int]:
    """Who can decide the step of ``role`` for this request's person (never the requester or the person)."""
    found = notifications.people_with_role(role, team_id=request.subject.team_id)
    return [i for i in found if i not in (request.requester_id, request.subject_id)]


def summary(request: Request) -> tuple[str, dict]:
    """What the request asks, as a catalog message id and its values."""
    return KINDS[request.kind].summary(request)


def correction_policy():
    """The correction settings in force today (for the form's hint)."""
    return policy_service.in_force(clock.today()).policy.corrections


def _tell_approvers(request: Request) -> None:
    message, params = summary(request)
    notifications.notify(_approvers(request, request.chain[request.step]), "approval_waiting",
                         N_("Waiting for your decision: %(what)s"), message,
                         params={**params, "what_id": message, "name": request.subject.name},
                         link=KINDS[request.kind].link(request))


def start(actor: Employee, kind: str, subject: Employee, chain: tuple[str, ...], *,
          policy_version_id: int | None = None) -> Request:
    """A new pending request (inside the caller's use case): steps from ``chain``, the first one pending.
    The kind's own row is added by the caller; ``submitted`` tells the first approvers once it is."""
    if not chain:
        raise InvalidInput(N_("The policy names no approver for this request."))
    request = Request(kind=kind, status="pending", step=0, requester_id=actor.id, subject_id=subject.id,
                      requester=actor, subject=subject, policy_version_id=policy_version_id)
    request.steps = [ApprovalStep(position=i, role=role, status="pending" if i == 0 else "waiting")
                     for i, role in enumerate(chain)]
    db.session.add(request)
    db.session.flush()
    return request


def submitted(request: Request) -> None:
    audit.record(request.requester, f"{request.kind}.request", request.kind, request.id,
                 subject=request.subject.employee_no, chain=list(request.chain))
    _tell_approvers(request)


def _locked(request_id: int) -> Request:
    request = db.session.scalar(
        select(Request).where(Request.id == request_id).with_for_update()
        .execution_options(populate_existing=True))
    if request is None:
        raise NotFound(N_("no request %(request_id)s", request_id=request_id))
    return request


lock_request = _locked  # for a kind's own use cases (cancel, return) that change a request after its decision
approvers = _approvers
tell_approvers = _tell_approvers  # for a kind that moves a request to its next step itself (a swap's colleague)


def _visible(viewer: Employee, request: Request) -> bool:
    return viewer.id in (request.requester_id, request.subject_id) or people.can_see(viewer, request.subject)


def may_decide(viewer: Employee, request: Request) -> bool:
    """Whether the viewer may decide the request's current step now (for showing the buttons)."""
    return not _party(viewer, request) and rules.refusal(_state(request), _decider(viewer, request)) is None


def get(viewer: Employee, request_id: int, kind: str | None = None) -> Request:
    """A request the viewer asked, is the subject of, or reaches. :raise NotFound: otherwise."""
    request = db.session.get(Request, request_id) if 0 < request_id < 2**31 else None
    if request is None or (kind and request.kind != kind) or not _visible(viewer, request):
        raise NotFound(N_("no request %(request_id)s", request_id=request_id))
    return request


@use_case
def decide(actor: Employee, request_id: int, outcome: str, note: str | None = None, *,
           kind: str | None = None) -> Request:
    """Approve or reject the current step. :raise NotFound: not visible. :raise Forbidden: own request, or
    not this person's step. :raise Conflict: already decided, or withdrawn (also when two press at once)."""
    if outcome not in rules.OUTCOMES:
        raise InvalidInput(N_("outcome is approve or reject"), fields={"outcome": N_("approve or reject")})
    note = _text(note, "note", MAX_NOTE, required=False)
    get(actor, request_id, kind)  # 404 before anything is locked, for what the actor may not see
    request = _locked(request_id)
    if _party(actor, request):
        raise Forbidden(N_("Nobody decides their own request."), code="own_request")
    decision = rules.decide(_state(request), _decider(actor, request), outcome)
    short = below_cover(request) if decision.final and outcome == "approve" else []
    if short and not note:
        raise RuleRefused(N_("Approving this takes a shift below cover: say why in the note."),
                          code="cover_note_required",
                          fields={"note": N_("required: approving this takes a shift below cover")})
    now = utcnow()
    step = request.steps[request.step]
    step.status = "approved" if outcome == "approve" else "rejected"
    step.decided_by, step.decided_at, step.note = actor, now, note
    request.status, request.step = decision.status, decision.step
    if decision.final:
        request.decided_at = now
        if outcome == "reject":
            for later in request.steps[step.position + 1:]:
                later.status = "cancelled"
    else:
        request.steps[decision.step].status = "pending"
    audit.record(actor, f"{request.kind}.{outcome}", request.kind, request.id, step=step.position,
                 role=step.role, note=note, status=request.status,
                 **({"below_cover": cover.describe(short)} if short else {}))
    if decision.final and request.status == "approved":
        KINDS[request.kind].on_approved(actor, request)
    _tell_requester(request, step, decision)
    if not decision.final:
        _tell_approvers(request)
    return request


def below_cover(request: Request) -> list[cover.Shortfall]:
    """The shifts approving this pending request would take below cover (warned on its page; approving it
    then needs a note, which the decision records with the shortfalls in the audit)."""
    change = KINDS[request.kind].cover_change
    if request.status != "pending" or change is None:
        return []
    return cover.shortfalls_after(change(request))


def _tell_requester(request: Request, step: ApprovalStep, decision: rules.Decision) -> None:
    message, params = summary(request)
    values = {**params, "by": step.decided_by.name if step.decided_by else "", "step": step.position + 1,
              "steps": len(request.steps), "note": step.note}
    link = KINDS[request.kind].link(request)
    people_told = {request.requester_id, request.subject_id} | KINDS[request.kind].parties(request)
    if not decision.final:
        notifications.notify(people_told, "request_step",
                             N_("Step %(step)s of %(steps)s approved by %(by)s; waiting for the next"), message,
                             params=values, link=link)
    elif request.status == "approved":
        notifications.notify(people_told, "request_decided", N_("Approved: your request"), message,
                             params=values, link=link)
    else:
        notifications.notify(people_told, "request_decided", N_("Rejected: your request"), message,
                             params=values, link=link)


@use_case
def withdraw(actor: Employee, request_id: int, *, kind: str | None = None) -> Request:
    """The requester takes a pending request back. :raise Conflict: already decided or withdrawn."""
    get(actor, request_id, kind)
    request = _locked(request_id)
    rules.withdraw(_state(request), actor.id)
    request.status, request.withdrawn_at = "withdrawn", utcnow()
    for step in request.steps:
        if step.status in ("pending", "waiting"):
            step.status = "cancelled"
    audit.record(actor, f"{request.kind}.withdraw", request.kind, request.id)
    return request


# --- the inbox and the requester's list ----------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    kind: str  # punch_correction, leave, swap, appeal, dismissal_review
    id: int
    employee_no: str
    name: str
    summary: str  # message id
    params: dict
    submitted_at: datetime
    step: str  # the role whose decision is asked
    link: str


def _decidable(viewer: Employee, what):
    """``what`` over the requests whose current step the viewer may decide: the step's role is one of theirs,
    they reach the person, and it is not their own."""
    return (select(what).join(ApprovalStep, (ApprovalStep.request_id == Request.id)
                              & (ApprovalStep.position == Request.step))
            .join(Employee, Employee.id == Request.subject_id)
            .where(Request.status == "pending", ApprovalStep.role.in_(set(viewer.roles)),
                   Request.requester_id != viewer.id, Request.subject_id != viewer.id,
                   people.visible_clause(viewer)))


def _summaries_loaded():
    """What every kind's ``summary`` reads (a correction, a leave, a swap with its two people and shifts),
    loaded for a whole list in one read each rather than per request."""
    return (joinedload(Request.correction), selectinload(Request.leave),
            selectinload(Request.swap).options(joinedload(Swap.requester), joinedload(Swap.counterpart),
                                               joinedload(Swap.requester_shift), joinedload(Swap.counterpart_shift)))


def _pending_requests(viewer: Employee) -> list[Request]:
    stmt = (_decidable(viewer, Request)
            .options(selectinload(Request.steps), joinedload(Request.subject), *_summaries_loaded())
            .order_by(Request.submitted_at, Request.id))
    return list(db.session.scalars(stmt).unique())


def inbox(viewer: Employee) -> list[InboxItem]:
    """Everything the viewer may decide now, oldest first: requests, appeals, dismissal reviews."""
    items = []
    for r in _pending_requests(viewer):
        message, params = summary(r)
        items.append(InboxItem(r.kind, r.id, r.subject.employee_no, r.subject.name, message, params,
                               r.submitted_at, r.chain[r.step], KINDS[r.kind].link(r)))
    if allowed(viewer.roles, "appeals.decide"):
        for a in discipline.appeals(viewer, "pending", limit=500).items:
            if a.employee_id != viewer.id:
                items.append(InboxItem("appeal", a.id, a.employee.employee_no, a.employee.name,
                                       N_("Appeal against %(rule)s"), {"rule": a.violation.rule_code},
                                       a.filed_at, "supervisor", f"/appeals/{a.id}"))
    if allowed(viewer.roles, "dismissal.decide"):
        for d in discipline.dismissal_reviews(viewer, "pending", limit=500).items:
            if d.employee_id != viewer.id:
                items.append(InboxItem("dismissal_review", d.id, d.employee.employee_no, d.employee.name,
                                       N_("Dismissal review after %(rule)s"), {"rule": d.violation.rule_code},
                                       d.created_at, "manager", "/dismissal-reviews"))
    return sorted(items, key=lambda i: (i.submitted_at, i.kind, i.id))


def inbox_count(viewer: Employee) -> int:
    """The navigation badge: how many items ``inbox`` would list, counted (on every page, so no rows loaded)."""
    if not allowed(viewer.roles, "approvals.view"):
        return 0
    n = db.session.scalar(_decidable(viewer, func.count(Request.id)))
    if allowed(viewer.roles, "appeals.decide"):
        n += discipline.count_pending(viewer, "appeal")
    if allowed(viewer.roles, "dismissal.decide"):
        n += discipline.count_pending(viewer, "dismissal_review")
    return n


def mine(viewer: Employee, *, limit: int = 100) -> list[Request]:
    """The viewer's own requests (asked by them or for them), newest first, with their chains."""
    stmt = (select(Request).where((Request.requester_id == viewer.id) | (Request.subject_id == viewer.id))
            .options(selectinload(Request.steps).joinedload(ApprovalStep.decided_by),
                     joinedload(Request.subject), joinedload(Request.requester), *_summaries_loaded())
            .order_by(Request.submitted_at.desc(), Request.id.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


# --- missed-punch corrections (补卡) -------------------------------------------------------------


def _correction_summary(request: Request) -> tuple[str, dict]:
    c = request.correction
    local = c.at.astimezone(clock.site_zone())
    message = (N_("Missed clock-in on %(day)s at %(time)s") if c.direction == "in"
               else N_("Missed clock-out on %(day)s at %(time)s"))
    return message, {"day": c.day.isoformat(), "time": local.strftime("%H:%M"), "reason": c.reason}


def _correction_approved(actor: Employee, request: Request) -> None:
    c = request.correction
    punch = punches.add_corrected_punch(actor, request.subject, c.at, c.direction,
                                        f"补卡 #{request.id}: {c.reason}"[:200])
    c.punch_id = punch.id


register(Kind("punch_correction", _correction_summary, _correction_approved,
              lambda r: f"/requests/{r.id}"))


def corrections_used(employee_id: int, month_first: date) -> int:
    """Corrections asked for days of this month that still count: pending or approved."""
    return db.session.scalar(
        select(func.count()).select_from(PunchCorrection).join(Request, Request.id == PunchCorrection.request_id)
        .where(PunchCorrection.employee_id == employee_id, Request.status.in_(("pending", "approved")),
               PunchCorrection.day >= month_first, PunchCorrection.day < dates.add_months(month_first, 1)))


@use_case
def file_correction(actor: Employee, data: dict) -> Request:
    """``POST /punch-corrections``: ``employee_no`` (default: oneself; a lead may file for their team),
    ``date``, ``direction`` in/out, ``at`` (the time, on that day or the morning after), ``reason``.

    :raise InvalidInput: a bad field. :raise NotFound: a person out of reach. :raise Forbidden: someone
    else's, without being their lead. :raise RuleRefused: ``correction_window``, ``correction_quota``.
    """
    errors: dict[str, str] = {}
    day = direction = at = None
    try:
        day = dates.parse_day(data.get("date"), "date")
    except InvalidInput as exc:
        errors.update(exc.fields or {"date": "YYYY-MM-DD"})
    try:
        direction = punches.parse_direction(data.get("direction"))
    except ValueError:
        pass
    if direction is None:
        errors["direction"] = "in or out"
    try:
        at = punches.parse_instant(data.get("at")) if data.get("at") not in (None, "") else None
    except ValueError:
        errors["at"] = "a time like 2026-11-03T09:00"
    if at is None and "at" not in errors:
        errors["at"] = "required"
    try:
        reason = _text(data.get("reason"), "reason", MAX_REASON, required=True)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if day is not None and at is not None:
        local = at.astimezone(clock.site_zone()).date()
        if local not in (day, date.fromordinal(day.toordinal() + 1)):
            errors["at"] = "on the day, or the morning after for a night shift"
    if errors:
        raise InvalidInput(N_("invalid correction"), fields=errors)
    employee_no = str(data.get("employee_no") or "").strip() or actor.employee_no
    subject = people.visible_employee(actor, employee_no)
    if subject.id != actor.id and not (allowed(actor.roles, "corrections.file_for") and reach(actor.roles) != "self"):
        raise Forbidden(N_("A correction for someone else is filed by their lead."))
    if at > clock.now():
        raise InvalidInput(N_("a punch cannot be in the future"), fields={"at": N_("in the future")})
    in_force = policy_service.in_force(clock.today())
    settings = in_force.policy.corrections
    people.lock(subject.id)  # the quota is read and used in one step per person
    rules.check_correction(day, clock.today(), within_days=settings.within_days,
                           used_this_month=corrections_used(subject.id, day.replace(day=1)),
                           max_per_month=settings.max_per_month)
    chain = rules.chain_for(settings.approvers, frozenset(actor.roles))
    request = start(actor, "punch_correction", subject, chain, policy_version_id=in_force.version.id)
    request.correction = PunchCorrection(employee_id=subject.id, day=day, direction=direction, at=at, reason=reason)
    db.session.flush()
    submitted(request)
    return request


def corrections(viewer: Employee, *, employee_no: str | None = None, status: str | None = None,
                month: str | None = None, limit: int = 50, cursor: str | None = None) -> paging.Page:
    """Corrections the viewer may see (staff: their own), newest first."""
    stmt = (select(Request).join(PunchCorrection, PunchCorrection.request_id == Request.id)
            .join(Employee, Employee.id == Request.subject_id)
            .where(Request.kind == "punch_correction", people.visible_clause(viewer))
            .options(selectinload(Request.steps).joinedload(ApprovalStep.decided_by),
                     joinedload(Request.subject), joinedload(Request.correction)))
    if employee_no:
        stmt = stmt.where(Request.subject_id == people.visible_employee(viewer, employee_no).id)
    if status:
        if status not in rules.STATUSES:
            raise InvalidInput(N_("unknown status"), fields={"status": ", ".join(rules.STATUSES)})
        stmt = stmt.where(Request.status == status)
    if month:
        first = dates.parse_month(month)
        stmt = stmt.where(PunchCorrection.day >= first, PunchCorrection.day < dates.add_months(first, 1))
    return paging.paginate(stmt, Request.id, limit=limit, cursor=cursor, descending=True)


__all__ = ["InboxItem", "Kind", "corrections", "decide", "file_correction", "get", "inbox",
           "inbox_count", "mine", "register", "withdraw"]
