"""Publishing a policy version (how it was adopted, 劳动合同法 Art. 4), each person's acknowledgement, who has
not yet, and no penalty under a rule book not published before the event."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.policy import ROLES, default_policy_document
from attendance.extensions import db
from attendance.models import LedgerEntry, Notification, PolicyVersion, Violation
from attendance.services import policy as policy_service
from tests.conftest import make_person, make_team, token_for
from tests.images import PNG

# The role matrix of these routes is the foundation's: tests/test_permissions_matrix.py (PAGES, API).


@pytest.fixture
def world(app, client):
    t1 = make_team("T1", "热线一组")
    people = {role: make_person([role] + (["staff"] if role == "lead" else []), t1 if role in ("staff", "lead")
                                else None) for role in ROLES}
    people["staff2"] = make_person(["staff"], t1, name="王芳")
    people["staff3"] = make_person(["staff"], t1, name="赵敏")
    return people


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def draft(effective_from: date, label: str = "2026-draft") -> PolicyVersion:
    doc = default_policy_document()
    doc.update(version=label, effective_from=effective_from.isoformat())
    row = policy_service.add_version(None, doc)
    db.session.commit()
    return row


def test_recording_under_an_unpublished_version_is_a_422_and_stores_nothing(client, world):
    draft(clock.today() - timedelta(days=10))
    before = (count(Violation), count(LedgerEntry))
    response = client.post("/api/v1/violations", headers=token_for(client, world["lead"]), json={
        "employee_no": world["staff"].employee_no, "rule": "COMPLAINT",
        "occurred_at": (clock.now() - timedelta(days=1)).isoformat()})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "rule_not_published"
    assert (count(Violation), count(LedgerEntry)) == before


def test_an_event_before_the_day_of_adoption_is_refused_and_one_on_that_day_is_recorded(client, world):
    row = draft(clock.today() - timedelta(days=10))
    hr = token_for(client, world["hr"])
    adopted = clock.today() - timedelta(days=3)
    assert client.post(f"/api/v1/policy/versions/{row.id}/publish", headers=hr, json={
        "adopted_on": adopted.isoformat(), "adopted_by": "职工代表大会"}).status_code == 200
    lead = token_for(client, world["lead"])

    def record(days_ago):
        when = clock.now() - timedelta(days=days_ago)
        return client.post("/api/v1/violations", headers=lead, json={
            "employee_no": world["staff"].employee_no, "rule": "COMPLAINT", "occurred_at": when.isoformat()})

    refused = record(5)  # under the new version (in force), but before its adoption
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "rule_not_published"
    assert record(0.01).status_code == 201


def test_publish_then_two_of_three_staff_acknowledge_and_hr_sees_the_third(client, world):
    row = draft(clock.today() - timedelta(days=1))
    hr = token_for(client, world["hr"])
    minute = {"filename": "纪要.png", "data": base64.b64encode(PNG).decode()}
    published = client.post(f"/api/v1/policy/versions/{row.id}/publish", headers=hr, json={
        "adopted_on": "2025-12-20", "adopted_by": "全体职工讨论", "evidence": minute})
    assert published.status_code == 200, published.get_json()
    body = published.get_json()
    assert (body["published"], body["adopted_on"], body["adopted_by"]) == (True, "2025-12-20", "全体职工讨论")
    assert len(body["evidence_sha256"]) == 64
    # everyone is told, with a link to the rules to read
    told = db.session.scalars(select(Notification).where(Notification.kind == "policy_published")).all()
    assert {n.employee_id for n in told} == {p.id for p in world.values()}
    assert all(n.link == f"/policy/versions/{row.id}/read" for n in told)

    for who in ("staff", "staff2"):
        answer = client.post(f"/api/v1/policy/versions/{row.id}/acknowledge", headers=token_for(client, world[who]))
        assert answer.status_code == 200 and answer.get_json()["employee_no"] == world[who].employee_no
    again = client.post(f"/api/v1/policy/versions/{row.id}/acknowledge", headers=token_for(client, world["staff"]))
    assert again.status_code == 200

    listing = client.get(f"/api/v1/policy/versions/{row.id}/acknowledgements", headers=hr).get_json()
    acknowledged = {p["employee_no"] for p in listing["acknowledged"]}
    pending = {p["employee_no"] for p in listing["pending"]}
    assert acknowledged == {world["staff"].employee_no, world["staff2"].employee_no}
    assert world["staff3"].employee_no in pending and not acknowledged & pending
    # a second publication is a conflict
    again = client.post(f"/api/v1/policy/versions/{row.id}/publish", headers=hr, json={
        "adopted_on": "2025-12-20", "adopted_by": "全体职工讨论"})
    assert again.status_code == 409


def test_a_draft_cannot_be_acknowledged(client, world):
    row = draft(clock.today() + timedelta(days=30))
    answer = client.post(f"/api/v1/policy/versions/{row.id}/acknowledge", headers=token_for(client, world["staff"]))
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "not_published"


@pytest.mark.parametrize(("body", "fields"), [
    ({"adopted_by": "职工代表大会"}, {"adopted_on"}),
    ({"adopted_on": "not a date", "adopted_by": ""}, {"adopted_on", "adopted_by"}),
    ({"adopted_on": "2099-01-01", "adopted_by": "职工代表大会"}, {"adopted_on"}),
    ({"adopted_on": "2025-01-01", "adopted_by": "职工代表大会",
      "evidence": {"filename": "minute.pdf", "data": base64.b64encode(b"MZ\x90\x00 not a pdf").decode()}},
     {"evidence"}),
])
def test_bad_publication_input_is_a_400_naming_each_field_and_publishes_nothing(client, world, body, fields):
    row = draft(clock.today() + timedelta(days=30))
    answer = client.post(f"/api/v1/policy/versions/{row.id}/publish", headers=token_for(client, world["hr"]),
                         json=body)
    assert answer.status_code == 400, answer.get_json()
    assert set(answer.get_json()["error"]["fields"]) == fields
    db.session.expire_all()
    assert db.session.get(PolicyVersion, row.id).published_at is None


def test_a_pdf_minute_is_kept_and_served_as_a_download(client, world):
    row = draft(clock.today() + timedelta(days=30))
    pdf = b"%PDF-1.4\n%minute of the staff congress\n%%EOF\n"
    answer = client.post(f"/api/v1/policy/versions/{row.id}/publish", headers=token_for(client, world["hr"]),
                         json={"adopted_on": "2025-01-01", "adopted_by": "工会委员会",
                               "evidence": {"filename": "m.pdf", "data": base64.b64encode(pdf).decode()}})
    assert answer.status_code == 200 and answer.get_json()["adopted_by"] == "工会委员会"
