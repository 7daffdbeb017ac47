"""Issue 13: the throttle counted in the database across app instances; ProxyFix from TRUSTED_PROXIES; an
unexpected error answered with an error id and no traceback; the security log; the request size limit."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import func, select

from attendance import create_app
from attendance.extensions import db
from attendance.models import LoginFailure
from tests.conftest import PASSWORD, login, make_person, token_for

FORGED = "203.0.113.9"


@pytest.fixture
def other_instance(app):
    """A second app on the same database, as another gunicorn worker or host would be; behind one proxy."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1})
    yield other
    with other.app_context():
        db.engine.dispose()


def _settle():
    """End this test's read transaction, so the other instance may write (SQLite locks the whole file).
    Read what the test needs from its objects first: touching one after this begins a new read."""
    db.session.commit()


def _bad_login(client, username: str, **kwargs):
    return client.post("/login", data={"username": username, "password": "wrong-password"}, **kwargs)


def _events(caplog, name: str) -> list[dict]:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "attendance.security"]
    return [line for line in lines if line["event"] == name]


# --- the throttle is counted in the database (ASVS 5.0 6.3.1) -----------------------------------------


def test_the_throttle_counts_failures_made_on_every_instance(client, app, other_instance):
    username = make_person(["staff"]).username
    _settle()
    elsewhere = other_instance.test_client()
    for _ in range(5):
        assert _bad_login(client, username).status_code == 400
        _settle()
        assert _bad_login(elsewhere, username).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 10
    _settle()
    assert _bad_login(client, username).status_code == 429
    assert _bad_login(elsewhere, username).status_code == 429


# --- behind a proxy (ASVS 5.0 4.1.3) ---------------------------------------------------------------------


def test_with_no_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, app, caplog):
    caplog.set_level(logging.INFO, logger="attendance.security")
    assert app.config["TRUSTED_PROXIES"] == 0
    _bad_login(client, "someone", headers={"X-Forwarded-For": FORGED})
    assert _events(caplog, "login.failure")[-1]["address"] == "127.0.0.1"
    assert db.session.scalars(select(LoginFailure.address)).all() == ["127.0.0.1"]
    # Nor can a client dodge the address limit by sending a new forged address each time.
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(2):
        _bad_login(client, f"someone-{n}", headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert _bad_login(client, "someone-else", headers={"X-Forwarded-For": "198.51.100.99"}).status_code == 429


def test_with_one_trusted_proxy_the_address_it_forwards_is_the_clients(app, other_instance, caplog):
    caplog.set_level(logging.INFO, logger="attendance.security")
    _settle()
    _bad_login(other_instance.test_client(), "someone", headers={"X-Forwarded-For": FORGED})
    assert _events(caplog, "login.failure")[-1]["address"] == FORGED
    assert db.session.scalars(select(LoginFailure.address)).all() == [FORGED]
    # Only the last hop is believed: what the client wrote before the proxy's own entry is not.
    _settle()
    _bad_login(other_instance.test_client(), "someone", headers={"X-Forwarded-For": f"10.0.0.1, {FORGED}"})
    assert _events(caplog, "login.failure")[-1]["address"] == FORGED


# --- unexpected errors (ASVS 5.0 16.5.1) -------------------------------------------------------------------


@pytest.fixture
def production_errors(app):
    """An app that is not in testing mode (the catch-all handler is on), with routes that fail on purpose."""
    live = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    def boom():
        raise RuntimeError("the secret detail of a bug")

    live.add_url_rule("/api/v1/boom", "api_boom", boom)
    live.add_url_rule("/boom", "boom", boom)
    yield live
    with live.app_context():
        db.engine.dispose()


def _logged_error_ids(caplog) -> list[str]:
    return [r.getMessage().split("error_id=")[1].split()[0] for r in caplog.records
            if "error_id=" in r.getMessage() and r.exc_info]


@pytest.mark.parametrize("path", ["/api/v1/boom", "/boom"])
def test_an_unexpected_error_answers_with_an_error_id_that_is_in_the_log_and_no_traceback(
        production_errors, caplog, path):
    caplog.set_level(logging.ERROR)
    _settle()
    response = production_errors.test_client().get(path)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "the secret detail", 'File "'):
        assert leak not in body
    logged = _logged_error_ids(caplog)
    assert len(logged) == 1
    if path.startswith("/api/"):
        error = response.get_json()["error"]
        assert error["code"] == "internal_error" and error["error_id"] == logged[0]
    else:
        assert logged[0] in body and "出错" in body
    # The traceback is in the log, for whoever has the id.
    record = next(r for r in caplog.records if r.exc_info)
    assert record.exc_info[0] is RuntimeError


