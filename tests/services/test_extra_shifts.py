"""Extra shifts (加班) through the approval chain, into the 考勤表, the roster and the month's figures."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.extensions import db
from attendance.models import ExtraShift, Notification, Request
from attendance.services import attendance, extra_shifts, requests, roster, scores, shift_types
from tests.clocks import NOW
from tests.conftest import make_person, make_team

DAY = date(2026, 11, 4)  # a Wednesday, rostered D8 for the staff member


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    t1, t2 = make_team("T1", "热线一组"), make_team("T2", "投诉组")
    lead = make_person(["lead", "staff"], t1)
    other_lead = make_person(["lead", "staff"], t2)
    staff = make_person(["staff"], t1, name="王芳")
    shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    roster.set_roster_day(lead, staff.employee_no, DAY, "D8")
    roster.set_roster_day(lead, staff.employee_no, date(2026, 11, 3), "REST")
    return {"lead": lead, "other_lead": other_lead, "staff": staff}


def ask(person, day=DAY, start="18:30", end="21:00", reason="双十一促销加班", **more):
    return extra_shifts.file(person, {"date": day.isoformat(), "start": start, "end": end, "reason": reason, **more})


def test_an_approved_extra_shift_shows_in_the_attendance_sheet_hours_by_day_type(world):
    staff, lead = world["staff"], world["lead"]
    working = ask(staff)
    rest = ask(staff, date(2026, 11, 3), "09:00", "13:00")
    assert (working.status, working.chain, working.extra_shift.minutes) == ("pending", ("lead",), 150)
    assert count(Notification, Notification.employee_id == lead.id, Notification.kind == "approval_waiting") == 2

    sheet = attendance.month_sheet(lead, "2026-11", "T1")
    row = next(r for r in sheet.rows if r.person.id == staff.id)
    assert row.totals.extra_hours == {}  # asked is not approved: nothing counts yet

    requests.decide(lead, working.id, "approve", "同意")
    requests.decide(lead, rest.id, "approve")
    db.session.expire_all()
    sheet = attendance.month_sheet(lead, "2026-11", "T1")
    row = next(r for r in sheet.rows if r.person.id == staff.id)
    assert row.totals.extra_hours == {"working": 2.5, "rest": 4}

    figures = scores.scores_for(lead, "2026-11")
    person = figures.people.loc[staff.id]
    assert (person["extra_working_hours"], person["extra_rest_hours"], person["extra_holiday_hours"]) == (2.5, 4, 0)
    assert scores.score_rows(figures)[0]["extra_hours"]["working"] in (2.5, 0)

    grid = roster.roster_grid(lead, "T1", date(2026, 11, 2), date(2026, 11, 8))
    assert [x.hours_text for x in grid.extra[(staff.id, DAY)]] == ["18:30–21:00"]


def test_a_rejected_or_withdrawn_extra_shift_counts_nowhere(world):
    staff, lead = world["staff"], world["lead"]
    rejected, withdrawn = ask(staff), ask(staff, start="22:00", end="23:00")
    requests.decide(lead, rejected.id, "reject", "不需要")
    requests.withdraw(staff, withdrawn.id)
    row = next(r for r in attendance.month_sheet(lead, "2026-11", "T1").rows if r.person.id == staff.id)
    assert row.totals.extra_hours == {}
    grid = roster.roster_grid(lead, "T1", date(2026, 11, 2), date(2026, 11, 8))
    assert (staff.id, DAY) not in grid.extra


def test_a_public_holiday_counts_as_holiday_hours(world, monkeypatch):
    staff, lead = world["staff"], world["lead"]
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 10, 2, 9, tzinfo=clock.site_zone()))
    made = ask(staff, date(2026, 10, 1), "08:00", "16:00")  # 国庆节, rostered or not
    requests.decide(lead, made.id, "approve")
    assert made.extra_shift.day_type == "holiday"
    row = next(r for r in attendance.month_sheet(lead, "2026-10", "T1").rows if r.person.id == staff.id)
    assert row.totals.extra_hours == {"holiday": 8}


def test_the_kind_of_day_is_set_again_on_approval_from_the_roster_then(world):
    staff, lead = world["staff"], world["lead"]
    made = ask(staff, date(2026, 11, 6), "09:00", "12:00")  # not rostered yet: a rest day
    assert made.extra_shift.day_type == "rest"
    roster.set_roster_day(lead, staff.employee_no, date(2026, 11, 6), "D8")
    requests.decide(lead, made.id, "approve")
    assert made.extra_shift.day_type == "working"


def test_refusals_store_nothing(world):
    staff = world["staff"]
    ask(staff)
    before = (count(Request), count(ExtraShift))
    for data, code in ((dict(start="06:00", end="19:00"), "extra_shift_too_long"),
                       (dict(day=date(2026, 10, 30)), "extra_shift_window"),
                       (dict(start="20:00", end="22:00"), "extra_shift_overlap")):
        with pytest.raises(RuleRefused) as refused:
            ask(staff, **data)
        assert refused.value.code == code
    with pytest.raises(InvalidInput) as bad:
        extra_shifts.file(staff, {"date": "2026-13-01", "start": "x", "end": "18:00", "reason": ""})
    assert set(bad.value.fields) == {"date", "start", "reason"}
    assert (count(Request), count(ExtraShift)) == before


def test_a_lead_files_for_the_team_staff_only_for_themselves(world):
    staff, lead, other_lead = world["staff"], world["lead"], world["other_lead"]
    made = ask(lead, employee_no=staff.employee_no)
    assert made.subject_id == staff.id and made.chain == ("supervisor",)  # the lead who asked does not decide
    with pytest.raises(NotFound):  # staff reach only themselves: someone else is nobody they can see
        ask(staff, employee_no=lead.employee_no)
    with pytest.raises(NotFound):
        ask(other_lead, employee_no=staff.employee_no)
    with pytest.raises(Forbidden):
        requests.decide(staff, made.id, "approve")


def test_an_approved_extra_shift_shows_in_the_monthly_reports_workbook_and_pdf(world):
    """Issue 18: the month's report files carry each person's extra-shift hours by kind of day, as the 考勤表
    page does: the workbook's 考勤表 sheet in its totals, the PDF in its extra-shift table."""
    import io

    from openpyxl import load_workbook

    from attendance.reporting import attendance_sheet
    from attendance.services import reports
    from tests.pages.test_pay_treatment import pdf_mentions

    staff, lead = world["staff"], world["lead"]
    requests.decide(lead, ask(staff).id, "approve")
    requests.decide(lead, ask(staff, date(2026, 11, 3), "09:00", "13:00").id, "approve")
    asked = ask(staff, date(2026, 11, 5), "19:00", "22:00")  # never approved: counts nowhere
    assert asked.status == "pending"
    paths = {p.suffix: p for p in reports.generate(None, "2026-11")}

    book = load_workbook(io.BytesIO(paths[".xlsx"].read_bytes()))
    sheet = book[attendance_sheet.TITLE]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    headers = next(r for r in rows if attendance_sheet.total_headers()[-1] in r)
    mine = next(r for r in rows if staff.employee_no in r)
    extra = {h: mine[headers.index(h)] for h in attendance_sheet.total_headers()[-3:]}
    assert list(extra.values()) == [2.5, 4, 0], extra

    pdf = paths[".pdf"].read_bytes()
    assert pdf_mentions(pdf, "加班") and pdf_mentions(pdf, staff.employee_no)
    assert pdf_mentions(pdf, "2.5") and pdf_mentions(pdf, "6.5")  # working day, and the month's total
