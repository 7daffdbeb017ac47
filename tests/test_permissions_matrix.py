"""Every role against every page and API route of the foundation: allowed, or 403/404."""

from __future__ import annotations

import pytest

from attendance.domain.permissions import PERMISSIONS, allowed, reach
from attendance.domain.policy import ROLES
from tests.conftest import LEADERS, OFFICE, login, make_person, make_team, token_for

EVERYONE = set(ROLES)
MANAGE = {"hr", "admin"}

# (method, path, roles allowed). {own} = the caller's own employee_no, {mate} = someone in the lead's team,
# {other} = someone in another team. Person pages: not-allowed callers get 404, so nothing leaks.
PAGES = [
    ("GET", "/me", EVERYONE),
    ("GET", "/employees", LEADERS),
    ("GET", "/employees/{own}", EVERYONE),
    ("GET", "/employees/{mate}", LEADERS),
    ("GET", "/employees/{other}", OFFICE),
    ("GET", "/employees/new", MANAGE),
    ("GET", "/employees/{mate}/edit", MANAGE),
    ("POST", "/employees/{mate}/active", MANAGE),
    ("GET", "/employees/import", MANAGE),
    ("GET", "/teams", LEADERS),
    ("GET", "/teams/new", MANAGE),
    ("GET", "/teams/T1/edit", MANAGE),
    ("GET", "/policy", EVERYONE),
    ("GET", "/policy/versions/1.yaml", EVERYONE),
    ("GET", "/policy/upload", MANAGE),
]
API = [
    ("GET", "/api/v1/me", EVERYONE),
    ("GET", "/api/v1/teams", LEADERS),
    ("GET", "/api/v1/teams/T1", LEADERS),
    ("POST", "/api/v1/teams", MANAGE),
    ("PATCH", "/api/v1/teams/T1", MANAGE),
    ("GET", "/api/v1/employees", LEADERS),
    ("POST", "/api/v1/employees", MANAGE),
    ("GET", "/api/v1/employees/{own}", EVERYONE),
    ("GET", "/api/v1/employees/{mate}", LEADERS),
    ("GET", "/api/v1/employees/{other}", OFFICE),
    ("PATCH", "/api/v1/employees/{mate}", MANAGE),
    ("POST", "/api/v1/employees/{mate}/password", MANAGE),
    ("POST", "/api/v1/employees/import", MANAGE),
    ("GET", "/api/v1/policy", EVERYONE),
    ("GET", "/api/v1/policy/versions", EVERYONE),
    ("POST", "/api/v1/policy/versions", MANAGE),
]
FOUNDATION_BLUEPRINTS = {"people", "policy", "api_people", "api_policy"}


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    t2 = make_team("T2", "投诉组")
    people = {role: make_person([role], t1 if role in ("staff", "lead") else None) for role in ROLES}
    mate = make_person(["staff"], t1)
    other = make_person(["staff"], t2)
    return people, mate, other


def _fill(path, caller, mate, other):
    return path.format(own=caller.employee_no, mate=mate.employee_no, other=other.employee_no)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_should(client, world, role):
    people, mate, other = world
    caller = people[role]
    login(client, caller)
    for method, path, roles in PAGES:
        url = _fill(path, caller, mate, other)
        response = client.open(url, method=method, data={"active": "1"})
        if role in roles:
            assert response.status_code < 400, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_api_routes_it_should(client, world, role):
    people, mate, other = world
    caller = people[role]
    headers = token_for(client, caller)
    for method, path, roles in API:
        url = _fill(path, caller, mate, other)
        response = client.open(url, method=method, headers=headers, json={})
        if role in roles:
            # Allowed callers may still send a bad (empty) body: that is a 400, never a 403/404.
            assert response.status_code not in (401, 403, 404), (role, method, url, response.get_json())
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] in ("forbidden", "not_found")


def test_the_matrix_covers_every_foundation_route(app):
    listed = {p.split("{")[0].rstrip("/") for _, p, _ in PAGES + API}
    missing = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in FOUNDATION_BLUEPRINTS:
            continue
        prefix = rule.rule.split("<")[0].rstrip("/")
        if not any(p == prefix or p.startswith(prefix) for p in listed):
            missing.append(rule.rule)
    assert missing == []


def test_without_a_token_every_api_route_answers_401_in_the_error_shape(client, world):
    for method, path, _ in API:
        response = client.open(path.format(own="X", mate="X", other="X"), method=method, json={})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_without_a_session_every_page_sends_you_to_login(client, world):
    for method, path, _ in PAGES:
        response = client.open(path.format(own="X", mate="X", other="X"), method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_permission_table_refuses_unknown_actions_and_roles():
    assert not allowed(["admin"], "no.such.action")
    assert not allowed(["visitor"], "policy.view")
    assert all(set(roles) <= set(ROLES) for roles in PERMISSIONS.values())


def test_reach_widens_with_office_roles():
    assert reach(["staff"]) == "self"
    assert reach(["lead", "staff"]) == "team"
    assert reach(["hr"]) == "all"
