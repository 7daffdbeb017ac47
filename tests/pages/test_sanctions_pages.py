"""The pages for the new sanctions: the recorder's choice on the record form, the explanation of each effect,
the training days on the roster, transfers for HR and the nominations page (Chinese first, bad input kept)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.domain.policy import ROLES
from attendance.domain.scoring import month_label
from attendance.extensions import db
from attendance.models import RewardNomination, Violation
from attendance.services import discipline, nominations
from tests.conftest import LEADERS, make_person, make_team
from tests.conftest import login as log_in
from tests.services.test_scores import last_month, violation


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "lead": make_person(["lead", "staff"], team, name="刘组长"),
            "staff": make_person(["staff"], team, name="张丽"),
            "supervisor": make_person(["supervisor"], name="陈主管"), "hr": make_person(["hr"], name="周人事")}


@pytest.fixture
def as_(client, world):
    def sign_in(who):
        client.post("/logout")
        log_in(client, world[who])
        return client
    return sign_in


def _form(world, **extra):
    when = (clock.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    return {"employee": f"{world['staff'].employee_no} {world['staff'].name}", "rule": "FALSIFY · 名称",
            "occurred_at": when, "source": "manual", "note": "伪造回访记录", "amount": "", "choice": ""} | extra


def test_the_record_form_offers_the_choice_and_records_a_dismissal_review_without_a_fine(as_, world):
    page = as_("supervisor").get("/violations/new").get_data(as_text=True)
    assert 'name="choice"' in page and "解聘审查" in page
    response = as_("supervisor").post("/violations/new", data=_form(world, choice="dismissal_review"))
    assert response.status_code == 302
    v = db.session.scalar(select(Violation))
    assert (v.sanction, str(v.fine)) == ("dismissal_review", "0.00")
    why = as_("staff").get(f"/violations/{v.id}/explanation").get_data(as_text=True)
    assert "记录人选择" in why or "recorder chose" in why


def test_without_a_choice_the_form_comes_back_with_what_was_typed_and_nothing_is_recorded(as_, world):
    response = as_("supervisor").post("/violations/new", data=_form(world, amount="300.00"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "伪造回访记录" in body and 'value="300.00"' in body
    assert db.session.scalar(select(Violation)) is None


def test_the_explanation_tells_of_a_stand_down_and_the_roster_shows_the_training_days(as_, world):
    month = last_month()
    v = violation(world["staff"], "UNAUTHORISED_PROMISE", month + timedelta(days=4))
    why = as_("staff").get(f"/violations/{v.id}/explanation").get_data(as_text=True)
    assert "待岗培训" in why or "Stand-down" in why
    grid = as_("lead").get(f"/roster?team=T1&week={(month + timedelta(days=5)).isoformat()}").get_data(as_text=True)
    assert "training" in grid


def test_hr_completes_a_transfer_on_its_page_and_bad_input_keeps_it_pending(as_, world):
    violation(world["staff"], "SHIRKING", last_month() + timedelta(days=1))
    v = violation(world["staff"], "SHIRKING", last_month() + timedelta(days=2))
    t = discipline.transfer_of(v)
    page = as_("hr").get("/transfers")
    assert page.status_code == 200 and world["staff"].name in page.get_data(as_text=True)
    assert as_("hr").post(f"/transfers/{t.id}", data={"note": ""}).status_code == 400
    assert discipline.transfer_of(v).status == "pending"
    assert as_("hr").post(f"/transfers/{t.id}", data={"note": "调至投诉组"}).status_code == 302
    db.session.expire_all()
    assert discipline.transfer_of(v).status == "done"
    assert as_("lead").get("/transfers").status_code == 403


def test_a_lead_nominates_on_the_phone_page_and_the_supervisor_confirms(as_, world):
    month = month_label(last_month())
    page = as_("lead").get(f"/scores/nominations?month={month}")
    assert page.status_code == 200 and world["staff"].employee_no in page.get_data(as_text=True)
    response = as_("lead").post("/scores/nominations", data={
        "month": month, "action": "nominate", "employee_no": world["staff"].employee_no, "reason": "连续零投诉"})
    assert response.status_code == 302
    n = db.session.scalar(select(RewardNomination))
    assert (n.status, n.nominated_by_id) == ("pending", world["lead"].id)
    page = as_("supervisor").get(f"/scores/nominations?month={month}").get_data(as_text=True)
    assert "连续零投诉" in page and 'name="outcome"' in page
    assert as_("supervisor").post("/scores/nominations", data={
        "month": month, "nomination_id": str(n.id), "outcome": "confirmed"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RewardNomination, n.id).status == "confirmed"


def test_a_bad_nomination_comes_back_with_what_was_typed(as_, world):
    month = month_label(last_month())
    response = as_("lead").post("/scores/nominations", data={
        "month": month, "action": "nominate", "employee_no": world["staff"].employee_no, "reason": "  "})
    assert response.status_code == 400
    assert db.session.scalar(select(RewardNomination)) is None
    nominations.nominate(world["lead"], world["staff"].employee_no, month, "突出")
    response = as_("supervisor").post("/scores/nominations", data={
        "month": month, "nomination_id": "x", "outcome": "confirmed"})
    assert response.status_code == 400


def test_staff_may_not_open_the_nominations_page(as_, world):
    assert as_("staff").get("/scores/nominations").status_code == 403


# --- who may: the role matrix (tests/test_permissions_matrix.py checks every route is listed) -------------

PAGES = [
    ("GET", "/scores/nominations", set(LEADERS)),
    ("POST", "/scores/nominations", {"supervisor", "manager"}),  # an empty form is a decision without a choice
    ("GET", "/transfers", {"supervisor", "manager", "gm", "hr"}),
    ("POST", "/transfers/1", {"hr"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_nomination_and_transfer_pages_it_should(client, app, role):
    team = make_team("T9", "九组")
    caller = make_person([role], team if role in ("staff", "lead") else None)
    log_in(client, caller)
    for method, path, roles in PAGES:
        response = client.open(path, method=method, data={})
        if role in roles:  # an empty form comes back as bad input, never as forbidden
            assert response.status_code in (200, 400), (role, method, path, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, path, response.status_code)


def test_the_policy_page_says_what_each_new_sanction_does(as_, world):
    page = as_("staff").get("/policy").get_data(as_text=True)
    assert "由记录人选择" in page and "待岗培训 3 天" in page and "调岗（由人事办理）" in page
