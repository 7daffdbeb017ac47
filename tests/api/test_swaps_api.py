"""/api/v1 swaps (换班、换休、代班): each rule of issue 12 as a scenario with fixed dates, through the API.

The clock is fixed (Thursday 2026-11-05 10:00 in Shanghai) and moved where a scenario needs time to pass.
Team T1 works the day shift D8 (08:00–18:00). In the week of Monday 2026-11-09:

- the requester (``staff``) works every day but Sundays and Wednesday the 11th;
- the colleague (``mate``) works every day but Sundays and Monday the 9th;
- ``pal`` rests on Monday the 9th and works the rest of the week; ``night`` works the night shift N
  (22:00–06:00) on Sunday the 8th and rests on Monday the 9th.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    AuditEvent,
    Handover,
    Notification,
    PrivateSwapReview,
    Punch,
    Request,
    RosterEntry,
    Swap,
    Violation,
)
from attendance.services import attendance, punches, roster, shift_types
from tests.clocks import NOW, SHANGHAI, Clock  # noqa: F401  (other test modules import them from here)
from tests.conftest import make_person, make_team, one_per_role, token_for

MON, WED = date(2026, 11, 9), date(2026, 11, 11)
LEADERS = {"lead", "supervisor", "manager", "gm", "hr", "admin"}




def _week_roster(people, days):
    rests = {"staff": {WED}, "mate": {MON}, "pal": {MON}, "night": {MON}, "other": set()}
    cells = []
    for key, rest in rests.items():
        for d in days:
            if key == "night" and d == MON - timedelta(days=1):
                cells.append((people[key].employee_no, d, "N"))
            else:
                cells.append((people[key].employee_no, d, "REST" if d.weekday() == 6 or d in rest else "D8"))
    return cells


@pytest.fixture
def world(app, moving_clock):
    return make_world()


def make_world() -> dict:
    t1 = make_team("T1", "热线一组")
    t2 = make_team("T2", "投诉组")
    people = one_per_role(t1)
    people["mate"] = make_person(["staff"], t1, name="王芳")
    people["pal"] = make_person(["staff"], t1, name="李娜")
    people["night"] = make_person(["staff"], t1, name="夜班张")
    people["other"] = make_person(["staff"], t2, name="赵六")
    people["other_lead"] = make_person(["lead", "staff"], t2, name="钱七")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    shift_types.save_shift_type(None, {"code": "N", "name": "夜班", "start": "22:00", "end": "06:00"})
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    roster.save_cells(people["supervisor"], _week_roster(people, days))
    return people


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def ask(client, world, who="staff", **fields):
    body = {"requester_date": MON.isoformat(), "counterpart_no": world["mate"].employee_no,
            "counterpart_date": WED.isoformat(), "kind": "swap", "reason": "家里有事",
            "handover_note": "周一的回访清单放在工位左侧抽屉", **fields}
    return client.post("/api/v1/swaps", json={k: v for k, v in body.items() if v is not None},
                       headers=token_for(client, world[who]))


def act(client, world, who, swap_id, verb, **body):
    return client.post(f"/api/v1/swaps/{swap_id}/{verb}", json=body, headers=token_for(client, world[who]))


def cell(person, day):
    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == person.id, RosterEntry.day == day))
    return entry.code if entry else None


def day_status(person, day):
    return db.session.scalar(select(AttendanceDay.status).where(AttendanceDay.employee_id == person.id,
                                                                AttendanceDay.day == day))


def punch(person, day, *times):
    for hhmm in times:
        hour, minute = map(int, hhmm.split(":"))
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
        db.session.add(Punch(employee_id=person.id, at=at, source="clock",
                             dedupe_key=punches.dedupe_key(person.id, at)))
    db.session.commit()


API = [
    ("POST", "/api/v1/swaps", set(ROLES)),
    ("GET", "/api/v1/swaps", set(ROLES)),
    ("GET", "/api/v1/swaps/counts", set(ROLES)),
    ("GET", "/api/v1/swaps/{id}", set(ROLES)),
    ("POST", "/api/v1/swaps/{id}/accept", set(ROLES)),
    ("POST", "/api/v1/swaps/{id}/decline", set(ROLES)),
    ("POST", "/api/v1/swaps/{id}/approve", LEADERS),
    ("POST", "/api/v1/swaps/{id}/reject", LEADERS),
    ("POST", "/api/v1/swaps/{id}/withdraw", set(ROLES)),
    ("POST", "/api/v1/swaps/{id}/handover-fine", {"lead", "supervisor", "manager"}),
    ("GET", "/api/v1/private-swaps", {"lead", "supervisor", "manager"}),
    ("POST", "/api/v1/private-swaps/confirm", {"lead", "supervisor", "manager"}),
    ("POST", "/api/v1/private-swaps/dismiss", {"lead", "supervisor", "manager"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_swap_routes_it_should(client, world, role):
    headers = token_for(client, world[role])
    for method, path, roles in API:
        url = path.format(id=999999)
        status = client.open(url, method=method, headers=headers, json={} if method != "GET" else None).status_code
        assert (status != 403) if role in roles else (status == 403), (role, method, path, status)
        assert status < 500, (role, method, path, status)


# --- the journey: ask, accept, approve; the roster and attendance follow --------------------------


def test_accept_then_approve_swaps_both_roster_days_and_attendance_is_judged_on_the_new_roster(
        client, world, moving_clock):
    staff, mate, supervisor = world["staff"], world["mate"], world["supervisor"]
    filed = ask(client, world)
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert (body["status"], body["kind"], body["requester_shift"], body["counterpart_shift"]) == (
        "pending_counterpart", "swap", "D8", "D8")
    assert [(s["role"], s["status"]) for s in body["approval_chain"]] == [("counterpart", "pending"),
                                                                           ("supervisor", "waiting")]
    swap_id = body["id"]
    inbox = client.get("/api/v1/approvals", headers=token_for(client, supervisor)).get_json()["items"]
    assert inbox == []  # not the supervisor's until the colleague accepts
    early = act(client, world, "supervisor", swap_id, "approve")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "awaiting_counterpart"
    assert act(client, world, "staff", swap_id, "accept").status_code == 403  # only the colleague answers
    asked = db.session.scalars(select(Notification.kind).where(Notification.employee_id == mate.id)).all()
    assert "swap_asked" in asked

    accepted = act(client, world, "mate", swap_id, "accept", note="可以")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "pending_approval"
    inbox = client.get("/api/v1/approvals", headers=token_for(client, supervisor)).get_json()["items"]
    assert [(i["kind"], i["id"], i["link"]) for i in inbox] == [("swap", swap_id, f"/swaps/{swap_id}")]
    assert act(client, world, "lead", swap_id, "approve").status_code == 403  # the supervisor's step
    assert (cell(staff, MON), cell(mate, MON)) == ("D8", "REST")  # the requester still works it until approval

    approved = act(client, world, "supervisor", swap_id, "approve", note="同意")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert act(client, world, "supervisor", swap_id, "approve").status_code == 409
    assert [cell(staff, MON), cell(mate, MON), cell(staff, WED), cell(mate, WED)] == ["REST", "D8", "D8", "REST"]
    rows = client.get("/api/v1/roster?from=2026-11-09&to=2026-11-11&team=T1",
                      headers=token_for(client, world["lead"])).get_json()["items"]
    shown = {(r["employee_no"], r["date"]): (r["shift"], r["swap"], r["note"]) for r in rows}
    assert shown[(staff.employee_no, "2026-11-09")] == ("REST", swap_id, f"换班 #{swap_id}")
    assert shown[(mate.employee_no, "2026-11-09")] == ("D8", swap_id, f"换班 #{swap_id}")
    assert shown[(staff.employee_no, "2026-11-11")] == ("D8", swap_id, f"换班 #{swap_id}")
    assert shown[(mate.employee_no, "2026-11-11")][:2] == ("REST", swap_id)
    assert shown[(staff.employee_no, "2026-11-10")][1] is None
    book = db.session.scalar(select(Handover).where(Handover.swap_request_id == swap_id))  # the note, in the 交接本
    assert (book.written_by_id, book.incoming_id, book.day, book.acknowledged_at) == (staff.id, mate.id, MON, None)
    told = {n.kind for n in db.session.scalars(select(Notification).where(Notification.employee_id == mate.id))}
    assert "request_decided" in told  # the colleague hears of the decision too
    assert count(Notification, Notification.kind == "swap_roster_changed",
                 Notification.employee_id == world["lead"].id) == 1

    punch(mate, MON, "07:55", "18:03")
    punch(staff, WED, "07:58", "18:01")
    moving_clock.at = datetime(2026, 11, 12, 9, 0, tzinfo=SHANGHAI)
    for day in (MON, WED):
        attendance.evaluate(None, day, team="T1")
    assert (day_status(mate, MON), day_status(staff, MON)) == ("present", "rest")
    assert (day_status(staff, WED), day_status(mate, WED)) == ("present", "rest")
    assert count(Violation, Violation.employee_id.in_([staff.id, mate.id])) == 0


def test_a_lead_editing_a_cell_a_swap_set_drops_its_link_and_note(client, world):
    body = ask(client, world).get_json()
    act(client, world, "mate", body["id"], "accept")
    act(client, world, "supervisor", body["id"], "approve")
    roster.save_cells(world["lead"], [(world["mate"].employee_no, MON, "REST"),
                                      (world["staff"].employee_no, WED, "D8")])  # the second changes nothing
    entries = {(e.employee_id, e.day): e for e in db.session.scalars(select(RosterEntry).where(
        RosterEntry.request_id.is_not(None)))}
    assert (world["mate"].id, MON) not in entries
    assert entries[(world["staff"].id, WED)].note == f"换班 #{body['id']}"
    edited = db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == world["mate"].id,
                                                         RosterEntry.day == MON))
    assert (edited.code, edited.note, edited.request_id) == ("REST", None, None)


def test_a_cover_gives_the_shift_to_a_resting_colleague_and_nothing_back(client, world):
    body = ask(client, world, kind="cover", counterpart_no=world["pal"].employee_no, counterpart_date=None).get_json()
    assert body["counterpart_date"] is None and body["status"] == "pending_counterpart"
    act(client, world, "pal", body["id"], "accept")
    assert act(client, world, "supervisor", body["id"], "approve").get_json()["status"] == "approved"
    assert (cell(world["staff"], MON), cell(world["pal"], MON)) == ("REST", "D8")
    assert cell(world["pal"], WED) == "D8"  # nothing back


def test_time_off_in_lieu_moves_the_rest_day(client, world):
    body = ask(client, world, kind="in_lieu").get_json()
    act(client, world, "mate", body["id"], "accept")
    act(client, world, "supervisor", body["id"], "approve")
    assert [cell(world["staff"], MON), cell(world["mate"], MON), cell(world["staff"], WED),
            cell(world["mate"], WED)] == ["REST", "D8", "D8", "REST"]
    same_day = ask(client, world, kind="in_lieu", requester_date="2026-11-10", counterpart_date="2026-11-10")
    assert same_day.status_code == 400 and "counterpart_date" in same_day.get_json()["error"]["fields"]


# --- every refusal names its rule and stores nothing ---------------------------------------------


@pytest.mark.parametrize(("fields", "code"), [
    ({"now": datetime(2026, 11, 8, 8, 1, tzinfo=SHANGHAI)}, "swap_notice"),  # 23 h 59 min before Monday 08:00
    ({"now": datetime(2026, 11, 9, 8, 0, tzinfo=SHANGHAI)}, "swap_notice"),  # begun
    ({"counterpart_no": "OTHER"}, "swap_other_team"),
    ({"requester_date": "2026-11-08"}, "swap_not_rostered"),  # the requester's Sunday off
    ({"counterpart_date": "2026-11-08"}, "swap_not_rostered"),  # the colleague's Sunday off
    ({"kind": "cover", "counterpart_no": "MATE_WORKS", "requester_date": "2026-11-10", "counterpart_date": None},
     "swap_not_rostered"),  # a cover by someone working that day
    ({"kind": "cover", "counterpart_no": "NIGHT", "counterpart_date": None}, "swap_rest_rule"),  # 2 h after a night
    ({"requester_date": "2026-11-10", "counterpart_date": "2026-11-12"}, "swap_rest_rule"),  # both work both days
])
def test_each_refusal_names_its_rule_and_stores_nothing(client, world, moving_clock, fields, code):
    moving_clock.at = fields.pop("now", NOW)
    numbers = {"OTHER": world["other"].employee_no, "MATE_WORKS": world["mate"].employee_no,
               "NIGHT": world["night"].employee_no}
    if fields.get("counterpart_no") in numbers:
        fields = {**fields, "counterpart_no": numbers[fields["counterpart_no"]]}
    before = (count(Request), count(Swap), count(Notification), count(AuditEvent), count(RosterEntry))
    refused = ask(client, world, **fields)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["code"] == code
    assert (count(Request), count(Swap), count(Notification), count(AuditEvent), count(RosterEntry)) == before


def test_exactly_the_notice_is_in_time(client, world, moving_clock):
    moving_clock.at = datetime(2026, 11, 8, 8, 0, tzinfo=SHANGHAI)
    assert ask(client, world).status_code == 201


def test_at_most_two_swaps_a_month_counting_pending_and_approved_for_both_people(client, world):
    first = ask(client, world).get_json()
    act(client, world, "mate", first["id"], "accept")
    act(client, world, "supervisor", first["id"], "approve")
    second = ask(client, world, requester_date="2026-11-10", kind="cover", counterpart_date=None,
                 counterpart_no=world["lead"].employee_no)
    assert second.status_code == 201, second.get_json()
    before = count(Request)
    third = ask(client, world, requester_date="2026-11-12", kind="cover", counterpart_date=None,
                counterpart_no=world["lead"].employee_no)
    assert third.status_code == 422 and third.get_json()["error"]["code"] == "swap_monthly_limit"
    assert set(third.get_json()["error"]["fields"]) == {"requester_no"}
    # the colleague's side counts too: the mate (one approved already) asks the lead for a cover, then the
    # pal asks the mate, who has used two
    act(client, world, "staff", second.get_json()["id"], "withdraw")
    by_mate = ask(client, world, "mate", requester_date="2026-11-17", kind="cover", counterpart_date=None,
                  counterpart_no=world["lead"].employee_no)
    assert by_mate.status_code == 201, by_mate.get_json()
    roster.save_cells(world["supervisor"], [(world["mate"].employee_no, "2026-11-18", "REST")])
    pal = ask(client, world, "pal", requester_date="2026-11-18", counterpart_no=world["mate"].employee_no,
              counterpart_date=None, kind="cover")
    assert pal.get_json()["error"]["code"] == "swap_monthly_limit", pal.get_json()
    assert set(pal.get_json()["error"]["fields"]) == {"counterpart_no"}
    assert count(Request) == before + 1
    counts = client.get("/api/v1/swaps/counts?month=2026-11", headers=token_for(client, world["mate"])).get_json()
    assert counts["items"] == [{"employee_no": world["mate"].employee_no, "name": "王芳", "used": 2, "limit": 2}]


# --- ending a swap: decline, withdraw, reject ---------------------------------------------------


def test_a_declined_swap_ends_and_cannot_be_approved_or_withdrawn(client, world):
    body = ask(client, world).get_json()
    declined = act(client, world, "mate", body["id"], "decline", note="那天有事")
    assert declined.get_json()["status"] == "declined"
    for who, verb in (("supervisor", "approve"), ("supervisor", "reject"), ("staff", "withdraw"),
                      ("mate", "accept")):
        refused = act(client, world, who, body["id"], verb)
        assert refused.status_code == 409, (who, verb, refused.get_json())
    assert cell(world["staff"], MON) == "D8"
    answered = db.session.scalar(select(Notification).where(Notification.employee_id == world["staff"].id,
                                                            Notification.kind == "swap_answered"))
    assert answered.title == "%(name)s declined: %(what)s" and answered.body == "那天有事"


def test_either_side_withdraws_before_approval_and_a_withdrawn_swap_is_never_approved(client, world):
    first = ask(client, world).get_json()
    assert act(client, world, "pal", first["id"], "withdraw").status_code == 404  # not theirs to see
    assert act(client, world, "staff", first["id"], "withdraw").get_json()["status"] == "withdrawn"
    assert act(client, world, "mate", first["id"], "accept").status_code == 409

    second = ask(client, world).get_json()
    act(client, world, "mate", second["id"], "accept")
    withdrawn = act(client, world, "mate", second["id"], "withdraw")
    assert withdrawn.get_json()["status"] == "withdrawn"
    approved = act(client, world, "supervisor", second["id"], "approve")
    assert approved.status_code == 409 and approved.get_json()["error"]["code"] == "already_decided"
    told = db.session.scalars(select(Notification.employee_id).where(Notification.kind == "swap_withdrawn")).all()
    assert world["supervisor"].id in told and world["staff"].id in told
    assert cell(world["staff"], MON) == "D8"


def test_a_rejected_swap_leaves_the_roster_alone(client, world):
    body = ask(client, world).get_json()
    act(client, world, "mate", body["id"], "accept")
    assert act(client, world, "supervisor", body["id"], "reject", note="人手不足").get_json()["status"] == "rejected"
    assert cell(world["staff"], MON) == "D8" and cell(world["mate"], MON) == "REST"
    assert client.get("/api/v1/swaps?status=rejected", headers=token_for(client, world["staff"])).get_json()[
        "items"][0]["id"] == body["id"]


def test_nobody_decides_a_swap_they_are_in_and_the_approver_moves_up(client, world):
    roster.save_cells(world["supervisor"], [(world["lead"].employee_no, MON, "D8")])
    body = ask(client, world, "lead").get_json()
    assert [s["role"] for s in body["approval_chain"]] == ["counterpart", "supervisor"]
    act(client, world, "mate", body["id"], "accept")
    refused = act(client, world, "lead", body["id"], "approve")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "own_request"


def test_approval_checks_the_rules_again_against_the_roster_as_it_is_then(client, world):
    body = ask(client, world).get_json()
    act(client, world, "mate", body["id"], "accept")
    roster.save_cells(world["supervisor"], [(world["mate"].employee_no, MON, "N")])  # now works that night
    refused = act(client, world, "supervisor", body["id"], "approve")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "swap_rest_rule"
    assert act(client, world, "supervisor", body["id"], "reject").get_json()["status"] == "rejected"


# --- who sees what; bad input -------------------------------------------------------------------


def test_the_two_people_and_their_lead_see_a_swap_and_others_get_404(client, world):
    body = ask(client, world).get_json()
    url = f"/api/v1/swaps/{body['id']}"
    for who, status in (("staff", 200), ("mate", 200), ("lead", 200), ("supervisor", 200), ("pal", 404),
                        ("other", 404), ("other_lead", 404)):
        assert client.get(url, headers=token_for(client, world[who])).status_code == status, who
    assert act(client, world, "other_lead", body["id"], "approve").status_code == 404
    listed = client.get("/api/v1/swaps", headers=token_for(client, world["mate"])).get_json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert client.get("/api/v1/swaps", headers=token_for(client, world["pal"])).get_json()["items"] == []
    lead = client.get(f"/api/v1/swaps?employee_no={world['mate'].employee_no}&month=2026-11&status=pending_counterpart",
                      headers=token_for(client, world["lead"])).get_json()["items"]
    assert [s["id"] for s in lead] == [body["id"]]
    assert client.get("/api/v1/swaps?month=2026-12", headers=token_for(client, world["lead"])).get_json()[
        "items"] == []


@pytest.mark.parametrize(("fields", "field"), [
    ({"requester_date": None}, "requester_date"),
    ({"requester_date": "11/09/2026"}, "requester_date"),
    ({"counterpart_date": None}, "counterpart_date"),
    ({"counterpart_no": None}, "counterpart_no"),
    ({"counterpart_no": "NOBODY"}, "counterpart_no"),
    ({"kind": "trade"}, "kind"),
    ({"reason": "  "}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"handover_note": "x" * 501}, "handover_note"),
    ({"kind": "cover", "counterpart_date": "2026-11-11"}, "counterpart_date"),
])
def test_bad_input_is_a_400_naming_the_field(client, world, fields, field):
    before = count(Request)
    refused = ask(client, world, **fields)
    assert refused.status_code == 400, refused.get_json()
    assert field in refused.get_json()["error"]["fields"], refused.get_json()
    assert count(Request) == before


def test_asking_oneself_or_listing_with_a_bad_filter_is_a_400(client, world):
    assert ask(client, world, counterpart_no=world["staff"].employee_no).status_code == 400
    headers = token_for(client, world["staff"])
    assert client.get("/api/v1/swaps?status=lost", headers=headers).status_code == 400
    assert client.get("/api/v1/swaps?month=2026-13", headers=headers).status_code == 400
    assert client.get(f"/api/v1/swaps?employee_no={world['other'].employee_no}", headers=headers).status_code == 404


# --- the handover ---------------------------------------------------------------------------------


def test_the_lead_records_a_missed_handover_fine_once_per_person_after_the_shift(client, world, moving_clock):
    body = ask(client, world).get_json()
    act(client, world, "mate", body["id"], "accept")
    act(client, world, "supervisor", body["id"], "approve")
    url = f"/api/v1/swaps/{body['id']}/handover-fine"
    lead = token_for(client, world["lead"])
    early = client.post(url, json={"employee_no": world["mate"].employee_no}, headers=lead)
    assert early.status_code == 400  # the shift has not begun
    moving_clock.at = datetime(2026, 11, 9, 12, 0, tzinfo=SHANGHAI)
    fined = client.post(url, json={"employee_no": world["mate"].employee_no, "note": "客户回访清单未交接"},
                        headers=lead)
    assert fined.status_code == 201, fined.get_json()
    assert (fined.get_json()["rule"], fined.get_json()["fine"]) == ("SWAP_HANDOVER", "20.00")
    again = client.post(url, json={"employee_no": world["mate"].employee_no}, headers=lead)
    assert again.get_json()["id"] == fined.get_json()["id"]
    assert client.post(url, json={"employee_no": world["pal"].employee_no}, headers=lead).status_code == 400
    assert client.post(url, json={"employee_no": world["mate"].employee_no},
                       headers=token_for(client, world["other_lead"])).status_code == 404
    assert count(Violation, Violation.rule_code == "SWAP_HANDOVER") == 1


# --- private swaps --------------------------------------------------------------------------------


def _private_day(world, moving_clock):
    """Monday the 9th with no swap: the mate, resting, punches for the requester's D8; the requester does not
    come and is judged absent the next morning."""
    punch(world["mate"], MON, "07:56", "18:04")
    moving_clock.at = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    attendance.evaluate(None, MON, team="T1")
    absent = db.session.scalar(select(Violation).where(Violation.employee_id == world["staff"].id))
    assert absent.rule_code == "ABSENT" and absent.reversed_at is None
    return absent


def test_b_punching_on_as_shift_is_one_suspicion_and_confirming_fines_both_and_clears_the_absence(
        client, world, moving_clock):
    absent = _private_day(world, moving_clock)
    lead = token_for(client, world["lead"])
    url = "/api/v1/private-swaps?team=T1&from=2026-11-09&to=2026-11-09"
    found = client.get(url, headers=lead).get_json()["items"]
    assert found == [{"date": "2026-11-09", "absent_no": world["staff"].employee_no, "absent_name": world["staff"].name,
                      "worker_no": world["mate"].employee_no, "worker_name": "王芳", "shift": "D8",
                      "punches": ["07:56", "18:04"]}]
    verdict = {"absent_no": world["staff"].employee_no, "worker_no": world["mate"].employee_no, "date": "2026-11-09"}
    confirmed = client.post("/api/v1/private-swaps/confirm", json=verdict, headers=lead)
    assert confirmed.status_code == 201, confirmed.get_json()
    for person in (world["staff"], world["mate"]):
        counted = db.session.scalars(select(Violation.rule_code).where(Violation.employee_id == person.id,
                                                                       Violation.reversed_at.is_(None))).all()
        assert counted == ["UNAPPROVED_SWAP"], (person.name, counted)
    db.session.refresh(absent)
    assert absent.reversed_at is not None and absent.reversed_reason.startswith("re-evaluated")
    assert (day_status(world["staff"], MON), day_status(world["mate"], MON)) == ("rest", "present")
    assert client.get(url, headers=lead).get_json()["items"] == []
    again = client.post("/api/v1/private-swaps/confirm", json=verdict, headers=lead)
    assert again.status_code == 409
    attendance.evaluate(None, MON, team="T1")  # the nightly run again raises nothing
    assert count(Violation, Violation.reversed_at.is_(None)) == 2


def test_a_dismissed_suspicion_leaves_attendance_as_judged_and_is_not_shown_again(client, world, moving_clock):
    _private_day(world, moving_clock)
    lead = token_for(client, world["lead"])
    verdict = {"absent_no": world["staff"].employee_no, "worker_no": world["mate"].employee_no,
               "date": "2026-11-09", "note": "同事来加班，不是顶班"}
    assert client.post("/api/v1/private-swaps/dismiss", json=verdict, headers=lead).status_code == 201
    assert client.get("/api/v1/private-swaps?team=T1&from=2026-11-09&to=2026-11-09",
                      headers=lead).get_json()["items"] == []
    assert day_status(world["staff"], MON) == "absent"
    assert count(Violation, Violation.rule_code == "UNAPPROVED_SWAP") == 0
    assert db.session.scalar(select(PrivateSwapReview.outcome)) == "dismissed"
    other = client.get("/api/v1/private-swaps?team=T1&from=2026-11-09&to=2026-11-09",
                       headers=token_for(client, world["other_lead"]))
    assert other.status_code == 404
