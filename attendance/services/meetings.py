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
from attendance.domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from attendance.domain.meetings import BadMeetingSettings, MeetingTimes, meeting_times
from attendance.domain.permissions import allowed, reach
from attendance.extensions import db
from attendance.models import Employee, Meeting, MeetingAttendance, Team, Violation
from attendance.models.attendance import MEETING_KINDS, MEETING_MARKS
from attendance.services import audit, calendar, people
from attendance.services import policy as policy_service
from attendance.services.people import teams_led_by
from attendance.services.transaction import use_case

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
    if errors:
        raise InvalidInput("invalid meeting", fields=errors)
    if not _may_run(actor, team):
        raise Forbidden("you may hold meetings only for your own team")
    midnight = datetime.combine(day, time(0), tzinfo=clock.site_zone())
    meeting = Meeting(kind=kind, team_id=team.id if team else None, day=day,
                      starts_at=midnight + timedelta(minutes=start), ends_at=midnight + timedelta(minutes=end),
                      title=title, notes=str(data.get("notes") or "")[:2000], created_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "meeting.create", "meeting", meeting.id, kind=kind, day=day.isoformat(),
                 team=team.code if team else None)
    return meeting


def get_meeting(viewer: Employee, meeting_id: int) -> Meeting:
    """:raise NotFound: unknown, or a meeting of a team the viewer does not reach."""
    meeting = db.session.scalar(select(Meeting).options(
        selectinload(Meeting.attendance).selectinload(MeetingAttendance.employee)).where(Meeting.id == meeting_id))
    if meeting is None or (reach(viewer.roles) != "all" and meeting.team_id is not None
                           and meeting.team_id not in teams_led_by(viewer)):
        raise NotFound(f"no meeting {meeting_id}")
    if reach(viewer.roles) == "self":
        raise NotFound(f"no meeting {meeting_id}")
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
    stmt = select(Employee).where(Employee.active.is_(True)).order_by(Employee.employee_no)
    if meeting.team_id is not None:
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
        raise Forbidden("you may take attendance only at your own team's meetings")
    if not isinstance(marks, dict) or not marks:
        raise InvalidInput("marks: employee_no → mark", fields={"marks": "required"})
    if meeting.starts_at > clock.now():
        raise InvalidInput("the meeting has not started yet", fields={"marks": "the meeting is in the future"})
    people = {p.employee_no: p for p in participants(meeting)}
    errors = {}
    for no, mark in marks.items():
        if no not in people:
            errors[f"marks.{no}"] = "not at this meeting"
        elif mark not in MEETING_MARKS:
            errors[f"marks.{no}"] = "one of: " + ", ".join(MEETING_MARKS)
    if errors:
        raise InvalidInput("invalid marks", fields=errors)
    notes = notes or {}
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
