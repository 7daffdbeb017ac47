"""Tokens, the error shape, idempotency keys, pagination and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from attendance import clock
from attendance.extensions import db
from attendance.models import ApiToken, Employee, IdempotencyRecord, LedgerEntry, Violation
from tests.concurrency import run_together
from tests.conftest import PASSWORD, make_person, make_team, token_for


def test_a_token_is_issued_for_good_credentials_and_stored_only_as_a_hash(client, app):
    person = make_person(["hr"])
    response = client.post("/api/v1/auth/token", json={"username": person.username, "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert response.get_json()["expires_at"].endswith("+00:00")
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1


def test_bad_credentials_give_401_in_the_documented_shape(client, app):
    person = make_person(["hr"])
    response = client.post("/api/v1/auth/token", json={"username": person.username, "password": "wrong"})
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "bad_credentials",
                                             "message": "unknown username or wrong password"}}


def test_a_revoked_or_expired_token_is_refused(client, app):
    person = make_person(["hr"])
    headers = token_for(client, person)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    headers = token_for(client, person)
    row = db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_deactivated_person_loses_api_access(client, app):
    person = make_person(["hr"])
    headers = token_for(client, person)
    person.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_me_names_the_caller_with_chinese_unescaped(client, app):
    team = make_team("T1", "热线一组")
    person = make_person(["lead", "staff"], team, name="张丽")
    response = client.get("/api/v1/me", headers=token_for(client, person))
    assert response.get_json() == {"employee_no": person.employee_no, "name": "张丽", "team": "T1",
                                   "roles": ["lead", "staff"], "locale": None}
    assert "张丽".encode() in response.data


def test_malformed_json_is_a_400_with_the_error_shape(client, app):
    headers = token_for(client, make_person(["hr"])) | {"Content-Type": "application/json"}
    response = client.post("/api/v1/employees", data="{not json", headers=headers)
    assert response.status_code == 400
    assert set(response.get_json()["error"]) >= {"code", "message"}


BAD_EMPLOYEE = {"employee_no": "bad no!", "name": "", "monthly_wage": "lots", "hire_date": "2026-13-01"}
BAD_EMPLOYEE_FIELDS = {"employee_no": "letters, digits, - and _ only, at most 32", "name": "required",
                       "monthly_wage": "not a money amount", "hire_date": "not a date (YYYY-MM-DD)"}


def _invalid_input(response) -> dict:
    """docs/api.md: 400 {"error": {"code": "invalid_input", "message", "fields": {field: what is wrong}}}."""
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert set(response.get_json()) == {"error"} and set(error) == {"code", "message", "fields"}, error
    assert error["code"] == "invalid_input"
    assert isinstance(error["message"], str) and error["message"]
    return error["fields"]


def test_invalid_fields_are_each_named(client, app):
    headers = token_for(client, make_person(["hr"]))
    response = client.post("/api/v1/employees", headers=headers, json=BAD_EMPLOYEE | {"roles": ["king"]})
    assert _invalid_input(response) == BAD_EMPLOYEE_FIELDS | {"roles": "unknown role"}
    response = client.post("/api/v1/employees", headers=headers, json=BAD_EMPLOYEE)
    assert _invalid_input(response) == BAD_EMPLOYEE_FIELDS
    response = client.post("/api/v1/employees", headers=headers, json={"employee_no": "E1", "name": "王",
                                                                       "roles": ["staff", "king"]})
    assert _invalid_input(response) == {"roles": "unknown role"}
    person = make_person(["staff"])
    response = client.patch(f"/api/v1/employees/{person.employee_no}", headers=headers,
                            json={"name": "", "monthly_wage": "lots", "roles": ["king"]})
    assert _invalid_input(response) == {"name": "required", "monthly_wage": "not a money amount",
                                        "roles": "unknown role"}
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 2


def test_unknown_things_are_404_in_the_error_shape(client, app):
    headers = token_for(client, make_person(["hr"]))
    for url in ("/api/v1/employees/NOBODY", "/api/v1/teams/NOTEAM", "/api/v1/no-such-thing"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_the_same_idempotency_key_replays_the_first_answer_and_creates_nothing(client, app):
    headers = token_for(client, make_person(["hr"])) | {"Idempotency-Key": "k-1"}
    body = {"employee_no": "E9001", "name": "王芳"}
    first = client.post("/api/v1/employees", json=body, headers=headers)
    second = client.post("/api/v1/employees", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replay") == "true"
    assert db.session.scalar(select(func.count()).select_from(Employee).where(
        Employee.employee_no == "E9001")) == 1
    reused = client.post("/api/v1/employees", json={"employee_no": "E9002", "name": "李"}, headers=headers)
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"


def test_one_idempotency_key_sent_eight_times_at_once_records_one_violation_and_one_fine(client, app):
    """The duplicates wait for the first and replay its answer; none of them records anything."""
    team = make_team("T1", "热线一组")
    lead, staff = make_person(["lead", "staff"], team), make_person(["staff"], team)
    headers = token_for(client, lead) | {"Idempotency-Key": "shift-start-1"}
    body = {"employee_no": staff.employee_no, "rule": "COMPLAINT",
            "occurred_at": (clock.now() - timedelta(hours=1)).isoformat()}

    def post():
        response = app.test_client().post("/api/v1/violations", json=body, headers=headers)
        return response.status_code, response.get_json()

    answers = run_together(app, [post] * 8)
    assert [status for status, _ in answers] == [201] * 8
    assert len({answer["id"] for _, answer in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(Violation)) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


def test_lists_are_paged_with_limit_and_cursor(client, app):
    team = make_team("T1", "热线一组")
    for _ in range(5):
        make_person(["staff"], team, login=False)
    headers = token_for(client, make_person(["hr"], employee_no="Z999"))
    seen, cursor = [], None
    while True:
        url = "/api/v1/employees?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        assert len(body["items"]) <= 2
        seen += [e["employee_no"] for e in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 6
    assert client.get("/api/v1/employees?limit=0", headers=headers).status_code == 400


def test_the_openapi_document_lists_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for part in ("int:", "string:", "path:"):
            path = path.replace("{" + part, "{")
        assert path in paths, path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (method, path)
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error"}  # the documented error body is the one the API sends


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def test_every_operation_lists_its_error_answers_each_with_the_error_body(client, app):
    """No catch-all "default": each status an operation may answer is listed (api/core.py, errors), so a
    client and the fuzzer (test_fuzz_api.py) can hold the API to it; every error answer has the error body."""
    spec = client.get("/api/v1/openapi.json").get_json()
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            assert {"401", "500"} <= set(responses), (method, path)  # the token call: 401 bad_credentials
            if path not in ("/api/v1/auth/token", "/api/v1/me"):  # who the caller is: no roles, no input
                assert {"400", "403", "404"} <= set(responses), (method, path)
            for status, answer in responses.items():
                if int(status) < 400:
                    continue
                schema = _resolve(spec, answer)["content"]["application/json"]["schema"]
                assert schema == error or error in schema.get("oneOf", []), (method, path, status)
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []  # the one call without a token


def test_money_is_documented_as_the_two_place_string_it_is_sent_as(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    for name, field in [("ScoreOut", "fines_total"), ("PayrollOut", "wage"), ("EmployeeOut", "monthly_wage"),
                        ("LedgerRowOut", "amount")]:
        prop = spec["components"]["schemas"][name]["properties"][field]
        assert prop["type"] == "string" and prop["pattern"] == r"^-?\d+\.\d{2}$", (name, field, prop)
