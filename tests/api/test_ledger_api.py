"""GET /ledger, POST /ledger/{id}/reverse, GET /ledger/verify."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select, text

from attendance import clock
from attendance.domain import dates
from attendance.extensions import db
from attendance.models import LedgerEntry
from tests.conftest import ON_POSTGRES, make_person, make_team, token_for


@pytest.fixture
def world(app, client):
    team = make_team("T1", "热线一组")
    people = {"lead": make_person(["lead", "staff"], team), "staff": make_person(["staff"], team),
              "colleague": make_person(["staff"], team), "supervisor": make_person(["supervisor"]),
              "hr": make_person(["hr"]), "admin": make_person(["admin"])}
    headers = {k: token_for(client, p) for k, p in people.items()}
    for who, rule, days in (("staff", "COMPLAINT", 3), ("colleague", "HANDBOOK", 2), ("staff", "COMPLAINT", 1)):
        response = client.post("/api/v1/violations", headers=headers["lead"], json={
            "employee_no": people[who].employee_no, "rule": rule,
            "occurred_at": (clock.now() - timedelta(days=days)).isoformat()})
        assert response.status_code == 201
    return {**people, "h": headers}


def test_the_ledger_lists_entries_with_kind_amount_and_running_balance(client, world):
    body = client.get(f"/api/v1/ledger?employee_no={world['staff'].employee_no}",
                      headers=world["h"]["supervisor"]).get_json()
    assert [(e["kind"], e["amount"], e["balance"], e["points_total"]) for e in body["items"]] == [
        ("fine", "30.00", "30.00", 6), ("fine", "60.00", "90.00", 18)]
    assert body["next"] is None and len(body["items"][0]["hash"]) == 64


def test_staff_see_only_their_own_ledger_and_404_for_others(client, world):
    h = world["h"]["staff"]
    mine = client.get("/api/v1/ledger", headers=h).get_json()["items"]
    assert {e["employee_no"] for e in mine} == {world["staff"].employee_no}
    assert client.get(f"/api/v1/ledger?employee_no={world['colleague'].employee_no}", headers=h).status_code == 404


def _ledger(client, url: str, headers: dict, limit: int) -> tuple[list[dict], int]:
    """Every entry the ledger gives, following ``next`` to the end, ``limit`` at a time; and how many pages."""
    entries, pages, cursor = [], 0, None
    while True:
        response = client.get(url + f"&limit={limit}" + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) <= limit
        entries += body["items"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return entries, pages


def test_the_ledger_filters_by_month_and_pages(client, world):
    months = [dates.add_months(clock.today().replace(day=1), -n) for n in (2, 1)]
    for who, first, day in (("staff", months[0], 3), ("colleague", months[1], 4), ("staff", months[1], 5),
                            ("colleague", months[0], 6)):
        when = datetime.combine(first.replace(day=day), time(10), tzinfo=clock.site_zone()).isoformat()
        response = client.post("/api/v1/violations", headers=world["h"]["lead"], json={
            "employee_no": world[who].employee_no, "rule": "PHONE", "occurred_at": when})
        assert response.status_code == 201
    stored = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.occurred_on, LedgerEntry.id)).all()
    assert len(stored) == 7
    h = world["h"]["supervisor"]

    everything, pages = _ledger(client, "/api/v1/ledger?", h, limit=2)
    assert [e["id"] for e in everything] == [e.id for e in stored] and pages == 4  # each once, by day (issue 15)
    balance = {e["id"]: (e["balance"], e["points_total"]) for e in everything}
    for first in months:
        label = first.strftime("%Y-%m")
        in_month = [e.id for e in stored if e.occurred_on.strftime("%Y-%m") == label]
        assert len(in_month) >= 2
        for limit in (1, 100):
            entries, _pages = _ledger(client, f"/api/v1/ledger?month={label}", h, limit=limit)
            assert [e["id"] for e in entries] == in_month, (label, limit)
            # the running balance is the person's whole chain, not restarted inside the month
            assert all((e["balance"], e["points_total"]) == balance[e["id"]] for e in entries)
    staff_no = world["staff"].employee_no
    label = months[0].strftime("%Y-%m")
    entries, _pages = _ledger(client, f"/api/v1/ledger?employee_no={staff_no}&month={label}", h, limit=5)
    assert [e["id"] for e in entries] == [e.id for e in stored
                                          if e.employee_id == world["staff"].id and e.occurred_on >= months[0]
                                          and e.occurred_on < months[1]]
    assert client.get("/api/v1/ledger?month=2001-01", headers=h).get_json()["items"] == []
    assert client.get("/api/v1/ledger?month=bad", headers=h).status_code == 400


def test_a_reversal_names_the_original_the_reason_and_who(client, world):
    h = world["h"]["supervisor"] | {"Idempotency-Key": "rev-1"}
    response = client.post("/api/v1/ledger/1/reverse", json={"reason": "客户撤回投诉"}, headers=h)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["kind"], body["amount"], body["points"], body["reverses"], body["reason"], body["created_by"]) == (
        "reversal", "-30.00", -6, 1, "客户撤回投诉", world["supervisor"].employee_no)
    replay = client.post("/api/v1/ledger/1/reverse", json={"reason": "客户撤回投诉"}, headers=h)
    assert replay.get_json() == body
    again = client.post("/api/v1/ledger/1/reverse", json={"reason": "again"}, headers=world["h"]["supervisor"])
    assert again.status_code == 409
    violation = client.get(f"/api/v1/violations/{body['violation']}", headers=world["h"]["supervisor"]).get_json()
    assert violation["reversed"] is True


def test_reversing_needs_a_reason_and_a_known_entry(client, world):
    h = world["h"]["supervisor"]
    assert client.post("/api/v1/ledger/1/reverse", json={"reason": " "}, headers=h).status_code == 400
    assert client.post("/api/v1/ledger/1/reverse", json={}, headers=h).status_code == 400
    assert client.post("/api/v1/ledger/999/reverse", json={"reason": "x"}, headers=h).status_code == 404


@pytest.mark.parametrize("who", ["staff", "lead", "admin"])
def test_staff_leads_and_admins_cannot_reverse(client, world, who):
    assert client.post("/api/v1/ledger/1/reverse", json={"reason": "x"}, headers=world["h"][who]).status_code == 403


def test_verify_reports_an_intact_chain(client, world):
    body = client.get("/api/v1/ledger/verify", headers=world["h"]["hr"]).get_json()
    assert body["ok"] is True and body["entries"] == 3 and body["first_bad"] is None and len(body["head"]) == 64


@pytest.mark.parametrize("who", ["staff", "lead", "supervisor"])
def test_verify_is_for_hr_admin_and_management(client, world, who):
    assert client.get("/api/v1/ledger/verify", headers=world["h"][who]).status_code == 403


@pytest.mark.skipif(ON_POSTGRES, reason="drops the SQLite trigger; test_ledger_chain forces PostgreSQL")
def test_verify_names_an_entry_changed_behind_the_triggers(client, world):
    db.session.execute(text("DROP TRIGGER ledger_entries_no_update"))
    db.session.execute(text("UPDATE ledger_entries SET amount = 0 WHERE id = 2"))
    db.session.commit()
    body = client.get("/api/v1/ledger/verify", headers=world["h"]["admin"]).get_json()
    assert (body["ok"], body["first_bad"]) == (False, 2)
