"""Shared by the page blueprints: the permission guard, navigation by role, form errors beside their fields."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from attendance.domain.errors import DomainError
from attendance.domain.permissions import allowed
from attendance.labels import entry_reason, error_text, leave_tag, ledger_reason, translated, violation_note
from attendance.services import jobs, notifications, requests

# (endpoint, label, action) — the navigation each role sees follows from the permission table.
NAV = [
    # staff: their own day
    ("people.me", _l("My record"), "self.view"),
    ("shifts.clock_page", _l("Clock in/out"), "punches.own"),
    ("shifts.my_month", _l("My roster"), "roster.view"),
    ("attendance.calendar", _l("My attendance"), "attendance.view"),
    ("requests.mine", _l("My requests"), "requests.view"),
    ("leave.mine", _l("My leave"), "leave.request"),
    ("swaps.index", _l("Shift swaps"), "swaps.view"),
    ("work_reports.mine", _l("My reports"), "work_reports.hand_in"),
    ("handovers.index", _l("Handover book"), "handovers.view"),
    ("attendance.my_meetings", _l("My meetings"), "meetings.attend"),
    # leads on the floor
    ("requests.inbox", _l("To decide"), "approvals.view"),
    ("grooming.index", _l("Grooming"), "grooming.view"),
    ("discipline.record", _l("Record violation"), "violations.record"),
    ("shifts.roster", _l("Roster"), "roster.team"),
    ("attendance.board", _l("Attendance"), "attendance.team"),
    ("work_reports.team", _l("Work reports"), "work_reports.team"),
    ("leave.team_calendar", _l("Leave calendar"), "leave.calendar"),
    # supervisors, managers, HR
    ("discipline.violations", _l("Violations"), "violations.view"),
    ("discipline.appeals", _l("Appeals"), "appeals.decide"),
    ("discipline.dismissal_reviews", _l("Dismissal reviews"), "dismissal.view"),
    ("discipline.ledger", _l("Fines ledger"), "ledger.view"),
    ("scores.dashboard", _l("Scores"), "scores.dashboard"),
    ("scores.payroll", _l("Payroll deductions"), "payroll.view"),
    ("scores.years", _l("Year-end review"), "years.team"),
    ("scores.awards_page", _l("Awards"), "awards.record"),
    ("leave.register", _l("Leave register"), "leave.register"),
    ("inspections.index", _l("Quality inspections"), "inspections.report"),
    # administration
    ("people.employees", _l("Employees"), "employees.view"),
    ("people.teams", _l("Teams"), "teams.view"),
    ("policy.show", _l("Policy"), "policy.view"),
    ("notifications.robots", _l("Group robots"), "robots.manage"),
    ("privacy.sensitive_views", _l("Views of sensitive files"), "privacy.sensitive_views"),
]


def can(action: str) -> bool:
    return bool(current_user and current_user.is_authenticated and allowed(current_user.roles, action))


def permission_required(action: str):
    """Log in first, then the permission table decides; 403 otherwise."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not can(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def show_field_errors(form, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """Put a service's field problems beside the form fields they concern; anything else as a flash."""
    for name, why in error.fields.items():
        field = getattr(form, (rename or {}).get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, why] if isinstance(field.errors, list) else [why]
        else:
            flash(f"{name}: {translated(why)}", "error")
    if not error.fields:
        flash(error_text(error), "error")


def nav_items() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label, action in NAV if can(action)]


def approvals_waiting() -> int:
    """The number on the 待办 badge: what the signed-in person may decide now."""
    return requests.inbox_count(current_user) if can("approvals.view") else 0


def unread_notifications() -> int:
    """The bell's number for the signed-in person: one COUNT, only on pages that show the bell."""
    if not (current_user and current_user.is_authenticated):
        return 0
    return notifications.unread_count(current_user)


def template_helpers() -> dict:
    return {"can": can, "nav_items": nav_items, "get_locale": get_locale, "approvals_waiting": approvals_waiting,
            "unread_notifications": unread_notifications, "leave_tag": leave_tag}


def template_globals() -> dict:
    """What translates a service's messages on a page (the form macros need them, imported without context)."""
    return {"translated": translated, "error_text": error_text, "ledger_reason": ledger_reason,
            "entry_reason": entry_reason, "violation_note": violation_note}


def import_job(kind: str) -> dict | None:
    """The background import named by ``?job=`` on an import page, for the page to show: the job, its state
    (live progress) and, once it has one, its report (as the import in the request returns it). None without
    one or for a value that is not a job id; a job of another kind, or one the viewer may not see, is a 404. Only on
    GET: the form posts back to the page's URL, and the answer to a new file is about that file, not the job."""
    job_id = request.args.get("job", type=int) if request.method == "GET" else None
    if job_id is None:
        return None
    job = jobs.get_job(current_user, job_id)
    if job.kind != kind:
        abort(404)
    return {"job": job, "state": jobs.state(job), "report": jobs.import_report(job)}
