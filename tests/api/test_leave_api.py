"""/api/v1 leave (请假): each rule of issue 11 as a scenario with fixed dates, through the API.

The clock is fixed (Thursday 2026-11-05 10:00 in Shanghai) and moved where a scenario needs time to pass.
Team T1 works the day shift D8 (08:00–18:00) every day from 2026-11-01 to 2026-11-30 except Sundays.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from attendance.domain.leave import days_text
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    AuditEvent,
    LeaveEntitlement,
    LeaveRequest,
    Notification,
    Request,
    Violation,
)
from attendance.services import attendance, leave
from tests.clocks import NOW, SHANGHAI, Clock  # noqa: F401  (other test modules import them from here)
from tests.concurrency import run_together
from tests.conftest import make_person, token_for
from tests.leave_world import leave_team


@pytest.fixture
def world(app, moving_clock):
    return leave_team()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def ask(client, who, **fields):
    body = {"type": "personal", "start": "2026-11-09", "reason": "家中有事", **fields}
    body.setdefault("end", body["start"])
    return client.post("/api/v1/leave-requests", json=body, headers=token_for(client, who))


def decide(client, who, request_id, outcome="approve"):
    return client.post(f"/api/v1/leave-requests/{request_id}/{outcome}", json={}, headers=token_for(client, who))


API = [
    ("POST", "/api/v1/leave-requests", set(ROLES)),
    ("GET", "/api/v1/leave-requests", set(ROLES)),
    ("GET", "/api/v1/leave-requests/{id}", set(ROLES)),
    ("POST", "/api/v1/leave-requests/{id}/approve", {"lead", "supervisor", "manager", "gm", "hr", "admin"}),
    ("POST", "/api/v1/leave-requests/{id}/reject", {"lead", "supervisor", "manager", "gm", "hr", "admin"}),
    ("POST", "/api/v1/leave-requests/{id}/cancel", set(ROLES)),
    ("POST", "/api/v1/leave-requests/{id}/extend", set(ROLES)),
    ("POST", "/api/v1/leave-requests/{id}/return", set(ROLES)),
    ("POST", "/api/v1/leave-requests/{id}/certificate", set(ROLES)),
    ("GET", "/api/v1/leave-requests/{id}/certificate", set(ROLES)),
    ("GET", "/api/v1/leave-balances", set(ROLES)),
    ("PUT", "/api/v1/leave-balances/{employee_no}/annual", {"hr"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_leave_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        url = path.format(id=999999, employee_no="NOBODY")
        status = client.open(url, method=method, headers=headers, json={} if method != "GET" else None).status_code
        assert (status != 403) if role in roles else (status == 403), (role, method, path, status)


# --- 2, 3: a one-day leave, its chain, and the day it covers --------------------------------------


def test_a_one_day_leave_approved_by_lead_then_supervisor_is_leave_and_never_absent(client, world, moving_clock):
    staff = world["staff"]
    filed = ask(client, staff)
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert (body["status"], body["days"], body["type"]) == ("pending", "1", "personal")
    assert [(s["role"], s["status"]) for s in body["approval_chain"]] == [("lead", "pending"),
                                                                           ("supervisor", "waiting")]
    lead_inbox = client.get("/api/v1/approvals", headers=token_for(client, world["lead"])).get_json()["items"]
    assert [(i["kind"], i["id"]) for i in lead_inbox] == [("leave", body["id"])]

    assert decide(client, world["supervisor"], body["id"]).status_code == 403  # not yet their step
    assert decide(client, world["lead"], body["id"]).get_json()["status"] == "pending"
    approved = decide(client, world["supervisor"], body["id"])
    assert approved.get_json()["status"] == "approved"
    assert decide(client, world["supervisor"], body["id"]).status_code == 409  # approving twice
    titles = db.session.scalars(select(Notification.title).where(Notification.employee_id == staff.id)).all()
    assert "Approved: your request" in titles

    moving_clock.at = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    report = attendance.evaluate(None, date(2026, 11, 9))
    day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == staff.id,
                                                        AttendanceDay.day == date(2026, 11, 9)))
    assert (day.status, day.leave_type) == ("leave", "personal")
    assert count(Violation, Violation.employee_id == staff.id) == 0
    assert all(v.employee_id != staff.id for v in report.raised)
    mate_day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == world["mate"].id,
                                                             AttendanceDay.day == date(2026, 11, 9)))
    assert mate_day.status == "absent"  # the rule still holds for the person with no leave


def test_a_three_day_leave_needs_the_general_manager_and_a_supervisor_cannot_decide_that_step(client, world):
    filed = ask(client, world["staff"], type="annual", start="2026-11-10", end="2026-11-12")
    assert filed.status_code == 422  # no annual days yet (hired today): the balance refuses it
    assert filed.get_json()["error"]["code"] == "leave_balance"
    filed = ask(client, world["staff"], type="sick", start="2026-11-10", end="2026-11-12", reason="住院")
    body = filed.get_json()
    assert [s["role"] for s in body["approval_chain"]] == ["lead", "supervisor", "gm"]
    decide(client, world["lead"], body["id"])
    decide(client, world["supervisor"], body["id"])
    # The supervisor's own step is done: pressing again is "already decided"; the general manager's step is
    # not theirs, nor HR's, and the leave waits for the general manager.
    refused = decide(client, world["supervisor"], body["id"])
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "already_decided"
    other_supervisor = make_person(["supervisor"])
    assert decide(client, other_supervisor, body["id"]).status_code == 409
    assert decide(client, world["hr"], body["id"]).get_json()["error"]["code"] == "not_your_step"
    waiting = client.get(f"/api/v1/leave-requests/{body['id']}", headers=token_for(client, world["gm"])).get_json()
    assert (waiting["status"], [s["status"] for s in waiting["approval_chain"]]) == (
        "pending", ["approved", "approved", "pending"])
    assert decide(client, world["gm"], body["id"]).get_json()["status"] == "approved"


def test_a_leave_the_lead_asks_for_goes_to_the_supervisor(client, world):
    body = ask(client, world["lead"]).get_json()
    assert [s["role"] for s in body["approval_chain"]] == ["supervisor"]


# --- 2: refusals store nothing -------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "code"), [
    ({"start": "2026-11-06", "end": "2026-11-06"}, "leave_notice"),  # tomorrow 08:00: 22 h
    ({"start": "2026-11-10", "end": "2026-11-12"}, "leave_notice"),  # personal, 3 days, 5 days ahead
    ({"type": "annual"}, "leave_balance"),
    ({"start": "2026-11-08", "end": "2026-11-08"}, "leave_no_working_day"),  # a Sunday off
])
def test_each_refusal_names_its_rule_and_stores_nothing(client, world, fields, code):
    before = (count(Request), count(LeaveRequest), count(Notification), count(AuditEvent))
    refused = ask(client, world["staff"], **fields)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["code"] == code
    assert (count(Request), count(LeaveRequest), count(Notification), count(AuditEvent)) == before


def test_personal_leave_of_three_days_with_a_week_of_notice_is_accepted(client, world):
    assert ask(client, world["staff"], start="2026-11-12", end="2026-11-14").get_json()["error"]["code"] == \
        "leave_notice"  # 6 days 22 hours ahead
    assert ask(client, world["staff"], start="2026-11-16", end="2026-11-18").status_code == 201


def test_an_overlapping_leave_is_refused_and_stores_nothing(client, world):
    assert ask(client, world["staff"], start="2026-11-09", end="2026-11-09", half_day="am").status_code == 201
    before = count(Request)
    refused = ask(client, world["staff"], start="2026-11-09", end="2026-11-09", half_day="pm")
    assert refused.get_json()["error"]["code"] == "leave_overlap"
    assert count(Request) == before


@pytest.mark.parametrize(("fields", "field"), [
    ({"type": "holiday"}, "type"),
    ({"start": "11/09/2026"}, "start"),
    ({"start": "2026-11-10", "end": "2026-11-09"}, "end"),
    ({"start": "2026-11-09", "end": "2026-11-10", "half_day": "am"}, "half_day"),
    ({"half_day": "noon"}, "half_day"),
    ({"reason": "  "}, "reason"),
    ({"reason": "x" * 501}, "reason"),
])
def test_bad_input_is_a_400_naming_the_field(client, world, fields, field):
    before = count(Request)
    refused = ask(client, world["staff"], **fields)
    assert refused.status_code == 400
    assert field in refused.get_json()["error"]["fields"], refused.get_json()
    assert count(Request) == before


# --- 4: emergency leave ----------------------------------------------------------------------------


def test_an_absent_fine_raised_before_an_emergency_leave_was_approved_is_reversed(client, world, moving_clock):
    staff = world["staff"]
    moving_clock.at = datetime(2026, 11, 6, 7, 0, tzinfo=SHANGHAI)
    attendance.evaluate(None, date(2026, 11, 5))
    absent = db.session.scalar(select(Violation).where(Violation.employee_id == staff.id))
    assert absent.rule_code == "ABSENT" and absent.reversed_at is None

    refused = ask(client, staff, start="2026-11-05", end="2026-11-05", emergency=True, type="sick", reason="急病")
    assert refused.status_code == 403  # the person phones; the lead files
    moving_clock.at = datetime(2026, 11, 6, 7, 30, tzinfo=SHANGHAI)  # 23.5 h after the shift began
    filed = ask(client, world["lead"], employee_no=staff.employee_no, start="2026-11-05", end="2026-11-05",
                emergency=True,
                type="sick", reason="急病，电话告知")
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body["emergency"] is True and body["requested_by"] == world["lead"].employee_no
    assert [s["role"] for s in body["approval_chain"]] == ["supervisor"]
    assert decide(client, world["supervisor"], body["id"]).get_json()["status"] == "approved"
    db.session.expire_all()
    absent = db.session.get(Violation, absent.id)
    assert absent.reversed_at is not None
    day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == staff.id,
                                                        AttendanceDay.day == date(2026, 11, 5)))
    assert (day.status, day.leave_type) == ("leave", "sick")


def test_an_emergency_leave_filed_more_than_a_day_after_it_began_is_refused(client, world, moving_clock):
    moving_clock.at = datetime(2026, 11, 6, 8, 30, tzinfo=SHANGHAI)
    refused = ask(client, world["lead"], employee_no=world["staff"].employee_no, start="2026-11-05",
                  end="2026-11-05", emergency=True)
    assert refused.get_json()["error"]["code"] == "leave_notice"


# --- 5: sick leave certificate -------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _approved_sick(client, world, **fields):
    body = ask(client, world["staff"], type="sick", reason="发烧", **fields).get_json()
    for step in body["approval_chain"]:
        assert decide(client, world[step["role"]], body["id"]).status_code == 200
    return body["id"]


def test_a_sick_leave_with_no_certificate_by_the_day_after_return_counts_as_personal(client, world, moving_clock):
    leave_id = _approved_sick(client, world)  # 2026-11-09; back on the 10th; due by the end of the 11th
    moving_clock.at = datetime(2026, 11, 11, 23, 0, tzinfo=SHANGHAI)
    assert leave.apply_missing_certificates() == 0
    moving_clock.at = datetime(2026, 11, 12, 1, 0, tzinfo=SHANGHAI)
    assert leave.apply_missing_certificates() == 1
    assert leave.apply_missing_certificates() == 0  # once
    got = client.get(f"/api/v1/leave-requests/{leave_id}", headers=token_for(client, world["staff"])).get_json()
    assert (got["type"], got["counted_as"]) == ("sick", "personal") and got["certificate_missed_at"]
    told = set(db.session.scalars(select(Notification.employee_id).where(
        Notification.kind == "leave_certificate_missed")))
    assert told == {world["staff"].id, world["lead"].id}
    day = db.session.scalar(select(AttendanceDay).where(AttendanceDay.employee_id == world["staff"].id,
                                                        AttendanceDay.day == date(2026, 11, 9)))
    assert day is None or day.leave_type == "personal"

    brought = client.post(f"/api/v1/leave-requests/{leave_id}/certificate", headers=token_for(client, world["staff"]),
                          data={"certificate": (__import__("io").BytesIO(PDF), "note.pdf")},
                          content_type="multipart/form-data")
    assert brought.status_code == 200, brought.get_json()
    assert brought.get_json()["counted_as"] == "sick" and brought.get_json()["certificate"] is True


def test_a_certificate_is_judged_by_its_content_and_seen_only_by_the_person_approvers_and_hr(client, world):
    leave_id = _approved_sick(client, world)
    url = f"/api/v1/leave-requests/{leave_id}/certificate"
    staff_headers = token_for(client, world["staff"])
    fake = client.post(url, headers=staff_headers, json={"filename": "x.pdf", "data": "aGVsbG8="})  # "hello"
    assert fake.status_code == 400 and "certificate" in fake.get_json()["error"]["fields"]
    assert client.post(url, headers=staff_headers, json={"data": "not base64!"}).status_code == 400
    import base64
    ok = client.post(url, headers=staff_headers, json={"filename": "x.pdf", "data": base64.b64encode(PDF).decode()})
    assert ok.status_code == 200
    for who, status in (("staff", 200), ("lead", 200), ("supervisor", 200), ("hr", 200), ("gm", 404),
                        ("admin", 404), ("mate", 404)):
        got = client.get(url, headers=token_for(client, world[who]))
        assert got.status_code == status, who
        if status == 200:
            assert got.data == PDF and got.mimetype == "application/pdf"
        got.close()
    views = db.session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "leave.certificate.view")).all()
    assert sorted(views) == sorted(world[w].id for w in ("staff", "lead", "supervisor", "hr"))


# --- 6: return and extension ---------------------------------------------------------------------


def test_an_extension_asked_in_time_covers_the_days_after_and_one_too_late_is_refused(client, world, moving_clock):
    leave_id = _approved_sick(client, world, start="2026-11-09", end="2026-11-10")
    moving_clock.at = datetime(2026, 11, 10, 6, 1, tzinfo=SHANGHAI)  # under 12 h before 18:00
    late = client.post(f"/api/v1/leave-requests/{leave_id}/extend", json={"end": "2026-11-11", "reason": "未愈"},
                       headers=token_for(client, world["staff"]))
    assert late.status_code == 422 and late.get_json()["error"]["code"] == "extension_too_late"
    moving_clock.at = datetime(2026, 11, 10, 5, 59, tzinfo=SHANGHAI)
    ext = client.post(f"/api/v1/leave-requests/{leave_id}/extend", json={"end": "2026-11-11", "reason": "未愈"},
                      headers=token_for(client, world["staff"]))
    assert ext.status_code == 201, ext.get_json()
    body = ext.get_json()
    assert (body["start"], body["end"], body["days"], body["extends"]) == ("2026-11-11", "2026-11-11", "1", leave_id)
    assert [s["role"] for s in body["approval_chain"]] == ["lead", "supervisor", "gm"]  # 3 days in all
    for who in ("lead", "supervisor", "gm"):
        decide(client, world[who], body["id"])
    covered = attendance.leave_covers([world["staff"].id], date(2026, 11, 9), date(2026, 11, 12))
    assert sorted(d for _, d in covered) == [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 11)]


def test_back_early_the_later_days_are_no_longer_leave_and_use_no_balance(client, world, moving_clock):
    hr = world["hr"]
    client.put(f"/api/v1/leave-balances/{world['staff'].employee_no}/annual", json={"entitled": "5", "reason": "入职"},
               headers=token_for(client, hr))
    body = ask(client, world["staff"], type="annual", start="2026-11-09", end="2026-11-11").get_json()
    for who in ("lead", "supervisor", "gm"):
        decide(client, world[who], body["id"])
    moving_clock.at = datetime(2026, 11, 10, 7, 45, tzinfo=SHANGHAI)
    back = client.post(f"/api/v1/leave-requests/{body['id']}/return", json={},
                       headers=token_for(client, world["staff"]))
    assert back.status_code == 200 and back.get_json()["days"] == "1"
    assert client.post(f"/api/v1/leave-requests/{body['id']}/return", json={},
                       headers=token_for(client, world["staff"])).status_code == 409
    covered = attendance.leave_covers([world["staff"].id], date(2026, 11, 9), date(2026, 11, 11))
    assert (world["staff"].id, date(2026, 11, 11)) not in covered
    assert covered[(world["staff"].id, date(2026, 11, 10))].end == datetime(2026, 11, 10, 7, 45, tzinfo=SHANGHAI)
    annual = _balance(client, world["staff"], world["staff"])["annual"]
    assert (annual["used"], annual["remaining"]) == ("1", "4")
    told = set(db.session.scalars(select(Notification.employee_id).where(Notification.kind == "leave_returned")))
    assert told == {world["lead"].id, world["supervisor"].id}  # 向领班和主管销假


# --- 7: cancel ------------------------------------------------------------------------------------


def test_cancel_pending_by_the_person_approved_by_an_approver_and_never_once_begun(client, world, moving_clock):
    staff = world["staff"]
    pending = ask(client, staff).get_json()
    gone = client.post(f"/api/v1/leave-requests/{pending['id']}/cancel", json={}, headers=token_for(client, staff))
    assert gone.get_json()["status"] == "cancelled"
    assert client.post(f"/api/v1/leave-requests/{pending['id']}/cancel", json={},
                       headers=token_for(client, staff)).status_code == 409

    body = ask(client, staff, start="2026-11-10").get_json()
    decide(client, world["lead"], body["id"])
    decide(client, world["supervisor"], body["id"])
    asked = client.post(f"/api/v1/leave-requests/{body['id']}/cancel", json={"reason": "不用了"},
                        headers=token_for(client, staff)).get_json()
    assert asked["status"] == "approved" and asked["cancel_asked_at"]
    told = set(db.session.scalars(select(Notification.employee_id).where(Notification.kind == "leave_cancel_asked")))
    assert world["lead"].id in told and world["supervisor"].id in told
    assert client.post(f"/api/v1/leave-requests/{body['id']}/cancel", json={},
                       headers=token_for(client, world["mate"])).status_code == 404
    done = client.post(f"/api/v1/leave-requests/{body['id']}/cancel", json={}, headers=token_for(client, world["lead"]))
    assert done.get_json()["status"] == "cancelled"

    third = ask(client, staff, start="2026-11-11").get_json()
    decide(client, world["lead"], third["id"])
    decide(client, world["supervisor"], third["id"])
    moving_clock.at = datetime(2026, 11, 11, 8, 0, tzinfo=SHANGHAI)
    started = client.post(f"/api/v1/leave-requests/{third['id']}/cancel", json={},
                          headers=token_for(client, world["lead"]))
    assert started.status_code == 422 and started.get_json()["error"]["code"] == "leave_started"


# --- 8: balances ---------------------------------------------------------------------------------


def _balance(client, viewer, person) -> dict:
    got = client.get(f"/api/v1/leave-balances?employee_no={person.employee_no}", headers=token_for(client, viewer))
    assert got.status_code == 200, got.get_json()
    return {row["type"]: row for row in got.get_json()["items"]}


def test_annual_days_follow_years_worked_and_used_pending_and_cancelled_leave_show(client, world):
    staff = world["staff"]
    staff.hire_date = date(2015, 11, 1)  # 11 years
    db.session.commit()
    annual = _balance(client, staff, staff)["annual"]
    assert (annual["entitled"], annual["used"], annual["pending"], annual["remaining"]) == ("10", "0", "0", "10")
    first = ask(client, staff, type="annual", start="2026-11-09").get_json()
    second = ask(client, staff, type="annual", start="2026-11-10", end="2026-11-11").get_json()
    third = ask(client, staff, type="annual", start="2026-11-13").get_json()
    for body in (first, second):
        for who in ("lead", "supervisor", "gm"):
            decide(client, world[who], body["id"])
    annual = _balance(client, staff, staff)["annual"]
    assert (annual["used"], annual["pending"], annual["remaining"]) == ("3", "1", "6")
    client.post(f"/api/v1/leave-requests/{third['id']}/cancel", json={}, headers=token_for(client, staff))
    annual = _balance(client, staff, staff)["annual"]
    assert (annual["used"], annual["pending"], annual["remaining"]) == ("3", "0", "7")
    assert _balance(client, staff, staff)["personal"]["entitled"] is None


def test_hr_sets_a_balance_with_a_reason_and_every_change_is_kept(client, world):
    staff, hr = world["staff"], world["hr"]
    url = f"/api/v1/leave-balances/{staff.employee_no}/marriage"
    assert client.put(url, json={"entitled": "3"}, headers=token_for(client, hr)).status_code == 400  # no reason
    assert client.put(url, json={"entitled": "-1", "reason": "x"}, headers=token_for(client, hr)).status_code == 400
    assert client.put(url, json={"entitled": "1.3", "reason": "x"}, headers=token_for(client, hr)).status_code == 400
    assert client.put(f"/api/v1/leave-balances/{staff.employee_no}/personal", json={"entitled": "3", "reason": "x"},
                      headers=token_for(client, hr)).status_code == 400  # personal leave has no balance
    hr_headers = token_for(client, hr)
    assert client.put(url, json={"entitled": "3", "reason": "婚假 3 天"}, headers=hr_headers).status_code == 200
    assert client.put(url, json={"entitled": "10", "reason": "晚婚"}, headers=token_for(client, hr)).get_json()[
        "entitled"] == "10"
    rows = db.session.scalars(select(LeaveEntitlement).order_by(LeaveEntitlement.id)).all()
    assert [(days_text(r.entitled), days_text(r.previous), r.reason, r.set_by_id) for r in rows] == [
        ("3", "0", "婚假 3 天", hr.id), ("10", "3", "晚婚", hr.id)]
    assert _balance(client, staff, staff)["marriage"]["remaining"] == "10"
    assert count(Notification, Notification.employee_id == staff.id, Notification.kind == "leave_balance") == 2


# --- who sees what -------------------------------------------------------------------------------


def test_staff_see_only_their_own_leave_and_a_lead_only_their_team(client, world):
    mine = ask(client, world["staff"]).get_json()
    theirs = ask(client, world["other"]).get_json()
    staff_headers = token_for(client, world["staff"])
    assert client.get(f"/api/v1/leave-requests/{theirs['id']}", headers=staff_headers).status_code == 404
    assert [r["id"] for r in client.get("/api/v1/leave-requests", headers=staff_headers).get_json()["items"]] == [
        mine["id"]]
    lead_headers = token_for(client, world["lead"])
    assert client.get(f"/api/v1/leave-requests/{mine['id']}", headers=lead_headers).status_code == 200
    assert client.get(f"/api/v1/leave-requests/{theirs['id']}", headers=lead_headers).status_code == 404
    assert decide(client, world["lead"], theirs["id"]).status_code == 404
    assert client.get(f"/api/v1/leave-balances?employee_no={world['other'].employee_no}",
                      headers=staff_headers).status_code == 404
    hr_list = client.get("/api/v1/leave-requests?status=pending", headers=token_for(client, world["hr"])).get_json()
    assert {r["id"] for r in hr_list["items"]} == {mine["id"], theirs["id"]}


# --- concurrency: the rules hold in the database --------------------------------------------------


def test_two_leaves_asked_at_once_for_the_last_day_of_balance_one_wins(app, client, world):
    staff = world["staff"]
    client.put(f"/api/v1/leave-balances/{staff.employee_no}/annual", json={"entitled": "1", "reason": "剩余 1 天"},
               headers=token_for(client, world["hr"]))
    headers = token_for(client, staff)

    def asking(day):
        def run():
            body = {"type": "annual", "start": day, "end": day, "reason": "休息"}
            return app.test_client().post("/api/v1/leave-requests", json=body, headers=headers).status_code
        return run

    assert sorted(run_together(app, [asking("2026-11-09"), asking("2026-11-10")])) == [201, 422]
    assert count(LeaveRequest) == 1
    annual = _balance(client, staff, staff)["annual"]
    assert (annual["pending"], annual["remaining"]) == ("1", "0")


def test_two_approvers_pressing_at_once_one_succeeds_the_other_gets_409(app, client, world):
    second_lead = make_person(["lead", "staff"], world["lead"].team)
    made = ask(client, world["staff"]).get_json()
    headers = [token_for(client, world["lead"]), token_for(client, second_lead)]

    def press(h):
        def run():
            return app.test_client().post(f"/api/v1/leave-requests/{made['id']}/approve", json={},
                                          headers=h).status_code
        return run

    assert sorted(run_together(app, [press(h) for h in headers])) == [200, 409]
    request = db.session.get(Request, made["id"])
    assert [s.status for s in request.steps] == ["approved", "pending"]


def test_the_openapi_document_has_the_leave_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/leave-requests", "/api/v1/leave-requests/{request_id}/extend", "/api/v1/leave-balances",
            "/api/v1/leave-balances/{employee_no}/{leave_type}"} <= set(paths)


def test_a_photographed_sick_note_is_kept_without_gps_and_served_as_a_download_for_pdfs(client, world):
    import base64
    import io

    from PIL import Image

    from tests.images import jpeg_with_gps

    leave_id = _approved_sick(client, world)
    url = f"/api/v1/leave-requests/{leave_id}/certificate"
    headers = token_for(client, world["staff"])
    sent = client.post(url, headers=headers, json={"filename": "note.jpg",
                                                   "data": base64.b64encode(jpeg_with_gps()).decode()})
    assert sent.status_code == 200
    got = client.get(url, headers=headers)
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in got.headers["Cache-Control"]
    assert not Image.open(io.BytesIO(got.data)).getexif() and b"PhoneMaker" not in got.data
    got.close()
    client.post(url, headers=headers, json={"filename": "note.pdf", "data": base64.b64encode(PDF).decode()})
    pdf = client.get(url, headers=headers)
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    pdf.close()
