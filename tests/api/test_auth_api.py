"""POST /auth/token: throttled like the sign-in page, the same answer for unknown usernames, and tokens that
end with deactivation and password changes (issue 13, item 5; ASVS 5.0 6.3.1, 7.4.2)."""

from __future__ import annotations

from tests.conftest import PASSWORD, make_person, token_for


def _token(client, username: str, password: str = "wrong-password"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_the_eleventh_bad_password_is_a_429_with_retry_after_in_the_error_shape(client, app):
    person, bystander = make_person(["staff"]), make_person(["staff"])
    assert [_token(client, person.username).status_code for _ in range(10)] == [401] * 10
    response = _token(client, person.username, PASSWORD)  # the right password is not heard now either
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    error = response.get_json()["error"]
    assert error["code"] == "too_many_attempts" and error["message"]
    assert _token(client, bystander.username, PASSWORD).status_code == 201


def test_an_unknown_username_gets_exactly_the_answers_a_known_one_gets(client, app):
    person = make_person(["staff"])
    known = [_token(client, person.username) for _ in range(11)]
    unknown = [_token(client, "no-such-person") for _ in range(11)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 10 + [429]
    assert [r.get_json() for r in known] == [r.get_json() for r in unknown]
    assert "Retry-After" in known[-1].headers and "Retry-After" in unknown[-1].headers


def test_the_page_and_the_api_share_one_count(client, app):
    person = make_person(["staff"])
    for _ in range(5):
        client.post("/login", data={"username": person.username, "password": "wrong-password"})
        _token(client, person.username)
    assert _token(client, person.username, PASSWORD).status_code == 429
    assert client.post("/login", data={"username": person.username, "password": PASSWORD}).status_code == 429


def test_deactivation_through_the_api_revokes_the_persons_tokens(client, app):
    staff = make_person(["staff"])
    staff_headers = token_for(client, staff)
    hr_headers = token_for(client, make_person(["hr"]))
    response = client.patch(f"/api/v1/employees/{staff.employee_no}", headers=hr_headers, json={"active": False})
    assert response.status_code == 200
    answer = client.get("/api/v1/me", headers=staff_headers)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "unauthorized"
    assert _token(client, staff.username, PASSWORD).status_code == 401  # and no new one
