"""The grooming pages: the team check on a phone (375 px), one submit, once; history; insight; roles."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from attendance import clock, create_app
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import GroomingCheck, Violation
from tests.conftest import LEADERS, PASSWORD, login, make_person, make_team

STATIC = Path(__file__).resolve().parents[2] / "static"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
CHROMIUM = "/usr/bin/chromium"


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


def test_the_check_page_fits_a_375_px_phone(client, crew):
    login(client, crew["lead"])
    html = client.get("/grooming/check").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    form = html.split("data-gc-form", 1)[1].split("</form>", 1)[0]
    assert "<table" not in form and 'style="' not in form
    assert form.count('accept="image/*" capture="environment"') == 12
    for sheet in re.findall(r'href="/static/([^"]+\.css)"', html):
        css = (STATIC / sheet).read_text()
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        css = re.sub(r"@media\s*\(min-width[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)  # wider screens only
        for prop, value, unit in re.findall(
                r"(?<![-\w])(width|min-width|flex-basis|flex)\s*:\s*[^;}]*?(\d+(?:\.\d+)?)(px|rem|em)", css):
            size = float(value) * (1 if unit == "px" else 16)
            assert size <= 375, (sheet, prop, value + unit)
    # Tap targets: every item toggle and the absent toggle are at least 44 px high.
    grooming_css = (STATIC / "grooming.css").read_text()
    for selector in (".gc-item span", ".gc-absent", ".gc-person > summary"):
        rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", grooming_css).group(1)
        assert re.search(r"min-height:\s*2\.75rem", rule), selector


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")
def test_the_check_page_does_not_overflow_375_px_in_a_real_browser(client, crew, tmp_path):
    login(client, crew["lead"])
    html = client.get("/grooming/check").get_data(as_text=True)
    for sheet in ("app.css", "grooming.css"):
        html = html.replace(f'<link rel="stylesheet" href="/static/{sheet}">',
                            f"<style>{(STATIC / sheet).read_text()}</style>")
    # Headless Chromium clamps its window to about 500 px, so the page is laid out at 375 px by hand
    # (the phone layout holds below the 48rem breakpoint either way) and the rightmost edge is measured.
    html = html.replace("</body>", "<script>document.documentElement.style.width = '375px';"
                                   "document.body.setAttribute('data-width', Math.ceil(Math.max("
                                   "...[...document.querySelectorAll('body *')].map("
                                   "e => e.getBoundingClientRect().right))))</script></body>")
    page = tmp_path / "check.html"
    page.write_text(html, encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=375,800",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    width = int(re.search(r'data-width="(\d+)"', out.stdout).group(1))
    assert width <= 375


# (method, path, roles allowed); {own} the caller, {mate} in team T1 (the lead's), {other} in T2.
CHECKERS = {"lead", "supervisor", "manager"}
ROUTES = [
    ("GET", "/grooming", set(ROLES)),
    ("GET", "/grooming/check", CHECKERS),
    ("GET", "/grooming/check?team=T2", CHECKERS - {"lead"}),
    ("POST", "/grooming/check", CHECKERS),
    ("GET", "/grooming/people/{own}", set(ROLES)),
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
