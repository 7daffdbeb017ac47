"""Sessions and accounts on the pages (issue 13, item 5): sign-out and password changes end sessions on the
server, deactivation ends them at once, sessions have an absolute lifetime, the cookie's flags, the sign-in
throttle, the one-time admin password, and hashes upgraded at sign-in. ASVS 5.0 numbers beside each."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from attendance.config import from_environment
from attendance.extensions import db
from attendance.models import ApiToken, Employee, LoginFailure
from attendance.services import accounts
from tests.conftest import PASSWORD, login, make_person, token_for

NEW_PASSWORD = "a-new-password-1"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A second browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- sign-out, password change, deactivation end sessions on the server (7.4.1, 7.4.2, 7.4.3) ---------


def test_a_cookie_copied_before_sign_out_no_longer_signs_in_after_it(client, app):
    person = make_person(["staff"])
    login(client, person)
    copy = _replay(app, _cookie(client))
    assert copy.get("/me").status_code == 200  # the copy works while the session lasts ...
    assert client.post("/logout").status_code == 302
    assert _signed_out(copy.get("/me"))  # ... and not after sign-out, though its signature is still good
    assert _signed_out(client.get("/me"))


def test_signing_out_on_one_device_signs_out_the_others(client, app):
    person = make_person(["staff"])
    phone = app.test_client()
    login(client, person)
    login(phone, person)
    client.post("/logout")
    assert _signed_out(phone.get("/me"))
    login(phone, person)  # signing in again starts a new session that works
    assert phone.get("/me").status_code == 200


def test_a_password_change_ends_the_other_sessions_and_tokens_but_not_this_one(client, app):
    person = make_person(["staff"])
    other = app.test_client()
    login(client, person)
    login(other, person)
    headers = token_for(app.test_client(), person)
    response = client.post("/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert client.get("/me").status_code == 200
    assert _signed_out(other.get("/me"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/login", data={"username": person.username, "password": PASSWORD}).status_code == 400
    assert app.test_client().post("/login", data={"username": person.username,
                                                  "password": NEW_PASSWORD}).status_code == 302


def test_a_password_change_needs_the_current_password_and_a_long_enough_new_one(client, app):
    person = make_person(["staff"])
    login(client, person)
    wrong = client.post("/password", data={"current": "not-it-at-all", "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert wrong.status_code == 400 and "密码错误" in wrong.get_data(as_text=True)
    # A wrong current password counts towards the sign-in throttle like a wrong sign-in.
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    short = client.post("/password", data={"current": PASSWORD, "new": "short", "again": "short"})
    assert short.status_code == 400
    differ = client.post("/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD + "x"})
    assert differ.status_code == 400
    db.session.expire_all()
    assert check_password_hash(db.session.get(Employee, person.id).password_hash, PASSWORD)


def test_an_admin_setting_someones_password_ends_that_persons_sessions(client, app):
    person = make_person(["staff"])
    login(client, person)
    hr = app.test_client()
    hr_headers = token_for(hr, make_person(["hr"]))
    assert hr.post(f"/api/v1/employees/{person.employee_no}/password", headers=hr_headers,
                   json={"password": NEW_PASSWORD}).status_code in (200, 204)
    assert _signed_out(client.get("/me"))


def test_deactivation_ends_the_persons_sessions_and_tokens_at_once(client, app):
    staff = make_person(["staff"])
    login(client, staff)
    headers = token_for(app.test_client(), staff)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    hr = app.test_client()
    login(hr, make_person(["hr"]))
    assert hr.post(f"/employees/{staff.employee_no}/active", data={"active": "0"}).status_code == 302
    assert _signed_out(client.get("/me"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.employee_id == staff.id)).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)  # revoked, not only refused while inactive
    # Reactivated, the old token stays revoked and the old cookie stays signed out.
    hr.post(f"/employees/{staff.employee_no}/active", data={"active": "1"})
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert _signed_out(client.get("/me"))


# --- lifetime and the cookie (7.3.2, 3.3.1, 3.3.2, 3.3.4, 7.2.4) -------------------------------------


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, app):
    login(client, make_person(["staff"]))
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    assert lifetime == 12 * 3600
    with client.session_transaction() as session:
        session["signed_in_at"] -= lifetime - 60
    assert client.get("/me").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= 120
    assert _signed_out(client.get("/me"))


def test_the_session_cookie_is_httponly_samesite_lax_and_expires(client, app):
    person = make_person(["staff"])
    response = client.post("/login", data={"username": person.username, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # HTTPS is not on in the tests: a Secure cookie would never come back


def test_https_makes_the_cookie_secure_with_the_host_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("HTTPS", "1")
    monkeypatch.setenv("SESSION_HOURS", "8")
    config = from_environment(str(tmp_path), str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True and config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    monkeypatch.delenv("HTTPS")
    config = from_environment(str(tmp_path), str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is False and config["SESSION_COOKIE_NAME"] == "session"
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_signing_in_starts_a_fresh_session_keeping_only_the_language(client, app):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["lang"] = "en"
    login(client, make_person(["staff"]))
    with client.session_transaction() as session:
        assert "planted" not in session and session["lang"] == "en"


# --- the sign-in throttle (6.3.1) ----------------------------------------------------------------------


def _fail(client, username: str, n: int = 1, **kwargs):
    return [client.post("/login", data={"username": username, "password": "wrong-password"}, **kwargs)
            for _ in range(n)]


def test_the_eleventh_bad_password_is_a_429_while_another_username_still_signs_in(client, app):
    victim, bystander = make_person(["staff"]), make_person(["staff"])
    assert [r.status_code for r in _fail(client, victim.username, 10)] == [400] * 10
    eleventh = _fail(client, victim.username)[0]
    assert eleventh.status_code == 429
    assert 0 < int(eleventh.headers["Retry-After"]) <= 15 * 60
    assert "登录失败次数过多" in eleventh.get_data(as_text=True)
    # Even the right password is not heard until the window passes ...
    right = client.post("/login", data={"username": victim.username, "password": PASSWORD})
    assert right.status_code == 429
    # ... while another person signs in from the same address.
    assert client.post("/login", data={"username": bystander.username, "password": PASSWORD}).status_code == 302


def test_an_unknown_username_is_throttled_the_same_way(client, app):
    _fail(client, "nobody-here", 10)
    response = _fail(client, "nobody-here")[0]
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_failures_age_out_of_the_window(client, app):
    person = make_person(["staff"])
    _fail(client, person.username, 10)
    assert _fail(client, person.username)[0].status_code == 429
    for failure in db.session.scalars(select(LoginFailure)):
        failure.failed_at -= accounts._window()  # as if they were made a window ago
    db.session.commit()
    assert client.post("/login", data={"username": person.username, "password": PASSWORD}).status_code == 302


def test_a_success_forgets_the_usernames_failures(client, app):
    person = make_person(["staff"])
    _fail(client, person.username, 9)
    login(client, person)
    client.post("/logout")
    assert [r.status_code for r in _fail(client, person.username, 10)] == [400] * 10


def test_many_usernames_from_one_address_are_throttled_by_the_address(client, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    person = make_person(["staff"])
    here = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    for name in ("guess-1", "guess-2", "guess-3"):
        assert _fail(client, name, **here)[0].status_code == 400
    assert client.post("/login", data={"username": person.username, "password": PASSWORD},
                       **here).status_code == 429
    # The same person from elsewhere is not held up by what that address did.
    elsewhere = {"environ_base": {"REMOTE_ADDR": "198.51.100.8"}}
    assert client.post("/login", data={"username": person.username, "password": PASSWORD},
                       **elsewhere).status_code == 302


# --- password hashes (11.4.2) ---------------------------------------------------------------------------


def test_the_default_hash_method_is_owasps_scrypt_strength(monkeypatch, tmp_path):
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)  # the tests' own cheap method, set in conftest
    method = from_environment(str(tmp_path), str(tmp_path))["PASSWORD_HASH_METHOD"]
    name, n, r, p = method.split(":")
    # OWASP Password Storage Cheat Sheet: scrypt N=2^17,r=8,p=1 or its equivalents N=2^16,p=2; N=2^15,p=3 ...
    assert name == "scrypt" and int(r) >= 8 and int(n) * int(p) >= 3 * 2**15


def test_needs_rehash_compares_algorithm_and_every_cost(app):
    default = "scrypt:32768:8:3"
    assert accounts.needs_rehash("scrypt:32768:8:1$salt$hash", default)  # werkzeug's own default: p=1
    assert accounts.needs_rehash("pbkdf2:sha256:1000000$salt$hash", default)  # another algorithm
    assert not accounts.needs_rehash("scrypt:32768:8:3$salt$hash", default)
    assert not accounts.needs_rehash("scrypt:131072:8:3$salt$hash", default)  # stronger is kept
    assert accounts.needs_rehash("pbkdf2:sha256:1000$s$h", "pbkdf2:sha256:600000")
    assert accounts.needs_rehash("md5$s$h", default)


def test_a_weak_hash_is_upgraded_at_the_next_sign_in(client, app, monkeypatch, tmp_path):
    monkeypatch.delenv("PASSWORD_HASH_METHOD")
    production = from_environment(str(tmp_path), str(tmp_path))["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = production  # slow on purpose: this test only
    person = make_person(["staff"])
    person.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    login(client, person)
    db.session.expire_all()
    stored = db.session.get(Employee, person.id).password_hash
    assert stored.startswith(production + "$") and check_password_hash(stored, PASSWORD)
    client.post("/logout")
    login(client, person)  # the upgraded hash signs in, and is not made again
    db.session.expire_all()
    assert db.session.get(Employee, person.id).password_hash == stored


# --- the first admin's one-time password (6.3.2, 6.4.1) ---------------------------------------------------


def test_create_admin_without_a_password_prints_a_one_time_password_to_change_at_first_sign_in(runner, client,
                                                                                              app):
    result = runner.invoke(args=["create-admin", "--username", "boss"])
    assert result.exit_code == 0, result.output
    one_time = re.search(r"one-time password: (\S+)", result.output).group(1)
    assert len(one_time) >= 16
    admin = db.session.scalar(select(Employee).where(Employee.username == "boss"))
    assert admin.must_change_password and admin.roles == {"admin"}

    # The API gives no token until the password is changed, and says why.
    api = app.test_client()
    refused = api.post("/api/v1/auth/token", json={"username": "boss", "password": one_time})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "password_change_required"

    # Signing in leads to the change-password page, and every page leads back there until it is done.
    response = client.post("/login", data={"username": "boss", "password": one_time})
    assert response.status_code == 302 and response.headers["Location"] == "/password"
    for page in ("/me", "/employees", "/policy"):
        assert client.get(page).headers.get("Location") == "/password", page
    page = client.get("/password")
    assert page.status_code == 200 and "一次性密码" in page.get_data(as_text=True)

    response = client.post("/password", data={"current": one_time, "new": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/employees").status_code == 200
    db.session.expire_all()
    assert not db.session.get(Employee, admin.id).must_change_password
    assert api.post("/api/v1/auth/token", json={"username": "boss", "password": NEW_PASSWORD}).status_code == 201
    assert api.post("/login", data={"username": "boss", "password": one_time}).status_code == 400


def test_create_admin_with_a_password_needs_no_change(runner, app):
    assert runner.invoke(args=["create-admin", "--username", "boss", "--password", "long-password"]).exit_code == 0
    assert not db.session.scalar(select(Employee).where(Employee.username == "boss")).must_change_password
