"""Odd input the API fuzzer (test_fuzz_api.py) turned up, each once a 500 (on SQLite, PostgreSQL or both) and
now bad input: a 400 naming the field, or a 404 for a URL that names nothing (docs/api.md: never a 500)."""

from __future__ import annotations

import pytest

from attendance.domain import dates
from attendance.domain.errors import InvalidInput
from attendance.domain.text import NOT_TEXT, fit, unfit_paths
from tests.conftest import make_person, make_team, token_for

API = "/api/v1"
OFFICE = ["staff", "lead", "supervisor", "manager", "gm", "hr", "admin"]


@pytest.fixture
def caller(client, app):
    team = make_team("T1", "热线一组")
    person = make_person(OFFICE, team, employee_no="E0001")
    return token_for(client, person)


def _fields(response, status: int = 400) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == ("invalid_input" if status == 400 else "not_found"), body
    return body["error"].get("fields", {})


# --- URLs that name nothing: an id larger than a database INTEGER, a NUL in a path ----------------


@pytest.mark.parametrize("method, path", [
    ("get", "/violations/2147483648"),
    ("get", "/meetings/8081289541"),
    ("put", "/meetings/2147483648/attendance"),
    ("post", "/punches/2147483648/void"),
    ("get", "/leave-requests/99999999999999999999999/certificate"),  # was a 405: the POST rule answered
])
def test_an_id_larger_than_the_database_holds_names_nothing(client, caller, method, path):
    response = getattr(client, method)(API + path, headers=caller, json={"reason": "x", "marks": {}})
    _fields(response, 404)


def test_the_largest_id_is_documented(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    (param,) = spec["paths"][f"{API}/violations/{{violation_id}}"]["parameters"]
    assert param["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


def test_a_nul_in_a_path_names_nothing(client, caller):
    _fields(client.get(f"{API}/teams/T%001", headers=caller), 404)
    _fields(client.get(f"{API}/employees/%00", headers=caller), 404)


# --- NUL and unpaired surrogates ----------------------------------------------------------------


def test_fit_text_has_no_nul_and_no_unpaired_surrogate():
    assert fit("热线一组 😀") and not fit("a\x00b") and not fit("\ud800") and not fit("\udfff")
    assert list(unfit_paths({"a": ["ok", {"b": "\x00"}], "\ud800": 1, "c": "fine"})) == ["a[1].b", "_body"]


@pytest.mark.parametrize("body, field", [
    ('{"code": "T2", "name": "n\\u0000"}', "name"),
    ('{"code": "T\\ud800", "name": "n"}', "code"),
    ('{"code": "T2", "name": "n", "lead": "\\udc00"}', "lead"),
])
def test_unfit_text_in_a_json_body_is_a_400_naming_the_field(client, caller, body, field):
    response = client.post(f"{API}/teams", data=body, content_type="application/json", headers=caller)
    assert _fields(response) == {field: NOT_TEXT}


@pytest.mark.parametrize("query, field", [
    ("/punch-corrections?employee_no=%00", "employee_no"),
    ("/leave-requests?employee_no=%00", "employee_no"),
    ("/employees?q=a%00", "q"),
])
def test_a_nul_in_the_query_is_a_400_naming_the_parameter(client, caller, query, field):
    assert _fields(client.get(API + query, headers=caller)) == {field: NOT_TEXT}


def test_a_policy_document_with_unfit_text_is_refused_with_its_path(client, caller):
    yaml_doc = 'version: "\\ud800"\n'
    response = client.post(f"{API}/policy/versions", data=yaml_doc, content_type="application/yaml",
                           headers=caller)
    assert response.get_json()["error"]["code"] == "policy_invalid"
    assert response.get_json()["error"]["fields"] == {"version": NOT_TEXT}
    # was a 500: YAML read this JSON's surrogate pair as two unpaired surrogates, and the answer naming the
    # unknown key could not be written. JSON is read as JSON: the key is one character, named in the answer.
    response = client.post(f"{API}/policy/versions", data='{"\\ud800\\udc00": null}',
                           content_type="application/json", headers=caller)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["\U00010000"] == "unknown key"


@pytest.mark.parametrize("path", ["/punches/import", "/employees/import"])
def test_a_csv_holding_nul_bytes_is_a_400(client, caller, path):
    response = client.post(API + path, data="employee_no,name\nE9\x00,x\n", content_type="text/csv",
                           headers=caller)
    assert _fields(response) == {"file": "unreadable"}


# --- days far outside the calendar the system works in ----------------------------------------


def test_days_are_taken_from_1900_to_2100():
    assert dates.parse_day("1900-01-01") == dates.FIRST_DAY and dates.parse_day("2100-12-31") == dates.LAST_DAY
    for text in ("0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"):
        with pytest.raises(InvalidInput) as err:
            dates.parse_day(text, "from")
        assert err.value.fields == {"from": dates.OUT_OF_RANGE}
    for text in ("9999-12", "0001-01", "2101-01"):
        with pytest.raises(InvalidInput):
            dates.parse_month(text)


@pytest.mark.parametrize("method, path, body, field", [
    ("get", "/attendance?from=0001-01-01&to=0001-01-01", None, "from"),
    ("get", "/roster?team=T1&from=9999-12-30&to=9999-12-31", None, "to"),
    ("get", "/punches?employee_no=E0001&date=9999-12-31", None, "date"),
    ("get", "/ledger?month=9999-12", None, "month"),
    ("get", "/scores?month=9999-12", None, "month"),
    ("get", "/meetings?month=9999-12", None, "month"),
    ("get", "/attendance/sheet.xlsx?month=9999-12", None, "month"),
    ("put", "/roster/E0001/9999-12-31", {"shift": "REST"}, "date"),
    ("post", "/punches", {"employee_no": "E0001", "at": "0001-01-01T00:00:00+14:00", "direction": "in"}, "at"),
    ("post", "/violations", {"employee_no": "E0001", "rule": "LATE", "occurred_at": "0001-01-01T00:00+14:00"},
     "occurred_at"),
    ("post", "/leave-requests", {"type": "personal", "start": "9999-12-31", "end": "9999-12-31", "reason": "x"},
     "start"),
    ("post", "/attendance/evaluate", {"date": "9999-12-31", "team": "T1"}, "date"),
    ("post", "/punch-corrections", {"date": "9999-12-31", "direction": "in", "at": "09:00", "reason": "x"}, "date"),
    ("post", "/meetings", {"kind": "morning", "date": "9999-12-31", "team": "T1"}, "date"),
    ("post", "/employees", {"employee_no": "E0002", "name": "n", "hire_date": "0001-01-01"}, "hire_date"),
])
def test_a_day_outside_the_calendar_is_a_400_naming_it(client, caller, method, path, body, field):
    response = getattr(client, method)(API + path, headers=caller, json=body)
    assert field in _fields(response)


# --- JSON nested deeper than Python reads ------------------------------------------------------


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/teams", "/policy/versions", "/leave-requests/1/certificate"])
def test_json_nested_too_deeply_is_a_400(client, caller, path):
    response = client.post(API + path, data=DEEP, content_type="application/json", headers=caller)
    assert response.status_code == 400, response.get_json()
