"""Every list, in the API and in the pages, pages through the one pager: a cursor it did not write is a
400 (in the API's error shape, naming ``cursor``), never a 500 and never silently page one.

The lists are discovered, not written out: API lists from the OpenAPI document (every GET taking a
``cursor``), page lists from the url_map (every GET page whose view asks for a ``cursor``). A new list
that parses its own cursor, or forgets paging, fails here.
"""

from __future__ import annotations

import base64
import inspect
import json
import re

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from attendance.domain.policy import ROLES
from attendance.errors import PREFIX
from tests.conftest import login, make_person, make_team, token_for


def _token(payload) -> str:
    """A well-formed base64url token around ``payload``: the right alphabet, the wrong contents."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


BAD_CURSORS = [
    "²",  # str.isdigit() says yes, int() says no
    "abc",  # base64 of bytes that are not UTF-8
    "12", "-1", "99999999999",  # the old id cursors
    "E0101/2026-11-03",  # the old per-person-per-day cursor
    "WzEyXQ==",  # [12], padded: not how the pager writes it
    "A" * 2000,
    _token([]), _token(None), _token({"id": 1}), _token("x"),
    _token([None]), _token([1.5]), _token([True]), _token([[1]]),
    _token([2**31]), _token([-(2**31) - 1]), _token([2**63]),  # beyond an INTEGER column (every id is one)
    _token(["\x00"]), _token(["E0101", "2026-02-30"]), _token([1, "E0101", "2026-11-03"]),
]

# Query parameters a list requires besides its cursor; a new required one needs a sample here.
SAMPLES = {"from": "2026-11-01", "to": "2026-11-07"}
# GET routes answering a bare array, each bounded by what it is asked for; any other array is a list
# that forgot the pager.
UNPAGED = {
    "/api/v1/shift-types",  # the department's shift catalogue
    "/api/v1/punches",  # one person's punches of one day
    "/api/v1/meetings",  # one month's meetings
    "/api/v1/meetings/mine",  # the caller's meetings from a week ago to a month ahead
    "/api/v1/nominations",  # one month's nominations for the reward, of the people the caller reaches
    "/api/v1/violations/out-of-step",  # one person's occurrences of one rule
    "/api/v1/year-reviews/{year}",  # one year's review of the people the caller reaches, one row per person
    "/api/v1/awards",  # one year's awards granted by hand, of the people the caller reaches
}
# Cross-checks that discovery still finds what exists today; it may find more, never less.
KNOWN_API = {"/api/v1/teams", "/api/v1/employees", "/api/v1/policy/versions", "/api/v1/violations",
             "/api/v1/appeals", "/api/v1/dismissal-reviews", "/api/v1/ledger", "/api/v1/roster",
             "/api/v1/attendance", "/api/v1/grooming-checks", "/api/v1/scores", "/api/v1/payroll-deductions"}
KNOWN_PAGES = {"people.employees", "discipline.violations", "discipline.appeals",
               "discipline.dismissal_reviews", "discipline.ledger", "scores.dashboard"}


@pytest.fixture
def admin(app):
    """An admin holding every role, so a permission is never the reason for an answer."""
    return make_person(sorted(ROLES), make_team("T1", "热线一组"))


def _schema(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def api_lists(spec: dict) -> dict[str, list[dict]]:
    """Every GET under /api/v1 taking a ``cursor``, with its query parameters."""
    found = {}
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        params = [p for p in (get or {}).get("parameters", []) if p["in"] == "query"]
        if any(p["name"] == "cursor" for p in params):
            found[path] = params
    return found


def _answer(spec: dict, get: dict) -> dict | None:
    content = get["responses"].get("200", {}).get("content", {})
    return _schema(spec, next(iter(content.values()))["schema"]) if content else None


def test_every_api_list_is_discovered_and_pages_alike(client):
    spec = client.get(f"{PREFIX}/openapi.json").get_json()
    lists = api_lists(spec)
    assert set(lists) >= KNOWN_API, "discovery lost a list"
    for path, operations in spec["paths"].items():
        if "get" not in operations:
            continue
        answer = _answer(spec, operations["get"])
        paged = answer is not None and set(answer.get("properties", {})) == {"items", "next"}
        assert paged == (path in lists), f"{path}: a paged answer and a cursor go together"
        if answer is not None and answer.get("type") == "array":
            assert path in UNPAGED, f"{path} answers a bare array: page it with attendance.services.paging"


def _query(path: str, params: list[dict], **extra) -> dict:
    query = {}
    for p in params:
        if p.get("required"):
            assert p["name"] in SAMPLES, f"{path}: give a sample value for the required ?{p['name']}="
            query[p["name"]] = SAMPLES[p["name"]]
    return query | extra


def test_a_bad_cursor_is_a_400_naming_the_cursor_on_every_api_list(client, admin):
    headers = token_for(client, admin)
    spec = client.get(f"{PREFIX}/openapi.json").get_json()
    for path, params in api_lists(spec).items():
        first = client.get(path, query_string=_query(path, params), headers=headers)
        assert first.status_code == 200, (path, first.get_json())
        assert set(first.get_json()) == {"items", "next"}
        for bad in BAD_CURSORS:
            response = client.get(path, query_string=_query(path, params, cursor=bad), headers=headers)
            assert response.status_code == 400, (path, bad, response.status_code)
            error = response.get_json()["error"]
            assert error["code"] == "invalid_input" and error["message"], (path, bad, error)
            assert "cursor" in error["fields"], (path, bad, error)


class _Asked(ImmutableMultiDict):
    """Query arguments that note which names a view asks for."""

    asked: set[str] = set()

    def get(self, key, default=None, type=None):
        self.asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.asked.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def page_lists(app, client) -> set[str]:
    """Page endpoints that take a cursor: every GET page (not the API) whose view asks for ``cursor`` when
    requested, or whose code names it."""
    app.request_class = type("AskedRequest", (app.request_class,), {"parameter_storage_class": _Asked})
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(PREFIX) or rule.endpoint == "static":
            continue
        source = inspect.getsource(app.view_functions[rule.endpoint])
        if re.search(r"\bcursor\b", source):
            found.add(rule.endpoint)
        if rule.arguments:
            continue
        _Asked.asked = set()
        client.get(rule.rule)
        if "cursor" in _Asked.asked:
            found.add(rule.endpoint)
    return found


def test_a_bad_cursor_is_a_400_on_every_page_that_pages(app, client, admin):
    login(client, admin)
    found = page_lists(app, client)
    assert found >= KNOWN_PAGES, "discovery lost a page list"
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    for endpoint in sorted(found):
        rule = rules[endpoint]
        assert not rule.arguments, f"{endpoint}: a page list with URL arguments needs sample values here"
        assert client.get(rule.rule).status_code == 200, endpoint
        for bad in BAD_CURSORS:
            response = client.get(rule.rule, query_string={"cursor": bad})
            assert response.status_code == 400, (endpoint, bad, response.status_code)


def test_a_page_list_links_its_next_page_with_the_pagers_cursor(client, admin):
    team = make_team("T2", "热线二组")
    people = [make_person(["staff"], team, login=False, employee_no=f"P{n:03d}") for n in range(55)]
    login(client, admin)
    html = client.get("/employees").get_data(as_text=True)  # 50 a page: the admin, then P000..P048
    link = re.search(r'href="(/employees\?[^"]*cursor=[A-Za-z0-9_-]+[^"]*)"', html)
    assert link, "the first page links the next"
    rest = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    first = {p.employee_no for p in people if p.employee_no in html}
    second = {p.employee_no for p in people if p.employee_no in rest}
    assert first == {f"P{n:03d}" for n in range(49)} and second == {f"P{n:03d}" for n in range(49, 55)}
    assert 'class="pager' in html and 'class="pager' not in rest


def test_an_instant_key_round_trips_in_utc_and_a_naive_one_is_refused():
    from datetime import UTC, datetime, timedelta, timezone

    from attendance.domain.errors import InvalidInput
    from attendance.services.paging import Key, make_cursor, read_cursor

    keys = [Key(datetime), Key(int)]
    shanghai = datetime(2026, 11, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    cursor = make_cursor((shanghai, 7), keys)
    assert read_cursor(cursor, keys) == (datetime(2026, 11, 5, 2, 0, tzinfo=UTC), 7)
    naive = make_cursor(("2026-11-05T02:00:00", 7), [Key(str), Key(int)])
    with pytest.raises(InvalidInput):
        read_cursor(naive, keys)
