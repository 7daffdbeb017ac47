"""The fines ledger: append-only in the database, a hash chain that ``verify`` walks."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from attendance import clock
from attendance.domain import ledger as chain
from attendance.domain.errors import Conflict, InvalidInput
from attendance.extensions import db
from attendance.models import LedgerEntry, LedgerHead
from attendance.services import discipline as svc
from tests.conftest import ON_POSTGRES, make_person, make_team


@pytest.fixture
def posted(app):
    """A small ledger: three fines for two people and a reversal."""
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    staff, other = make_person(["staff"], team), make_person(["staff"], team)
    supervisor = make_person(["supervisor"])
    at = clock.now() - timedelta(days=2)
    first = svc.record_violation(lead, employee=staff, rule_code="COMPLAINT", occurred_at=at)
    svc.record_violation(lead, employee=other, rule_code="HANDBOOK", occurred_at=at)
    svc.record_violation(lead, employee=staff, rule_code="COMPLAINT", occurred_at=at + timedelta(hours=1))
    svc.reverse_violation(supervisor, first, "withdrawn")
    return {"staff": staff, "other": other, "supervisor": supervisor}


@contextmanager
def triggers_off():
    """Force a change past the append-only triggers, as someone with the database password could."""
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only"))
        try:
            yield
        finally:
            db.session.rollback()
            db.session.execute(text("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only"))
            db.session.commit()
    else:  # each SQLite test has its own copy of the database, so the trigger need not come back
        db.session.execute(text("DROP TRIGGER ledger_entries_no_update"))
        db.session.execute(text("DROP TRIGGER ledger_entries_no_delete"))
        yield


# --- the chain ---------------------------------------------------------------------------------


def test_every_entry_names_the_hash_of_the_one_before(posted):
    entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert [e.id for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == chain.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    head = db.session.get(LedgerHead, 1)
    assert (head.last_id, head.last_hash, head.entries) == (4, entries[-1].hash, 4)


def test_verify_walks_an_intact_chain(posted):
    report = svc.verify_ledger()
    assert (report.ok, report.entries, report.first_bad) == (True, 4, None)
    assert report.head == db.session.get(LedgerHead, 1).last_hash


def test_an_empty_ledger_verifies(app):
    report = svc.verify_ledger()
    assert (report.ok, report.entries, report.head) == (True, 0, chain.GENESIS)


# --- the database refuses changes --------------------------------------------------------------


@pytest.mark.parametrize("statement", ["UPDATE ledger_entries SET amount = 1 WHERE id = 2",
                                       "DELETE FROM ledger_entries WHERE id = 2"])
def test_the_database_refuses_to_update_or_delete_a_ledger_entry(posted, statement):
    with pytest.raises(DBAPIError) as refused:
        db.session.execute(text(statement))
        db.session.flush()
    assert "append-only" in str(refused.value)
    db.session.rollback()
    assert svc.verify_ledger().ok


def test_the_orm_cannot_change_an_entry_either(posted):
    entry = db.session.get(LedgerEntry, 1)
    entry.reason = "tidied up"
    with pytest.raises(DBAPIError):
        db.session.commit()
    db.session.rollback()


def test_a_change_forced_past_the_triggers_is_named_by_verify(posted):
    with triggers_off():
        db.session.execute(text("UPDATE ledger_entries SET amount = 100 WHERE id = 2"))  # 1.00 yuan
        report = svc.verify_ledger()
    assert (report.ok, report.first_bad) == (False, 2)
    assert "hash" in report.problem


def test_a_forced_change_that_also_rewrites_the_hash_breaks_the_next_link(posted):
    entry = db.session.get(LedgerEntry, 2)
    content = svc.ledger._content(entry)
    forged = chain.entry_hash(entry.prev_hash, chain.EntryContent(**{**content.__dict__, "amount": Decimal("1.00")}))
    with triggers_off():
        db.session.execute(text("UPDATE ledger_entries SET amount = 100, hash = :h WHERE id = 2"), {"h": forged})
        report = svc.verify_ledger()
    assert (report.ok, report.first_bad) == (False, 3)


def test_removing_the_last_entry_is_caught_by_the_head(posted):
    with triggers_off():
        db.session.execute(text("DELETE FROM ledger_entries WHERE id = 4"))
        report = svc.verify_ledger()
    assert not report.ok and report.first_bad is None and "head" in report.problem


def test_a_tail_cut_off_with_its_head_is_caught_only_by_an_anchor_kept_outside(posted):
    kept = svc.ledger_anchor()
    assert kept.entries == 4
    with triggers_off():
        entry3 = db.session.get(LedgerEntry, 3)
        db.session.execute(text("DELETE FROM ledger_entries WHERE id = 4"))
        db.session.execute(text("UPDATE ledger_head SET last_id = 3, last_hash = :h, entries = 3"),
                           {"h": entry3.hash})
        assert svc.verify_ledger().ok  # the head was rewritten with the tail: the chain alone looks whole
        report = svc.verify_ledger(kept)
    assert not report.ok and "shorter than the anchor" in report.problem


def test_a_chain_recomputed_from_an_entry_on_is_caught_by_the_anchor(posted):
    kept = svc.ledger_anchor()
    entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    previous = entries[1].prev_hash
    with triggers_off():
        for entry in entries[1:]:  # forge entry 2 and re-hash everything after it, head included
            content = svc.ledger._content(entry)
            if entry.id == 2:
                content = chain.EntryContent(**{**content.__dict__, "amount": Decimal("1.00")})
            forged = chain.entry_hash(previous, content)
            db.session.execute(text("UPDATE ledger_entries SET amount = :a, prev_hash = :p, hash = :h WHERE id = :i"),
                               {"a": int(content.amount * 100), "p": previous, "h": forged, "i": entry.id})
            previous = forged
        db.session.execute(text("UPDATE ledger_head SET last_hash = :h"), {"h": previous})
        assert svc.verify_ledger().ok
        report = svc.verify_ledger(kept)
    assert not report.ok and report.first_bad == 4 and "anchor" in report.problem


def test_an_anchor_is_written_and_read_as_entries_colon_hash():
    kept = chain.Anchor(12, "a" * 64)
    assert chain.Anchor.parse(str(kept)) == kept
    for bad in ("12", "x:" + "a" * 64, "12:" + "g" * 64, "12:abc"):
        with pytest.raises(ValueError):
            chain.Anchor.parse(bad)


# --- the CLI -----------------------------------------------------------------------------------


def test_the_cli_reports_ok_for_an_intact_ledger(posted, runner):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "4 entries" in result.output


def test_the_cli_exits_1_naming_the_first_bad_entry(posted, runner):
    with triggers_off():
        db.session.execute(text("UPDATE ledger_entries SET points = 0 WHERE id = 3"))
        db.session.commit()
        result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "entry 3" in result.output


# --- rewards, adjustments and reversing entries ------------------------------------------------


def test_rewards_and_adjustments_join_the_chain_and_reversing_one_negates_it(posted):
    staff, supervisor = posted["staff"], posted["supervisor"]
    reward = svc.post_entry(supervisor, staff, kind="reward", amount=Decimal("-200.00"), points=0,
                            reason="全勤奖", occurred_on=clock.today())
    adjustment = svc.post_entry(supervisor, staff, kind="adjustment", amount=Decimal("5.00"), points=1,
                                reason="补记", occurred_on=clock.today())
    back = svc.reverse_entry(supervisor, adjustment.id, "补记有误")
    assert (reward.id, adjustment.id, back.id) == (5, 6, 7)
    assert (back.amount, back.points, back.reverses_id) == (Decimal("-5.00"), -1, adjustment.id)
    with pytest.raises(Conflict):
        svc.reverse_entry(supervisor, adjustment.id, "again")
    with pytest.raises(Conflict):
        svc.reverse_entry(supervisor, back.id, "reverse the reversal")
    with pytest.raises(InvalidInput):
        svc.post_entry(supervisor, staff, kind="fine", amount=Decimal("5.00"), points=1, reason="x",
                       occurred_on=clock.today())
    assert svc.verify_ledger().ok


def test_reversing_a_fine_entry_reverses_its_violation(posted):
    staff, supervisor = posted["staff"], posted["supervisor"]
    fine = db.session.scalars(select(LedgerEntry).where(LedgerEntry.employee_id == staff.id,
                                                        LedgerEntry.kind == "fine")
                              .order_by(LedgerEntry.id.desc())).first()
    back = svc.reverse_entry(supervisor, fine.id, "复核撤销")
    assert back.reverses_id == fine.id and fine.violation.reversed_at is not None


# --- the pure chain walk -----------------------------------------------------------------------


def _content(n: int, amount: str = "10.00") -> chain.EntryContent:
    return chain.EntryContent(id=n, employee_id=1, kind="fine", amount=Decimal(amount), points=2,
                              violation_id=n, reverses_id=None, reason="", created_by_id=None,
                              created_at=datetime(2026, 3, 1, tzinfo=UTC), occurred_on=date(2026, 3, 1))


def _built(n: int):
    out, previous = [], chain.GENESIS
    for i in range(1, n + 1):
        content = _content(i)
        digest = chain.entry_hash(previous, content)
        out.append((content, previous, digest))
        previous = digest
    return out


def test_the_walk_names_the_first_entry_whose_content_changed():
    entries = _built(5)
    content, prev, digest = entries[2]
    entries[2] = (_content(3, "99.00"), prev, digest)
    assert chain.walk(entries).first_bad == 3


def test_the_hash_depends_on_every_field_and_on_the_entry_before():
    base = _content(1)
    digest = chain.entry_hash(chain.GENESIS, base)
    assert chain.entry_hash("f" * 64, base) != digest
    for change in ({"points": 3}, {"reason": "x"}, {"occurred_on": date(2026, 3, 2)}, {"employee_id": 2},
                   {"kind": "adjustment"}, {"created_at": base.created_at + timedelta(microseconds=1)}):
        assert chain.entry_hash(chain.GENESIS, chain.EntryContent(**{**base.__dict__, **change})) != digest


def test_the_cli_prints_an_anchor_and_verifies_against_it(posted, runner):
    printed = runner.invoke(args=["ledger", "anchor"]).output.strip()
    assert printed == str(svc.ledger_anchor())
    assert runner.invoke(args=["ledger", "verify", "--anchor", printed]).exit_code == 0
    longer = "5:" + printed.split(":")[1]
    assert runner.invoke(args=["ledger", "verify", "--anchor", longer]).exit_code == 1
    assert runner.invoke(args=["ledger", "verify", "--anchor", "nonsense"]).exit_code == 2


def test_an_entry_slipped_in_after_the_head_without_moving_it_is_caught(posted):
    last = db.session.get(LedgerEntry, 4)
    content = svc.ledger._content(last)
    forged = chain.EntryContent(**{**content.__dict__, "id": 5})
    with triggers_off():
        db.session.execute(text(
            "INSERT INTO ledger_entries (id, employee_id, kind, amount, points, violation_id, reverses_id, reason,"
            " created_by_id, created_at, occurred_on, prev_hash, hash) SELECT 5, employee_id, kind, amount, points,"
            " NULL, NULL, reason, created_by_id, created_at, occurred_on, :prev, :hash FROM ledger_entries"
            " WHERE id = 4"), {"prev": last.hash, "hash": chain.entry_hash(last.hash, forged)})
        report = svc.verify_ledger()
    assert not report.ok and report.first_bad == 5 and "after the recorded head" in report.problem
