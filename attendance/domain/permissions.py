"""The one permission table. Pages, the API and the CLI all ask ``allowed``.

Who may do what is decided by role here; which *people* a role reaches (a lead
reaches their own team, staff only themselves) is decided by ``reach``.
"""

from __future__ import annotations

from collections.abc import Iterable

from attendance.domain.policy import ROLES

EVERYONE = frozenset(ROLES)
OFFICE = frozenset({"supervisor", "manager", "gm", "hr", "admin"})  # reach the whole department
LEADERS = frozenset({"lead"}) | OFFICE

PERMISSIONS: dict[str, frozenset[str]] = {
    # own record: every signed-in person
    "self.view": EVERYONE,
    # people and teams
    "employees.view": LEADERS,
    "employees.manage": frozenset({"hr", "admin"}),
    "teams.view": LEADERS,
    "teams.manage": frozenset({"hr", "admin"}),
    # the policy: readable by everyone, changed by admin and HR
    "policy.view": EVERYONE,
    "policy.manage": frozenset({"hr", "admin"}),
    # publishing a version with how it was adopted (劳动合同法 Art. 4); each person acknowledges it; the
    # office sees who has not yet
    "policy.publish": frozenset({"hr", "admin"}),
    "policy.acknowledge": EVERYONE,
    "policy.acknowledgements": OFFICE,
    # discipline
    "violations.view": LEADERS,
    "violations.record": frozenset({"lead", "supervisor", "manager"}),
    "appeals.file": EVERYONE,
    "appeals.decide": frozenset({"supervisor", "manager"}),
    "dismissal.decide": frozenset({"manager", "gm"}),
    "dismissal.view": frozenset({"supervisor", "manager", "gm", "hr"}),
    "violations.restep": frozenset({"supervisor", "manager"}),
    "ledger.view": LEADERS,
    "ledger.reverse": frozenset({"supervisor", "manager", "hr"}),
    "ledger.verify": frozenset({"hr", "admin", "manager", "gm"}),
    # a transfer off the post (调岗) a ladder step decided: HR completes it
    "transfers.view": frozenset({"supervisor", "manager", "gm", "hr"}),
    "transfers.complete": frozenset({"hr"}),
    # 工作突出: a lead nominates a person of their team for the month's reward, the supervisor confirms
    "nominations.view": LEADERS,
    "nominations.create": frozenset({"lead", "supervisor"}),
    "nominations.decide": frozenset({"supervisor", "manager"}),
    # one ZIP of everything about a violation, for a labour dispute
    "violations.evidence_bundle": frozenset({"hr", "manager", "gm", "admin"}),
    # requests and approvals (which step a person decides: the chain's role and ``reach``)
    "corrections.request": frozenset({"staff"}),
    "corrections.file_for": frozenset({"lead", "supervisor", "hr", "admin"}),
    "requests.view": EVERYONE,
    # leave: everyone asks for their own; a lead (or the office) files for a person, emergencies included
    "leave.request": EVERYONE,
    "leave.file_for": frozenset({"lead", "supervisor", "manager", "hr", "admin"}),
    "leave.calendar": LEADERS,
    "leave.register": frozenset({"hr", "admin", "supervisor", "manager", "gm"}),
    "leave.balances": frozenset({"hr"}),
    "leave.certificates": frozenset({"hr"}),
    # swaps (换班、换休、代班): everyone asks their own and answers what they are asked; a lead files for a
    # team member, records a missed handover, and reviews suspected private swaps
    "swaps.view": EVERYONE,
    "swaps.request": EVERYONE,
    "swaps.file_for": frozenset({"lead", "supervisor", "manager"}),
    "swaps.handover": frozenset({"lead", "supervisor", "manager"}),
    "swaps.private": frozenset({"lead", "supervisor", "manager"}),
    # extra shifts (加班): everyone asks for their own; a lead (or the office) files for a team member
    "extra_shifts.request": EVERYONE,
    "extra_shifts.file_for": frozenset({"lead", "supervisor", "manager", "hr", "admin"}),
    # quality inspection (质检): the inspector records; the office and inspectors see every inspection, a lead
    # their team's, staff their own (``reach``); HR's monthly table and chart
    "inspections.record": frozenset({"inspector"}),
    "inspections.view": EVERYONE,
    "inspections.all": frozenset({"inspector"}) | OFFICE,
    "inspections.report": frozenset({"inspector", "hr", "admin", "manager", "gm", "supervisor"}),
    "approvals.view": LEADERS,
    "approvals.decide": LEADERS,
    # notifications: each person their own; admin sets a team's group robot
    "notifications.view": EVERYONE,
    # personal data (PIPL): everyone downloads their own copy; HR and admin see who viewed sensitive files
    "privacy.export": EVERYONE,
    "privacy.sensitive_views": frozenset({"hr", "admin"}),
    "robots.manage": frozenset({"admin"}),
    # shifts, roster, punches, attendance, meetings (which people: ``reach``; a lead edits only own teams)
    "shifts.view": EVERYONE,
    "shifts.manage": frozenset({"admin", "supervisor", "manager"}),
    "roster.view": EVERYONE,
    "roster.team": LEADERS,
    "roster.edit": frozenset({"lead", "supervisor", "manager"}),
    "punches.own": frozenset({"staff"}),
    "punches.import": frozenset({"hr", "admin", "supervisor"}),
    "punches.correct": frozenset({"lead", "supervisor", "hr", "admin"}),
    "attendance.view": EVERYONE,
    "attendance.team": LEADERS,
    "attendance.evaluate": frozenset({"hr", "admin", "supervisor"}),
    "meetings.view": LEADERS,
    "meetings.record": frozenset({"lead", "supervisor"}),
    # an attendee's own: the meetings they must attend, sign-in on the phone, a request to be excused
    "meetings.attend": EVERYONE,
    # work reports (周报、月报): staff and leads hand theirs in (which roles owe one: the policy's
    # settings.work_reports.roles); leads and the office see who has and who has not
    "work_reports.hand_in": frozenset({"staff", "lead"}),
    "work_reports.team": LEADERS,
    # the handover book (交接本): staff and leads write theirs and acknowledge what they take over; everyone
    # reads their team's; a poor handover is recorded by the lead (``swaps.handover``)
    "handovers.write": frozenset({"staff", "lead"}),
    "handovers.view": EVERYONE,
    # grooming checks (a lead checks only own teams; staff see their own history through ``reach``)
    "grooming.check": frozenset({"lead", "supervisor", "manager"}),
    "grooming.view": LEADERS | {"staff"},
    "grooming.report": LEADERS,
    # monthly scores, month close, payroll deductions, charts and reports (rows seen follow ``reach``)
    "scores.view": EVERYONE,
    "scores.dashboard": LEADERS,
    "months.close": frozenset({"hr"}),
    "payroll.view": frozenset({"hr", "admin", "manager", "gm"}),
    "reports.view": frozenset({"hr", "admin", "manager", "gm"}),
    "reports.generate": frozenset({"hr", "admin", "manager", "gm"}),
    # the year-end review (年终考核): each person their own (``reach``); leads their teams' year, the office the
    # department's; HR closes the year; supervisors and managers record the awards of 000 §5 奖励2–4 (which
    # kinds each role grants: the policy's awards.*.granted_by)
    "years.team": LEADERS,
    "years.close": frozenset({"hr"}),
    "awards.record": frozenset({"supervisor", "manager"}),
}


# Background jobs (services/jobs.py): who may ask for, watch and retry each kind is who may do the work.
JOB_ACTIONS: dict[str, str] = {
    "report": "reports.generate",
    "month_close": "months.close",
    "people_import": "employees.manage",
    "punch_import": "punches.import",
    "year_close": "years.close",
}


def allowed(roles: Iterable[str], action: str) -> bool:
    """Whether any of ``roles`` may perform ``action``. Unknown actions are refused."""
    permitted = PERMISSIONS.get(action)
    if permitted is None:
        return False
    return bool(permitted & set(roles))


def reach(roles: Iterable[str]) -> str:
    """How far a person's roles reach: ``all`` of the department, their ``team``, or ``self``."""
    roles = set(roles)
    if roles & OFFICE:
        return "all"
    if "lead" in roles:
        return "team"
    return "self"
