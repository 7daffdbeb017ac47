"""Recording violations, reversals, appeals, re-stepping and dismissal reviews, through the service."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import AuditEvent, DismissalReview, LedgerEntry, Violation
from attendance.services import discipline as svc
from tests.conftest import make_person, make_team
from tests.images import PNG
from tests.policies import add_published


@pytest.fixture
def people(app):
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team, name="组长")
    staff = make_person(["staff"], team, name="张丽")
    supervisor = make_person(["supervisor"], name="陈主管")
    manager = make_person(["manager"], name="李经理")
    return {"team": team, "lead": lead, "staff": staff, "supervisor": supervisor, "manager": manager}


def days_ago(n: float) -> datetime:
    return clock.now() - timedelta(days=n)


def record(actor, person, rule, n_days_ago=1.0, **kwargs):
    return svc.record_violation(actor, employee=person, rule_code=rule, occurred_at=days_ago(n_days_ago), **kwargs)


# --- the ladders of the default policy ---------------------------------------------------------


def test_three_complaints_cost_30_then_60_then_raise_a_dismissal_review(people):
    lead, staff = people["lead"], people["staff"]
    first, second, third = (record(lead, staff, "COMPLAINT", d) for d in (3, 2, 1))

    assert [v.occurrence for v in (first, second, third)] == [1, 2, 3]
    assert [str(v.fine) for v in (first, second, third)] == ["30.00", "60.00", "0.00"]
    assert third.sanction == "dismissal_review" and third.dismissal_review
    reviews = db.session.scalars(select(DismissalReview)).all()
    assert [(r.violation_id, r.status) for r in reviews] == [(third.id, "pending")]
    entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert [(e.kind, str(e.amount), e.points) for e in entries] == [
        ("fine", "30.00", 6), ("fine", "60.00", 12), ("fine", "0.00", 20)]


def test_off_task_four_times_is_a_warning_10_20_then_20_flagged_for_review(people):
    lead, staff = people["lead"], people["staff"]
    got = [record(lead, staff, "OFF_TASK", d) for d in (4, 3, 2, 1)]

    assert [v.sanction for v in got] == ["warning", "fine", "fine", "fine"]
    assert [str(v.fine) for v in got] == ["0.00", "10.00", "20.00", "20.00"]
    assert [v.flagged_for_review for v in got] == [False, False, False, True]
    warning_entry = got[0].ledger_entries[0]
    assert (warning_entry.kind, warning_entry.amount, warning_entry.points) == ("fine", Decimal("0.00"), 1)


def test_falsify_without_an_amount_is_refused_by_the_rule_and_records_nothing(people):
    with pytest.raises(RuleRefused) as refused:
        record(people["lead"], people["staff"], "KEEP_FOUND")
    assert refused.value.code == "KEEP_FOUND"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_falsify_with_an_amount_in_range_fines_it_and_raises_a_dismissal_review(people):
    v = record(people["supervisor"], people["staff"], "KEEP_FOUND", amount=Decimal("250.00"), note="假单据")
    assert (v.fine, v.points, v.dismissal_review) == (Decimal("250.00"), 20, True)
    assert v.review.status == "pending"


def test_occurrences_count_per_person_and_per_rule(people):
    other = make_person(["staff"], people["team"])
    record(people["lead"], people["staff"], "COMPLAINT", 3)
    record(people["lead"], other, "COMPLAINT", 2)
    v = record(people["lead"], people["staff"], "OFF_TASK", 1)
    assert v.occurrence == 1
    assert record(people["lead"], people["staff"], "COMPLAINT", 0.5).occurrence == 2


def test_the_violation_keeps_source_recorder_policy_version_and_an_audit_record(people):
    v = record(people["lead"], people["staff"], "PHONE", source="complaint", note="客户面前玩手机")
    assert (v.source, v.recorded_by_id, v.note) == ("complaint", people["lead"].id, "客户面前玩手机")
    assert v.policy_version_id is not None and v.rule_name_zh and v.rule_name_en
    assert v.occurred_on == v.occurred_at.astimezone(clock.site_zone()).date()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "violation.record"))
    assert event.entity_key == str(v.id) and event.actor_id == people["lead"].id


# --- policy versions ---------------------------------------------------------------------------


def test_a_new_policy_version_applies_from_its_day_on_and_posted_entries_never_change(people):
    lead, staff = people["lead"], people["staff"]
    before = record(lead, staff, "HANDBOOK", 10)
    day = days_ago(5).date()
    doc = default_policy_document()
    doc["version"], doc["effective_from"] = "raise", day.isoformat()
    rule = next(r for r in doc["rules"] if r["code"] == "HANDBOOK")
    rule["ladder"] = [{"sanction": "fine", "amount": "15.00", "points": 3}]
    add_published(doc)

    still_old = record(lead, staff, "HANDBOOK", 6)  # the day before D
    on_day = svc.record_violation(lead, employee=staff, rule_code="HANDBOOK",
                                  occurred_at=datetime.combine(day, datetime.min.time(), clock.site_zone()))
    after = record(lead, staff, "HANDBOOK", 1)

    assert [str(v.fine) for v in (before, still_old, on_day, after)] == ["10.00", "10.00", "15.00", "15.00"]
    assert [v.occurrence for v in (before, still_old, on_day, after)] == [1, 2, 3, 4]
    entry = db.session.get(LedgerEntry, before.ledger_entries[0].id)
    assert entry.amount == Decimal("10.00")


# --- bad input ---------------------------------------------------------------------------------


def test_an_unknown_rule_is_invalid_input(people):
    with pytest.raises(InvalidInput) as invalid:
        record(people["lead"], people["staff"], "NO_SUCH_RULE")
    assert invalid.value.fields == {"rule": "unknown rule"}


def test_a_naive_or_future_time_is_invalid_input(people):
    with pytest.raises(InvalidInput):
        svc.record_violation(people["lead"], employee=people["staff"], rule_code="PHONE",
                             occurred_at=datetime(2026, 3, 1, 9, 0))
    with pytest.raises(InvalidInput):
        record(people["lead"], people["staff"], "PHONE", -1)


def test_an_unknown_source_is_invalid_input(people):
    with pytest.raises(InvalidInput) as invalid:
        record(people["lead"], people["staff"], "PHONE", source="rumour")
    assert "source" in invalid.value.fields


def test_a_lead_cannot_reach_someone_outside_their_team(people):
    outsider = make_person(["staff"], make_team("T2", "投诉处理组"))
    with pytest.raises(NotFound):
        svc.recordable_employee(people["lead"], outsider.employee_no)
    assert svc.recordable_employee(people["supervisor"], outsider.employee_no) == outsider


# --- automated sources -------------------------------------------------------------------------


def test_the_same_source_ref_returns_the_first_violation_and_creates_nothing(people):
    ref = f"attendance:{people['staff'].employee_no}:late"
    first = record(None, people["staff"], "LATE", source="attendance", source_ref=ref)
    again = record(None, people["staff"], "LATE", source="attendance", source_ref=ref)
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_a_reversed_violation_frees_its_source_ref(people):
    ref = "grooming:check-1:UNIFORM"
    first = record(None, people["staff"], "GROOMING", source="grooming", source_ref=ref)
    svc.reverse_violation(people["supervisor"], first, "wrong person")
    second = record(None, people["staff"], "GROOMING", source="grooming", source_ref=ref)
    assert second.id != first.id and second.occurrence == 1


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_is_stored_under_the_instance_folder_with_its_type_and_hash(people, app, tmp_path):
    app.instance_path = str(tmp_path)
    v = record(people["lead"], people["staff"], "PHONE", evidence=("photo.png", PNG, "image/png"))
    assert v.evidence_type == "image/png" and len(v.evidence_sha256) == 64
    assert (tmp_path / v.evidence_path).read_bytes() == PNG
    path, mime = svc.evidence_file(people["staff"], v.id)
    assert mime == "image/png" and path.read_bytes() == PNG


@pytest.mark.parametrize("data", [b"GIF89a" + b"\x00" * 20, b"", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)])
def test_evidence_that_is_not_a_photo_or_too_large_is_refused(people, data):
    with pytest.raises(InvalidInput) as invalid:
        record(people["lead"], people["staff"], "PHONE", evidence=("x.jpg", data, "image/jpeg"))
    assert "evidence" in invalid.value.fields


# --- reversal ----------------------------------------------------------------------------------


def test_a_reversal_negates_the_fine_and_the_violation_stops_counting(people):
    lead, staff = people["lead"], people["staff"]
    first = record(lead, staff, "COMPLAINT", 3)
    entry = svc.reverse_violation(people["supervisor"], first, "customer withdrew")
    assert (entry.kind, entry.amount, entry.points, entry.reverses_id) == (
        "reversal", Decimal("-30.00"), -6, first.ledger_entries[0].id)
    assert first.reversed_at is not None and first.reversed_reason == "customer withdrew"
    assert record(lead, staff, "COMPLAINT", 1).occurrence == 1
    with pytest.raises(Conflict):
        svc.reverse_violation(people["supervisor"], first, "again")


def test_a_reversal_needs_a_reason(people):
    v = record(people["lead"], people["staff"], "PHONE")
    with pytest.raises(InvalidInput):
        svc.reverse_violation(people["supervisor"], v, "  ")


# --- appeals and re-stepping -------------------------------------------------------------------


def test_an_overturned_appeal_reverses_and_later_occurrences_are_listed_then_restepped(people):
    lead, staff, supervisor = people["lead"], people["staff"], people["supervisor"]
    first, second, third = (record(lead, staff, "COMPLAINT", d) for d in (3, 2, 1))
    appeal = svc.file_appeal(staff, first.id, "那位客户投诉的不是我")

    decided = svc.decide_appeal(supervisor, appeal.id, "overturned", "录音证明不是她")
    assert decided.status == "overturned" and decided.decided_by_id == supervisor.id
    assert db.session.get(LedgerEntry, decided.reversal_entry_id).amount == Decimal("-30.00")

    wrong = svc.out_of_step(staff, "COMPLAINT")
    assert [(w.violation.id, w.decision.occurrence, str(w.decision.fine)) for w in wrong] == [
        (second.id, 1, "30.00"), (third.id, 2, "60.00")]

    new = svc.restep(supervisor, staff, "COMPLAINT", "appeal overturned the first")
    assert [(v.occurrence, str(v.fine), v.restep_of_id) for v in new] == [(1, "30.00", second.id),
                                                                           (2, "60.00", third.id)]
    assert second.reversed_at and third.reversed_at
    assert svc.out_of_step(staff, "COMPLAINT") == []
    owed = db.session.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.employee_id == staff.id))
    assert owed == Decimal("90.00")
    assert svc.verify_ledger().ok


def test_an_upheld_appeal_changes_no_money_and_cannot_be_decided_twice(people):
    v = record(people["lead"], people["staff"], "COMPLAINT")
    appeal = svc.file_appeal(people["staff"], v.id, "不服")
    svc.decide_appeal(people["supervisor"], appeal.id, "upheld", "录音属实")
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    with pytest.raises(Conflict):
        svc.decide_appeal(people["manager"], appeal.id, "overturned", "再议")


def test_only_the_person_appeals_and_only_once(people):
    v = record(people["lead"], people["staff"], "PHONE")
    with pytest.raises(Forbidden):
        svc.file_appeal(people["lead"], v.id, "代为申诉")
    svc.file_appeal(people["staff"], v.id, "不服")
    with pytest.raises(Conflict):
        svc.file_appeal(people["staff"], v.id, "再次")


def test_a_late_recorded_earlier_violation_puts_later_ones_out_of_step(people):
    lead, staff = people["lead"], people["staff"]
    later = record(lead, staff, "OFF_TASK", 1)
    earlier = record(lead, staff, "OFF_TASK", 5)
    assert (later.occurrence, earlier.occurrence) == (1, 1)
    wrong = svc.out_of_step(staff, "OFF_TASK")
    assert [(w.violation.id, w.decision.occurrence, str(w.decision.fine)) for w in wrong] == [
        (later.id, 2, "10.00")]


# --- dismissal reviews -------------------------------------------------------------------------


def test_a_manager_decides_a_dismissal_review_once_with_who_and_when(people):
    v = record(people["supervisor"], people["staff"], "KEEP_FOUND", amount="100.00")
    review = svc.decide_dismissal(people["manager"], v.review.id, "final_warning", "初犯，最后警告")
    assert (review.status, review.decided_by_id) == ("final_warning", people["manager"].id)
    assert review.decided_at is not None
    with pytest.raises(Conflict):
        svc.decide_dismissal(people["manager"], review.id, "dismiss", "改主意")
    with pytest.raises(InvalidInput):
        svc.decide_dismissal(people["manager"], v.review.id, "fire", "x")


# --- what people see ---------------------------------------------------------------------------


def test_staff_see_only_their_own_violations_and_ledger(people):
    other = make_person(["staff"], people["team"])
    record(people["lead"], people["staff"], "PHONE", 2)
    record(people["lead"], other, "PHONE", 1)
    mine = svc.violations_for(people["staff"]).items
    assert {v.employee_id for v in mine} == {people["staff"].id}
    with pytest.raises(NotFound):
        svc.violations_for(people["staff"], other.employee_no)
    with pytest.raises(NotFound):
        svc.ledger_for(people["staff"], other.employee_no)
    assert {r.entry.employee_id for r in svc.ledger_for(people["staff"]).items} == {people["staff"].id}


def test_the_ledger_shows_a_running_balance_per_person(people):
    lead, staff = people["lead"], people["staff"]
    other = make_person(["staff"], people["team"])
    record(lead, staff, "COMPLAINT", 3)
    record(lead, other, "HANDBOOK", 2)
    second = record(lead, staff, "COMPLAINT", 1)
    svc.reverse_violation(people["supervisor"], second, "撤销")
    rows = svc.ledger_for(people["supervisor"], staff.employee_no).items
    assert [str(r.balance) for r in rows] == ["30.00", "90.00", "30.00"]
    assert [r.points_total for r in rows] == [6, 18, 6]


def test_my_page_summary_holds_this_months_fines_and_points(people):
    record(people["lead"], people["staff"], "HANDBOOK", 0)
    mine = svc.my_discipline(people["staff"])
    assert len(mine.violations) == 1
    assert (mine.fines_this_month, mine.points_this_month) == (Decimal("10.00"), 2)


def test_restepping_automated_violations_keeps_their_source_ref_on_the_new_ones(people):
    staff, supervisor = people["staff"], people["supervisor"]
    refs = [f"attendance:{staff.employee_no}:day{d}:late" for d in (3, 2, 1)]
    first, second, third = (record(None, staff, "LATE", d, source="attendance", source_ref=ref)
                            for d, ref in zip((3, 2, 1), refs, strict=True))
    svc.reverse_violation(supervisor, first, "打卡机故障")
    new = svc.restep(supervisor, staff, "LATE", "打卡机故障后重排")
    assert [(v.source_ref, v.occurrence, v.sanction) for v in new] == [(refs[1], 1, "warning"), (refs[2], 2, "fine")]
    again = record(None, staff, "LATE", 2, source="attendance", source_ref=refs[1])
    assert again.id == new[0].id  # the automated source finds the counted one and records nothing
    assert svc.verify_ledger().ok
