"""Quality inspection (质检): a transcript with a forbidden phrase is highlighted and, once confirmed, raises
FORBIDDEN_PHRASE with the inspection as evidence; the person is told; HR's month per team."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from attendance import clock
from attendance.domain.errors import Forbidden, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import Notification, QualityInspection, Violation
from attendance.services import discipline, inspections
from tests.clocks import NOW
from tests.conftest import make_person, make_team, one_per_role

TRANSCRIPT = "客户：我的快递三天没到了\n客服：急什么，没看我正忙着吗？你问我，我问谁。"


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    team = make_team("T1", "热线一组")
    people = one_per_role(team)
    people["mate"] = make_person(["staff"], team, name="王芳")
    return people


def test_a_forbidden_phrase_in_a_transcript_is_highlighted_then_raises_forbidden_phrase_with_the_inspection(world):
    staff, inspector = world["staff"], world["inspector"]
    found = inspections.check_transcript(TRANSCRIPT)
    assert [(m.kind, TRANSCRIPT[m.start:m.end]) for m in found] == [
        ("forbidden", "急什么"), ("forbidden", "没看我正忙着吗"), ("forbidden", "你问我，我问谁")]
    row = inspections.record(inspector, {"employee_no": staff.employee_no, "channel": "chat", "reference": "CHAT-8812",
                                         "score": 55, "transcript": TRANSCRIPT})
    assert row.phrases == sorted({m.code for m in found}, key=[p.code for p in inspections.settings().forbidden].index)
    violation = row.violation
    assert (violation.rule_code, violation.source, violation.source_ref) == (
        "FORBIDDEN_PHRASE", "inspection", f"inspection:{row.id}")
    assert "CHAT-8812" in violation.note and "急什么" in violation.note
    told = db.session.scalars(select(Notification).where(Notification.employee_id == staff.id)).all()
    assert told  # every new penalty is told to the person
    explained = discipline.explain(staff, violation.id)
    assert explained.source["kind"] == "inspection" and explained.source["reference"] == "CHAT-8812"
    assert "急什么" in explained.source["phrases"]


def test_an_inspection_with_only_required_phrases_raises_nothing(world):
    row = inspections.record(world["inspector"], {"employee_no": world["staff"].employee_no, "channel": "call",
                                                  "reference": "CALL-1", "score": 96,
                                                  "transcript": "您好，请问有什么可以帮您？谢谢，再见"})
    assert row.violation is None and len(row.phrases) == 4
    assert db.session.scalar(select(Violation.id)) is None


def test_only_an_inspector_records_and_bad_input_stores_nothing(world):
    with pytest.raises(Forbidden):
        inspections.record(world["hr"], {"employee_no": world["staff"].employee_no, "channel": "call",
                                         "reference": "X", "score": 80})
    with pytest.raises(InvalidInput) as bad:
        inspections.record(world["inspector"], {"employee_no": world["staff"].employee_no, "channel": "fax",
                                                "reference": "", "score": 300, "phrases": ["NOPE"]})
    assert set(bad.value.fields) == {"channel", "reference", "score", "phrases"}
    with pytest.raises(NotFound):
        inspections.record(world["inspector"], {"employee_no": "NOBODY", "channel": "call", "reference": "X",
                                                "score": 80})
    assert db.session.scalar(select(QualityInspection.id)) is None


def test_the_month_per_team_counts_inspections_and_the_most_frequent_phrases(world):
    inspector = world["inspector"]
    for person, text in ((world["staff"], TRANSCRIPT), (world["mate"], "急什么，等一会儿"),
                         (world["mate"], "您好，谢谢")):
        inspections.record(inspector, {"employee_no": person.employee_no, "channel": "chat", "reference": "C",
                                       "score": 70, "transcript": text})
    first, teams, known = inspections.month_summary(world["hr"], NOW.strftime("%Y-%m"))
    (t1,) = teams
    assert (t1.inspections, t1.with_forbidden, t1.average) == (3, 2, 70)
    top_code, top_count = t1.phrases.most_common(1)[0]
    assert known[top_code][1].text == "急什么" and top_count == 2
    assert inspections.month_chart(world["hr"], first, title="t", clean="c", forbidden="f", empty="e")[:4] == b"\x89PNG"
