"""Bounded queries on every page: no GET page or API list makes more queries for a larger department.

Every GET route of the app (``app.url_map``) is requested on the demo department with SMALL staff a team and
again with ten times as many (their rosters, punches, attendance days, grooming checks, violations and
requests grow with them), and the statements each request runs are counted (``tests/queries.py``). A count
that grows with the department is a query per row: an N+1 to replace by a set-based read or eager loading.
A new GET route fails the coverage check until it is given its URL here (or a reason to skip).

Kept fast enough for every run of the suite: on the small department each route is requested as every role
(a refusal is cheap), and a download that is not a page (a chart, a workbook, a PDF, an archive) only until
the first role that may fetch it has; on the larger one only what a role was allowed to see is requested
again, since a refusal reads nothing of the department.
"""

from __future__ import annotations

from collections import Counter
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
    ExtraShift,
    Handover,
    Job,
    LeaveRequest,
    Meeting,
    PolicyVersion,
    PunchCorrection,
    Request,
    ShiftType,
    Swap,
    Violation,
    WorkReport,
)
from tests.queries import statements

ROLES = {"admin": "admin", "hr": "hr", "gm": "gm", "manager": "manager", "supervisor": "supervisor",
         "lead": "lead1", "staff": "staff1", "inspector": "inspector"}
# Staff a team (3 teams). The demo files its leave and swaps only in teams of 8 or more, so the small
# department has every kind of row the larger one has, staff1's own leave and swap among them.
SMALL, LARGE = 8, 24

SKIPPED = {
    "/static/<path:filename>": "files from disk, no database",
}
PAGES = ("text/html", "application/json")  # any other answer is a download: measured by one role only


def _ids() -> dict[str, object]:
    """The values the URL parameters take: the same things in both departments (team T1's, staff1's), so a
    count that differs is the department's size, not another kind of request or record."""
    today = clock.today()
    staff1 = db.session.scalar(select(Employee).where(Employee.username == "staff1"))

    def first(query):
        return db.session.scalar(query.limit(1))

    violation = first(select(Violation.id).where(Violation.employee_id == staff1.id).order_by(Violation.id)) \
        or first(select(Violation.id).order_by(Violation.id))
    return {
        "employee_no": staff1.employee_no,
        "team": "T1",
        "shift": first(select(ShiftType.code).order_by(ShiftType.id)),
        "violation_id": violation,
        "appeal_id": first(select(Appeal.id).order_by(Appeal.id)),
        # staff1's own personal leave waiting for the lead, and the swap they asked for
        "leave": first(select(LeaveRequest.request_id).where(LeaveRequest.employee_id == staff1.id)
                       .order_by(LeaveRequest.id)),
        "swap": first(select(Swap.request_id).where(Swap.requester_id == staff1.id, Swap.kind == "swap")
                      .order_by(Swap.id)),
        "correction": first(select(PunchCorrection.request_id).where(PunchCorrection.employee_id == staff1.id)
                            .order_by(PunchCorrection.id))
        or first(select(Request.id).where(Request.kind == "punch_correction").order_by(Request.id)),
        "meeting_id": first(select(Meeting.id).order_by(Meeting.id)) or 1,
        "job_id": first(select(Job.id).order_by(Job.id)) or 1,
        # the duties of issue 18: team T1's first handover, staff1's first work report and extra shift
        # the one staff1 wrote (the demo writes the same two in both departments)
        "handover_id": first(select(Handover.id).where(Handover.written_by_id == staff1.id).order_by(Handover.id))
        or first(select(Handover.id).order_by(Handover.id)) or 1,
        "report_id": first(select(WorkReport.id).where(WorkReport.employee_id == staff1.id).order_by(WorkReport.id))
        or 1,
        "extra": first(select(ExtraShift.request_id).where(ExtraShift.employee_id == staff1.id)
                       .order_by(ExtraShift.id)) or 1,
        "year": today.year,
        "version_id": first(select(PolicyVersion.id).order_by(PolicyVersion.id.desc())),
        "month": scoring.month_label(scoring.add_months(scoring.month_start(today), -1)),
        "day": (today - timedelta(days=1)).isoformat(),
    }