# --- the security log (ASVS 5.0 16.2.1, 16.3.1, 16.3.2, 16.2.5, 16.4.1) -------------------------------------


def _check_line(line: dict) -> None:
    assert line["time"].endswith("Z") and "T" in line["time"]  # UTC, ISO 8601
    assert line["address"] == "127.0.0.1" and line["route"].startswith("/")


def test_sign_ins_are_logged_with_who_when_where_and_never_the_password(client, app, caplog):
    caplog.set_level(logging.INFO, logger="attendance.security")
    person = make_person(["staff"])
    _bad_login(client, person.username)
    login(client, person)
    client.post("/logout")
    token_for(client, person)
    client.post("/api/v1/auth/token", json={"username": "nobody", "password": "api-wrong-password"})
    failure, api_failure = _events(caplog, "login.failure")
    success, api_success = _events(caplog, "login.success")
    for line in (failure, api_failure, success, api_success):
        _check_line(line)
    assert failure["username"] == person.username and failure["outcome"] == "failure" and "person" not in failure
    assert failure["route"] == "/login" and failure["channel"] == "page"
    assert api_failure["username"] == "nobody" and api_failure["route"] == "/api/v1/auth/token"
    assert success["person"] == person.employee_no and success["outcome"] == "success"
    assert api_success["person"] == person.employee_no and api_success["channel"] == "api"
    assert _events(caplog, "logout")[0]["person"] == person.employee_no
    text = caplog.text
    assert PASSWORD not in text and "wrong-password" not in text and "api-wrong-password" not in text


def test_a_username_with_a_line_break_cannot_forge_a_log_line(client, app, caplog):
    caplog.set_level(logging.INFO, logger="attendance.security")
    _bad_login(client, 'x\n{"event": "login.success", "person": "E0001"}')
    messages = [r.getMessage() for r in caplog.records if r.name == "attendance.security"]
    assert len(messages) == 1 and "\n" not in messages[0]
    assert _events(caplog, "login.success") == []


def test_refused_permissions_are_logged_on_pages_and_in_the_api(client, app, caplog):
    caplog.set_level(logging.INFO, logger="attendance.security")
    staff = make_person(["staff"])
    login(client, staff)
    assert client.get("/employees/new").status_code == 403
    headers = token_for(app.test_client(), staff)
    assert client.post("/api/v1/teams", headers=headers, json={"code": "T9", "name": "x"}).status_code == 403
    page, api = _events(caplog, "access.denied")
    for line in (page, api):
        _check_line(line)
        assert line["person"] == staff.employee_no and line["outcome"] == "refused"
    assert page["route"] == "/employees/new" and api["route"] == "/api/v1/teams" and api["method"] == "POST"


def test_api_token_use_is_logged_without_the_token(client, app, caplog):
    caplog.set_level(logging.INFO, logger="attendance.security")
    person = make_person(["staff"])
    headers = token_for(client, person)
    client.get("/api/v1/me", headers=headers)
    client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token"})
    used = _events(caplog, "token.used")
    assert len(used) == 1 and used[0]["person"] == person.employee_no and used[0]["route"] == "/api/v1/me"
    assert isinstance(used[0]["token_id"], int)
    _check_line(used[0])
    refused = _events(caplog, "token.refused")
    assert len(refused) == 1 and refused[0]["outcome"] == "failure" and "person" not in refused[0]
    token = headers["Authorization"].split()[1]
    assert token not in caplog.text and "not-a-real-token" not in caplog.text


# --- request size (ASVS 5.0 5.2.1) ---------------------------------------------------------------------------


def test_a_body_over_max_content_length_is_a_413_in_the_error_shape(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    headers = token_for(client, make_person(["hr"]))
    response = client.post("/api/v1/employees", headers=headers,
                           json={"employee_no": "E1", "name": "王" * 3000})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large" and error["message"]


def test_a_too_large_upload_on_a_page_is_a_friendly_413_page(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    login(client, make_person(["hr"]))
    response = client.post("/employees/import", data={"file": (io.BytesIO(b"x" * 5000), "staff.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "提交的内容太大" in response.get_data(as_text=True)


def test_max_content_length_is_a_setting(monkeypatch, tmp_path):
    from attendance.config import from_environment

    assert from_environment(str(tmp_path), str(tmp_path))["MAX_CONTENT_LENGTH"] == 40 * 1024 * 1024
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1048576")
    assert from_environment(str(tmp_path), str(tmp_path))["MAX_CONTENT_LENGTH"] == 1048576
