"""The explanation of a penalty (PIPL Art. 24): the rule and its published version, what happened (the roster
shift and the punches behind a LATE), the earlier occurrences counted and so the step, and the appeal."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from attendance.extensions import db
from attendance.models import Punch, Violation
from attendance.services import attendance, discipline, punches, roster, shift_types
from tests.conftest import login, make_person, make_team, token_for

SH = ZoneInfo("Asia/Shanghai")
DAYS = [date(2026, 10, 29), date(2026, 10, 30), date(2026, 11, 2)]


def at(day, hh, mm):
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH)


@pytest.fixture
def world(app):
    team, other = make_team("T1", "热线一组"), make_team("T2", "投诉组")
    lead = make_person(["lead", "staff"], team, name="刘组长")
    person = make_person(["staff"], team, name="张丽")
    outsider = make_person(["staff"], other, name="赵敏")
    supervisor = make_person(["supervisor"], name="陈主管")
    hr = make_person(["hr"])
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00",
                                      "breaks": [{"start": "12:00", "end": "14:00"}]})
    return {"team": team, "lead": lead, "person": person, "outsider": outsider, "supervisor": supervisor, "hr": hr}


def late_on(world, day, hh=8, mm=6):
    person = world["person"]
    roster.set_roster_day(world["lead"], person.employee_no, day, "D8")
    for moment, direction in ((at(day, hh, mm), "in"), (at(day, 18, 1), "out")):
        db.session.add(Punch(employee_id=person.id, at=moment, direction=direction, source="import",
                             dedupe_key=punches.dedupe_key(person.id, moment)))
    db.session.commit()
    attendance.evaluate(world["hr"], day)
    return db.session.query(Violation).filter(Violation.source_ref.like(f"%:{day.isoformat()}:late")).one()


def test_the_explanation_of_a_late_names_the_shift_the_punch_and_the_earlier_occurrences(world, client):
    first, second = late_on(world, DAYS[0], 8, 20), late_on(world, DAYS[1], 8, 10)
    third = late_on(world, DAYS[2], 8, 6)
    found = discipline.explain(world["person"], third.id)
    data = found.as_data()
    assert data["source"]["shift"] == "D8" and "08:06" in data["source"]["punches"]
    assert data["source"]["late_minutes"] == 6
    assert [c["id"] for c in data["counted"]] == [first.id, second.id]
    assert (data["occurrence"], data["step"], data["fine"]) == (3, 3, "20.00")
    assert data["rule_book"]["adopted_on"] == "2020-01-01"

    login(client, world["person"])
    page = client.get(f"/violations/{third.id}/explanation").get_data(as_text=True)
    for text in ("D8 白班", "08:00–18:00", "08:06", "迟到", "2026-10-29 08:20", "2026-10-30 08:10",
                 "第3次 罚款 20 元", "适用第3级：罚款 20 元", "您可以", "2020-01-01"):
        assert text in page, text
    api = client.get(f"/api/v1/violations/{third.id}/explanation", headers=token_for(client, world["person"]))
    assert api.status_code == 200
    sentences = " ".join(s for section in api.get_json()["text"] for s in section["sentences"])
    assert "D8" in sentences and "08:06" in sentences


def test_the_explanation_of_an_appealed_and_upheld_penalty_shows_the_appeal_and_its_decision(world, client):
    v = discipline.record_violation(world["lead"], employee=world["person"], rule_code="COMPLAINT",
                                    occurred_at=datetime.now(SH) - timedelta(days=1), note="客户投诉态度差")
    appeal = discipline.file_appeal(world["person"], v.id, "客户误会了")
    discipline.decide_appeal(world["supervisor"], appeal.id, "upheld", "录音证实态度生硬")
    db.session.commit()
    data = discipline.explain(world["person"], v.id).as_data()
    assert data["appeal"]["status"] == "upheld" and data["appeal"]["decided_by"] == "陈主管"
    assert data["appeal"]["decision_reason"] == "录音证实态度生硬" and data["may_appeal"] is False
    assert data["source"]["recorded_by"] == "刘组长" and data["source"]["note"] == "客户投诉态度差"
    login(client, world["person"])
    page = client.get(f"/violations/{v.id}/explanation").get_data(as_text=True)
    for text in ("客户误会了", "申诉：维持原处罚", "陈主管", "录音证实态度生硬", "刘组长", "未附照片证据"):
        assert text in page, text


def test_the_explanation_is_seen_by_whoever_may_see_the_violation_and_no_one_else(world, client):
    v = discipline.record_violation(world["lead"], employee=world["person"], rule_code="GENERAL",
                                    occurred_at=datetime.now(SH) - timedelta(days=1))
    db.session.commit()
    assert client.get(f"/api/v1/violations/{v.id}/explanation",
                      headers=token_for(client, world["outsider"])).status_code == 404
    assert client.get(f"/api/v1/violations/{v.id}/explanation",
                      headers=token_for(client, world["lead"])).status_code == 200
    login(client, world["outsider"])
    assert client.get(f"/violations/{v.id}/explanation").status_code == 404
    client.post("/logout")
    login(client, world["person"])
    assert f"/violations/{v.id}/explanation" in client.get(f"/violations/{v.id}").get_data(as_text=True)
