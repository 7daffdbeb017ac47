"""The year-end review (年终考核): a full year without violations adds 10 points (full_attendance_year)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from attendance import clock
from attendance.extensions import db
from attendance.models import AttendanceDay
from attendance.services import discipline, year_review
from tests.conftest import make_person, make_team, token_for


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
    db.session.commit()
    return {"lead": lead, "good": good, "other": other}


def test_a_full_year_without_violations_adds_ten_points_and_one_violation_takes_it_away(world):
    discipline.record_violation(world["lead"], employee=world["other"], rule_code="HANDBOOK",
                                occurred_at=datetime(2026, 5, 10, 9, tzinfo=clock.site_zone()))
    good = year_review.review(world["lead"], 2026, world["good"].employee_no)
    assert len(good.months) == 12 and all(m.full_attendance for m in good.months)
    assert (good.bonus, good.score) == (10, 110)
    other = year_review.review(world["lead"], 2026, world["other"].employee_no)
    assert other.bonus == 0 and other.score < 100
    assert sum(other.violations_by_category.values()) == 1
    assert good.half_year_leave == (0, 0)


def test_the_api_gives_the_year_to_whoever_may_see_the_person(client, world):
    got = client.get(f"/api/v1/year-reviews/2026/{world['good'].employee_no}", headers=token_for(client, world["good"]))
    assert got.status_code == 200 and (got.get_json()["bonus"], got.get_json()["score"]) == (10, 110)
    other = client.get(f"/api/v1/year-reviews/2026/{world['other'].employee_no}",
                       headers=token_for(client, world["good"]))
    assert other.status_code == 404  # staff see only their own year
    bad = client.get(f"/api/v1/year-reviews/1800/{world['good'].employee_no}", headers=token_for(client, world["lead"]))
    assert bad.status_code == 400


# Who reaches which route (the coverage test in tests/test_permissions_matrix.py reads this list).
API = [("GET", "/api/v1/year-reviews/2026/{employee_no}", "scores.view: everyone, for the people they may see")]
