"""The handover book (交接本): the outgoing person writes the handover at the end of a shift, the incoming
person acknowledges it on the phone, an approved swap's handover note lands here, the lead's day board shows
those not acknowledged, and the lead may record ``SWAP_HANDOVER`` from one that was not acknowledged or was
empty, with it as evidence (docs/rules.md §5)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain import dates
from attendance.domain.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import Employee, Handover, ShiftType, Swap, Violation
from attendance.services import audit, notifications, people
from attendance.services.transaction import use_case

MAX_TEXT = 2000
FINE_RULE = "SWAP_HANDOVER"
TEXTS = ("open_cases", "keys", "notes")


def fine_ref(handover: Handover) -> str:
    return f"handover:{handover.id}:{handover.written_by.employee_no}"


def _texts(data: dict) -> dict[str, str]:
    out, errors = {}, {}
    for name in TEXTS:
        value = data.get(name)
        value = "" if value is None else str(value).strip()
        if len(value) > MAX_TEXT:
            errors[name] = f"at most {MAX_TEXT} characters"
        out[name] = value
    if errors:
        raise InvalidInput(N_("The handover could not be written."), fields=errors)
    return out


@use_case
def write(actor: Employee, data: dict) -> Handover:
    """``POST /handovers``: the outgoing person's handover for ``date`` (today) and ``shift``: ``open_cases``,
    ``keys``, ``notes`` (at least one), to ``incoming_no`` (optional: then anyone of the team acknowledges).
    :raise InvalidInput: nothing written, a bad date, shift or colleague. :raise Forbidden: not in a team."""
    if not allowed(actor.roles, "handovers.write"):
        raise Forbidden(N_("You do not write handovers."))
    if actor.team_id is None:
        raise Forbidden(N_("Only a member of a team writes a handover."))
    texts = _texts(data)
    errors: dict[str, str] = {}
    if not any(texts.values()):
        errors["notes"] = "open cases, keys or notes"
    day = clock.today()
    if data.get("date"):
        try:
            day = dates.parse_day(data.get("date"), "date")
        except InvalidInput as exc:
            errors["date"] = exc.fields.get("date", "not a date")
    shift = None
    if data.get("shift"):
        shift = db.session.scalar(select(ShiftType).where(ShiftType.code == str(data["shift"]).strip()))
        if shift is None:
            errors["shift"] = "unknown shift"
    incoming = None
    if data.get("incoming_no"):
        incoming = db.session.scalar(select(Employee).where(Employee.employee_no == str(data["incoming_no"]).strip(),
                                                            Employee.active.is_(True)))
        if incoming is None or incoming.team_id != actor.team_id or incoming.id == actor.id:
            errors["incoming_no"] = "a colleague of your team"
    if errors:
        raise InvalidInput(N_("The handover could not be written."), fields=errors)
    row = Handover(team_id=actor.team_id, day=day, shift_type_id=shift.id if shift else None, written_by_id=actor.id,
                   incoming_id=incoming.id if incoming else None, written_at=clock.now(), **texts)
    db.session.add(row)
    db.session.flush()
    if incoming is not None:
        notifications.notify([incoming.id], "handover_written", N_("A handover for you from %(name)s"),
                             texts["open_cases"] or texts["notes"] or texts["keys"],
                             params={"name": actor.name}, link=f"/handovers/{row.id}")
    audit.record(actor, "handover.write", "handover", row.id, day=day.isoformat(),
                 incoming=incoming.employee_no if incoming else None)
    return row


def from_swap(swap: Swap) -> Handover:
    """An approved swap's handover note in the book (inside the approval's use case): written by the one who
    gives the shift, to the one who takes it, for the day given; empty when no note was written."""
    row = Handover(team_id=swap.requester.team_id or swap.counterpart.team_id, day=swap.requester_day,
                   shift_type_id=swap.requester_shift_id, written_by_id=swap.requester_id,
                   incoming_id=swap.counterpart_id, notes=swap.handover_note or "", swap_request_id=swap.request_id,
                   written_at=clock.now())
    db.session.add(row)
    db.session.flush()
    return row


def may_see(viewer: Employee, row: Handover) -> bool:
    if viewer.id in (row.written_by_id, row.incoming_id):
        return True
    if reach(viewer.roles) == "all":
        return True
    return viewer.team_id == row.team_id or row.team_id in people.teams_led_by(viewer)


def get(viewer: Employee, handover_id: int) -> Handover:
    """:raise NotFound: unknown, or of a team the viewer is not in and does not lead."""
    row = db.session.scalar(select(Handover).options(joinedload(Handover.written_by), joinedload(Handover.incoming))
                            .where(Handover.id == handover_id))
    if row is None or not may_see(viewer, row):
        raise NotFound(N_("no handover %(id)s", id=handover_id))
    return row


def may_acknowledge(viewer: Employee, row: Handover) -> bool:
    if row.acknowledged_at is not None or viewer.id == row.written_by_id:
        return False
    return viewer.id == row.incoming_id or (row.incoming_id is None and viewer.team_id == row.team_id)


@use_case
def acknowledge(actor: Employee, handover_id: int) -> Handover:
    """``POST /handovers/{id}/acknowledge``: the incoming person (or, with none named, a colleague of the team)
    confirms they took it over. Once: a conditional update, so two presses record the first.
    :raise Forbidden: someone else. :raise Conflict: acknowledged already."""
    row = get(actor, handover_id)
    if row.acknowledged_at is not None:
        raise Conflict(N_("This handover has already been acknowledged."), code="already_acknowledged")
    if not may_acknowledge(actor, row):
        raise Forbidden(N_("Only the person taking over acknowledges a handover."))
    done = db.session.execute(update(Handover).where(Handover.id == row.id, Handover.acknowledged_at.is_(None))
                              .values(acknowledged_at=clock.now(), acknowledged_by_id=actor.id)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(N_("This handover has already been acknowledged."), code="already_acknowledged")
    db.session.refresh(row)
    audit.record(actor, "handover.acknowledge", "handover", row.id)
    return row


def list_handovers(viewer: Employee, *, team: str | None = None, day: str | date | None = None,
                   acknowledged: bool | None = None, limit: int = 100) -> list[Handover]:
    """The handovers of a team (default: the viewer's own or first led) on a day (default: any, newest first)."""
    stmt = select(Handover).options(joinedload(Handover.written_by), joinedload(Handover.incoming),
                                    joinedload(Handover.shift_type))
    if team:
        stmt = stmt.where(Handover.team_id == people.visible_team(viewer, team).id) if reach(viewer.roles) != "self" \
            else stmt.where(Handover.team_id == -1)
    elif reach(viewer.roles) == "self":
        stmt = stmt.where((Handover.team_id == viewer.team_id) | (Handover.incoming_id == viewer.id))
    elif reach(viewer.roles) == "team":
        stmt = stmt.where(Handover.team_id.in_(people.teams_led_by(viewer)))
    if day:
        stmt = stmt.where(Handover.day == (day if isinstance(day, date) else dates.parse_day(day, "date")))
    if acknowledged is not None:
        stmt = stmt.where(Handover.acknowledged_at.is_not(None) if acknowledged else Handover.acknowledged_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Handover.day.desc(), Handover.written_at.desc(), Handover.id.desc())
                                   .limit(limit)))


