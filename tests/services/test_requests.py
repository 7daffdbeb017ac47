"""Requests and approvals, with missed-punch corrections (补卡) as the first kind: fixed dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    AuditEvent,
    LedgerEntry,
    Notification,
    Punch,
    PunchCorrection,
    Request,
    Violation,
)
from attendance.services import attendance, punches, requests, roster, shift_types
from tests.conftest import make_person, make_team

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI)  # a Thursday morning
DAY = date(2026, 11, 4)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def world(app, fixed_clock):
    t1, t2 = make_team("T1", "热线一组"), make_team("T2", "投诉组")
    lead = make_person(["lead", "staff"], t1)
    other_lead = make_person(["lead", "staff"], t2)
    staff = make_person(["staff"], t1, name="王芳")
    colleague = make_person(["staff"], t1)
    supervisor = make_person(["supervisor"])
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    for day in range(2, 6):
        roster.set_roster_day(lead, staff.employee_no, date(2026, 11, day), "D8")
    return {"lead": lead, "other_lead": other_lead, "staff": staff, "colleague": colleague,
            "supervisor": supervisor}


def ask(person, day=DAY, direction="in", at="2026-11-04T07:58", reason="忘记打卡，有同事作证", **more):
    return requests.file_correction(person, {"date": day.isoformat() if isinstance(day, date) else day,
                                             "direction": direction, "at": at, "reason": reason, **more})


def test_a_correction_for_a_day_judged_absent_turns_it_present_and_reverses_the_fine(world):
    staff, lead = world["staff"], world["lead"]
    attendance.evaluate(None, DAY)  # no punch at all that day
    day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == staff.id))
    absent = db.session.scalar(select(Violation).where(Violation.employee_id == staff.id))
    assert (day.status, absent.rule_code, str(absent.fine)) == ("absent", "ABSENT", "50.00")

    request = ask(staff)
    assert (request.status, request.chain) == ("pending", ("lead",))
    assert count(Notification, Notification.employee_id == lead.id, Notification.kind == "approval_waiting") == 1

    requests.decide(lead, request.id, "approve", "同事确认")
    db.session.expire_all()
    day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == staff.id))
    assert (day.status, day.late_minutes, day.missing_in, day.missing_out) == ("present", 0, False, True)
    punch = db.session.get(Punch, request.correction.punch_id)
    assert (punch.source, punch.direction, punch.at) == ("correction", "in", datetime(2026, 11, 4, 7, 58,
                                                                                       tzinfo=SHANGHAI))
    assert db.session.get(Violation, absent.id).reversed_at is not None
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.employee_id == staff.id)
                                 .order_by(LedgerEntry.id)).all()
    assert [(e.kind, str(e.amount)) for e in entries] == [("fine", "50.00"), ("reversal", "-50.00")]
    told = db.session.scalars(select(Notification).where(Notification.employee_id == staff.id)
                              .order_by(Notification.id)).all()
    assert [n.kind for n in told] == ["violation", "request_decided"]  # the fine, then the decision
    assert told[0].link == f"/violations/{absent.id}/explanation" and told[1].title == "Approved: your request"
    assert told[1].params["by"] == lead.name and told[1].params["note"] == "同事确认"
    assert count(AuditEvent, AuditEvent.action == "punch_correction.approve") == 1


def test_the_lead_sees_own_team_only_and_nobody_decides_their_own(world):
    staff, lead, other_lead = world["staff"], world["lead"], world["other_lead"]
    request = ask(staff)
    assert [i.id for i in requests.inbox(lead)] == [request.id]
    assert requests.inbox(other_lead) == [] and requests.inbox(world["colleague"]) == []
    with pytest.raises(NotFound):
        requests.decide(other_lead, request.id, "approve")
    with pytest.raises(Forbidden):
        requests.decide(world["supervisor"], request.id, "approve")  # the step is the lead's
    own = ask(lead, at="2026-11-04T08:00", reason="自己的补卡")
    assert own.id not in [i.id for i in requests.inbox(lead)]
    with pytest.raises(Forbidden) as refused:
        requests.decide(lead, own.id, "approve")
    assert refused.value.code == "own_request"


def test_deciding_twice_or_a_withdrawn_request_is_a_conflict(world):
    staff, lead = world["staff"], world["lead"]
    first = ask(staff)
    requests.decide(lead, first.id, "reject", "没有证据")
    with pytest.raises(Conflict):
        requests.decide(lead, first.id, "approve")
    second = ask(staff, direction="out", at="2026-11-04T18:05")
    requests.withdraw(staff, second.id)
    with pytest.raises(Conflict):
        requests.decide(lead, second.id, "approve")
    third = ask(staff, day=date(2026, 11, 3), at="2026-11-03T07:55")
    with pytest.raises(Forbidden):
        requests.withdraw(lead, third.id)  # only the person who asked


def test_quota_and_window_refusals_name_their_rule_and_store_nothing(world):
    staff = world["staff"]
    for n, day in enumerate((date(2026, 11, 2), date(2026, 11, 3), DAY)):
        ask(staff, day=day, at=f"{day.isoformat()}T07:5{n}")
    stored = (count(Request), count(PunchCorrection), count(AuditEvent), count(Notification))
    with pytest.raises(RuleRefused) as quota:
        ask(staff, day=date(2026, 11, 5), at="2026-11-05T07:59")
    assert quota.value.code == "correction_quota"
    with pytest.raises(RuleRefused) as window:
        ask(world["colleague"], day=date(2026, 11, 1), at="2026-11-01T08:00")
    assert window.value.code == "correction_window"
    assert (count(Request), count(PunchCorrection), count(AuditEvent), count(Notification)) == stored


def test_a_rejected_or_withdrawn_correction_gives_its_place_in_the_quota_back(world):
    staff, lead = world["staff"], world["lead"]
    made = [ask(staff, day=date(2026, 11, d), at=f"2026-11-0{d}T07:50") for d in (2, 3, 4)]
    requests.decide(lead, made[0].id, "reject")
    assert ask(staff, day=date(2026, 11, 5), at="2026-11-05T07:59").status == "pending"


def test_bad_input_names_each_field_and_stores_nothing(world):
    with pytest.raises(InvalidInput) as bad:
        requests.file_correction(world["staff"], {"date": "2026-13-40", "direction": "sideways", "at": "soon"})
    assert set(bad.value.fields) >= {"date", "direction", "at", "reason"}
    with pytest.raises(InvalidInput) as far:
        ask(world["staff"], at="2026-11-01T08:00")  # not on the day or the morning after
    assert "at" in far.value.fields
    assert count(Request) == 0


def test_a_lead_may_file_for_a_team_member_but_staff_not_for_a_colleague(world):
    filed = ask(world["lead"], employee_no=world["staff"].employee_no)
    assert (filed.requester_id, filed.subject_id) == (world["lead"].id, world["staff"].id)
    assert filed.chain == ("supervisor",)  # filed by the lead: it goes one level up
    assert requests.inbox(world["lead"]) == []
    assert [i.id for i in requests.inbox(world["supervisor"])] == [filed.id]
    with pytest.raises(NotFound):  # staff do not see a colleague: 404, never "exists but not yours"
        ask(world["colleague"], employee_no=world["staff"].employee_no)


def test_the_inbox_holds_appeals_and_dismissal_reviews_beside_requests_oldest_first(world):
    from attendance.services import discipline

    staff, lead = world["staff"], world["lead"]
    manager = make_person(["manager"])
    violation = discipline.record_violation(lead, employee=staff, rule_code="COMPLAINT",
                                            occurred_at=datetime(2026, 11, 3, 11, tzinfo=SHANGHAI))
    discipline.file_appeal(staff, violation.id, "客户投诉的是系统故障")
    correction = ask(staff)
    supervisor_items = requests.inbox(world["supervisor"])
    assert [i.kind for i in supervisor_items] == ["appeal"]  # the correction is the lead's to decide
    assert [(i.kind, i.id) for i in requests.inbox(lead)] == [("punch_correction", correction.id)]
    assert "appeal" in [i.kind for i in requests.inbox(manager)]
    assert requests.inbox(staff) == [] and requests.inbox_count(staff) == 0


def test_the_attendance_sheet_counts_approved_and_direct_corrections_alike(world):
    staff, lead = world["staff"], world["lead"]
    requests.decide(lead, ask(staff).id, "approve")
    punches.add_punch(lead, {"employee_no": staff.employee_no, "direction": "out", "at": "2026-11-04T18:03",
                             "source": "correction", "note": "领班直接补录"})
    requests.decide(lead, ask(staff, day=date(2026, 11, 3), at="2026-11-03T07:59").id, "reject")
    sheet = attendance.month_sheet(world["supervisor"], "2026-11", "T1")
    totals = {row.person.employee_no: row.totals for row in sheet.rows}
    assert totals[staff.employee_no].corrections == 2  # the rejected one added no punch
    assert totals[world["colleague"].employee_no].corrections == 0


def test_the_badge_counts_what_the_inbox_lists_without_loading_it(world):
    from attendance.services import discipline

    staff, lead = world["staff"], world["lead"]
    violation = discipline.record_violation(lead, employee=staff, rule_code="COMPLAINT",
                                            occurred_at=datetime(2026, 11, 3, 11, tzinfo=SHANGHAI))
    discipline.file_appeal(staff, violation.id, "客户投诉的是系统故障")
    ask(staff)
    ask(lead, reason="自己的补卡")  # the supervisor's
    for person in (lead, world["supervisor"], world["other_lead"], staff, make_person(["manager"])):
        assert requests.inbox_count(person) == len(requests.inbox(person)), person.roles
    assert (requests.inbox_count(lead), requests.inbox_count(world["supervisor"])) == (1, 2)


def test_a_two_step_chain_tells_the_requester_each_step_and_approved_only_at_the_end(world):
    from attendance.domain.policy import default_policy_document
    from attendance.services import policy

    doc = default_policy_document()
    doc.update(version="2026-11-b", effective_from="2026-11-01")
    doc["corrections"]["approvers"] = ["lead", "supervisor"]
    policy.add_version(None, doc)
    staff, lead, supervisor = world["staff"], world["lead"], world["supervisor"]
    request = ask(staff)
    assert request.chain == ("lead", "supervisor") and requests.inbox(supervisor) == []

    requests.decide(lead, request.id, "approve", "情况属实")
    kinds = db.session.scalars(select(Notification.kind).where(Notification.employee_id == staff.id)).all()
    assert kinds == ["request_step"]  # not "approved" after the first of two steps
    assert [i.id for i in requests.inbox(supervisor)] == [request.id] and requests.inbox(lead) == []
    assert count(Punch, Punch.source == "correction") == 0

    requests.decide(supervisor, request.id, "approve")
    kinds = db.session.scalars(select(Notification.kind).where(Notification.employee_id == staff.id)
                               .order_by(Notification.id)).all()
    assert kinds == ["request_step", "request_decided"]
    assert count(Punch, Punch.source == "correction") == 1
    assert [(s.role, s.status, s.decided_by_id) for s in db.session.get(Request, request.id).steps] == [
        ("lead", "approved", lead.id), ("supervisor", "approved", supervisor.id)]
