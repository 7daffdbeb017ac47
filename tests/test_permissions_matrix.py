"""Every role against every page and API route of the foundation: allowed, or 403/404.

The matrices are keyed by (method, rule) of the app's url_map, and the coverage test below requires every
(method, rule) the app serves to be listed here, in a capability test file's own role matrix
(``CAPABILITY_MATRICES``), or among the routes open before signing in (``OPEN``).
"""

from __future__ import annotations

import importlib

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from attendance.domain.permissions import PERMISSIONS, allowed, reach
from attendance.domain.policy import ROLES
from tests.conftest import LEADERS, OFFICE, login, make_person, make_team, token_for

EVERYONE = set(ROLES)
MANAGE = {"hr", "admin"}

# (method, rule) -> [(path, roles allowed)]. {own} = the caller's own employee_no, {mate} = someone in the
# lead's team, {other} = someone in another team. Person pages: not-allowed callers get 404, so nothing leaks.
PAGES = {
    ("GET", "/me"): [("/me", EVERYONE)],
    ("GET", "/employees"): [("/employees", LEADERS)],
    ("GET", "/employees/<employee_no>"): [("/employees/{own}", EVERYONE), ("/employees/{mate}", LEADERS),
                                          ("/employees/{other}", OFFICE)],
    ("GET", "/employees/new"): [("/employees/new", MANAGE)],
    ("POST", "/employees/new"): [("/employees/new", MANAGE)],
    ("GET", "/employees/<employee_no>/edit"): [("/employees/{mate}/edit", MANAGE)],
    ("POST", "/employees/<employee_no>/edit"): [("/employees/{mate}/edit", MANAGE)],
    ("POST", "/employees/<employee_no>/active"): [("/employees/{mate}/active", MANAGE)],
    ("GET", "/employees/import"): [("/employees/import", MANAGE)],
    ("POST", "/employees/import"): [("/employees/import", MANAGE)],
    ("GET", "/teams"): [("/teams", LEADERS)],
    ("GET", "/teams/new"): [("/teams/new", MANAGE)],
    ("POST", "/teams/new"): [("/teams/new", MANAGE)],
    ("GET", "/teams/<code>/edit"): [("/teams/T1/edit", MANAGE)],
    ("POST", "/teams/<code>/edit"): [("/teams/T1/edit", MANAGE)],
    ("GET", "/policy"): [("/policy", EVERYONE)],
    ("GET", "/policy/versions/<int:version_id>.yaml"): [("/policy/versions/1.yaml", EVERYONE)],
    ("GET", "/policy/upload"): [("/policy/upload", MANAGE)],
    ("POST", "/policy/upload"): [("/policy/upload", MANAGE)],
    # publication (劳动合同法 Art. 4): read and acknowledge, publish, who has not acknowledged, the minute
    ("GET", "/policy/rules"): [("/policy/rules", EVERYONE)],
    ("GET", "/policy/versions/<int:version_id>/read"): [("/policy/versions/1/read", EVERYONE)],
    ("POST", "/policy/versions/<int:version_id>/acknowledge"): [("/policy/versions/1/acknowledge", EVERYONE)],
    ("GET", "/policy/versions/<int:version_id>/publish"): [("/policy/versions/1/publish", MANAGE)],
    ("POST", "/policy/versions/<int:version_id>/publish"): [("/policy/versions/1/publish", MANAGE)],
    ("GET", "/policy/versions/<int:version_id>/acknowledgements"): [
        ("/policy/versions/1/acknowledgements", OFFICE)],
    ("GET", "/policy/versions/<int:version_id>/evidence"): [("/policy/versions/1/evidence", EVERYONE)],
    ("GET", "/password"): [("/password", EVERYONE)],
    ("POST", "/password"): [("/password", EVERYONE)],
    ("POST", "/logout"): [("/logout", EVERYONE)],  # last: it ends the session
}
API = {
    ("GET", "/api/v1/me"): [("/api/v1/me", EVERYONE)],
    ("GET", "/api/v1/teams"): [("/api/v1/teams", LEADERS)],
    ("GET", "/api/v1/teams/<code>"): [("/api/v1/teams/T1", LEADERS)],
    ("POST", "/api/v1/teams"): [("/api/v1/teams", MANAGE)],
    ("PATCH", "/api/v1/teams/<code>"): [("/api/v1/teams/T1", MANAGE)],
    ("GET", "/api/v1/employees"): [("/api/v1/employees", LEADERS)],
    ("POST", "/api/v1/employees"): [("/api/v1/employees", MANAGE)],
    ("GET", "/api/v1/employees/<employee_no>"): [("/api/v1/employees/{own}", EVERYONE),
                                                 ("/api/v1/employees/{mate}", LEADERS),
                                                 ("/api/v1/employees/{other}", OFFICE)],
    ("PATCH", "/api/v1/employees/<employee_no>"): [("/api/v1/employees/{mate}", MANAGE)],
    ("POST", "/api/v1/employees/<employee_no>/password"): [("/api/v1/employees/{mate}/password", MANAGE)],
    ("POST", "/api/v1/employees/import"): [("/api/v1/employees/import", MANAGE)],
    ("GET", "/api/v1/policy"): [("/api/v1/policy", EVERYONE)],
    ("GET", "/api/v1/policy/versions"): [("/api/v1/policy/versions", EVERYONE)],
    ("POST", "/api/v1/policy/versions"): [("/api/v1/policy/versions", MANAGE)],
    ("POST", "/api/v1/policy/versions/<int:version_id>/publish"): [("/api/v1/policy/versions/1/publish", MANAGE)],
    ("POST", "/api/v1/policy/versions/<int:version_id>/acknowledge"): [
        ("/api/v1/policy/versions/1/acknowledge", EVERYONE)],
    ("GET", "/api/v1/policy/versions/<int:version_id>/acknowledgements"): [
        ("/api/v1/policy/versions/1/acknowledgements", OFFICE)],
    ("DELETE", "/api/v1/auth/token"): [("/api/v1/auth/token", EVERYONE)],  # last: it revokes the caller's token
}
# Routes open before signing in: (method, rule) -> (path, status answered without a session or token).
OPEN = {
    ("GET", "/"): ("/", 302),
    ("GET", "/login"): ("/login", 200),
    ("POST", "/login"): ("/login", 400),
    ("POST", "/language/<lang>"): ("/language/en", 302),
    ("POST", "/api/v1/auth/token"): ("/api/v1/auth/token", 400),
    ("GET", "/api/v1/openapi.json"): ("/api/v1/openapi.json", 200),
    ("GET", "/static/<path:filename>"): ("/static/app.css", 200),
}
# The other capabilities test their routes role by role in their own files: module -> its matrix, a list of
# (method, path, ...) rows. The coverage test resolves each row's path to the (method, rule) it reaches.
CAPABILITY_MATRICES = {
    "tests.pages.test_discipline_pages": "MATRIX",
    "tests.api.test_violations_api": "MATRIX",
    "tests.pages.test_shifts_pages": "PAGES",
    "tests.pages.test_today_pages": "PAGES",
    "tests.api.test_shifts_api": "API",
    "tests.pages.test_attendance_pages": "PAGES",
    "tests.api.test_attendance_api": "API",
    "tests.pages.test_grooming_pages": "ROUTES",
    "tests.api.test_grooming_api": "API",
    "tests.pages.test_scores_pages": "PAGES",
    "tests.api.test_scores_api": "API",
    "tests.api.test_requests_api": "API",
    "tests.pages.test_requests_pages": "PAGES",
    "tests.pages.test_notifications_pages": "PAGES",
    "tests.api.test_notifications_api": "API",
    "tests.api.test_leave_api": "API",
    "tests.pages.test_leave_pages": "PAGES",
    "tests.api.test_swaps_api": "API",
    "tests.pages.test_swaps_pages": "PAGES",
    "tests.pages.test_privacy_pages": "PAGES",
    "tests.api.test_privacy_api": "API",
    "tests.api.test_sanctions_api": "API",
    "tests.pages.test_sanctions_pages": "PAGES",
    "tests.pages.test_work_reports_pages": "PAGES",
    "tests.api.test_work_reports_api": "API",
    "tests.pages.test_handovers_pages": "PAGES",
    "tests.api.test_handovers_api": "API",
    "tests.pages.test_meetings_pages": "PAGES",
    "tests.api.test_meetings_api": "API",
    "tests.api.test_extra_shifts_api": "API",
    "tests.pages.test_extra_shift_pages": "PAGES",
    "tests.api.test_inspections_api": "API",
    "tests.pages.test_inspection_pages": "PAGES",
    "tests.services.test_year_review": "API",
    "tests.api.test_import_jobs_api": "API",
    "tests.pages.test_year_review_pages": "PAGES",
}


