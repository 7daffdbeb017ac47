"""The quality inspection pages (质检): paste, see the phrases highlighted, confirm; HR's month per team."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import QualityInspection, Violation
from attendance.services import inspections
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import login, make_person, make_team, one_per_role

REPORT = {"inspector", "hr", "admin", "manager", "gm", "supervisor"}

# Who reaches which page (the coverage test in tests/test_permissions_matrix.py reads this list).
PAGES = [
    ("GET", "/inspections/new", {"inspector"}),
    ("POST", "/inspections/new", {"inspector"}),
    ("GET", "/inspections", REPORT),
    ("GET", "/inspections/chart.png", REPORT),
]
TRANSCRIPT = "客户：我要投诉\n客服：有本事你告去，我就这态度。"


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    people = one_per_role(team)
    people["mate"] = make_person(["staff"], team, name="王芳")
    return people


@pytest.fixture
def as_(client, world):
    def sign_in_as(role):
        client.post("/logout")
        login(client, world[role])
        return client
    return sign_in_as


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_inspection_pages_it_should(as_, world, role):
    c = as_(role)
    for method, path, roles in PAGES:
        status = c.open(path, method=method, data={}).status_code
        assert (status == 403) == (role not in roles), (role, method, path, status)


def test_the_transcript_is_highlighted_then_confirming_raises_forbidden_phrase(as_, world):
    c = as_("inspector")
    data = {"employee_no": world["staff"].employee_no, "channel": "chat", "reference": "CHAT-9", "score": "40",
            "transcript": TRANSCRIPT}
    checked = c.post("/inspections/new", data={**data, "action": "check"}).get_data(as_text=True)
    assert '<mark class="phrase forbidden"' in checked and "有本事你告去</mark>" in checked
    assert checked.count("checked") >= 2 and "CHAT-9" in checked  # what was typed is kept
    codes = [p.code for p in inspections.settings().forbidden if p.text in ("有本事你告去", "我就这态度")]
    done = c.post("/inspections/new", data={**data, "action": "confirm", "phrases": codes})
    assert done.status_code == 302
    row = db.session.scalar(select(QualityInspection))
    assert row.violation.rule_code == "FORBIDDEN_PHRASE" and sorted(row.phrases) == sorted(codes)
    hr = as_("hr")
    page = hr.get(f"/inspections?month={row.occurred_at:%Y-%m}").get_data(as_text=True)
    assert "热线一组" in page and "有本事你告去" in page
    assert hr.get(f"/inspections/chart.png?month={row.occurred_at:%Y-%m}").data[:4] == b"\x89PNG"


def test_bad_input_keeps_what_was_typed_and_stores_nothing(as_, world):
    c = as_("inspector")
    bad = c.post("/inspections/new", data={"employee_no": world["staff"].employee_no, "channel": "call",
                                          "reference": "CALL-5", "score": "999", "action": "confirm"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "has-error" in text and 'value="CALL-5"' in text
    assert db.session.scalar(select(QualityInspection.id)) is None and db.session.scalar(select(Violation.id)) is None


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_inspection_form_and_the_month_fit_a_375_px_phone(app, world, tmp_path, locale):
    for role in ("inspector", "hr"):
        world[role].locale = locale
    db.session.commit()
    inspector, hr, staff_no = world["inspector"], world["hr"], world["staff"].employee_no
    assert inspector.username and hr.username
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, inspector)
        page.goto(base + "/inspections/new")
        page.fill("input[name=employee_no]", staff_no)
        page.fill("input[name=reference]", "CHAT-1")
        page.fill("input[name=score]", "50")
        page.fill("textarea[name=transcript]", TRANSCRIPT)
        with page.expect_navigation():
            page.click("button[value=check]")
        page.wait_for_selector("mark.phrase.forbidden")
        form = measure_width(page)
        with page.expect_navigation():
            page.click("button[value=confirm]")
        sign_in(page, base, hr)
        page.goto(base + "/inspections")
        page.wait_for_selector("table.inspection-summary")
        month = measure_width(page)
        page.screenshot(path=str(tmp_path / f"inspections-{locale}-375.png"), full_page=True)
    for seen in (form, month):
        assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
    assert db.session.scalar(select(Violation.rule_code)) == "FORBIDDEN_PHRASE"