def fines(row: Handover) -> list[Violation]:
    return list(db.session.scalars(select(Violation).where(Violation.source_ref == fine_ref(row))
                                   .order_by(Violation.id)))


def may_fine(viewer: Employee, row: Handover) -> bool:
    return (allowed(viewer.roles, "swaps.handover") and viewer.id != row.written_by_id
            and (row.acknowledged_at is None or row.empty) and people.can_see(viewer, row.written_by))


@use_case
def record_fine(actor: Employee, handover_id: int, note: str | None = None) -> Violation:
    """``POST /handovers/{id}/fine``: the lead records ``SWAP_HANDOVER`` for the writer of a handover nobody
    acknowledged or that was empty, once per handover, the handover as its evidence.
    :raise Forbidden: not the writer's lead. :raise Conflict: acknowledged and not empty."""
    from attendance.services import discipline

    row = get(actor, handover_id)
    note = str(note or "").strip()
    if len(note) > 500:
        raise InvalidInput(N_("The note is too long."), fields={"note": "at most 500 characters"})
    if not (allowed(actor.roles, "swaps.handover") and people.can_see(actor, row.written_by)) \
            or actor.id == row.written_by_id:
        raise Forbidden(N_("A poor handover is recorded by the writer's lead."))
    if row.acknowledged_at is not None and not row.empty:
        raise Conflict(N_("This handover was acknowledged and is not empty."), code="handover_acknowledged")
    shift = row.shift_type
    minute = shift.end_minute if shift is not None else 0
    at = datetime.combine(row.day, time(0), tzinfo=clock.site_zone()) + timedelta(minutes=minute)
    at = min(at, clock.now())
    text = note or (f"交接本 #{row.id} {row.day.isoformat()} "
                    + ("交接为空" if row.empty else "接班人未确认"))
    violation = discipline.record_violation(actor, employee=row.written_by, rule_code=FINE_RULE, occurred_at=at,
                                            note=text, source="handover", source_ref=fine_ref(row))
    audit.record(actor, "handover.fine", "handover", row.id, violation=violation.id)
    return violation