def _rows(matrix):
    for (method, _rule), cases in matrix.items():
        for path, roles in cases:
            yield method, path, roles


def _rule_reached(app, method: str, path: str) -> tuple[str, str] | None:
    """The (method, rule) a request reaches, placeholders filled with "1" and the query dropped; None if none."""
    concrete = path.split("?")[0]
    while "{" in concrete:
        start = concrete.index("{")
        concrete = concrete[:start] + "1" + concrete[concrete.index("}", start) + 1:]
    try:
        rule, _ = app.url_map.bind("localhost").match(concrete, method=method, return_rule=True)
    except (NotFound, MethodNotAllowed):
        return None
    return method, rule.rule


def _served(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}
FOUNDATION_BLUEPRINTS = {"people", "policy", "api_people", "api_policy"}


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    t2 = make_team("T2", "投诉组")
    people = {role: make_person([role], t1 if role in ("staff", "lead") else None) for role in ROLES}
    mate = make_person(["staff"], t1)
    other = make_person(["staff"], t2)
    _attach_a_minute(app)
    return people, mate, other


def _attach_a_minute(app) -> None:
    """The default policy (version 1, published by the fixtures) with a minute of adoption to download."""
    from pathlib import Path

    from attendance.extensions import db
    from attendance.models import PolicyVersion
    from tests.images import PNG

    folder = Path(app.instance_path) / "policy"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "matrix-minute.png").write_bytes(PNG)
    row = db.session.get(PolicyVersion, 1)
    row.evidence_path, row.evidence_type = "policy/matrix-minute.png", "image/png"
    db.session.commit()


