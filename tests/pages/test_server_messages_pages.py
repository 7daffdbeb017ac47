"""Server messages reach the Chinese pages in Chinese (issue 15, point 3): a domain error's message and its
fields' problems, with their values, and the ledger's own reasons; and a refused grooming check comes back
with everything the lead entered kept and the problem beside the person."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock, labels
from attendance.domain.errors import N_, InvalidInput, Message
from attendance.extensions import db
from attendance.models import GroomingCheck, Violation
from attendance.services import discipline as svc
from tests.conftest import login, make_person, make_team
from tests.pages.test_grooming_pages import _form


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- a message with values is translated whole, and the API keeps its English -----------------------


def test_a_message_with_values_is_english_text_that_keeps_its_id_and_values():
    text = N_("no employee %(no)s", no="E0201")
    assert text == "no employee E0201" and isinstance(text, Message)
    assert (text.template, text.params) == ("no employee %(no)s", {"no": "E0201"})
    assert N_("required") == "required" and not isinstance(N_("required"), Message)
    error = InvalidInput(N_("from %(lo)s to %(hi)s", lo="100.00", hi="500.00"))
    assert str(error) == error.message == "from 100.00 to 500.00"


def test_the_page_translates_the_id_and_fills_the_values(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert labels.translated(N_("no employee %(employee_no)s", employee_no="E0201")) == "没有工号为 E0201 的员工"
        assert labels.translated(N_("from %(lo)s to %(hi)s", lo="100.00", hi="500.00")) == "须在 100.00 到 500.00 之间"
        assert labels.translated(N_("required")) == "必填"


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "lead": make_person(["lead", "staff"], team, name="刘组长"),
            "staff": make_person(["staff"], team, name="张丽"),
            "supervisor": make_person(["supervisor"], name="陈主管"),
            "crew": [make_person(["staff"], team) for _ in range(3)]}


def test_the_range_and_size_problems_of_the_recording_form_are_in_chinese(client, world):
    login(client, world["lead"])
    when = (clock.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page = _text(client.post("/violations/new", data={
        "employee": world["staff"].employee_no, "rule": "KEEP_FOUND", "occurred_at": when, "source": "manual",
        "amount": "50"}))
    assert "须在 100.00 到 500.00 之间" in page, page
    assert "from 100.00 to 500.00" not in page


def test_an_error_page_shows_the_message_in_chinese(client, world):
    login(client, world["lead"])
    page = _text(client.get("/grooming/people/E9999"))
    assert "no employee" not in page


def test_a_grooming_day_in_the_future_is_refused_in_chinese_and_keeps_every_tick(client, world):
    a, b, c = world["crew"]
    login(client, world["lead"])
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    data |= {f"fail-{a.employee_no}": ["UNIFORM", "NAILS"], f"absent-{c.employee_no}": ["1"],
             f"note-{a.employee_no}": ["袖子卷起"], "date": [(clock.today() + timedelta(days=1)).isoformat()]}
    response = client.post("/grooming/check", data=data)
    page = _text(response)
    assert response.status_code == 400
    assert "the day cannot be in the future" not in page and "不能是将来的日期" in page, page
    assert db.session.scalar(select(func.count(GroomingCheck.id))) == 0
    assert re.search(rf'name="fail-{a.employee_no}" value="UNIFORM" checked', page)
    assert re.search(rf'name="fail-{a.employee_no}" value="NAILS" checked', page)
    assert re.search(rf'name="absent-{c.employee_no}" value="1" data-gc-absent checked', page)
    assert 'value="袖子卷起"' in page


def test_a_grooming_problem_of_one_person_is_shown_beside_that_person(client, world):
    a, b, _c = world["crew"]
    login(client, world["lead"])
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    data |= {f"fail-{b.employee_no}": ["HAIR"], f"note-{a.employee_no}": ["太长" * 300]}
    response = client.post("/grooming/check", data=data)
    page = _text(response)
    assert response.status_code == 400 and db.session.scalar(select(func.count(GroomingCheck.id))) == 0
    person = page.split(f'<span class="gc-no">{a.employee_no}</span>', 1)[1].split("</details>", 1)[0]
    assert "最多 500 个字" in person, person
    assert re.search(rf'name="fail-{b.employee_no}" value="HAIR" checked', page)


# --- ledger reasons ------------------------------------------------------------------------------


def test_ledger_reasons_the_system_wrote_are_shown_in_chinese_and_stay_as_stored(client, world):
    v = svc.record_violation(world["lead"], employee=world["staff"], rule_code="LATE",
                             occurred_at=clock.now() - timedelta(days=1))
    appeal = svc.file_appeal(world["staff"], v.id, "那天地铁停运")
    svc.decide_appeal(world["supervisor"], appeal.id, "overturned", "有地铁公司证明")
    db.session.commit()
    reasons = [e.reason for e in db.session.get(Violation, v.id).ledger_entries]
    assert reasons == ["LATE #1", f"appeal {appeal.id} overturned: 有地铁公司证明"]  # the hashed text is unchanged
    assert svc.verify_ledger().ok
    login(client, world["supervisor"])
    for url in ("/ledger", f"/violations/{v.id}"):
        page = _text(client.get(url))
        assert "overturned" not in page and "LATE #1" not in page, url
        assert f"申诉 {appeal.id} 已改判撤销：有地铁公司证明" in page, url
        assert "迟到，第 1 次" in page, url


def test_a_reason_in_a_closed_month_and_a_typed_reason(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert labels.ledger_reason("LATE #2 (2026-10-03, month closed)", {"LATE": "迟到"}) == \
            "迟到，第 2 次（2026-10-03，所在月份已月结）"
        assert labels.ledger_reason("re-evaluated: 2026-11-02 is now present") == "重新判定：2026-11-02 现为出勤"
        assert labels.ledger_reason("误记：当日交接本已由他人代填并签字") == "误记：当日交接本已由他人代填并签字"


def test_the_note_an_attendance_violation_was_recorded_with_reads_in_the_readers_language(app):
    note = "2026-11-14 D8 08:00–18:00 · in 08:10 · out 18:11 · 迟到 late 10 min"
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert labels.violation_note(note) == "2026-11-14 D8 08:00–18:00 · 上班 08:10 · 下班 18:11 · 迟到 10 分钟"
        assert labels.violation_note("客户投诉态度差") == "客户投诉态度差"
        assert labels.violation_note("2026-11-26 morning meeting · late") == "2026-11-26 晨会 · 迟到"
        assert labels.violation_note("台面整洁 / Desk tidy") == "台面整洁"
        assert labels.violation_note("旷工半天 half a day absent (late 64 / early 0 min)") == \
            "旷工半天（迟到 64 / 早退 0 分钟）"
    with app.test_request_context("/"):
        from flask import session
        from flask_babel import refresh

        session["lang"] = "en"
        refresh()
        assert labels.violation_note(note).endswith("clock-in 08:10 · clock-out 18:11 · late 10 min")
