"""Security headers on what the app serves (issue 13 item 6; OWASP ASVS 3.4): a Content-Security-Policy with
no inline script, never in a frame, no MIME sniffing, a Referrer-Policy, nothing personal cached, and HSTS
with a redirect to HTTPS only when the site says it is served over HTTPS."""

from __future__ import annotations

import base64

import pytest

from attendance import create_app
from attendance.extensions import db
from tests.conftest import login, make_person, make_team, token_for
from tests.images import PNG


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def _assert_hardened(response) -> None:
    csp = _csp(response)
    assert csp["script-src"] == "'self'" and "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # served over plain HTTP here


@pytest.fixture
def people(app):
    team = make_team("T1", "热线一组")
    return {"lead": make_person(["lead", "staff"], team), "staff": make_person(["staff"], team)}


def test_the_login_page_and_a_signed_in_page_carry_the_headers_and_are_not_cached(client, people):
    anonymous = client.get("/login")
    _assert_hardened(anonymous)
    login(client, people["staff"])
    me = client.get("/me")
    assert me.status_code == 200
    _assert_hardened(me)
    assert me.headers["Cache-Control"] == "no-store"


def test_a_json_answer_carries_the_headers_and_is_not_cached(client, people):
    answer = client.get("/api/v1/violations", headers=token_for(client, people["lead"]))
    assert answer.status_code == 200
    _assert_hardened(answer)
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_evidence_photo_carries_the_headers(client, people):
    headers = token_for(client, people["lead"])
    made = client.post("/api/v1/violations", headers=headers, json={
        "employee_no": people["staff"].employee_no, "rule": "PHONE",
        "evidence": {"filename": "p.png", "data": base64.b64encode(PNG).decode()}})
    assert made.status_code == 201, made.get_json()
    login(client, people["lead"])
    photo = client.get(f"/violations/{made.get_json()['id']}/evidence")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    _assert_hardened(photo)
    assert "no-store" in photo.headers["Cache-Control"]
    assert photo.headers["Content-Disposition"] == f'inline; filename="evidence-{made.get_json()["id"]}.png"'


def test_static_files_stay_cacheable(client):
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "no-store" not in script.headers.get("Cache-Control", "")
    script.close()


def test_over_https_the_site_redirects_plain_http_and_sends_hsts(app, monkeypatch):
    monkeypatch.setenv("HTTPS", "1")
    secure = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SECRET_KEY": app.config["SECRET_KEY"]})
    client = secure.test_client()
    try:
        plain = client.get("/login", base_url="http://localhost")
        assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
        over_tls = client.get("/login", base_url="https://localhost")
        assert over_tls.status_code == 200
        assert "max-age=31536000" in over_tls.headers["Strict-Transport-Security"]
        assert secure.config["SESSION_COOKIE_SECURE"] is True
    finally:
        with secure.app_context():  # its own engine: close its connections (PostgreSQL warns otherwise)
            db.engine.dispose()


def test_no_template_has_inline_script_or_style(app):
    import pathlib
    import re

    root = pathlib.Path(app.root_path).parent / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\son[a-z]+=\"", text) \
                or re.search(r"\sstyle=\"", text) or "<style" in text:
            offenders.append(template.relative_to(root).as_posix())
    assert offenders == []