def _url(rule: str, ids: dict[str, object]) -> str:
    """The rule with its parameters filled in from the department."""
    request_id = ids["leave"] if "leave" in rule else ids["swap"] if "swap" in rule \
        else ids["extra"] if "extra-shift" in rule else ids["correction"]
    values = {
        "employee_no": ids["employee_no"], "violation_id": ids["violation_id"], "appeal_id": ids["appeal_id"],
        "request_id": request_id, "meeting_id": ids["meeting_id"], "job_id": ids["job_id"],
        "version_id": ids["version_id"], "handover_id": ids["handover_id"], "report_id": ids["report_id"],
        "year": ids["year"],
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


def _clients(app) -> dict[str, object]:
    clients = {}
    for role, username in ROLES.items():
        clients[role] = client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, (role, answer.status_code)
    return clients




def _count(client, url: str) -> tuple[list[str], int, str]:
    db.session.remove()
    with statements() as seen:
        answer = client.get(url)
    assert answer.status_code < 500, (url, answer.status_code)
    return seen, answer.status_code, answer.mimetype


def _measure_small(app) -> dict[tuple[str, str], tuple[list[str], int]]:
    """(rule, role) → (statements, status): every route as every role, a download until one role got it."""
    ids, clients, counts = _ids(), _clients(app), {}
    for rule in _get_rules(app):
        url = _url(rule, ids)
        for role, client in clients.items():
            seen, status, mimetype = _count(client, url)
            counts[(rule, role)] = (seen, status)
            if status == 200 and mimetype not in PAGES:
                break
    return counts


def _measure_large(app, small) -> dict[tuple[str, str], tuple[list[str], int]]:
    """The same, for what a role was shown on the small department (a refusal reads nothing of it)."""
    ids, clients = _ids(), _clients(app)
    return {(rule, role): _count(clients[role], _url(rule, ids))[:2]
            for (rule, role), (_seen, status) in small.items() if status < 300}


def _extra(small: list[str], large: list[str]) -> str:
    """The statements the larger department ran more often: where the per-row read is."""
    more = Counter(large) - Counter(small)
    return "".join(f"\n      {n}× {' '.join(s.split())[:160]}" for s, n in more.items())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_page_makes_more_queries_for_a_larger_department(app, _session):
    build_demo(staff_per_team=SMALL)
    db.session.commit()
    small = _measure_small(app)
    every = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert {rule for rule, _role in small} == every - set(SKIPPED)
    _session.database.restore(_session.clean)
    build_demo(staff_per_team=LARGE)
    db.session.commit()
    large = _measure_large(app, small)
    changed = {key: (small[key][1], large[key][1]) for key in large if large[key][1] != small[key][1]}
    assert not changed, f"a URL answers differently on the larger department (not the same thing?): {changed}"
    grown = {f"{rule} as {role}": f"{len(small[(rule, role)][0])} → {len(seen)}{_extra(small[(rule, role)][0], seen)}"
             for (rule, role), (seen, _status) in large.items() if len(seen) > len(small[(rule, role)][0])}
    assert not grown, "queries grow with the department (an N+1):\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(grown.items()))


def test_every_get_route_has_its_url(app):
    """A new GET route is counted too: it needs a value for each of its parameters in _url (or a reason in
    SKIPPED), which this says without building the departments."""
    ids = {key: 1 for key in ("employee_no", "team", "shift", "violation_id", "appeal_id", "leave", "swap",
                              "correction", "meeting_id", "job_id", "handover_id", "report_id", "extra", "year",
                              "version_id", "month", "day")}
    for rule in _get_rules(app):
        _url(rule, ids)  # every parameter has a value
