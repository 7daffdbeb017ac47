"""The year-end review (年终考核): a full year without violations adds 10 points (full_attendance_year), awards
granted by hand, the team's and the department's year, and HR's year close."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from attendance import clock
from attendance.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.extensions import db
from attendance.models import AttendanceDay, Award, Employee, Notification, YearClose, YearSnapshot
from attendance.services import discipline, jobs, nominations, scores, year_review
from tests.concurrency import run_together
from tests.conftest import ON_POSTGRES, make_person, make_team, token_for


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 1, 10, 10, tzinfo=clock.site_zone()))
    team = make_team("T1", "热线一组")
    lead = make_person(["lead", "staff"], team)
    good, other = make_person(["staff"], team, name="张全勤"), make_person(["staff"], team, name="李偶尔")
    for person in (good, other):
        person.hire_date = date(2020, 1, 1)
        for m in range(1, 13):
            db.session.add(AttendanceDay(employee_id=person.id, day=date(2026, m, 10), status="present"))
    lead.hire_date = date(2020, 1, 1)
    db.session.commit()
    office = {role: make_person([role]) for role in ("hr", "manager", "supervisor")}
    return {"team": team, "lead": lead, "good": good, "other": other, **office}


def _close_2026(hr) -> None:
    for m in range(1, 13):
        scores.close_month(hr, f"2026-{m:02d}")


def _violation(world, who="other", when=datetime(2026, 5, 10, 9)):
    discipline.record_violation(world["lead"], employee=world[who], rule_code="HANDBOOK",
                                occurred_at=when.replace(tzinfo=clock.site_zone()))


def test_a_full_year_without_violations_adds_ten_points_and_one_violation_takes_it_away(world):
    _violation(world)
    good = year_review.review(world["lead"], 2026, world["good"].employee_no)
    assert len(good.months) == 12 and all(m.full_attendance for m in good.months)
    assert (good.bonus, good.score) == (10, 110)
    other = year_review.review(world["lead"], 2026, world["other"].employee_no)
    assert other.bonus == 0 and other.score < 100
    assert sum(other.violations_by_category.values()) == 1 == other.violations
    assert good.half_year_leave == (0, 0)


def test_half_year_leave_counts_january_to_june_and_july_to_december_apart(world):
    for day in (date(2026, 3, 11), date(2026, 3, 12), date(2026, 9, 11)):
        db.session.add(AttendanceDay(employee_id=world["other"].id, day=day, status="leave"))
    db.session.commit()
    other = year_review.review(world["hr"], 2026, world["other"].employee_no)
    assert other.half_year_leave == (2, 1)


def test_the_year_bonus_is_read_from_the_policy_at_the_years_end(world, monkeypatch):
    book = scores.PolicyBook.load()
    _, policy = book.on(date(2026, 12, 31))
    from dataclasses import replace

    bigger = replace(policy, rewards={**policy.rewards,
                                      "full_attendance_year": replace(policy.rewards["full_attendance_year"],
                                                                      points=15)})
    monkeypatch.setattr(scores.PolicyBook, "on", lambda self, day: (1, bigger))
    good = year_review.review(world["hr"], 2026, world["good"].employee_no)
    assert (good.bonus, good.score, good.bonus_points) == (15, 115, 15)


def test_the_months_rewards_paid_are_the_years_awards(world):
    nomination = nominations.nominate(world["lead"], world["good"].employee_no, "2026-03", "客户表扬三次")
    nominations.decide(world["supervisor"], nomination.id, "confirmed", "")
    good = year_review.review(world["good"], 2026, world["good"].employee_no)
    paid = [a for a in good.awards if a["kind"] == year_review.MONTHLY]
    assert [(a["date"], a["amount"], a["reason"]) for a in paid] == [(date(2026, 3, 31), Decimal("200.00"), "工作突出")]
    assert good.rewards_total == Decimal("200.00")


def test_a_manager_records_an_award_the_person_is_told_and_it_counts_until_reversed(world):
    award = year_review.record_award(world["manager"], world["good"].employee_no, "honour", "500", "市级文明窗口",
                                     "2026-06-01")
    assert award.amount == Decimal("500.00") and award.recorded_by_id == world["manager"].id
    told = db.session.scalars(select(Notification).where(Notification.employee_id == world["good"].id,
                                                         Notification.kind == "award")).all()
    assert len(told) == 1 and told[0].params["amount"] == "500.00"
    good = year_review.review(world["good"], 2026, world["good"].employee_no)
    assert good.rewards_total == Decimal("500.00") and good.awards[0]["kind"] == "honour"
    year_review.reverse_award(world["manager"], award.id, "记错了人")
    good = year_review.review(world["good"], 2026, world["good"].employee_no)
    assert good.rewards_total == Decimal("0.00")
    kept = db.session.get(Award, award.id)
    assert kept.reversed_by_id == world["manager"].id and kept.reversed_reason == "记错了人"
    told = db.session.scalars(select(Notification).where(Notification.employee_id == world["good"].id,
                                                         Notification.kind == "award")
                              .order_by(Notification.id)).all()
    assert len(told) == 2 and told[1].title == "An award was taken back: %(amount)s yuan"
    assert told[1].params == {"amount": "500.00", "reason": "记错了人", "kind": "honour"}
    with pytest.raises(Conflict):
        year_review.reverse_award(world["manager"], award.id, "again")


def test_who_may_grant_which_award_is_the_policys_and_bad_input_changes_nothing(world):
    with pytest.raises(Forbidden):  # honour: the policy lets only a manager grant it
        year_review.record_award(world["supervisor"], world["good"].employee_no, "honour", "100", "荣誉")
    with pytest.raises(Forbidden):  # nobody sets money for themselves
        year_review.record_award(world["manager"], world["manager"].employee_no, "suggestion", "100", "建议")
    with pytest.raises(Forbidden):  # the permission table: staff and leads record no awards
        year_review.record_award(world["lead"], world["good"].employee_no, "suggestion", "100", "建议")
    for kind, amount, reason in (("nope", "100", "x"), ("suggestion", "-5", "x"), ("suggestion", "abc", "x"),
                                 ("suggestion", "1.005", "x"), ("suggestion", "100", "  ")):
        with pytest.raises(InvalidInput):
            year_review.record_award(world["supervisor"], world["good"].employee_no, kind, amount, reason)
    assert db.session.scalar(select(func.count()).select_from(Award)) == 0


def test_the_team_year_is_everyone_a_lead_reaches_and_the_department_for_hr(world):
    other_team = make_team("T2", "热线二组")
    stranger = make_person(["staff"], other_team)
    lead_view = year_review.team_year(world["lead"], 2026)
    assert world["good"].id in lead_view.people and stranger.id not in lead_view.people
    assert stranger.id in year_review.team_year(world["hr"], 2026).people
    assert set(year_review.team_year(world["hr"], 2026, "T2").people) == {stranger.id}
    with pytest.raises(NotFound):
        year_review.team_year(world["lead"], 2026, "T2")
    with pytest.raises(InvalidInput):
        year_review.team_year(world["hr"], 2026, "NOPE")
    with pytest.raises(InvalidInput):
        year_review.team_year(world["hr"], "20x6")


def test_closing_a_year_with_a_month_open_is_refused_and_changes_nothing(world):
    for m in range(1, 12):
        scores.close_month(world["hr"], f"2026-{m:02d}")
    with pytest.raises(RuleRefused) as refused:
        year_review.close_year(world["hr"], 2026)
    assert refused.value.code == "months_open" and "2026-12" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(YearClose)) == 0


def test_a_closed_year_is_read_from_its_snapshot_once_and_everyone_is_told(world):
    _close_2026(world["hr"])
    close = year_review.close_year(world["hr"], 2026)
    assert close.staff == 3 and close.closed_by_id == world["hr"].id and close.bonus_points == 10
    assert db.session.scalar(select(func.count()).select_from(YearSnapshot)) == 3
    # a violation dated in the closed year after the close changes nothing of the frozen review
    _violation(world, "good", datetime(2026, 7, 1, 9))
    good = year_review.review(world["good"], 2026, world["good"].employee_no)
    assert good.closed and (good.bonus, good.score) == (10, 110) and len(good.months) == 12
    told = db.session.scalars(select(Notification).where(Notification.kind == "year_closed")).all()
    assert {n.employee_id for n in told} >= {world["good"].id, world["other"].id}
    with pytest.raises(Conflict):
        year_review.close_year(world["hr"], 2026)
    with pytest.raises(Conflict):  # an award dated in a closed year would count in no review
        year_review.record_award(world["manager"], world["good"].employee_no, "honour", "5", "x", "2026-12-01")


def test_the_database_holds_a_year_to_one_close(world):
    db.session.add(YearClose(year=2030, bonus_points=10, staff=0))
    db.session.commit()
    db.session.add(YearClose(year=2030, bonus_points=10, staff=0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
def test_two_year_closes_at_once_freeze_the_year_once(app, world):
    _close_2026(world["hr"])
    db.session.commit()
    hr_id = world["hr"].id

    def close():
        try:
            return year_review.close_year(db.session.get(Employee, hr_id), 2026).staff
        except Conflict:
            return "conflict"

    assert sorted(run_together(app, [close, close]), key=str) == [3, "conflict"]
    assert db.session.scalar(select(func.count()).select_from(YearSnapshot)) == 3


def test_the_year_close_runs_as_a_background_job_like_the_month_close(world):
    _close_2026(world["hr"])
    job = jobs.submit(world["hr"], "year_close", "2026")
    db.session.commit()
    job = jobs.get_job(world["hr"], job.id)
    assert job.status == "done" and job.result == {"staff": 3} and job.subject == "2026"
    assert year_review.get_close(2026) is not None
    with pytest.raises(NotFound):
        jobs.submit(world["lead"], "year_close", "2026")  # a kind the lead may not do


def test_the_api_gives_the_year_to_whoever_may_see_the_person(client, world):
    got = client.get(f"/api/v1/year-reviews/2026/{world['good'].employee_no}", headers=token_for(client, world["good"]))
    body = got.get_json()
    assert got.status_code == 200 and (body["bonus"], body["score"], body["closed"]) == (10, 110, False)
    other = client.get(f"/api/v1/year-reviews/2026/{world['other'].employee_no}",
                       headers=token_for(client, world["good"]))
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    bad = client.get(f"/api/v1/year-reviews/1800/{world['good'].employee_no}", headers=token_for(client, world["lead"]))
    assert bad.status_code == 400 and "error" in bad.get_json()


def test_the_api_team_year_is_for_leads_and_the_office(client, world):
    lead = client.get("/api/v1/year-reviews/2026", headers=token_for(client, world["lead"]))
    assert lead.status_code == 200
    assert {r["employee_no"] for r in lead.get_json()} >= {world["good"].employee_no, world["other"].employee_no}
    staff = client.get("/api/v1/year-reviews/2026", headers=token_for(client, world["good"]))
    assert staff.status_code == 403 and staff.get_json()["error"]["code"] == "forbidden"
    unknown = client.get("/api/v1/year-reviews/2026?team=NOPE", headers=token_for(client, world["hr"]))
    assert unknown.status_code == 400


def test_the_api_closes_a_year_once_and_only_for_hr(client, world):
    hr = token_for(client, world["hr"])
    refused = client.post("/api/v1/years/2026/close", headers=hr)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "months_open"
    assert client.get("/api/v1/years/2026", headers=hr).get_json()["closed"] is False
    _close_2026(world["hr"])
    db.session.commit()
    staff = client.post("/api/v1/years/2026/close", headers=token_for(client, world["good"]))
    assert staff.status_code == 403
    done = client.post("/api/v1/years/2026/close", headers=hr)
    assert done.status_code == 201 and done.get_json()["closed"] is True and done.get_json()["staff"] == 3
    again = client.post("/api/v1/years/2026/close", headers=hr)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert client.get("/api/v1/years/20x6", headers=hr).status_code == 404


def test_the_api_records_lists_and_reverses_awards(client, world):
    manager = token_for(client, world["manager"])
    made = client.post("/api/v1/awards", headers=manager, json={
        "employee_no": world["good"].employee_no, "kind": "suggestion", "amount": "300.00", "reason": "排班建议",
        "awarded_on": "2026-04-01"})
    assert made.status_code == 201 and made.get_json()["amount"] == "300.00"
    bad = client.post("/api/v1/awards", headers=manager, json={
        "employee_no": world["good"].employee_no, "kind": "nope", "amount": "1.00", "reason": "x"})
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"kind": "unknown"}
    staff = client.post("/api/v1/awards", headers=token_for(client, world["good"]), json={
        "employee_no": world["good"].employee_no, "kind": "suggestion", "amount": "1.00", "reason": "x"})
    assert staff.status_code == 403
    mine = client.get("/api/v1/awards?year=2026", headers=token_for(client, world["good"]))
    assert [a["amount"] for a in mine.get_json()] == ["300.00"]
    review = client.get(f"/api/v1/year-reviews/2026/{world['good'].employee_no}", headers=manager).get_json()
    assert review["rewards_total"] == "300.00" and review["awards"][0]["kind"] == "suggestion"
    award_id = made.get_json()["id"]
    back = client.post(f"/api/v1/awards/{award_id}/reverse", headers=manager, json={"reason": "重复"})
    assert back.status_code == 200 and back.get_json()["reversed_by"] == world["manager"].employee_no
    twice = client.post(f"/api/v1/awards/{award_id}/reverse", headers=manager, json={"reason": "重复"})
    assert twice.status_code == 409


# Who reaches which route (the coverage test in tests/test_permissions_matrix.py reads this list).
API = [
    ("GET", "/api/v1/year-reviews/2026/{employee_no}", "scores.view: everyone, for the people they may see"),
    ("GET", "/api/v1/year-reviews/2026", "years.team: leads (their teams) and the office"),
    ("GET", "/api/v1/years/2026", "scores.view: everyone"),
    ("POST", "/api/v1/years/2026/close", "years.close: HR"),
    ("GET", "/api/v1/awards?year=2026", "scores.view: everyone, the awards of the people they reach"),
    ("POST", "/api/v1/awards", "awards.record: supervisor, manager"),
    ("POST", "/api/v1/awards/1/reverse", "awards.record: supervisor, manager"),
]


def test_the_command_closes_a_year_and_says_why_not_when_a_month_is_open(app, world):
    runner = app.test_cli_runner()
    hr = world["hr"].username
    refused = runner.invoke(args=["close-year", "2026", "--as", hr])
    assert refused.exit_code != 0 and "2026-01" in refused.output
    _close_2026(world["hr"])
    db.session.commit()
    done = runner.invoke(args=["close-year", "2026", "--as", hr])
    assert done.exit_code == 0 and "2026 closed: 3 people" in done.output
