"""Recording a violation by what a lead types (issue 15, point 4): a person by name or number, a rule by its
code or its name in the reader's language; anything the pickers cannot read as exactly one is refused beside
its field, in the reader's language, and records nothing — never a guess by the first word."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.extensions import db
from attendance.models import Violation
from tests.conftest import login, make_person, make_team, token_for


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "lead": make_person(["lead", "staff"], team, name="刘组长"),
            "staff": make_person(["staff"], team, name="张丽"),
            "twin1": make_person(["staff"], team, name="王芳"), "twin2": make_person(["staff"], team, name="王芳"),
            "outsider": make_person(["staff"], make_team("T2", "投诉处理组"), name="赵敏")}


def _post(client, person: str, rule: str):
    when = (clock.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/violations/new", data={"employee": person, "rule": rule, "occurred_at": when,
                                                      "source": "manual", "note": "", "amount": ""})
    return response, html.unescape(response.get_data(as_text=True))


def _recorded() -> list[tuple[str, str]]:
    return [(v.employee.name, v.rule_code) for v in db.session.scalars(select(Violation).order_by(Violation.id))]


def _error_beside(page: str, field: str) -> str:
    """The text of the error shown in the field's box (templates/_macros.html)."""
    start = page.index(f'name="{field}"')
    end = page.index("</div>", start)
    errors = page[start:end].split('<small class="error">')[1:]
    assert errors, f"no error beside {field}"
    return " ".join(e.split("</small>")[0] for e in errors)


@pytest.fixture
def lead(client, world):
    login(client, world["lead"])
    return client


@pytest.mark.parametrize("typed", ["张丽", "{no}", "{no} 张丽", "{no_lower}"])
def test_a_person_is_found_by_name_or_number(lead, world, typed):
    no = world["staff"].employee_no
    response, _page = _post(lead, typed.format(no=no, no_lower=no.lower()), "LATE")
    assert response.status_code == 302, _page
    assert _recorded() == [("张丽", "LATE")]


@pytest.mark.parametrize("typed", ["迟到", "LATE", "late", "LATE · 迟到", "LATE · 迟到 · Late arrival"])
def test_a_rule_is_found_by_its_chinese_name_or_code_on_the_chinese_pages(lead, world, typed):
    response, page = _post(lead, "张丽", typed)
    assert response.status_code == 302, page
    assert _recorded() == [("张丽", "LATE")]


def test_the_rule_list_offers_code_and_name_in_the_readers_language(lead, world):
    page = html.unescape(lead.get("/violations/new").get_data(as_text=True))
    assert 'value="LATE · 迟到"' in page and "Late arrival" not in page
    lead.post("/language/en")
    page = html.unescape(lead.get("/violations/new").get_data(as_text=True))
    assert 'value="LATE · Late arrival"' in page


def test_an_english_name_is_read_on_the_english_pages(lead, world):
    lead.post("/language/en")
    response, page = _post(lead, "张丽", "late arrival")
    assert response.status_code == 302, page
    assert _recorded() == [("张丽", "LATE")]


def test_an_english_name_on_the_chinese_pages_records_nothing_and_names_the_rule_it_may_mean(lead, world):
    response, page = _post(lead, "张丽", "Late arrival")
    assert response.status_code == 400
    assert _recorded() == []
    beside = _error_beside(page, "rule")
    assert "LATE · 迟到" in beside and "请从列表中选择" in beside, beside
    assert 'value="Late arrival"' in page  # what was typed stays


def test_part_of_a_name_is_not_guessed_the_candidates_are_named(lead, world):
    response, page = _post(lead, "张丽", "迟")
    assert response.status_code == 400 and _recorded() == []
    beside = _error_beside(page, "rule")
    for choice in ("LATE · 迟到", "MEETING_LATE · 开会迟到或早退"):
        assert choice in beside


def test_an_unknown_rule_is_refused_in_chinese_beside_the_field(lead, world):
    response, page = _post(lead, "张丽", "打瞌睡")
    assert response.status_code == 400 and _recorded() == []
    assert "没有这条规则" in _error_beside(page, "rule")
    assert "unknown rule" not in page


def test_a_name_two_people_share_is_refused_with_both_numbers(lead, world):
    response, page = _post(lead, "王芳", "LATE")
    assert response.status_code == 400 and _recorded() == []
    beside = _error_beside(page, "employee")
    assert world["twin1"].employee_no in beside and world["twin2"].employee_no in beside
    assert "多人" in beside, beside
    response, page = _post(lead, f"{world['twin2'].employee_no} 王芳", "LATE")
    assert response.status_code == 302 and db.session.scalar(select(Violation.employee_id)) == world["twin2"].id


def test_nobody_and_someone_out_of_reach_are_refused_beside_the_field(lead, world):
    for typed in ("E9999", "赵敏", world["outsider"].employee_no):
        response, page = _post(lead, typed, "LATE")
        assert response.status_code == 400 and _recorded() == [], typed
        assert "没有" in _error_beside(page, "employee"), typed
        assert "no employee" not in page


def test_both_pickers_report_at_once(lead, world):
    response, page = _post(lead, "没这个人", "没这条")
    assert response.status_code == 400 and _recorded() == []
    _error_beside(page, "employee")
    _error_beside(page, "rule")


def test_the_api_takes_a_rule_code_and_refuses_a_name_in_its_error_shape(client, world):
    headers = token_for(client, world["lead"])
    when = (clock.now() - timedelta(hours=2)).isoformat()
    for rule in ("Late arrival", "迟到", "LATE arrival"):
        response = client.post("/api/v1/violations", headers=headers,
                               json={"employee_no": world["staff"].employee_no, "rule": rule, "occurred_at": when})
        assert response.status_code == 400, rule
        body = response.get_json()["error"]
        assert body["code"] == "invalid_input" and body["fields"]["rule"] == "unknown rule"
        assert body["message"] == f"unknown rule {rule.upper()}"  # the API speaks English (docs/api.md)
    assert db.session.scalar(select(func.count(Violation.id))) == 0
    response = client.post("/api/v1/violations", headers=headers,
                           json={"employee_no": world["staff"].employee_no, "rule": "late", "occurred_at": when})
    assert response.status_code == 201 and response.get_json()["rule"] == "LATE"
