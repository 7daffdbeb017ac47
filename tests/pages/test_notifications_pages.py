"""The bell on every signed-in page, the notifications page (open one, mark all read), a team's robot (admin);
at 375 px in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from attendance import clock, create_app
from attendance.domain.policy import ROLES
from attendance.extensions import db
from attendance.models import Notification, TeamRobot
from attendance.services import discipline, notifications
from tests.browser import browser_page, live_server, measure_width, sign_in
from tests.conftest import PASSWORD, login, make_person, make_team
from tests.queries import statements

ROBOT = {"flavour": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "kinds": ["violation"],
         "active": "y"}
# (method, path, roles allowed); {own} one of the caller's notifications, {other} someone else's
PAGES = [
    ("GET", "/notifications", set(ROLES)),
    ("GET", "/notifications?unread=1", set(ROLES)),
    ("POST", "/notifications/{own}/open", set(ROLES)),
    ("POST", "/notifications/{other}/open", set()),  # nobody opens someone else's: 404
    ("POST", "/notifications/read-all", set(ROLES)),
    ("GET", "/notifications/robots", {"admin"}),
    ("GET", "/teams/T1/robot", {"admin"}),
    ("POST", "/teams/T1/robot", {"admin"}),
]


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "staff": make_person(["staff"], team, name="张丽"),
            "lead": make_person(["lead", "staff"], team), "admin": make_person(["admin"]),
            "other": make_person(["staff"], team)}


def _violation(person, rule="COMPLAINT", hours=1):
    return discipline.record_violation(None, employee=person, rule_code=rule,
                                       occurred_at=clock.now() - timedelta(hours=hours))


def _bell(html: str) -> str:
    return re.search(r'<a class="bell"[^>]*data-unread="(\d+)"', html).group(1)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_notification_pages_it_should(client, world, role):
    caller = make_person([role], world["team"] if role in ("staff", "lead") else None)
    own = notifications.notify([caller.id], "violation", "x", link="/me")[0].id
    other = notifications.notify([world["other"].id], "violation", "y")[0].id
    login(client, caller)
    for method, path, roles in PAGES:
        url = path.format(own=own, other=other)
        response = client.open(url, method=method, data=ROBOT if "robot" in url else None)
        if role in roles:
            assert response.status_code < 400, (role, method, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)


def test_without_a_session_the_notification_pages_send_you_to_login(client, world):
    for method, path, _roles in PAGES:
        response = client.open(path.format(own=1, other=2), method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_bell_shows_the_unread_count_on_every_page_with_one_count_query(client, world):
    staff = world["staff"]
    login(client, staff)
    assert _bell(client.get("/me").get_data(as_text=True)) == "0"
    assert 'class="bell-count"' not in client.get("/me").get_data(as_text=True)
    for hours in (1, 2, 3):
        _violation(staff, "GENERAL", hours)
    _violation(world["other"])
    with statements() as seen:
        html = client.get("/policy").get_data(as_text=True)
    assert _bell(html) == "3" and '<span class="bell-count">3</span>' in html
    assert 'href="/notifications"' in html and "通知：3 条未读" in html
    assert len([s for s in seen if "notifications" in s]) == 1


def test_the_list_shows_newest_first_marks_unread_and_opening_one_follows_its_link(client, world):
    staff = world["staff"]
    first = _violation(staff, "GENERAL", 3)
    second = _violation(staff, "COMPLAINT", 1)
    login(client, staff)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("因服务原因被客户投诉") < html.index("其他违反规章制度的行为")  # newest first
    assert html.count('class="note unread"') == 2 and "全部标为已读" in html
    link = f"/violations/{second.id}/explanation"
    newest = db.session.scalar(select(Notification).where(Notification.link == link))
    opened = client.post(f"/notifications/{newest.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"] == link
    assert client.get(opened.headers["Location"]).status_code == 200  # the person may see it
    db.session.refresh(newest)
    assert newest.read_at is not None
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count('class="note unread"') == 1 and _bell(html) == "1"
    assert "其他违反规章制度的行为" in client.get("/notifications?unread=1").get_data(as_text=True)
    assert "因服务原因被客户投诉" not in client.get("/notifications?unread=1").get_data(as_text=True)
    assert first.id


def test_a_link_off_the_site_is_not_followed(client, world):
    staff = world["staff"]
    n = notifications.notify([staff.id], "violation", "x", link="//evil.example/")[0]
    login(client, staff)
    response = client.post(f"/notifications/{n.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"


def test_mark_all_read_empties_the_bell(client, world):
    staff = world["staff"]
    for hours in (1, 2):
        _violation(staff, "GENERAL", hours)
    login(client, staff)
    response = client.post("/notifications/read-all", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已将 2 条标为已读" in html and _bell(html) == "0" and 'class="note unread"' not in html


def test_the_list_pages_with_a_cursor(client, world):
    staff = world["staff"]
    for i in range(35):
        notifications.notify([staff.id], "violation", f"note-{i:02d}")
    login(client, staff)
    html = client.get("/notifications").get_data(as_text=True)
    assert "note-34" in html and "note-05" in html and "note-04" not in html
    cursor = re.search(r'href="/notifications\?cursor=([A-Za-z0-9_-]+)"', html).group(1)
    rest = client.get(f"/notifications?cursor={cursor}").get_data(as_text=True)
    assert "note-04" in rest and "note-00" in rest and "note-05" not in rest
    assert client.get("/notifications?cursor=nope").status_code == 400


def test_an_admin_sets_a_teams_robot_with_errors_beside_the_fields(client, world):
    login(client, world["admin"])
    page = client.get("/teams/T1/robot").get_data(as_text=True)
    assert "企业微信群机器人" in page and "钉钉群机器人" in page and "Webhook 地址" in page and "违纪被记录" in page
    bad = client.post("/teams/T1/robot", data={"flavour": "wecom", "url": "ftp://x", "kinds": ["violation"]})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    url_field = html.split('for="url"', 1)[0].rsplit('<div class="field', 1)[1]
    assert "has-error" in url_field and "以 https:// 开头的网址" in html.split('for="url"', 1)[1].split("</div>", 1)[0]
    assert db.session.scalar(select(TeamRobot)) is None
    saved = client.post("/teams/T1/robot", data=ROBOT | {"kinds": ["violation", "month_closed"]})
    assert saved.status_code == 303 and saved.headers["Location"] == "/notifications/robots"
    robot = db.session.scalar(select(TeamRobot))
    assert (robot.flavour, robot.kinds, robot.active) == ("wecom", ["violation", "month_closed"], True)
    listing = client.get("/notifications/robots").get_data(as_text=True)
    assert "热线一组" in listing and "企业微信群机器人" in listing and "月度结算：我的得分" in listing
    nav = listing.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/notifications/robots"' in nav
    assert client.get("/teams/NOPE/robot").status_code == 404


def test_the_robot_form_without_a_csrf_token_is_refused(app, world):
    username = world["admin"].username
    csrf_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with csrf_app.app_context():
        client = csrf_app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert client.post("/teams/T1/robot", data=ROBOT).status_code == 400
        assert client.post("/notifications/read-all").status_code == 400
        assert db.session.scalar(select(TeamRobot)) is None
        db.session.remove()
        db.engine.dispose()


def test_the_notifications_page_fits_a_phone_and_shows_the_bell(app, world, tmp_path):
    staff = world["staff"]
    for hours in (1, 2, 3):
        _violation(staff, "GENERAL", hours)
    notifications.notify([staff.id], "appeal_decided", "Your appeal was decided: %(outcome)s",
                         "%(rule)s on %(date)s. Reason: %(reason)s",
                         params={"outcome_id": "the penalty stands", "rule_zh": "其他违反规章制度的行为",
                                 "date": "2026-11-03", "reason": "录音" * 60})  # a long unbroken reason
    person = SimpleNamespace(username=staff.username)
    db.session.commit()  # end the test's read: SQLite's shared lock would hold up the server's writes
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, person)
        page.goto(base + "/notifications")
        bell = page.locator("a.bell")
        assert bell.is_visible() and page.locator(".bell-count").inner_text() == "4"
        box = bell.bounding_box()
        layout = measure_width(page)
        page.screenshot(path=tmp_path / "notifications-375.png", full_page=True)
        page.locator(".note-open").nth(1).tap()  # the newest, the appeal, has no link
        page.wait_for_url(re.compile(r"/violations/\d+/explanation$"))
        after = page.locator(".bell-count").inner_text()
    assert layout["inner"] == 375 and layout["scroll"] <= 375 and layout["right"] <= 375 + 1, layout
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["height"] >= 24
    assert after == "3"
