"""The grooming pages: the team check on a phone (375 px), one submit, once; history; insight; roles."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from attendance import clock, create_app
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import GroomingCheck, Violation
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import LEADERS, PASSWORD, login, make_person, make_team
from tests.images import PNG
from tests.policies import publish_grooming_per_item


@pytest.fixture
def crew(app):
    t1 = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], t1)
    staff = [make_person(["staff"], t1) for _ in range(12)]
    t2 = make_team("T2", "投诉组")
    other = make_person(["staff"], t2)
    return {"lead": lead, "staff": staff, "other": other}


def _form(page: str) -> dict:
    """The fields of the check form as the browser would send them with nothing tapped."""
    data: dict[str, list[str]] = {}
    form = page.split('data-gc-form', 1)[1].split("</form>", 1)[0]
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("checkbox", "file")):
            continue
        data.setdefault(name.group(1), []).append(value.group(1) if value else "")
    return data


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_lead_checks_twelve_people_in_one_submit_and_a_double_click_records_it_once(client, crew):
    publish_grooming_per_item()  # counts one violation per failed item
    a, b, c = crew["staff"][:3]
    login(client, crew["lead"])
    page = client.get("/grooming/check").get_data(as_text=True)
    assert all(p.employee_no in page for p in crew["staff"]) and crew["other"].employee_no not in page
    data = _form(page) | {f"fail-{a.employee_no}": ["UNIFORM", "NAILS"], f"fail-{b.employee_no}": ["HAIR"],
                          f"absent-{c.employee_no}": ["1"], f"note-{a.employee_no}": ["袖子卷起"]}
    assert len(data["people"]) == 12
    first = client.post("/grooming/check", data=data)
    assert first.status_code == 303 and "/grooming/check" in first.headers["Location"]
    again = client.post("/grooming/check", data=data)  # the second click of a double click
    assert again.status_code == 303
    violations = list(db.session.scalars(select(Violation).where(Violation.source == "grooming")))
    assert sorted((v.employee_id, v.occurrence, v.step, str(v.fine)) for v in violations) == sorted([
        (a.id, 1, 1, "10.00"), (a.id, 2, 1, "10.00"), (b.id, 1, 1, "10.00")])
    assert _count(GroomingCheck) == 12
    assert _count(GroomingCheck, GroomingCheck.employee_id == c.id, GroomingCheck.status == "absent") == 1
    shown = client.get(first.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'name="fail-{a.employee_no}" value="UNIFORM" checked', shown)
    assert re.search(rf'name="absent-{c.employee_no}" value="1" data-gc-absent checked', shown)


def test_correcting_on_the_page_reverses_what_the_correction_removes(client, crew):
    publish_grooming_per_item()  # reverses per failed item
    a = crew["staff"][0]
    login(client, crew["lead"])
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    client.post("/grooming/check", data=data | {f"fail-{a.employee_no}": ["UNIFORM", "NAILS"]})
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    older = _form(client.get("/grooming/check").get_data(as_text=True))  # a second phone, same moment
    response = client.post("/grooming/check", data=data | {f"fail-{a.employee_no}": ["NAILS"]})
    assert response.status_code == 303
    assert _count(Violation, Violation.reversed_at.is_not(None)) == 1
    assert _count(Violation, Violation.reversed_at.is_(None)) == 1
    history = client.get(f"/grooming/people/{a.employee_no}").get_data(as_text=True)
    assert "tag warn" in history  # the corrected check is kept and marked
    replay = client.post("/grooming/check", data=data | {f"fail-{a.employee_no}": ["HAIR"]})
    assert replay.status_code == 303  # the same form again records nothing, whatever it carries
    stale = client.post("/grooming/check", data=older | {f"fail-{a.employee_no}": ["HAIR"]})
    assert stale.status_code == 409  # drawn before the last correction
    assert _count(Violation) == 2 and _count(GroomingCheck) == 13


def test_a_photo_taken_on_the_phone_is_kept_as_evidence(client, crew):
    a = crew["staff"][0]
    login(client, crew["lead"])
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    data |= {f"fail-{a.employee_no}": ["PHONE_POCKET"], f"photo-{a.employee_no}": (io.BytesIO(PNG), "p.png")}
    assert client.post("/grooming/check", data=data, content_type="multipart/form-data").status_code == 303
    violation = db.session.scalar(select(Violation))
    assert violation.evidence_type == "image/png"


@pytest.mark.parametrize("change, status", [
    ({"fail-{a}": ["NOPE"]}, 400),
    ({"date": ["2026-02-30"]}, 400),
    ({"date": ["someday"]}, 400),
    ({"shift": ["NOPE"]}, 400),
    ({"form_token": ["<script>"]}, 400),
    ({"people": ["NOBODY"]}, 404),
    ({"people": ["{other}"]}, 403),
    ({"team": ["T2"]}, 403),
    ({"team": ["NOTEAM"]}, 404),
    ({"base-{a}": ["²"]}, 400),
    ({"base-{a}": ["99999999999999999999"]}, 400),
])
def test_bad_input_on_the_check_page_is_refused_and_records_nothing(client, crew, change, status):
    login(client, crew["lead"])
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    for key, values in change.items():
        data[key.format(a=crew["staff"][0].employee_no)] = [
            v.format(other=crew["other"].employee_no) for v in values]
    response = client.post("/grooming/check", data=data)
    assert response.status_code == status
    assert _count(GroomingCheck) == 0


def test_the_check_page_fits_a_375_px_phone(app, crew, tmp_path):
    """In Chromium at 375 CSS px (a touch phone): nothing sticks out to the right, closed or opened."""
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, crew["lead"])
        page.goto(base + "/grooming/check")
        assert page.locator("[data-gc-person]").count() == 12
        assert page.locator('[data-gc-form] input[accept="image/*"][capture="environment"]').count() == 12
        closed = measure_width(page)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        opened = measure_width(page)
        page.screenshot(path=tmp_path / "grooming-check-375.png", full_page=True)
    # The page's own viewport tag keeps the phone's layout at its width (no zoomed-out 980 px desktop layout).
    assert closed["inner"] == opened["inner"] == 375, (closed, opened)
    for layout in (closed, opened):
        assert layout["scroll"] <= 375, layout
        assert layout["right"] <= 375 + 1, layout


def test_every_tap_target_of_the_check_page_is_at_least_44_px_high_in_a_real_browser(app, crew):
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, crew["lead"])
        page.goto(base + "/grooming/check")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        heights = page.evaluate("sel => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect().height)",
                                ".gc-item span, .gc-absent, .gc-person > summary, .gc-submit button")
        first = page.locator(".gc-item span").first
        first.tap()  # tapping the label fails the item
        failed = page.locator(".gc-item input").first.is_checked()
    assert len(heights) > 12 * 3 and min(heights) >= 44, min(heights)
    assert failed


# Everyone but the quality inspector, whose work is the inspections alone.
EVERYONE = set(ROLES) - {"inspector"}
# (method, path, roles allowed); {own} the caller, {mate} in team T1 (the lead's), {other} in T2.
CHECKERS = {"lead", "supervisor", "manager"}
ROUTES = [
    ("GET", "/grooming", EVERYONE),
    ("GET", "/grooming/check", CHECKERS),
    ("GET", "/grooming/check?team=T2", CHECKERS - {"lead"}),
    ("POST", "/grooming/check", CHECKERS),
    ("GET", "/grooming/people/{own}", EVERYONE),
    ("GET", "/grooming/people/{mate}", LEADERS),
    ("GET", "/grooming/people/{other}", LEADERS - {"lead"}),
    ("GET", "/grooming/report?team=T1", LEADERS),
    ("GET", "/grooming/report?team=T2", LEADERS - {"lead"}),
    ("GET", "/grooming/report/chart.png?team=T1", LEADERS),
    ("GET", "/grooming/report/chart.svg?team=T1", LEADERS),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_grooming_pages_it_should(client, crew, role):
    t1 = db.session.get(type(crew["staff"][0].team), crew["staff"][0].team_id)
    caller = make_person([role], t1 if role in ("staff", "lead") else None)
    if role == "lead":
        t1.lead_id = caller.id
        db.session.commit()
    mate, other = crew["staff"][0], crew["other"]
    login(client, caller)
    for method, path, roles in ROUTES:
        url = path.format(own=caller.employee_no, mate=mate.employee_no, other=other.employee_no)
        data = {"team": "T1", "date": clock.today().isoformat(), "people": [mate.employee_no],
                "form_token": f"tok{role}-0001"}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        if role in roles:
            assert response.status_code < 400, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


def test_staff_land_on_their_own_history_and_leaders_on_the_check(client, crew):
    staff = crew["staff"][0]
    login(client, staff)
    assert client.get("/grooming").headers["Location"].endswith(f"/grooming/people/{staff.employee_no}")
    nav = client.get("/me").get_data(as_text=True).split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/grooming"' in nav
    client.post("/logout")
    login(client, crew["lead"])
    assert client.get("/grooming").headers["Location"].endswith("/grooming/check")


def test_without_a_session_the_grooming_pages_send_you_to_login(client, crew):
    for method, path, _roles in ROUTES:
        response = client.open(path.format(own="X", mate="X", other="X"), method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_monthly_insight_shows_a_table_and_a_chart(client, crew):
    a, b = crew["staff"][:2]
    login(client, crew["lead"])
    data = _form(client.get("/grooming/check").get_data(as_text=True))
    client.post("/grooming/check", data=data | {f"fail-{a.employee_no}": ["HAIR", "NAILS"],
                                                f"fail-{b.employee_no}": ["HAIR"]})
    html = client.get("/grooming/report").get_data(as_text=True)
    assert "/grooming/report/chart.png?team=T1" in html
    table = html.split("<table", 1)[1]
    assert table.index("发型整齐") < table.index("指甲短而干净")  # HAIR failed twice, NAILS once
    people = html.split("<table", 2)[2]
    assert people.index(a.employee_no) < people.index(b.employee_no)
    chart = client.get("/grooming/report/chart.png?team=T1")
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")
    assert client.get("/grooming/report?team=T1&month=2026-13").status_code == 400
    assert client.get("/grooming/report/chart.gif?team=T1").status_code == 404


def test_the_check_form_without_a_csrf_token_is_refused(app, crew):
    username = crew["lead"].username  # read here: inside the other app, this session would borrow its engine
    csrf_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with csrf_app.app_context():
        client = csrf_app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        data = _form(client.get("/grooming/check").get_data(as_text=True))
        data.pop("csrf_token")
        assert client.post("/grooming/check", data=data).status_code == 400
        assert _count(GroomingCheck) == 0
        db.session.remove()
        db.engine.dispose()  # the second app's connections: closed here, not by the garbage collector


def test_the_script_and_styles_the_page_uses_are_served(client, crew):
    login(client, crew["lead"])
    html = client.get("/grooming/check").get_data(as_text=True)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_journey_the_lead_checks_the_whole_team_fails_one_item_and_the_person_sees_it(app, crew):
    """Issue 15 journey, at 375 px: the lead checks grooming for all twelve, fails one item for one person, sends;
    the page says twelve were recorded; that person, signed in on their own phone, finds the failed item and the
    violation it raised, by name."""
    from tests.browser import screenshot_on_failure

    lead, person = crew["lead"].username, crew["staff"][3]
    number, name, username, person_id = person.employee_no, person.name, person.username, person.id
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        with screenshot_on_failure(page, "journey-grooming-lead"):
            sign_in(page, base, lead)
            page.goto(base + "/grooming/check")
            assert page.locator("[data-gc-person]").count() == 12
            card = page.locator("[data-gc-person]", has=page.locator(f'input[name="fail-{number}"]'))
            card.locator("summary").click()
            item = card.locator(".gc-item").first
            item_name = item.locator("span").inner_text().strip().splitlines()[0]  # its Chinese name
            item.locator("span").tap()
            assert card.locator(".gc-item input").first.is_checked()
            with page.expect_navigation():
                page.click("[data-gc-submit]")
            assert "12" in page.locator(".flash").inner_text()
            # Back on the check, the person's card says what failed; the other eleven passed.
            assert page.locator("[data-gc-person].has-fail").count() == 1
        with screenshot_on_failure(page, "journey-grooming-person"):
            page.context.clear_cookies()
            sign_in(page, base, username)
            page.goto(base + "/grooming")
            assert name in page.locator("h1").inner_text()
            failures = page.locator(".gc-fail-list li").all_inner_texts()
            assert len(failures) == 1 and item_name in failures[0] and "元" in failures[0], (item_name, failures)
            page.goto(base + "/violations")
            rows = page.locator("table.list tbody tr").all_inner_texts()
            assert len(rows) == 1 and "GROOMING" not in rows[0], rows  # the rule's name, not its code
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Violation)
                                 .where(Violation.employee_id == person_id)) == 1