def _fill(path, caller, mate, other):
    return path.format(own=caller.employee_no, mate=mate.employee_no, other=other.employee_no)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_should(client, world, role):
    people, mate, other = world
    caller = people[role]
    login(client, caller)
    for method, path, roles in _rows(PAGES):
        url = _fill(path, caller, mate, other)
        response = client.open(url, method=method, data={"active": "1"})
        response.close()  # a download (the policy's minute) holds its file open until closed
        if role in roles:
            # An allowed caller's incomplete form is re-shown with its errors (400), never refused (403/404).
            ok = response.status_code < 400 or (method == "POST" and response.status_code == 400)
            assert ok, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_api_routes_it_should(client, world, role):
    people, mate, other = world
    caller = people[role]
    headers = token_for(client, caller)
    for method, path, roles in _rows(API):
        url = _fill(path, caller, mate, other)
        response = client.open(url, method=method, headers=headers, json={})
        if role in roles:
            # Allowed callers may still send a bad (empty) body: that is a 400, never a 403/404.
            assert response.status_code not in (401, 403, 404), (role, method, url, response.get_json())
            assert response.status_code < 500, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            assert response.get_json()["error"]["code"] in ("forbidden", "not_found")


def test_every_matrix_row_reaches_the_route_it_is_listed_under(app):
    wrong = [(key, path, _rule_reached(app, key[0], path))
             for matrix in (PAGES, API) for key, cases in matrix.items() for path, _ in cases
             if _rule_reached(app, key[0], path) != key]
    wrong += [(key, path, _rule_reached(app, key[0], path)) for key, (path, _) in OPEN.items()
              if _rule_reached(app, key[0], path) != key]
    assert wrong == []


def test_the_matrices_cover_every_method_of_every_route(app):
    covered = set(PAGES) | set(API) | set(OPEN)
    stale = []
    for module_name, name in CAPABILITY_MATRICES.items():
        for row in getattr(importlib.import_module(module_name), name):
            reached = _rule_reached(app, row[0], row[1])
            if reached is None:
                stale.append((module_name, row[0], row[1]))
            covered.add(reached)
    assert stale == [], "matrix rows that reach no route"
    missing = sorted(_served(app) - covered, key=lambda key: (key[1], key[0]))
    assert missing == [], "(method, rule) pairs no role matrix lists"
    foundation = {(method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.split(".")[0] in FOUNDATION_BLUEPRINTS
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert sorted(foundation - set(PAGES) - set(API)) == [], "foundation routes belong in this file's matrix"


def test_the_open_routes_answer_without_a_session(client, world):
    for (method, _rule), (path, status) in OPEN.items():
        response = client.open(path, method=method, json={} if path.startswith("/api/") else None)
        response.close()  # a file response (the stylesheet) holds the file open until closed
        assert response.status_code == status, (method, path, response.status_code)
        if path == "/":
            assert "/login" in response.headers["Location"]


def test_without_a_token_every_api_route_answers_401_in_the_error_shape(client, world):
    for method, path, _ in _rows(API):
        response = client.open(path.format(own="X", mate="X", other="X"), method=method, json={})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_without_a_session_every_page_sends_you_to_login(client, world):
    for method, path, _ in _rows(PAGES):
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
