"""The unit of work: one transaction per use case, all of its effects or none."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

import attendance
from attendance import clock
from attendance.extensions import db
from attendance.models import AuditEvent, GroomingCheck, LedgerEntry, LedgerHead, Violation
from attendance.services import discipline, grooming, policy
from attendance.services.transaction import in_transaction, on_commit, on_rollback, transaction
from tests.conftest import make_person, make_team
from tests.images import PNG

SERVICES = Path(attendance.__file__).parent / "services"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def evidence_files() -> list[Path]:
    folder = Path(current_app.instance_path) / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "lead": make_person(["lead", "staff"], team),
            "staff": [make_person(["staff"], team) for _ in range(3)]}


def test_no_service_commits_or_rolls_back_on_its_own():
    """Only services/transaction.py ends a transaction; every other service joins the caller's use case."""
    offenders = []
    for path in SERVICES.rglob("*.py"):
        if path.name == "transaction.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("commit", "rollback")):
                offenders.append(f"{path.relative_to(SERVICES)}:{node.lineno} {node.func.attr}()")
            if isinstance(node, ast.arg) and node.arg == "commit":
                offenders.append(f"{path.relative_to(SERVICES)}:{node.lineno} a commit flag")
    assert offenders == []


def test_a_violation_whose_fine_cannot_be_posted_leaves_nothing_behind(world, monkeypatch):
    """Half-way: the violation row and its photo exist when the ledger append fails; all of it goes."""
    before, audited = evidence_files(), count(AuditEvent)
    head = db.session.get(LedgerHead, 1)
    head_hash = head.last_hash if head else None

    seen = []

    def broken(*args, **kwargs):
        seen.append((count(Violation), len(evidence_files())))  # the row and its photo exist by now
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(discipline.violations, "_append", broken)
    with pytest.raises(RuntimeError):
        discipline.record_violation(world["lead"], employee=world["staff"][0], rule_code="COMPLAINT",
                                    occurred_at=clock.now() - timedelta(hours=1), evidence=("p.png", PNG, "image/png"))
    db.session.remove()
    assert seen == [(1, len(before) + 1)]
    assert (count(Violation), count(LedgerEntry), count(AuditEvent)) == (0, 0, audited)
    assert evidence_files() == before  # the photo saved on the way is removed again
    head = db.session.get(LedgerHead, 1)
    assert (head.last_hash if head else None) == head_hash
    assert not in_transaction()


def test_a_team_check_that_fails_on_the_third_person_stores_nobody(world, monkeypatch):
    """The first two people's checks and violations were flushed; the third fails: the whole team is undone."""
    real, calls = grooming._record, []

    def third_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("lost the connection")
        return real(*args, **kwargs)

    monkeypatch.setattr(grooming, "_record", third_fails)
    audited, people = count(AuditEvent), world["staff"]
    item = grooming.rules.items_for_team(policy.in_force(clock.today()).policy, "T1")[0].code
    entries = [grooming.Entry(p.employee_no, failed={item: ""}) for p in people]
    with pytest.raises(RuntimeError):
        grooming.submit_team(world["lead"], "T1", clock.today(), None, entries)
    db.session.remove()
    assert len(calls) == 3
    assert (count(GroomingCheck), count(Violation), count(LedgerEntry), count(AuditEvent)) == (0, 0, 0, audited)


def test_use_cases_called_inside_another_join_it(world):
    at = clock.now() - timedelta(hours=1)
    with pytest.raises(LookupError), transaction():
        discipline.record_violation(world["lead"], employee=world["staff"][0], rule_code="COMPLAINT", occurred_at=at)
        assert in_transaction() and count(Violation) == 1  # visible inside, not yet committed
        raise LookupError("the outer use case fails after the inner one finished")
    assert (count(Violation), count(LedgerEntry)) == (0, 0)

    with transaction():
        discipline.record_violation(world["lead"], employee=world["staff"][0], rule_code="COMPLAINT", occurred_at=at)
        discipline.record_violation(world["lead"], employee=world["staff"][1], rule_code="COMPLAINT", occurred_at=at)
    assert (count(Violation), count(LedgerEntry)) == (2, 2)


def test_after_commit_and_after_rollback_callbacks_run_once_and_only_on_their_outcome(app):
    ran = []
    with transaction():
        on_commit(lambda: ran.append("commit 1"))
        on_rollback(lambda: ran.append("rollback 1"))
    with pytest.raises(ValueError), transaction():
        on_commit(lambda: ran.append("commit 2"))
        on_rollback(lambda: ran.append("rollback 2"))
        raise ValueError
    on_commit(lambda: ran.append("no transaction: at once"))
    assert ran == ["commit 1", "rollback 2", "no transaction: at once"]


def test_a_change_made_before_a_failing_use_case_is_not_committed_on_its_own(world):
    world["staff"][0].name = "改过的名字"  # pending, not flushed
    with pytest.raises(RuntimeError), transaction():
        raise RuntimeError("the use case fails")
    db.session.expire_all()
    assert world["staff"][0].name != "改过的名字"
