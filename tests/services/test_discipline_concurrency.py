"""Recording at the same moment, on PostgreSQL and on the default SQLite install: numbering and the ledger
chain stay right.

Each thread has its own app context, so its own session and database connection: these are
real concurrent transactions. The engine is slowed down a little between counting and writing,
so without the row locks (PostgreSQL) or the write lock a use case takes first (SQLite's BEGIN IMMEDIATE)
the race would be lost almost every time.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain import escalation
from attendance.extensions import db
from attendance.models import Employee, LedgerEntry, Violation
from attendance.services import discipline as svc
from tests.concurrency import run_together
from tests.conftest import make_person, make_team, token_for


@pytest.fixture
def slow_engine(monkeypatch):
    """Widen the window between counting prior occurrences and writing the new one."""

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return escalation.escalate(*args, **kwargs)

    monkeypatch.setattr(svc.violations, "escalate", slow)


def test_two_leads_recording_the_same_rule_for_the_same_person_get_occurrences_1_and_2(app, slow_engine):
    team = make_team("T1", "热线一组")
    lead_ids = [make_person(["lead", "staff"], team).id, make_person(["lead", "staff"], team).id]
    staff_id = make_person(["staff"], team).id
    at = clock.now() - timedelta(hours=1)

    def job(lead_id):
        def record():
            lead, staff = db.session.get(Employee, lead_id), db.session.get(Employee, staff_id)
            return svc.record_violation(lead, employee=staff, rule_code="COMPLAINT", occurred_at=at).occurrence
        return record

    assert sorted(run_together(app, [job(i) for i in lead_ids])) == [1, 2]
    fines = db.session.scalars(select(LedgerEntry.amount).order_by(LedgerEntry.amount)).all()
    assert [str(f) for f in fines] == ["30.00", "60.00"]
    assert svc.verify_ledger().ok


def test_parallel_api_requests_from_two_leads_get_occurrences_1_and_2(app, slow_engine):
    team = make_team("T1", "热线一组")
    client = app.test_client()
    headers = [token_for(client, make_person(["lead", "staff"], team)) for _ in range(2)]
    staff = make_person(["staff"], team)
    body = {"employee_no": staff.employee_no, "rule": "OFF_TASK",
            "occurred_at": (clock.now() - timedelta(hours=1)).isoformat()}

    def job(h):
        def post():
            response = app.test_client().post("/api/v1/violations", json=body, headers=h)
            assert response.status_code == 201, response.get_json()
            return response.get_json()
        return post

    answers = run_together(app, [job(h) for h in headers])
    assert sorted((a["occurrence"], a["sanction"], a["fine"]) for a in answers) == [
        (1, "warning", "0.00"), (2, "fine", "10.00")]


def test_many_appends_at_once_keep_one_unbroken_chain_and_right_numbers(app):
    team = make_team("T1", "热线一组")
    lead_id = make_person(["lead", "staff"], team).id
    staff_ids = [make_person(["staff"], team).id for _ in range(4)]
    at = clock.now() - timedelta(hours=2)

    def job(staff_id):
        def record():  # all at the same instant, so each must count every one committed before it
            lead, staff = db.session.get(Employee, lead_id), db.session.get(Employee, staff_id)
            return svc.record_violation(lead, employee=staff, rule_code="HANDBOOK", occurred_at=at).id
        return record

    jobs = [job(s) for s in staff_ids] * 6  # 24 at once, 6 per person
    run_together(app, jobs)
    report = svc.verify_ledger()
    assert (report.ok, report.entries) == (True, 24)
    assert db.session.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id)).all() == list(range(1, 25))
    for staff_id in staff_ids:
        numbers = db.session.scalars(select(Violation.occurrence).where(Violation.employee_id == staff_id)
                                     .order_by(Violation.occurrence)).all()
        assert numbers == [1, 2, 3, 4, 5, 6]
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 24


def test_an_automated_source_racing_itself_records_once(app, slow_engine):
    team = make_team("T1", "热线一组")
    staff_id = make_person(["staff"], team).id
    at = clock.now() - timedelta(hours=3)
    ref = "attendance:race:late"

    def record():
        staff = db.session.get(Employee, staff_id)
        return svc.record_violation(None, employee=staff, rule_code="LATE", occurred_at=at,
                                    source="attendance", source_ref=ref).id

    ids = run_together(app, [record, record, record])
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
