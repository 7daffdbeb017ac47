"""The rules to read on a phone (by category, each ladder as sentences), the acknowledge button, publishing a
version with how it was adopted, who has not acknowledged, and the penalty notice citing all of it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from reportlab.lib.rl_accel import escapePDF

from attendance import clock
from attendance.domain.policy import ROLES, default_policy_document
from attendance.extensions import db
from attendance.reporting import discipline_documents as documents
from attendance.services import discipline as svc
from attendance.services import policy as policy_service
from tests.conftest import login, make_person, make_team
from tests.images import PNG

# The role matrix of these routes is the foundation's: tests/test_permissions_matrix.py (PAGES, API).


@pytest.fixture
def world(app):
    t1 = make_team("T1", "热线一组")
    people = {role: make_person([role] + (["staff"] if role == "lead" else []), t1 if role in ("staff", "lead")
                                else None) for role in ROLES}
    people["staff"].name = "张丽"
    people["staff2"] = make_person(["staff"], t1, name="王芳")
    people["staff3"] = make_person(["staff"], t1, name="赵敏")
    db.session.commit()
    return people


@pytest.fixture
def as_(client, world):
    def sign_in_as(who):
        client.post("/logout")
        login(client, world[who])
        return client
    return sign_in_as


def draft(days_from_now: int = 30):
    doc = default_policy_document()
    doc.update(version="2027-草案", effective_from=(clock.today() + timedelta(days=days_from_now)).isoformat())
    row = policy_service.add_version(None, doc)
    db.session.commit()
    return row


def test_the_rules_read_by_category_with_each_ladder_as_sentences(as_, world):
    page = as_("staff").get("/policy/rules", follow_redirects=True).get_data(as_text=True)
    assert "迟到" in page and "考勤" in page
    assert "第1次 警告" in page and "第2次 罚款 10 元，扣 2 分" in page
    assert "OFF_TASK" not in page and "ladder:" not in page  # names, not codes or YAML


def test_staff_acknowledge_with_the_button_and_hr_sees_who_has_not(as_, world):
    row = draft()
    hr = as_("hr")
    assert hr.get(f"/policy/versions/{row.id}/publish").status_code == 200
    missing = hr.post(f"/policy/versions/{row.id}/publish", data={"adopted_by": "职工代表大会"})
    assert missing.status_code == 400 and "必填" in missing.get_data(as_text=True)
    done = hr.post(f"/policy/versions/{row.id}/publish", data={
        "adopted_on": "2026-10-01", "adopted_by": "other", "adopted_by_other": "工会代表会议",
        "evidence": (io.BytesIO(PNG), "minute.png")}, content_type="multipart/form-data")
    assert done.status_code == 302, done.get_data(as_text=True)
    for who in ("staff", "staff2"):
        c = as_(who)
        assert "我已阅读并理解以上制度" in c.get(f"/policy/versions/{row.id}/read").get_data(as_text=True)
        assert c.post(f"/policy/versions/{row.id}/acknowledge").status_code == 302
        assert "您已于" in c.get(f"/policy/versions/{row.id}/read").get_data(as_text=True)
    page = as_("hr").get(f"/policy/versions/{row.id}/acknowledgements").get_data(as_text=True)
    pending = page.split('id="pending"')[1].split("</table>")[0]
    acknowledged = page.split('id="acknowledged"')[1].split("</table>")[0]
    assert "赵敏" in pending and "张丽" not in pending and "王芳" not in pending
    assert "张丽" in acknowledged and "王芳" in acknowledged
    minute = as_("staff").get(f"/policy/versions/{row.id}/evidence")
    assert minute.status_code == 200 and minute.data.startswith(b"\x89PNG")
    minute.close()


def _pdf_has(pdf: bytes, text: str) -> bool:
    return escapePDF(text.encode("utf-16-be")).encode("latin-1") in pdf or text.encode() in pdf


def test_the_penalty_notice_cites_the_version_its_publication_and_the_acknowledgement(as_, world, app):
    lead = world["lead"]
    v = svc.record_violation(lead, employee=world["staff"], rule_code="COMPLAINT",
                             occurred_at=clock.now() - timedelta(days=1))
    with app.test_request_context():
        before = documents.penalty_notice_pdf(svc.get_violation(lead, v.id), compress=False,
                                              citation=svc.notice_citation(svc.get_violation(lead, v.id)))
    label = svc.get_violation(lead, v.id).policy_version.label
    assert _pdf_has(before, label) and _pdf_has(before, "2020-01-01") and _pdf_has(before, "未确认")
    assert "未确认" in as_("staff").get(f"/violations/{v.id}/notice").get_data(as_text=True)

    ack = policy_service.acknowledge(world["staff"], v.policy_version_id)
    db.session.commit()
    with app.test_request_context():
        after = documents.penalty_notice_pdf(svc.get_violation(lead, v.id), compress=False,
                                             citation=svc.notice_citation(svc.get_violation(lead, v.id)))
    day = documents.local_time(ack.acknowledged_at)
    assert _pdf_has(after, day) and not _pdf_has(after, "未确认")
    assert as_("staff").get(f"/violations/{v.id}/notice.pdf").status_code == 200
