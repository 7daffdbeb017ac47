"""Scores, month close, payroll deductions and reports over the API (docs/api.md: months, scores, payroll, reports)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from attendance.domain.policy import ROLES
from attendance.domain.scoring import add_months, month_label
from attendance.extensions import db
from attendance.services import scores
from tests.conftest import LEADERS, make_person, make_team, token_for
from tests.rewards import confirm_reward
from tests.services.test_scores import _use_minimum_wage, attend, last_month, violation


@pytest.fixture
def world(app):
    t1, t2 = make_team("T1", "热线一组"), make_team("T2", "投诉组")
    month = last_month()
    staff = make_person(["staff"], t1, name="张丽", wage="3000.00")
    mate = make_person(["staff"], t1, name="王芳")
    other = make_person(["staff"], t2, name="李娜")
    lead = make_person(["lead", "staff"], t1, name="组长")
    for person in (staff, mate, other, lead):
        attend(person, month)
    confirm_reward(other, month)
    violation(staff, "GENERAL", month + timedelta(days=2))
    violation(staff, "GENERAL", month + timedelta(days=9))
    return {"month": month_label(month), "staff": staff, "mate": mate, "other": other, "lead": lead,
            "hr": make_person(["hr"]), "supervisor": make_person(["supervisor"])}


def test_hr_gets_everyones_score_with_money_as_strings(client, world):
    response = client.get(f"/api/v1/scores?month={world['month']}", headers=token_for(client, world["hr"]))
    assert response.status_code == 200
    body = response.get_json()
    by_no = {r["employee_no"]: r for r in body["items"]}
    assert len(by_no) == 4 and body["next"] is None
    mine = by_no[world["staff"].employee_no]
    assert mine["score"] == 95 and mine["fines_total"] == "20.00" and mine["reward"] == "0.00"
    assert mine["deductions"] == [{"rule": "GENERAL", "points": 5, "adjustment": False}]
    assert mine["rank"] == 4 and mine["team_rank"] == 3 and mine["team"] == "T1"
    assert by_no[world["other"].employee_no]["reward_eligible"] is True
    assert set(mine) >= {"score", "deductions", "fines_total", "worked_days", "late_count", "early_count",
                         "absent_days", "leave_days", "full_attendance", "reward_eligible", "rank"}


def test_scores_page_through_with_a_cursor(client, world):
    headers = token_for(client, world["hr"])
    first = client.get(f"/api/v1/scores?month={world['month']}&limit=3", headers=headers).get_json()
    second = client.get(f"/api/v1/scores?month={world['month']}&limit=3&cursor={first['next']}",
                        headers=headers).get_json()
    assert len(first["items"]) == 3 and len(second["items"]) == 1 and second["next"] is None


def test_staff_see_only_their_own_score_and_a_lead_their_team(client, world):
    response = client.get(f"/api/v1/scores?month={world['month']}", headers=token_for(client, world["other"]))
    assert [r["employee_no"] for r in response.get_json()["items"]] == [world["other"].employee_no]
    response = client.get(f"/api/v1/scores?month={world['month']}", headers=token_for(client, world["lead"]))
    assert {r["team"] for r in response.get_json()["items"]} == {"T1"}


def test_bad_month_or_team_is_a_400_naming_the_field(client, world):
    headers = token_for(client, world["hr"])
    response = client.get("/api/v1/scores?month=2026-13", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {
        "month": "not a month (YYYY-MM)"}
    response = client.get(f"/api/v1/scores?month={world['month']}&team=NOPE", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["fields"] == {"team": "unknown team"}
    assert client.get("/api/v1/scores?cursor=abc", headers=headers).status_code == 400


def test_hr_closes_a_month_once_and_a_replayed_key_returns_the_first_answer(client, world):
    headers = token_for(client, world["hr"])
    url = f"/api/v1/months/{world['month']}/close"
    first = client.post(url, headers=headers | {"Idempotency-Key": "close-1"})
    assert first.status_code == 201 and first.get_json()["closed"] is True
    assert first.get_json()["staff"] == 4 and first.get_json()["closed_by"] == world["hr"].employee_no
    replay = client.post(url, headers=headers | {"Idempotency-Key": "close-1"})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replay") == "true"
    again = client.post(url, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert client.get(f"/api/v1/months/{world['month']}", headers=headers).get_json()["closed"] is True
    scores_now = client.get(f"/api/v1/scores?month={world['month']}", headers=headers).get_json()["items"]
    assert all(r["closed"] for r in scores_now)


def test_closing_the_current_month_is_refused_by_rule_and_others_may_not_close(client, world):
    this_month = month_label(scores.open_month())
    response = client.post(f"/api/v1/months/{this_month}/close", headers=token_for(client, world["hr"]))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "month_not_over"
    response = client.post(f"/api/v1/months/{world['month']}/close",
                           headers=token_for(client, world["supervisor"]))
    assert response.status_code == 403


def test_a_violation_recorded_after_the_close_shows_as_an_adjustment_in_the_open_month(client, world):
    headers = token_for(client, world["hr"])
    client.post(f"/api/v1/months/{world['month']}/close", headers=headers)
    violation(world["mate"], "COMPLAINT", last_month() + timedelta(days=4))
    closed = client.get(f"/api/v1/scores?month={world['month']}", headers=headers).get_json()["items"]
    assert next(r for r in closed if r["employee_no"] == world["mate"].employee_no)["score"] == 100
    now = client.get(f"/api/v1/scores?month={month_label(scores.open_month())}", headers=headers).get_json()
    mate = next(r for r in now["items"] if r["employee_no"] == world["mate"].employee_no)
    assert mate["score"] == 94 and mate["deductions"] == [{"rule": "COMPLAINT", "points": 6, "adjustment": True}]


def test_payroll_deductions_follow_the_cap(client, world):
    _use_minimum_wage("2000.00")
    staff = world["staff"]
    violation(staff, "KEEP_FOUND", last_month() + timedelta(days=3), amount="500.00")
    violation(staff, "KEEP_FOUND", last_month() + timedelta(days=4), amount="180.00")
    response = client.get(f"/api/v1/payroll-deductions?month={world['month']}&owing=true",
                          headers=token_for(client, world["hr"]))
    assert response.status_code == 200
    rows = response.get_json()["items"]
    assert rows == [{"employee_no": staff.employee_no, "name": "张丽", "team": "T1", "month": world["month"],
                     "wage": "3000.00", "fines": "700.00", "carried_in": "0.00", "fines_due": "700.00",
                     "cap": "600.00", "deducted": "600.00", "carried_over": "100.00", "reward": "0.00",
                     "training_days": 0, "training_reduction": "0.00", "closed": False}]
    assert client.get("/api/v1/payroll-deductions", headers=token_for(client, world["lead"])).status_code == 403


def test_hr_writes_the_monthly_report_and_downloads_its_files(client, world):
    headers = token_for(client, world["hr"])
    listed = client.get(f"/api/v1/reports/{world['month']}", headers=headers).get_json()
    assert listed["files"] == [] and set(listed["charts"]) == {"ranking", "trend", "categories", "lateness",
                                                                "attendance"}
    response = client.post(f"/api/v1/reports/{world['month']}", headers=headers)
    assert response.status_code == 201
    kinds = {f["kind"] for f in response.get_json()["files"]}
    assert kinds == {"pdf", "xlsx", "png"}  # each chart drawn once; SVG is drawn on request
    pdf = next(f for f in response.get_json()["files"] if f["kind"] == "pdf")
    download = client.get(pdf["url"], headers=headers)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    download.close()  # a file response holds the file open until closed
    assert client.get(f"/api/v1/reports/{world['month']}/files/..%2Fsecret_key", headers=headers
                      ).status_code == 404
    chart = client.get(listed["charts"]["ranking"], headers=headers)
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")
    svg = client.get(f"/api/v1/reports/{world['month']}/charts/trend.svg?team=T1", headers=headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert client.get(f"/api/v1/reports/{world['month']}/charts/nope.png", headers=headers).status_code == 404


def test_reports_are_for_the_office_only(client, world):
    month = world["month"]
    assert client.get(f"/api/v1/reports/{month}", headers=token_for(client, world["staff"])).status_code == 403
    assert client.post(f"/api/v1/reports/{month}", headers=token_for(client, world["lead"])).status_code == 403
    lead_chart = client.get(f"/api/v1/reports/{month}/charts/ranking.png?team=T2",
                            headers=token_for(client, world["lead"]))
    assert lead_chart.status_code == 404  # another team's chart: as if it did not exist


def test_a_month_before_any_close_has_no_close_details(client, world):
    body = client.get(f"/api/v1/months/{month_label(add_months(last_month(), -3))}",
                      headers=token_for(client, world["staff"])).get_json()
    assert body == {"month": month_label(add_months(last_month(), -3)), "closed": False, "closed_at": None,
                    "closed_by": None, "staff": None, "pending_nominations": 0}


# (method, path, roles allowed); {month} last month. The caller is in T1 (a lead leads it).
# Writing the report comes before downloading it; closing the month comes last.
OFFICE_FIGURES = {"hr", "admin", "manager", "gm"}
API = [
    ("GET", "/api/v1/scores?month={month}", set(ROLES)),
    ("GET", "/api/v1/months/{month}", set(ROLES)),
    ("GET", "/api/v1/payroll-deductions?month={month}", OFFICE_FIGURES),
    ("GET", "/api/v1/reports/{month}/charts/ranking.png", LEADERS),
    ("GET", "/api/v1/reports/{month}", OFFICE_FIGURES),
    ("POST", "/api/v1/reports/{month}", OFFICE_FIGURES),
    ("GET", "/api/v1/reports/{month}/files/report-{month}.pdf", OFFICE_FIGURES),
    ("POST", "/api/v1/months/{month}/close", {"hr"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_score_routes_it_should(client, world, role):
    t1 = world["staff"].team
    caller = make_person([role], t1 if role in ("staff", "lead") else None)
    if role == "lead":
        t1.lead_id = caller.id
        db.session.commit()
    headers = token_for(client, caller)
    for method, path, roles in API:
        url = path.format(month=world["month"])
        response = client.open(url, method=method, headers=headers)
        response.close()  # a file response holds the file open until closed
        if role in roles:
            assert response.status_code in (200, 201), (role, method, url, response.status_code)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] == "forbidden"
