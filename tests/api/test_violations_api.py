"""POST/GET /violations, appeals, re-stepping and dismissal reviews over the API."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain import dates
from attendance.extensions import db
from attendance.models import LedgerEntry, Violation
from attendance.services import discipline as svc
from tests.conftest import make_person, make_team, token_for
from tests.images import PNG


@pytest.fixture
def world(app, client):
    team, other_team = make_team("T1", "热线一组"), make_team("T2", "投诉处理组")
    lead = make_person(["lead", "staff"], team, name="组长")
    staff = make_person(["staff"], team, name="张丽")
    colleague = make_person(["staff"], team, name="王芳")
    outsider = make_person(["staff"], other_team, name="赵敏")
    supervisor = make_person(["supervisor"], name="陈主管")
    manager = make_person(["manager"], name="李经理")
    people = {"lead": lead, "staff": staff, "colleague": colleague, "outsider": outsider,
              "supervisor": supervisor, "manager": manager}
    return {**people, "h": {k: token_for(client, p) for k, p in people.items()}}


def at(days_ago: float = 1.0) -> str:
    return (clock.now() - timedelta(days=days_ago)).isoformat()


def post(client, world, who, **body):
    body = {"employee_no": world["staff"].employee_no, "rule": "COMPLAINT", "occurred_at": at()} | body
    return client.post("/api/v1/violations", json=body, headers=world["h"][who])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the "done when" ladders -------------------------------------------------------------------


def test_complaint_three_times_is_30_then_60_then_a_dismissal_review(client, world):
    answers = [post(client, world, "lead", occurred_at=at(d)).get_json() for d in (3, 2, 1)]
    assert [(a["occurrence"], a["sanction"], a["fine"], a["points"]) for a in answers] == [
        (1, "fine", "30.00", 6), (2, "fine", "60.00", 12), (3, "dismissal_review", "0.00", 20)]
    assert all(isinstance(a["ledger_entry"], int) for a in answers)
    reviews = client.get("/api/v1/dismissal-reviews", headers=world["h"]["manager"]).get_json()["items"]
    assert [r["violation"]["id"] for r in reviews] == [answers[2]["id"]]


def test_off_task_four_times_is_warning_10_20_20_and_flagged(client, world):
    answers = [post(client, world, "lead", rule="OFF_TASK", occurred_at=at(d)).get_json() for d in (4, 3, 2, 1)]
    assert [(a["sanction"], a["fine"], a["flagged_for_review"]) for a in answers] == [
        ("warning", "0.00", False), ("fine", "10.00", False), ("fine", "20.00", False), ("fine", "20.00", True)]


def test_falsify_without_an_amount_is_a_422_naming_the_rule(client, world):
    response = post(client, world, "supervisor", rule="KEEP_FOUND")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "KEEP_FOUND"
    assert "amount" in response.get_json()["error"]["fields"]
    assert count(Violation) == 0 and count(LedgerEntry) == 0


@pytest.mark.parametrize("amount", ["99.99", "500.01", 0])
def test_falsify_with_an_amount_outside_the_range_is_a_422(client, world, amount):
    response = post(client, world, "supervisor", rule="KEEP_FOUND", amount=amount)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "KEEP_FOUND"


def test_falsify_with_an_amount_in_range_is_fined_that_amount(client, world):
    response = post(client, world, "supervisor", rule="KEEP_FOUND", amount="300.00", note="伪造单据")
    assert response.status_code == 201
    assert (response.get_json()["fine"], response.get_json()["dismissal_review"]) == ("300.00", True)


# --- bad input ---------------------------------------------------------------------------------


def test_an_unknown_rule_is_a_400(client, world):
    response = post(client, world, "lead", rule="NOPE")
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {"rule": "unknown rule"}


def test_an_unknown_person_is_a_404(client, world):
    assert post(client, world, "lead", employee_no="NOBODY").status_code == 404


@pytest.mark.parametrize("when", ["yesterday", "2026-13-01T09:00", "", "2026-11-03T25:00+08:00"])
def test_an_invalid_time_is_a_400(client, world, when):
    response = post(client, world, "lead", occurred_at=when)
    assert response.status_code == 400
    assert "occurred_at" in response.get_json()["error"]["fields"]


def test_a_time_in_the_future_is_a_400(client, world):
    assert post(client, world, "lead", occurred_at=at(-2)).status_code == 400


def test_a_naive_time_is_read_in_the_site_time_zone_as_api_md_says(client, world):
    naive = (clock.now() - timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    body = post(client, world, "lead", occurred_at=naive.isoformat()).get_json()
    v = db.session.get(Violation, body["id"])
    assert v.occurred_at == naive.replace(tzinfo=clock.site_zone())


@pytest.mark.parametrize("body", [{"amount": 1.5, "rule": "KEEP_FOUND"}, {"source": "rumour"}, {"rule": None},
                                  {"note": "x" * 2001}, {"evidence": {"data": "%%%"}}])
def test_malformed_fields_are_a_400(client, world, body):
    response = post(client, world, "supervisor", **body)
    assert response.status_code == 400, response.get_json()
    assert count(Violation) == 0


@pytest.mark.parametrize("data", [b"GIF89a" + b"\x00" * 10, b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)])
def test_evidence_of_the_wrong_type_or_too_large_is_a_400(client, world, data):
    response = post(client, world, "lead", evidence={"filename": "x.jpg", "data": base64.b64encode(data).decode()})
    assert response.status_code == 400
    assert "evidence" in response.get_json()["error"]["fields"]


def test_a_photo_is_kept_as_evidence(client, world):
    body = post(client, world, "lead", evidence={"filename": "p.png", "data": base64.b64encode(PNG).decode()})
    assert body.status_code == 201 and body.get_json()["evidence"] is True


# --- idempotency -------------------------------------------------------------------------------


def test_replaying_an_idempotency_key_returns_the_first_answer_and_creates_nothing(client, world):
    headers = world["h"]["lead"] | {"Idempotency-Key": "rec-1"}
    body = {"employee_no": world["staff"].employee_no, "rule": "COMPLAINT", "occurred_at": at()}
    first = client.post("/api/v1/violations", json=body, headers=headers)
    second = client.post("/api/v1/violations", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json() and second.headers["Idempotent-Replay"] == "true"
    assert count(Violation) == 1 and count(LedgerEntry) == 1


def test_an_automated_source_ref_records_once(client, world):
    ref = "attendance:E1:2026-11-03:late"
    first = post(client, world, "supervisor", rule="LATE", source="attendance", source_ref=ref).get_json()
    again = post(client, world, "supervisor", rule="LATE", source="attendance", source_ref=ref).get_json()
    assert first["id"] == again["id"] and first["source"] == "attendance" and count(Violation) == 1


# --- who may do what ---------------------------------------------------------------------------


def test_staff_cannot_record(client, world):
    assert post(client, world, "staff", employee_no=world["colleague"].employee_no).status_code == 403


def test_a_lead_records_only_for_their_own_team(client, world):
    assert post(client, world, "lead", employee_no=world["outsider"].employee_no).status_code == 404
    assert post(client, world, "supervisor", employee_no=world["outsider"].employee_no).status_code == 201


def test_staff_see_their_own_violations_and_get_404_for_anyone_elses(client, world):
    mine = post(client, world, "lead").get_json()
    theirs = post(client, world, "lead", employee_no=world["colleague"].employee_no).get_json()
    h = world["h"]["staff"]
    listed = client.get("/api/v1/violations", headers=h).get_json()["items"]
    assert [v["id"] for v in listed] == [mine["id"]]
    assert client.get(f"/api/v1/violations/{mine['id']}", headers=h).status_code == 200
    assert client.get(f"/api/v1/violations/{theirs['id']}", headers=h).status_code == 404
    assert client.get(f"/api/v1/violations?employee_no={world['colleague'].employee_no}",
                      headers=h).status_code == 404
    assert client.get(f"/api/v1/violations/{theirs['id']}/notice.pdf", headers=h).status_code == 404


def test_a_lead_sees_their_team_and_a_supervisor_everyone(client, world):
    post(client, world, "lead")
    post(client, world, "supervisor", employee_no=world["outsider"].employee_no)
    lead_sees = client.get("/api/v1/violations", headers=world["h"]["lead"]).get_json()["items"]
    assert {v["employee_no"] for v in lead_sees} == {world["staff"].employee_no}
    all_seen = client.get("/api/v1/violations", headers=world["h"]["supervisor"]).get_json()["items"]
    assert len(all_seen) == 2


def _first_of_month_back(n: int) -> date:
    return dates.add_months(clock.today().replace(day=1), -n)


def _all_pages(client, url: str, headers: dict, limit: int) -> tuple[list[int], int]:
    """Every id the list gives, following ``next`` to the end, ``limit`` at a time; and how many pages."""
    ids, pages, cursor = [], 0, None
    while True:
        response = client.get(url + f"&limit={limit}" + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) <= limit
        ids += [v["id"] for v in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return ids, pages


def test_violations_filter_by_month_and_team_and_page(client, world):
    month, earlier = _first_of_month_back(1), _first_of_month_back(2)
    label, earlier_label = month.strftime("%Y-%m"), earlier.strftime("%Y-%m")

    happened = {}

    def record(who, first, day, by="lead"):
        when = datetime.combine(first.replace(day=day), time(10), tzinfo=clock.site_zone())
        response = post(client, world, by, employee_no=world[who].employee_no, rule="PHONE",
                        occurred_at=when.isoformat())
        assert response.status_code == 201, response.get_json()
        happened[response.get_json()["id"]] = when
        return response.get_json()["id"]

    def newest(ids):
        """Latest to happen first (issue 15: not the order they were recorded in)."""
        return sorted(ids, key=lambda i: (happened[i], i), reverse=True)

    t1_month = [record(who, month, day) for who, day in (("staff", 5), ("colleague", 6), ("staff", 7),
                                                         ("colleague", 8), ("staff", 9))]
    t1_earlier = [record("staff", earlier, 20), record("colleague", earlier, 21)]
    t2_month = [record("outsider", month, 10, by="supervisor")]
    h = world["h"]["supervisor"]
    newest_first = newest(t1_month + t1_earlier + t2_month)

    assert _all_pages(client, "/api/v1/violations?", h, limit=3) == (newest_first, 3)
    assert _all_pages(client, "/api/v1/violations?team=T1", h, limit=2) == (
        newest(t1_month + t1_earlier), 4)
    assert _all_pages(client, f"/api/v1/violations?team=T1&month={label}", h, limit=2) == (
        newest(t1_month), 3)
    assert _all_pages(client, f"/api/v1/violations?month={label}", h, limit=100) == (
        newest(t1_month + t2_month), 1)
    assert _all_pages(client, f"/api/v1/violations?month={earlier_label}", h, limit=1) == (
        newest(t1_earlier), 2)
    assert _all_pages(client, "/api/v1/violations?team=T2", h, limit=5) == (t2_month, 1)
    assert _all_pages(client, f"/api/v1/violations?team=T2&month={earlier_label}", h, limit=5) == ([], 1)
    assert client.get("/api/v1/violations?month=2026-13", headers=h).status_code == 400
    assert client.get("/api/v1/violations?cursor=abc", headers=h).status_code == 400


def test_the_penalty_notice_pdf_is_served(client, world):
    v = post(client, world, "lead").get_json()
    response = client.get(f"/api/v1/violations/{v['id']}/notice.pdf", headers=world["h"]["staff"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


# --- appeals -----------------------------------------------------------------------------------


def test_appeal_overturned_reverses_and_lists_then_resteps_later_occurrences(client, world):
    ids = [post(client, world, "lead", occurred_at=at(d)).get_json()["id"] for d in (3, 2, 1)]
    appeal = client.post(f"/api/v1/violations/{ids[0]}/appeal", json={"reason": "不是我"},
                         headers=world["h"]["staff"])
    assert appeal.status_code == 201 and appeal.get_json()["status"] == "pending"
    queue = client.get("/api/v1/appeals", headers=world["h"]["supervisor"]).get_json()["items"]
    assert [a["id"] for a in queue] == [appeal.get_json()["id"]]

    decided = client.post(f"/api/v1/appeals/{appeal.get_json()['id']}/decide",
                          json={"outcome": "overturned", "reason": "录音证明"},
                          headers=world["h"]["supervisor"] | {"Idempotency-Key": "d-1"})
    body = decided.get_json()
    assert decided.status_code == 200 and body["status"] == "overturned" and body["reversal_entry"]
    assert [(o["violation"]["id"], o["should_be"]["fine"]) for o in body["out_of_step"]] == [
        (ids[1], "30.00"), (ids[2], "60.00")]

    query = f"employee_no={world['staff'].employee_no}&rule=COMPLAINT"
    listed = client.get(f"/api/v1/violations/out-of-step?{query}", headers=world["h"]["supervisor"]).get_json()
    assert len(listed) == 2
    restepped = client.post("/api/v1/violations/restep", headers=world["h"]["supervisor"],
                            json={"employee_no": world["staff"].employee_no, "rule": "COMPLAINT",
                                  "reason": "申诉改判"})
    assert restepped.status_code == 200
    assert [(v["occurrence"], v["fine"], v["restep_of"]) for v in restepped.get_json()] == [
        (1, "30.00", ids[1]), (2, "60.00", ids[2])]
    assert client.get(f"/api/v1/violations/out-of-step?{query}", headers=world["h"]["supervisor"]).get_json() == []
    again = client.post(f"/api/v1/appeals/{appeal.get_json()['id']}/decide",
                        json={"outcome": "upheld", "reason": "x"}, headers=world["h"]["manager"])
    assert again.status_code == 409


def test_leads_and_staff_cannot_decide_appeals_or_restep(client, world):
    v = post(client, world, "lead").get_json()
    appeal = client.post(f"/api/v1/violations/{v['id']}/appeal", json={"reason": "不服"},
                         headers=world["h"]["staff"]).get_json()
    for who in ("lead", "staff"):
        response = client.post(f"/api/v1/appeals/{appeal['id']}/decide",
                               json={"outcome": "overturned", "reason": "x"}, headers=world["h"][who])
        assert response.status_code == 403
        assert client.get("/api/v1/appeals", headers=world["h"][who]).status_code == 403
        assert client.post("/api/v1/violations/restep", headers=world["h"][who],
                           json={"employee_no": world["staff"].employee_no, "rule": "COMPLAINT",
                                 "reason": "x"}).status_code == 403


def test_nobody_appeals_someone_elses_violation(client, world):
    v = post(client, world, "lead").get_json()
    url = f"/api/v1/violations/{v['id']}/appeal"
    assert client.post(url, json={"reason": "x"}, headers=world["h"]["colleague"]).status_code == 404
    assert client.post(url, json={"reason": "x"}, headers=world["h"]["lead"]).status_code == 403
    assert client.post(url, json={"reason": ""}, headers=world["h"]["staff"]).status_code == 400
    assert client.post(url, json={"reason": "x"}, headers=world["h"]["staff"]).status_code == 201
    assert client.post(url, json={"reason": "y"}, headers=world["h"]["staff"]).status_code == 409


def test_a_bad_outcome_is_a_400_and_an_unknown_appeal_a_404(client, world):
    h = world["h"]["supervisor"]
    assert client.post("/api/v1/appeals/999/decide", json={"outcome": "upheld", "reason": "x"},
                       headers=h).status_code == 404
    assert client.post("/api/v1/appeals/999/decide", json={"outcome": "maybe", "reason": "x"},
                       headers=h).status_code == 400


# --- dismissal reviews -------------------------------------------------------------------------


def test_only_managers_decide_dismissal_reviews_and_only_once(client, world):
    v = post(client, world, "supervisor", rule="KEEP_FOUND", amount="100.00").get_json()
    review = client.get("/api/v1/dismissal-reviews", headers=world["h"]["supervisor"]).get_json()["items"][0]
    url = f"/api/v1/dismissal-reviews/{review['id']}/decide"
    body = {"outcome": "dismiss", "reason": "严重违纪"}
    assert review["violation"]["id"] == v["id"]
    for who in ("staff", "lead", "supervisor"):
        assert client.post(url, json=body, headers=world["h"][who]).status_code == 403
    assert client.get("/api/v1/dismissal-reviews", headers=world["h"]["staff"]).status_code == 403
    decided = client.post(url, json=body, headers=world["h"]["manager"])
    assert decided.status_code == 200
    assert (decided.get_json()["status"], decided.get_json()["decided_by"]) == (
        "dismiss", world["manager"].employee_no)
    assert client.post(url, json=body, headers=world["h"]["manager"]).status_code == 409
    assert client.post(url, json={"outcome": "fire", "reason": "x"},
                       headers=world["h"]["manager"]).status_code == 400


# --- every role against every discipline API route ---------------------------------------------

ROLES = ("staff", "lead", "supervisor", "manager", "gm", "hr", "admin")
DECIDE = {"supervisor", "manager"}
MATRIX = [  # (method, path, body, roles allowed); {v} the staff member's violation, {a} an appeal, {r} a review
    ("GET", "/api/v1/violations", None, set(ROLES)),
    ("POST", "/api/v1/violations", {"employee_no": "{staff}", "rule": "PHONE"}, {"lead", "supervisor", "manager"}),
    ("GET", "/api/v1/violations/{v}", None, set(ROLES)),
    ("GET", "/api/v1/violations/{v}/notice.pdf", None, set(ROLES)),
    ("GET", "/api/v1/violations/{v}/explanation", None, set(ROLES)),
    ("GET", "/api/v1/violations/{v}/evidence-bundle", None, {"hr", "manager", "gm", "admin"}),
    ("POST", "/api/v1/violations/{v}/appeal", {"reason": "不服"}, {"staff"}),
    ("GET", "/api/v1/violations/out-of-step?employee_no={staff}&rule=PHONE", None, DECIDE),
    ("POST", "/api/v1/violations/restep", {"employee_no": "{staff}", "rule": "PHONE", "reason": "x"}, DECIDE),
    ("GET", "/api/v1/appeals", None, DECIDE),
    ("POST", "/api/v1/appeals/{a}/decide", {"outcome": "upheld", "reason": "x"}, DECIDE),
    ("GET", "/api/v1/dismissal-reviews", None, {"supervisor", "manager", "gm", "hr"}),
    ("POST", "/api/v1/dismissal-reviews/{r}/decide", {"outcome": "dropped", "reason": "x"}, {"manager", "gm"}),
    ("GET", "/api/v1/ledger", None, set(ROLES)),
    ("POST", "/api/v1/ledger/1/reverse", {"reason": "x"}, {"supervisor", "manager", "hr"}),
    ("GET", "/api/v1/ledger/verify", None, {"hr", "admin", "manager", "gm"}),
]


def _fill(value, names):
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value.format(**names) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_discipline_api_it_should(client, app, role):
    from attendance.services import discipline as svc

    team = make_team("T1", "热线一组")
    people = {r: make_person([r], team if r in ("staff", "lead") else None) for r in ROLES}
    staff = people["staff"]
    v = svc.record_violation(people["lead"], employee=staff, rule_code="PHONE",
                             occurred_at=clock.now() - timedelta(hours=3))
    appealed = svc.record_violation(people["lead"], employee=staff, rule_code="GENERAL",
                                    occurred_at=clock.now() - timedelta(hours=2))
    a = svc.file_appeal(staff, appealed.id, "不服")
    r = svc.record_violation(people["supervisor"], employee=staff, rule_code="KEEP_FOUND", amount="100.00",
                             occurred_at=clock.now() - timedelta(hours=1)).review
    names = {"v": v.id, "a": a.id, "r": r.id, "staff": staff.employee_no}
    headers = token_for(client, people[role])
    for method, path, body, allowed in MATRIX:
        url = _fill(path, names)
        response = client.open(url, method=method, json=_fill(body, names), headers=headers)
        if role in allowed:
            assert response.status_code < 400, (role, method, url, response.get_json())
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


@pytest.mark.parametrize("url", ["/api/v1/violations/99999999999", "/api/v1/violations/99999999999/notice.pdf",
                                 "/api/v1/violations?cursor=99999999999", "/api/v1/violations?cursor=%C2%B2",
                                 "/api/v1/ledger?cursor=-1"])
def test_out_of_range_ids_and_cursors_are_404_or_400_never_500(client, world, url):
    response = client.get(url, headers=world["h"]["supervisor"])
    assert response.status_code in (400, 404)
    for path in ("/api/v1/appeals/99999999999/decide", "/api/v1/dismissal-reviews/99999999999/decide",
                 "/api/v1/ledger/99999999999/reverse"):
        body = {"reason": "x"} if "ledger" in path else {
            "outcome": "dropped" if "dismissal" in path else "upheld", "reason": "x"}
        assert client.post(path, json=body, headers=world["h"]["manager"]).status_code == 404


def test_a_phone_photo_is_kept_without_its_gps_position_and_upright(client, world):
    from PIL import Image

    from tests.images import jpeg_with_gps

    sent = jpeg_with_gps()
    assert Image.open(io.BytesIO(sent)).getexif().get(0x8825)  # the fixture does carry GPS
    body = post(client, world, "lead", evidence={"filename": "p.jpg", "data": base64.b64encode(sent).decode()})
    assert body.status_code == 201
    kept = db.session.get(Violation, body.get_json()["id"])
    stored = svc.evidence_file(world["lead"], kept.id)[0].read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (16, 12)
    assert not image.getexif() and b"PhoneMaker" not in stored


def test_a_photo_that_does_not_decode_is_refused_and_nothing_is_stored(client, world):
    truncated = PNG[:40]  # the right first bytes, no picture
    response = post(client, world, "lead", evidence={"filename": "p.png",
                                                     "data": base64.b64encode(truncated).decode()})
    assert response.status_code == 400 and "evidence" in response.get_json()["error"]["fields"]
    assert count(Violation) == 0


def test_violations_and_the_ledger_list_by_when_things_happened_not_when_recorded(client, world):
    """Issue 15 point 7: a violation recorded late (found on a later review) takes its place by the day it
    happened; paging stays stable when two happened at the same instant (then the later recorded first)."""
    zone = clock.site_zone()
    first = _first_of_month_back(1)

    def on(day, hour=10):
        return datetime.combine(first.replace(day=day), time(hour), tzinfo=zone).isoformat()

    ids = {}
    for name, when, rule in (("d20", on(20), "PHONE"), ("d3", on(3), "COMPLAINT"), ("d12", on(12), "PHONE"),
                             ("d12b", on(12), "HANDBOOK"), ("d1", on(1, 9), "PHONE")):
        response = post(client, world, "lead", occurred_at=when, rule=rule)
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
    staff = world["staff"].employee_no
    expected = [ids[n] for n in ("d20", "d12b", "d12", "d3", "d1")]
    for limit in (1, 2, 100):
        got, _ = _all_pages(client, f"/api/v1/violations?employee_no={staff}", world["h"]["supervisor"], limit)
        assert got == expected, limit

    # The ledger reads in the order the days came, its running balance too (the chain keeps its own order).
    def ledger(limit):
        rows, cursor = [], None
        while True:
            response = client.get(f"/api/v1/ledger?employee_no={staff}&limit={limit}"
                                  + (f"&cursor={cursor}" if cursor else ""), headers=world["h"]["supervisor"])
            assert response.status_code == 200, response.get_json()
            rows += response.get_json()["items"]
            cursor = response.get_json()["next"]
            if cursor is None:
                return rows
    rows = ledger(2)
    assert rows == ledger(100)
    days = [r["occurred_on"] for r in rows]
    assert days == sorted(days) and len(rows) >= 4
    running = Decimal("0")
    for r in rows:
        running += Decimal(r["amount"])
        assert Decimal(r["balance"]) == running, rows
