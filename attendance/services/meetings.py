"""Morning, weekly and monthly meetings (docs/rules.md §2) and the attendance the lead takes at them.

Late or leaving early raises ``MEETING_LATE``, absent raises ``MEETING_ABSENT`` (the rule codes
can be changed in the policy's ``settings.meeting_rules``), once per person and meeting; marking
someone again reverses what the earlier mark raised and no longer holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from attendance import clock
from attendance.domain import dates
from attendance.domain.attendance_rules import hhmm_to_minutes
from attendance.domain.errors import N_, Conflict, DomainError, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.meetings import ANNOUNCED_KINDS, BadMeetingSettings, MeetingTimes, meeting_times
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import (
    Employee,
    Meeting,
    MeetingAttendance,
    MeetingAttendee,
    MeetingExcuse,
    Request,
    Team,
    Violation,
)
from attendance.models.attendance import MEETING_KINDS, MEETING_MARKS
from attendance.services import audit, calendar, notifications, people
from attendance.services import policy as policy_service
from attendance.services import requests as requests_layer
from attendance.services.people import teams_led_by
from attendance.services.transaction import use_case

EXCUSE_CHAIN = ("lead",)  # "decided by the lead" (000 §2 会议2(1): 向市场拓展部请假 — the department's lead)
RE_MARKED = "re-marked"  # how a reversal made by a later mark begins its reason
DEFAULT_RULES = {"late": "MEETING_LATE", "absent": "MEETING_ABSENT"}
KIND_OF_MARK = {"late": "late", "left_early": "late", "absent": "absent"}


def times(on: date | None = None) -> MeetingTimes:
    """The meeting times of the policy in force ``on`` (today): ``settings.meeting_times`` (docs/rules.md §2)."""
    try:
        return meeting_times(policy_service.in_force(on or clock.today()).policy.settings)
    except BadMeetingSettings as exc:
        raise InvalidInput(str(exc), fields={"settings.meeting_times": str(exc)}) from None


def default_times(kind: str, on: date | None = None) -> tuple[str, str]:
    """The usual start and end of a meeting of ``kind``, as the policy says (the form's defaults)."""
    kinds = times(on).kinds
    usual = kinds.get(kind) or kinds["morning"]
    return usual.start_text(), usual.end_text()


def default_day(kind: str, today: date) -> date:
    """The next day a meeting of ``kind`` usually falls on, from ``today`` (the policy's weekday)."""
    return times(today).default_day(kind, today)


def _may_run(actor: Employee, team: Team | None) -> bool:
    if not allowed(actor.roles, "meetings.record"):
        return False
    if reach(actor.roles) == "all":
        return True
    return team is not None and team.id in teams_led_by(actor)


@use_case
def create_meeting(actor: Employee, data: dict) -> Meeting:
    """A meeting of a team (a lead: one of theirs) or, with no team, of the whole department."""
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "").strip()
    if kind not in MEETING_KINDS:
        errors["kind"] = "one of: " + ", ".join(MEETING_KINDS)
    day = None
    try:
        day = dates.parse_day(data.get("date"), "date")
    except InvalidInput as exc:
        errors["date"] = exc.fields["date"]
    start = end = None
    defaults = default_times(kind, day) if day is not None else default_times(kind)
    try:
        start = hhmm_to_minutes(data.get("start") or defaults[0])
    except ValueError:
        errors["start"] = "not a time (HH:MM)"
    try:
        end = hhmm_to_minutes(data.get("end") or defaults[1])
    except ValueError:
        errors["end"] = "not a time (HH:MM)"
    if start is not None and end is not None and end <= start:
        errors["end"] = "after the start"
    title = str(data.get("title") or "").strip()
    if len(title) > 200:
        errors["title"] = "at most 200 characters"
    team = None
    if data.get("team"):
        team = db.session.scalar(select(Team).where(Team.code == str(data["team"])))
        if team is None:
            errors["team"] = "unknown team"
    attendees: list[Employee] = []
    raw = data.get("attendees") or []
    if isinstance(raw, str):
        raw = [n for n in raw.replace("，", ",").replace(" ", ",").split(",") if n]
    if raw:
        found = {p.employee_no: p for p in db.session.scalars(
            select(Employee).where(Employee.employee_no.in_([str(n) for n in raw]), Employee.active.is_(True)))}
        unknown = [str(n) for n in raw if str(n) not in found]
        if unknown:
            errors["attendees"] = "unknown: " + ", ".join(unknown[:5])
        attendees = list(found.values())
    if kind in ANNOUNCED_KINDS and day is not None and not errors.get("kind"):
        notice = times(clock.today()).notice_days
        if day < clock.today() + timedelta(days=notice):
            raise RuleRefused(N_("Topic and training meetings are announced at least %(days)s days ahead."),
                              code="meeting_notice", fields={"date": f"at least {notice} days ahead"})
    if errors:
        raise InvalidInput(N_("invalid meeting"), fields=errors)
    if not _may_run(actor, team):
        raise Forbidden(N_("you may hold meetings only for your own team"))
    if attendees and not all(people.can_see(actor, p) for p in attendees):
        raise Forbidden(N_("you may name only people you lead"))
    midnight = datetime.combine(day, time(0), tzinfo=clock.site_zone())
    meeting = Meeting(kind=kind, team_id=team.id if team else None, day=day,
                      starts_at=midnight + timedelta(minutes=start), ends_at=midnight + timedelta(minutes=end),
                      title=title, notes=str(data.get("notes") or "")[:2000], created_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all([MeetingAttendee(meeting_id=meeting.id, employee_id=p.id) for p in attendees])
    db.session.flush()
    if kind in ANNOUNCED_KINDS:  # 专题/培训会议提前一周通知与会人员 (000 §2 会议1)
        meeting.announced_at = clock.now()
        notifications.notify([p.id for p in participants(meeting)], "meeting_announced",
                             N_("Meeting on %(day)s %(start)s: %(title)s"), meeting.notes[:500],
                             params={"day": day.isoformat(), "start": meeting.starts_at.astimezone(
                                 clock.site_zone()).strftime("%H:%M"), "title": title or kind},
                             link="/attendance/meetings/mine")
    audit.record(actor, "meeting.create", "meeting", meeting.id, kind=kind, day=day.isoformat(),
                 team=team.code if team else None, attendees=[p.employee_no for p in attendees])
    return meeting


def get_meeting(viewer: Employee, meeting_id: int) -> Meeting:
    """:raise NotFound: unknown, or a meeting of a team the viewer does not reach."""
    meeting = db.session.scalar(select(Meeting).options(
        selectinload(Meeting.attendance).selectinload(MeetingAttendance.employee)).where(Meeting.id == meeting_id))
    if meeting is None or (reach(viewer.roles) != "all" and meeting.team_id is not None
                           and meeting.team_id not in teams_led_by(viewer)):
        raise NotFound(N_("no meeting %(meeting_id)s", meeting_id=meeting_id))
    if reach(viewer.roles) == "self":
        raise NotFound(N_("no meeting %(meeting_id)s", meeting_id=meeting_id))
    return meeting


def list_meetings(viewer: Employee, *, month=None, team: str | None = None) -> list[Meeting]:
    first = dates.parse_month(month) if month else clock.today().replace(day=1)
    days = calendar.month_days(first)
    stmt = (select(Meeting).options(selectinload(Meeting.team), selectinload(Meeting.attendance))
            .where(Meeting.day >= days[0], Meeting.day <= days[-1]).order_by(Meeting.starts_at, Meeting.id))
    if team:
        stmt = stmt.where(Meeting.team_id == people.visible_team(viewer, team).id)
    elif reach(viewer.roles) != "all":
        stmt = stmt.where((Meeting.team_id.in_(teams_led_by(viewer))) | Meeting.team_id.is_(None))
    return list(db.session.scalars(stmt))


def participants(meeting: Meeting) -> list[Employee]:
    """Who must attend: the people named on the meeting, else its team (else every team member)."""
    stmt = select(Employee).where(Employee.active.is_(True)).order_by(Employee.employee_no)
    named = db.session.scalars(select(MeetingAttendee.employee_id).where(MeetingAttendee.meeting_id == meeting.id)
                               ).all()
    if named:
        stmt = stmt.where(Employee.id.in_(named))
    elif meeting.team_id is not None:
        stmt = stmt.where(Employee.team_id == meeting.team_id)
    else:
        stmt = stmt.where(Employee.team_id.is_not(None))
    return list(db.session.scalars(stmt))


@dataclass
class MarkReport:
    marked: int = 0
    raised: list[Violation] = field(default_factory=list)
    reversed: int = 0
    problems: list[str] = field(default_factory=list)


def source_ref(meeting: Meeting, employee_no: str, kind: str) -> str:
    return f"meeting:{meeting.id}:{employee_no}:{kind}"


@use_case
def record_attendance(actor: Employee, meeting_id: int, marks: dict[str, str],
                      notes: dict[str, str] | None = None) -> MarkReport:
    """Mark people present, late, left_early, absent or excused at a meeting; raise and reverse violations."""
    from attendance.services import discipline

    meeting = get_meeting(actor, meeting_id)
    if not _may_run(actor, meeting.team):
        raise Forbidden(N_("you may take attendance only at your own team's meetings"))
    if not isinstance(marks, dict) or not marks:
        raise InvalidInput(N_("marks: employee_no → mark"), fields={"marks": N_("required")})
    if meeting.starts_at > clock.now():
        raise InvalidInput(N_("the meeting has not started yet"), fields={"marks": N_("the meeting is in the future")})
    people = {p.employee_no: p for p in participants(meeting)}
    errors = {}
    for no, mark in marks.items():
        if no not in people:
            errors[f"marks.{no}"] = "not at this meeting"
        elif mark not in MEETING_MARKS:
            errors[f"marks.{no}"] = "one of: " + ", ".join(MEETING_MARKS)
    if errors:
        raise InvalidInput(N_("invalid marks"), fields=errors)
    notes = notes or {}
    excused = excused_ids(meeting)
    marks = {no: ("excused" if mark == "absent" and people[no].id in excused else mark) for no, mark in marks.items()}
    existing = {a.employee_id: a for a in meeting.attendance}
    refs = [source_ref(meeting, no, k) for no in marks for k in ("late", "absent")]
    latest: dict[str, Violation] = {}
    for v in db.session.scalars(select(Violation).where(Violation.source_ref.in_(refs)).order_by(Violation.id)):
        latest[v.source_ref] = v
    in_force = policy_service.in_force(meeting.day).policy
    rules = {**DEFAULT_RULES, **(in_force.settings.get("meeting_rules") or {})}
    report = MarkReport()
    for no, mark in marks.items():
        person = people[no]
        row = existing.get(person.id)
        if row is None:
            row = MeetingAttendance(meeting_id=meeting.id, employee_id=person.id)
            db.session.add(row)
        row.mark, row.note, row.recorded_by_id = mark, (str(notes.get(no) or "")[:200] or None), actor.id
        report.marked += 1
        wanted = KIND_OF_MARK.get(mark)
        for kind in ("late", "absent"):
            ref = source_ref(meeting, no, kind)
            last = latest.get(ref)
            counted = last is not None and last.reversed_at is None
            if kind == wanted:
                if counted or (last is not None and not (last.reversed_reason or "").startswith(RE_MARKED)):
                    continue
                code = rules.get(kind)
                if code not in in_force.rules:
                    report.problems.append(f"{ref}: no rule {code} in the policy")
                    continue
                try:
                    report.raised.append(discipline.record_violation(
                        actor, employee=person, rule_code=code,
                        occurred_at=meeting.starts_at, source="meeting", source_ref=ref,
                        note=f"{meeting.day.isoformat()} {meeting.kind} meeting · {mark}"
                             + (f" · {notes[no]}" if notes.get(no) else "")))
                except DomainError as exc:
                    report.problems.append(f"{ref}: {exc.message}")
            elif counted:
                discipline.reverse_violation(actor, last, f"{RE_MARKED}: now {mark}")
                report.reversed += 1
    audit.record(actor, "meeting.attendance", "meeting", meeting.id, marks=marks)
    return report


# --- the attendee's own: sign in on the phone, ask to be excused -------------------------------------


def mine(person: Employee, *, days_back: int = 7, days_ahead: int = 31) -> list[Meeting]:
    """The meetings ``person`` must attend from a week ago to a month ahead, soonest first."""
    today = clock.today()
    stmt = (select(Meeting).options(selectinload(Meeting.team))
            .where(Meeting.day >= today - timedelta(days=days_back), Meeting.day <= today + timedelta(days=days_ahead))
            .order_by(Meeting.starts_at, Meeting.id))
    return [m for m in db.session.scalars(stmt) if person.id in {p.id for p in participants(m)}]


def _attended(person: Employee, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or person.id not in {p.id for p in participants(meeting)}:
        raise NotFound(f"no meeting {meeting_id}")
    return meeting


@use_case
def sign_in(actor: Employee, meeting_id: int) -> MeetingAttendance:
    """``POST /meetings/{id}/sign-in``: an attendee signs in on their phone, from ``sign_in_before_minutes``
    before the start to the end (the server's clock). After the start it counts as late (MEETING_LATE, as the
    lead's mark would). :raise RuleRefused: outside the window (``meeting_sign_in_window``).
    :raise Conflict: signed in or marked already."""
    from attendance.services import discipline

    meeting = _attended(actor, meeting_id)
    now = clock.now()
    before = times(meeting.day).sign_in_before_minutes
    if not meeting.starts_at - timedelta(minutes=before) <= now <= meeting.ends_at:
        raise RuleRefused(N_("Sign-in is open from %(minutes)s minutes before the meeting to its end."),
                          code="meeting_sign_in_window", fields={"meeting": "outside the sign-in window"})
    people.lock(actor.id)
    row = db.session.scalar(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id,
                                                            MeetingAttendance.employee_id == actor.id))
    if row is not None:
        raise Conflict(N_("You are signed in already."), code="already_signed_in")
    mark = "late" if now > meeting.starts_at else "present"
    row = MeetingAttendance(meeting_id=meeting.id, employee_id=actor.id, mark=mark, recorded_by_id=actor.id,
                            signed_in_at=now)
    db.session.add(row)
    db.session.flush()
    if mark == "late":
        in_force = policy_service.in_force(meeting.day).policy
        code = {**DEFAULT_RULES, **(in_force.settings.get("meeting_rules") or {})}.get("late")
        if code in in_force.rules:
            discipline.record_violation(None, employee=actor, rule_code=code, occurred_at=meeting.starts_at,
                                        note=f"{meeting.day.isoformat()} {meeting.kind} meeting · signed in "
                                             f"{now.astimezone(clock.site_zone()).strftime('%H:%M')}",
                                        source="meeting", source_ref=source_ref(meeting, actor.employee_no, "late"))
    audit.record(actor, "meeting.sign_in", "meeting", meeting.id, mark=mark)
    return row


def excused_ids(meeting: Meeting) -> set[int]:
    """Who has an approved request to be excused from ``meeting``."""
    return set(db.session.scalars(
        select(MeetingExcuse.employee_id).join(Request, Request.id == MeetingExcuse.request_id)
        .where(MeetingExcuse.meeting_id == meeting.id, Request.status == "approved")))


@use_case
def file_excuse(actor: Employee, meeting_id: int, reason: str) -> MeetingExcuse:
    """``POST /meetings/{id}/excuse-requests``: an attendee asks to be excused, at the latest the day before
    (``settings.meeting_times.excuse_days_before``, 000 §2 会议2(1)); the lead decides in the approvals inbox.
    :raise RuleRefused: too late (``excuse_too_late``). :raise Conflict: one already pending or approved."""
    from attendance.services import requests

    meeting = _attended(actor, meeting_id)
    reason = str(reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(N_("Give a reason (at most 500 characters)."), fields={"reason": "1 to 500 characters"})
    days = times(meeting.day).excuse_days_before
    if clock.today() > meeting.day - timedelta(days=days):
        raise RuleRefused(N_("A request to be excused is filed at the latest %(days)s day(s) before the meeting."),
                          code="excuse_too_late", fields={"meeting": f"{days} day(s) before"})
    people.lock(actor.id)
    open_ = db.session.scalar(select(MeetingExcuse.request_id).join(Request, Request.id == MeetingExcuse.request_id)
                              .where(MeetingExcuse.meeting_id == meeting.id, MeetingExcuse.employee_id == actor.id,
                                     Request.status.in_(("pending", "approved"))))
    if open_ is not None:
        raise Conflict(N_("You have asked to be excused from this meeting already."), code="already_asked")
    request = requests.start(actor, "meeting_excuse", actor, EXCUSE_CHAIN,
                             policy_version_id=policy_service.in_force(meeting.day).version.id)
    row = MeetingExcuse(request_id=request.id, meeting_id=meeting.id, employee_id=actor.id, reason=reason)
    db.session.add(row)
    db.session.flush()
    requests.submitted(request)
    return row


def excuses(person: Employee) -> dict[int, Request]:
    """The person's latest request to be excused, by meeting id."""
    rows = db.session.execute(select(MeetingExcuse.meeting_id, Request).join(Request, Request.id ==
                                                                           MeetingExcuse.request_id)
                              .where(MeetingExcuse.employee_id == person.id).order_by(Request.id)).all()
    return {meeting_id: request for meeting_id, request in rows}


def excuse(viewer: Employee, request_id: int) -> MeetingExcuse:
    """:raise NotFound: unknown, or not the viewer's nor one they may see."""
    row = db.session.get(MeetingExcuse, request_id)
    if row is None or not people.can_see(viewer, row.employee):
        raise NotFound(f"no meeting excuse {request_id}")
    return row


def _excuse_of(request: Request) -> MeetingExcuse:
    return db.session.get(MeetingExcuse, request.id)


def _excuse_summary(request: Request) -> tuple[str, dict]:
    row = _excuse_of(request)
    m = row.meeting
    return N_("Excused from the meeting of %(day)s %(start)s: %(reason)s"), {
        "day": m.day.isoformat(), "start": m.starts_at.astimezone(clock.site_zone()).strftime("%H:%M"),
        "reason": row.reason}


def _excuse_approved(actor: Employee, request: Request) -> None:
    """Approved: the person is marked excused, and an absence already raised is reversed."""
    from attendance.services import discipline

    row = _excuse_of(request)
    mark = db.session.scalar(select(MeetingAttendance).where(MeetingAttendance.meeting_id == row.meeting_id,
                                                             MeetingAttendance.employee_id == row.employee_id))
    if mark is None:
        db.session.add(MeetingAttendance(meeting_id=row.meeting_id, employee_id=row.employee_id, mark="excused",
                                         recorded_by_id=actor.id, note=f"请假 #{request.id}"))
    elif mark.mark == "absent":
        mark.mark, mark.recorded_by_id = "excused", actor.id
        ref = source_ref(row.meeting, row.employee.employee_no, "absent")
        for v in db.session.scalars(select(Violation).where(Violation.source_ref == ref,
                                                            Violation.reversed_at.is_(None))):
            discipline.reverse_violation(actor, v, f"{RE_MARKED}: excused (request #{request.id})")


def _excuse_link(request: Request) -> str:
    return "/attendance/meetings/mine"


requests_layer.register(requests_layer.Kind("meeting_excuse", _excuse_summary, _excuse_approved, _excuse_link))
