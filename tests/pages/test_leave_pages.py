"""The leave pages (请假): the form with its hint, my leave, one leave with its chain and actions, balances, HR's
register, the team calendar, the printable form, and the form and the decision at 375 px in a real browser.

The clock is fixed (Thursday 2026-11-05 10:00 in Shanghai), as in tests/api/test_leave_api.py; team T1 works
the day shift D8 (08:00–18:00) every day of November 2026 except Sundays.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from attendance.domain.leave import days_text
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import AuditEvent, LeaveEntitlement, LeaveRequest, Request
from attendance.services import leave, requests
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.clocks import NOW, SHANGHAI, Clock  # noqa: F401  (other test modules import them from here)
from tests.conftest import LEADERS, login, make_person, make_team
from tests.leave_world import leave_team
from tests.queries import statements

EVERYONE = set(ROLES)
REGISTER = {"hr", "admin", "supervisor", "manager", "gm"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"






@pytest.fixture
def world(app, moving_clock):
    return leave_team()


@pytest.fixture
def as_(client, world):
    def sign_in_as(who):
        client.post("/logout")
        login(client, world[who] if isinstance(who, str) else who)
        return client
    return sign_in_as


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def ask(person, **fields) -> Request:
    body = {"type": "personal", "start": "2026-11-09", "reason": "家中有事", **fields}
    return leave.file_leave(person, body)


def approve_all(world, request: Request, lead: str = "lead") -> None:
    for role in request.chain:
        requests.decide(world[lead if role == "lead" else role], request.id, "approve", kind="leave")


def form(**fields) -> dict:
    return {"leave_type": "personal", "start": "2026-11-09", "end": "", "half_day": "", "reason": "家中有事",
            **fields}


PAGES = [
    ("GET", "/leave", EVERYONE),
    ("GET", "/leave/new", EVERYONE),
    ("POST", "/leave/new", EVERYONE),
    ("GET", "/leave/new/hint", EVERYONE),
    ("GET", "/leave/{leave}", EVERYONE),
    ("POST", "/leave/{leave}/approve", LEADERS),
    ("POST", "/leave/{leave}/reject", LEADERS),
    ("POST", "/leave/{leave}/cancel", EVERYONE),
    ("POST", "/leave/{leave}/extend", EVERYONE),
    ("POST", "/leave/{leave}/return", EVERYONE),
    ("POST", "/leave/{leave}/certificate", EVERYONE),
    ("GET", "/leave/{leave}/certificate", EVERYONE),
    ("GET", "/leave/{leave}/print", EVERYONE),
    ("GET", "/leave/balances", EVERYONE),
    ("POST", "/leave/balances", {"hr"}),
    ("GET", "/leave/register", REGISTER),
    ("GET", "/leave/calendar", LEADERS),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_leave_pages_it_should(as_, world, role):
    c = as_(role)
    for method, path, roles in PAGES:
        response = c.open(path.format(leave=999999), method=method, data={})
        status = response.status_code
        response.close()
        assert (status == 403) == (role not in roles), (role, method, path, status)
        assert status < 500, (role, method, path, status)


def test_the_navigation_offers_leave_by_role(as_, world):
    staff_nav = as_("staff").get("/leave").get_data(as_text=True)
    assert 'href="/leave"' in staff_nav and 'href="/leave/calendar"' not in staff_nav
    assert 'href="/leave/register"' not in staff_nav
    lead_nav = as_("lead").get("/leave").get_data(as_text=True)
    assert 'href="/leave/calendar"' in lead_nav and 'href="/leave/register"' not in lead_nav
    assert 'href="/leave/register"' in as_("hr").get("/leave").get_data(as_text=True)


# --- the form ------------------------------------------------------------------------------------


def test_a_bad_form_keeps_what_was_typed_and_shows_each_error_beside_its_field(as_, world):
    c = as_("staff")
    response = c.post("/leave/new", data=form(start="2026-11-10", end="2026-11-09", reason="家里装修，需要请假"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="2026-11-10"' in page and 'value="2026-11-09"' in page and "家里装修，需要请假" in page
    beside_end = (r'name="end"[^>]*>\s*(<small class="hint">[^<]*</small>\s*)?<small class="error">'
                  "请假结束日期早于开始日期")
    assert re.search(beside_end, page), page
    empty = c.post("/leave/new", data=form(start="", reason="")).get_data(as_text=True)
    assert re.search(r'name="start"[^>]*>\s*<small class="error">', empty)
    assert re.search(r'name="reason"[^>]*>[^<]*</textarea>\s*<small class="error">', empty)
    assert count(Request) == 0


def test_a_half_day_over_several_days_is_refused_beside_the_half_day(as_, world):
    page = as_("staff").post("/leave/new", data=form(end="2026-11-10", half_day="am")).get_data(as_text=True)
    beside = r'name="half_day"[^>]*>.*?</select>\s*(<small class="hint">[^<]*</small>\s*)?<small class="error">'
    assert re.search(beside, page, re.S)
    assert count(Request) == 0


def test_a_refusal_for_notice_shows_the_rule_in_chinese_and_stores_nothing(as_, world):
    before = (count(Request), count(LeaveRequest), count(AuditEvent))
    response = as_("staff").post("/leave/new", data=form(start="2026-11-06", reason="临时有事"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请假申请提交过晚" in page  # the refusal, in the reader's language
    # the rule with this leave's own numbers, beside the first day: 24 hours ahead of 08:00 on the 6th
    assert re.search(r'name="start"[^>]*>\s*<small class="error">[^<]*24 小时[^<]*2026-11-05 08:00', page), page
    assert 'value="2026-11-06"' in page and "临时有事" in page
    assert (count(Request), count(LeaveRequest), count(AuditEvent)) == before


def test_a_refusal_for_the_balance_names_what_is_left(as_, world):
    response = as_("staff").post("/leave/new", data=form(leave_type="annual"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "假期余额不足" in page
    assert re.search(r'name="leave_type"[^>]*>.*?</select>\s*<small class="error">年假剩余：0 天', page, re.S), page
    assert count(Request) == 0


def test_the_form_shows_the_balance_and_the_chain_before_sending(as_, world):
    staff = world["staff"]
    staff.hire_date = date(2015, 11, 1)  # 11 years: 10 days of annual leave
    db.session.commit()
    c = as_("staff")
    hint = c.get("/leave/new/hint?type=annual&start=2026-11-09&end=2026-11-10").get_data(as_text=True)
    assert "剩余 10 天" in hint and "2 个工作日" in hint
    assert [m for m in re.findall(r"<li>([^<]+?)\s*<small", hint)] == ["领班", "客服主管", "总经理"]
    assert world["lead"].name in hint and world["supervisor"].name in hint
    one_day = c.get("/leave/new/hint?type=personal&start=2026-11-09").get_data(as_text=True)
    assert [m for m in re.findall(r"<li>([^<]+?)\s*<small", one_day)] == ["领班", "客服主管"]
    assert "没有年度限额" in one_day
    page = c.get("/leave/new?type=annual&start=2026-11-09").get_data(as_text=True)
    assert 'data-leave-hint' in page and "剩余 10 天" in page


def test_staff_file_leave_through_the_form_and_land_on_its_page(as_, world):
    c = as_("staff")
    response = c.post("/leave/new", data=form(start="2026-11-10", reason="回老家办事"))
    assert response.status_code == 302, response.get_data(as_text=True)
    made = db.session.scalar(select(Request))
    assert response.headers["Location"].endswith(f"/leave/{made.id}")
    assert (made.leave.leave_type, made.leave.start_day, made.leave.end_day, made.chain) == (
        "personal", date(2026, 11, 10), date(2026, 11, 10), ("lead", "supervisor"))
    page = c.get(f"/leave/{made.id}").get_data(as_text=True)
    assert 'class="timeline"' in page and "回老家办事" in page and "待审批" in page


def test_a_lead_files_an_emergency_leave_for_a_person_of_the_team(as_, world, moving_clock):
    moving_clock.at = datetime(2026, 11, 6, 7, 30, tzinfo=SHANGHAI)
    c = as_("lead")
    page = c.get("/leave/new").get_data(as_text=True)
    assert f'value="{world["staff"].employee_no}"' in page and f'value="{world["other"].employee_no}"' not in page
    response = c.post("/leave/new", data=form(employee_no=world["staff"].employee_no, leave_type="sick",
                                              start="2026-11-05", emergency="y", reason="急病，电话告知"))
    assert response.status_code == 302, response.get_data(as_text=True)
    made = db.session.scalar(select(Request))
    assert (made.subject_id, made.requester_id, made.leave.emergency, made.chain) == (
        world["staff"].id, world["lead"].id, True, ("supervisor",))
    assert 'name="emergency"' not in as_("staff").get("/leave/new").get_data(as_text=True)


def test_the_inbox_and_my_requests_lead_to_the_leave_page(as_, world):
    made = ask(world["staff"])
    c = as_("lead")
    assert "家中有事" in c.get("/approvals").get_data(as_text=True)
    details = c.get(f"/requests/{made.id}")
    assert details.status_code == 302 and details.headers["Location"].endswith(f"/leave/{made.id}")


def test_the_leave_pages_read_in_english(as_, world):
    made = ask(world["staff"])
    c = as_("staff")
    c.post("/language/en")
    for path, text in (("/leave/new", "Ask for leave"), ("/leave", "My leave"), (f"/leave/{made.id}", "Personal leave"),
                       (f"/leave/{made.id}/print", "Leave application form"), ("/leave/balances", "Leave balances"),
                       ("/leave/new/hint?type=personal&start=2026-11-09", "Shift lead")):
        page = c.get(path).get_data(as_text=True)
        assert text in page, path
        chinese = set(re.findall(r"[\u4e00-\u9fff]+", page))
        assert not {"申请请假", "我的请假", "请假申请单", "假期余额", "领班"} & chinese, path


# --- who sees what -------------------------------------------------------------------------------


def test_staff_see_only_their_own_leave_and_a_lead_their_teams(as_, world):
    mine, mates, theirs = ask(world["staff"]), ask(world["mate"], reason="看病"), ask(world["other"], reason="搬家")
    c = as_("staff")
    listing = c.get("/leave").get_data(as_text=True)
    assert f'href="/leave/{mine.id}"' in listing and f'href="/leave/{mates.id}"' not in listing
    for path in (f"/leave/{mates.id}", f"/leave/{theirs.id}", f"/leave/{theirs.id}/print"):
        assert c.get(path).status_code == 404, path
    assert c.get(f"/leave/balances?employee_no={world['mate'].employee_no}").status_code == 404
    lead = as_("lead")
    assert lead.get(f"/leave/{mates.id}").status_code == 200
    assert lead.get(f"/leave/{theirs.id}").status_code == 404
    team = lead.get("/leave?scope=team").get_data(as_text=True)
    assert f'href="/leave/{mine.id}"' in team and f'href="/leave/{mates.id}"' in team
    assert f'href="/leave/{theirs.id}"' not in team
    assert lead.post(f"/leave/{theirs.id}/approve", data={}).status_code == 404


# --- deciding, cancelling, extending, returning, the certificate ---------------------------------


def test_the_lead_then_the_supervisor_approve_from_the_leave_page(as_, world):
    made = ask(world["staff"])
    c = as_("supervisor")
    assert 'formaction="/leave/' not in c.get(f"/leave/{made.id}").get_data(as_text=True)  # not their step yet
    refused = c.post(f"/leave/{made.id}/approve", data={"note": ""})
    assert refused.status_code == 403 and "其他审批人" in refused.get_data(as_text=True)
    c = as_("lead")
    assert f'formaction="/leave/{made.id}/approve"' in c.get(f"/leave/{made.id}").get_data(as_text=True)
    assert c.post(f"/leave/{made.id}/approve", data={"note": "同意"}).status_code == 302
    back = as_("supervisor").post(f"/leave/{made.id}/approve", data={"note": "", "back": "inbox"})
    assert back.status_code == 302 and back.headers["Location"].endswith("/approvals")
    db.session.expire_all()
    assert db.session.get(Request, made.id).status == "approved"
    page = as_("staff").get(f"/leave/{made.id}").get_data(as_text=True)
    assert page.count('class="approved"') == 2 and "同意" in page and world["lead"].name in page


def test_cancel_through_the_page_pending_by_the_person_approved_by_asking_then_the_lead(as_, world):
    pending = ask(world["staff"])
    c = as_("staff")
    assert c.post(f"/leave/{pending.id}/cancel", data={"reason": ""}).status_code == 302
    assert db.session.get(Request, pending.id).leave.status == "cancelled"

    approved = ask(world["staff"], start="2026-11-10")
    approve_all(world, approved)
    c = as_("staff")
    assert "请审批人撤销" in c.get(f"/leave/{approved.id}").get_data(as_text=True)
    asked = c.post(f"/leave/{approved.id}/cancel", data={"reason": "不用了"}, follow_redirects=True)
    assert "审批人撤销" in asked.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(Request, approved.id).leave
    assert row.status == "approved" and row.cancel_asked_at is not None
    assert as_("lead").post(f"/leave/{approved.id}/cancel", data={"reason": "同意撤销"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Request, approved.id).leave.status == "cancelled"


def test_an_extension_through_the_page_in_time_and_too_late(as_, world, moving_clock):
    sick = ask(world["staff"], type="sick", start="2026-11-09", end="2026-11-10", reason="发烧")
    approve_all(world, sick)
    moving_clock.at = datetime(2026, 11, 10, 6, 1, tzinfo=SHANGHAI)
    c = as_("staff")
    late = c.post(f"/leave/{sick.id}/extend", data={"end": "2026-11-11", "reason": "未愈"})
    page = late.get_data(as_text=True)
    assert late.status_code == 422 and "12 小时" in page
    assert re.search(r'<details class="card" open>\s*<summary>续假', page) and "未愈" in page
    moving_clock.at = datetime(2026, 11, 10, 5, 59, tzinfo=SHANGHAI)
    made = c.post(f"/leave/{sick.id}/extend", data={"end": "2026-11-11", "reason": "未愈"})
    assert made.status_code == 302
    extension = db.session.scalar(select(LeaveRequest).where(LeaveRequest.extends_id == sick.leave.id))
    assert made.headers["Location"].endswith(f"/leave/{extension.request_id}")
    assert extension.start_day == extension.end_day == date(2026, 11, 11)
    assert f'href="/leave/{extension.request_id}"' in c.get(f"/leave/{sick.id}").get_data(as_text=True)


def test_reporting_back_early_through_the_page(as_, world, moving_clock):
    world["staff"].hire_date = date(2015, 11, 1)
    db.session.commit()
    annual = ask(world["staff"], type="annual", start="2026-11-09", end="2026-11-11")
    approve_all(world, annual)
    moving_clock.at = datetime(2026, 11, 10, 7, 45, tzinfo=SHANGHAI)
    c = as_("staff")
    assert "销假" in c.get(f"/leave/{annual.id}").get_data(as_text=True)
    assert c.post(f"/leave/{annual.id}/return", data={"at": ""}).status_code == 302
    db.session.expire_all()
    row = db.session.get(Request, annual.id).leave
    assert row.returned_at is not None and days_text(row.days) == "1"
    again = c.post(f"/leave/{annual.id}/return", data={"at": ""})
    assert again.status_code == 409


def test_a_certificate_through_the_page_judged_by_content_and_seen_only_by_those_allowed(as_, world):
    sick = ask(world["staff"], type="sick", reason="发烧")
    c = as_("staff")
    fake = c.post(f"/leave/{sick.id}/certificate", data={"certificate": (io.BytesIO(b"hello"), "note.pdf")},
                  content_type="multipart/form-data")
    assert fake.status_code == 400
    assert re.search(r'name="certificate"[^>]*>\s*<small class="error">', fake.get_data(as_text=True))
    ok = c.post(f"/leave/{sick.id}/certificate", data={"certificate": (io.BytesIO(PDF), "note.pdf")},
                content_type="multipart/form-data")
    assert ok.status_code == 302
    assert f'href="/leave/{sick.id}/certificate"' in c.get(f"/leave/{sick.id}").get_data(as_text=True)
    for who, status in (("staff", 200), ("lead", 200), ("hr", 200), ("admin", 404), ("mate", 404)):
        got = as_(who).get(f"/leave/{sick.id}/certificate")
        assert got.status_code == status, who
        if status == 200:
            assert got.data == PDF and got.mimetype == "application/pdf"
        got.close()
    views = db.session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "leave.certificate.view")).all()
    assert sorted(views) == sorted(world[w].id for w in ("staff", "lead", "hr"))
    assert f'href="/leave/{sick.id}/certificate"' not in as_("admin").get(f"/leave/{sick.id}").get_data(as_text=True)


# --- balances ------------------------------------------------------------------------------------


def test_hr_sets_a_balance_on_the_page_and_the_history_says_who_when_and_why(as_, world):
    staff, hr = world["staff"], world["hr"]
    c = as_("hr")
    page = c.get(f"/leave/balances?employee_no={staff.employee_no}").get_data(as_text=True)
    assert staff.name in page and 'action="/leave/balances"' in page
    body = {"employee_no": staff.employee_no, "year": "2026", "leave_type": "marriage", "entitled": "3", "reason": ""}
    missing = c.post("/leave/balances", data=body)
    assert missing.status_code == 400 and re.search(r'name="reason"[^>]*>[^<]*</textarea>\s*<small class="error">',
                                                    missing.get_data(as_text=True))
    assert count(LeaveEntitlement) == 0
    assert c.post("/leave/balances", data={**body, "reason": "婚假 3 天"}).status_code == 302
    assert c.post("/leave/balances", data={**body, "entitled": "10", "reason": "晚婚"}).status_code == 302
    rows = db.session.scalars(select(LeaveEntitlement).order_by(LeaveEntitlement.id)).all()
    assert [(days_text(r.entitled), r.reason, r.set_by_id) for r in rows] == [("3", "婚假 3 天", hr.id),
                                                                                     ("10", "晚婚", hr.id)]
    page = as_("staff").get("/leave/balances").get_data(as_text=True)
    marriage = re.search(r'<tr data-type="marriage">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(?:<strong>)?([^<]*)", marriage) == ["10", "0", "0", "10"]
    history = re.search(r'<ul class="history">(.*?)</ul>', page, re.S).group(1)
    assert "3 → 10" in history and "晚婚" in history and hr.name in history and "0 → 3" in history
    assert 'action="/leave/balances"' not in page  # the person sees, only HR sets
    assert as_("staff").post("/leave/balances", data={**body, "reason": "x"}).status_code == 403


# --- HR's register, the team calendar ------------------------------------------------------------


def test_the_register_lists_approved_leave_by_month_team_and_type(as_, world):
    staff_leave = ask(world["staff"])
    approve_all(world, staff_leave)
    other_leave = ask(world["other"], type="sick", start="2026-11-10", reason="感冒")
    approve_all(world, other_leave, lead="other_lead")
    pending = ask(world["mate"], start="2026-11-11")
    december = ask(world["mate"], start="2026-12-01")
    approve_all(world, december)
    c = as_("hr")

    def listed(query):
        page = c.get("/leave/register" + query).get_data(as_text=True)
        return {int(i) for i in re.findall(r'href="/leave/(\d+)"', page)}

    assert listed("") == listed("?month=2026-11") == {staff_leave.id, other_leave.id}
    assert pending.id not in listed("?month=2026-11")
    assert listed("?month=2026-11&team=T2") == {other_leave.id}
    assert listed("?month=2026-11&type=personal") == {staff_leave.id}
    assert listed("?from=2026-11-10&to=2026-12-31") == {other_leave.id, december.id}
    assert c.get("/leave/register?month=13-2026").status_code == 400
    page = c.get("/leave/register?month=2026-11&team=T2").get_data(as_text=True)
    assert "投诉组" in page and world["other"].name in page and "病假" in page


def test_the_register_pages_with_the_cursor(as_, world, monkeypatch):
    made = [ask(world["staff"], start=f"2026-11-{d:02d}") for d in (9, 10, 11)]
    for r in made:
        approve_all(world, r)
    monkeypatch.setattr(leave.pages, "list_leave", _limited(leave.list_leave, 2))  # where leave_register finds it
    c = as_("hr")
    first = c.get("/leave/register").get_data(as_text=True)
    cursor = re.search(r'cursor=([\w-]+)', first).group(1)
    second = c.get(f"/leave/register?month=2026-11&cursor={cursor}").get_data(as_text=True)
    seen = re.findall(r'href="/leave/(\d+)"', first) + re.findall(r'href="/leave/(\d+)"', second)
    assert sorted(map(int, seen)) == sorted(r.id for r in made)


def _limited(list_leave, limit):
    def wrapper(*args, **kwargs):
        kwargs["limit"] = limit
        return list_leave(*args, **kwargs)
    return wrapper


def test_the_team_calendar_shows_who_is_off_approved_and_pending_apart(as_, world):
    approved = ask(world["staff"], start="2026-11-10", end="2026-11-10")
    approve_all(world, approved)
    ask(world["mate"], start="2026-11-12", half_day="am")
    ask(world["other"], start="2026-11-10")
    page = as_("lead").get("/leave/calendar?week=2026-11-11").get_data(as_text=True)
    assert "2026-11-09 – 2026-12-06" in page  # four weeks from the Monday
    rows = dict(re.findall(r'<tr><th class="person" scope="row">([^<]+)</th>(.*?)</tr>', page, re.S))
    assert set(rows) >= {world["staff"].name, world["mate"].name} and world["other"].name not in rows
    cells = re.findall(r"<td[^>]*>", rows[world["staff"].name])
    assert 'lv-approved' in cells[1] and f'/leave/{approved.id}"' in rows[world["staff"].name]
    mate_cells = re.findall(r"<td[^>]*>", rows[world["mate"].name])
    assert 'lv-pending' in mate_cells[3] and "½" in rows[world["mate"].name]
    assert 'lv-rest' in cells[6]  # Sunday the 15th: rest on the roster
    assert as_("lead").get("/leave/calendar?team=T2").status_code == 404
    assert world["other"].name in as_("supervisor").get("/leave/calendar?team=T2&week=2026-11-09").get_data(
        as_text=True)


def test_the_calendar_reads_a_fixed_number_of_queries_whatever_the_team_size(app, world):
    team = make_team("T9", "大组")
    lead = make_person(["lead", "staff"], team)
    few = [make_person(["staff"], team) for _ in range(2)]
    for person in few:
        leave.file_leave(person, {"type": "personal", "start": "2026-11-16", "reason": "事"})
    with statements() as small:
        leave.team_calendar(lead, "T9", date(2026, 11, 9))
    many = [make_person(["staff"], team) for _ in range(8)]
    for person in many:
        leave.file_leave(person, {"type": "personal", "start": "2026-11-17", "reason": "事"})
    with statements() as large:
        grid = leave.team_calendar(lead, "T9", date(2026, 11, 9))
    assert len(large) == len(small) <= 10  # the team, its people (and their roles), their leave, their roster
    assert sum(1 for key in grid.cells) == 10 and len(grid.people) == 11


# --- the printable form --------------------------------------------------------------------------


def test_the_print_page_shows_the_leave_and_the_signatures_of_the_chain(as_, world):
    made = ask(world["staff"], reason="孩子生病")
    requests.decide(world["lead"], made.id, "approve", "情况属实", kind="leave")
    requests.decide(world["supervisor"], made.id, "approve", kind="leave")
    page = as_("staff").get(f"/leave/{made.id}/print").get_data(as_text=True)
    assert "请假申请单" in page and "@media print" not in page and "leave.css" in page
    for text in (world["staff"].name, world["staff"].employee_no, "热线一组", "事假", "2026-11-09", "孩子生病"):
        assert text in page, text
    signatures = re.search(r'<table class="print-table signatures">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr class=\"sig-approved\">(.*?)</tr>", signatures, re.S)
    assert len(rows) == 2
    assert "领班" in rows[0] and world["lead"].name in rows[0] and "已批准" in rows[0]
    assert re.search(r'<tr class="sig-approved">.*?</tr>\s*<tr class="sig-note"><td colspan="4">[^<]*情况属实',
                     signatures, re.S)
    assert "主管" in rows[1] and world["supervisor"].name in rows[1]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[1])
    assert re.search(r"紧急请假[^<]*</th><td>否", page)


# --- a real phone ---------------------------------------------------------------------------------


def test_the_form_and_the_decision_page_fit_a_375_px_phone(app, world, moving_clock, tmp_path):
    staff, lead, supervisor, hr = world["staff"], world["lead"], world["supervisor"], world["hr"]
    staff_no = staff.employee_no
    for person in (staff, lead, supervisor, hr):
        assert person.username  # loaded now: the session closes before the server's requests write
    db.session.close()  # an open read transaction here would hold SQLite's shared lock against the server
    shots = {}
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, staff)
        page.goto(base + "/leave/new")
        page.select_option("select[name=leave_type]", "personal")
        page.fill("input[name=start]", "2026-11-09")
        page.dispatch_event("input[name=start]", "change")
        page.wait_for_selector("[data-hint=chain] ol", state="attached")
        assert page.input_value("input[name=end]") == "2026-11-09"  # the end follows the start
        page.fill("textarea[name=reason]", "家中老人住院，需要陪护一天")
        form_width = measure_width(page)
        shots["form"] = "/tmp/leave-form-375.png"
        page.screenshot(path=shots["form"], full_page=True)
        with page.expect_navigation():
            page.click("form[data-leave-form] button[type=submit]")
        leave_url = page.url
        assert re.search(r"/leave/\d+$", leave_url), leave_url

        for approver, name in ((lead, "lead"), (supervisor, "supervisor")):
            sign_in(page, base, approver)
            page.goto(leave_url)
            width = measure_width(page)
            shots[name] = f"/tmp/leave-decide-{name}-375.png"
            page.screenshot(path=shots[name], full_page=True)
            buttons = page.eval_on_selector_all(".decide button",
                                                "els => els.map(e => e.getBoundingClientRect().height)")
            assert buttons and min(buttons) >= 44
            page.fill(".decide input[name=note]", "同意")
            with page.expect_navigation():
                page.click(".decide button.primary")
            assert page.url == leave_url
            assert width["inner"] == 375 and width["scroll"] <= 375 and width["right"] <= 376, width["widest"]

        sign_in(page, base, staff)
        page.goto(leave_url)
        page.click("details:has(form[action$='/extend']) summary")
        page.fill("form[action$='/extend'] input[name=end]", "2026-11-10")
        approved_view = measure_width(page)
        shots["approved"] = "/tmp/leave-approved-staff-375.png"
        page.screenshot(path=shots["approved"], full_page=True)

        sign_in(page, base, hr)
        page.goto(base + f"/leave/balances?employee_no={staff_no}")
        balances = measure_width(page)
        shots["balances"] = "/tmp/leave-balances-375.png"
        page.screenshot(path=shots["balances"], full_page=True)
        page.goto(base + "/leave/register?month=2026-11")
        register = measure_width(page)
        shots["register"] = "/tmp/leave-register-375.png"
        page.screenshot(path=shots["register"], full_page=True)

        sign_in(page, base, lead)
        page.goto(base + "/leave/calendar?week=2026-11-09")
        calendar = measure_width(page)
        shots["calendar"] = "/tmp/leave-calendar-375.png"
        page.screenshot(path=shots["calendar"], full_page=True)
        page.goto(leave_url + "/print")
        printed = measure_width(page)
        shots["print"] = "/tmp/leave-print-375.png"
        page.screenshot(path=shots["print"], full_page=True)
    for seen in (form_width, approved_view, balances):
        assert seen["inner"] == 375 and seen["scroll"] <= 375 and seen["right"] <= 376, seen["widest"]
    for seen in (calendar, printed, register):  # their wide tables scroll inside their own box
        assert seen["inner"] == 375 and seen["scroll"] <= 375, seen["widest"]
    made = db.session.scalar(select(Request).where(Request.kind == "leave"))
    assert (made.status, made.leave.reason) == ("approved", "家中老人住院，需要陪护一天")
    assert [s.status for s in made.steps] == ["approved", "approved"]
