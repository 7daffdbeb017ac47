"""Notifications: written in the event's transaction, read and marked by their person only, rendered in the
reader's language; the events that notify; team robots set by admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from attendance import clock
from attendance.domain.errors import Forbidden, InvalidInput, NotFound
from attendance.domain.scoring import month_label
from attendance.extensions import db
from attendance.labels import NOTIFICATION_KIND_LABELS, message
from attendance.models import AuditEvent, Notification, OutboundMessage, Violation
from attendance.services import discipline, notifications, scores
from attendance.services.transaction import transaction
from tests.conftest import make_person, make_team
from tests.queries import statements
from tests.services.test_scores import attend, last_month, violation


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    return {"team": team, "staff": make_person(["staff"], team, name="张丽"),
            "other": make_person(["staff"], team, name="王芳"), "admin": make_person(["admin"]),
            "supervisor": make_person(["supervisor"]), "lead": make_person(["lead", "staff"], team)}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _record(person, rule="COMPLAINT", actor=None, hours=1):
    return discipline.record_violation(actor, employee=person, rule_code=rule,
                                       occurred_at=clock.now() - timedelta(hours=hours))


def _robot(world, kinds=("violation",), url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET"):
    return notifications.save_robot(world["admin"], "T1", {"flavour": "wecom", "url": url, "kinds": list(kinds),
                                                           "active": True})


# --- the unit of work --------------------------------------------------------------------------


def test_a_notification_is_written_with_the_event_and_rolled_back_with_it(world):
    staff = world["staff"]
    with pytest.raises(RuntimeError), transaction():
        _record(staff)
        assert _count(Notification) == 1  # written inside the use case...
        raise RuntimeError("the use case fails after notifying")
    assert _count(Notification) == 0 and _count(Violation) == 0  # ...and gone with it
    _record(staff)
    assert _count(Notification, Notification.employee_id == staff.id) == 1


def test_a_failing_use_case_also_takes_back_the_robot_message(world):
    _robot(world)
    with pytest.raises(RuntimeError), transaction():
        _record(world["staff"])
        assert _count(OutboundMessage) == 1
        raise RuntimeError
    assert _count(OutboundMessage) == 0


def test_notify_tells_each_recipient_once_and_refuses_unknown_kinds(world):
    staff = world["staff"]
    made = notifications.notify([staff.id, staff.id, None], "violation", "A violation was recorded: %(rule)s")
    assert len(made) == 1
    with pytest.raises(ValueError):
        notifications.notify([staff.id], "gossip", "x")
    assert notifications.notify([], "violation", "x") == []


# --- reading and marking -----------------------------------------------------------------------


def test_the_list_is_newest_first_a_page_at_a_time_and_unread_filters(world):
    staff = world["staff"]
    ids = [notifications.notify([staff.id], "violation", f"n{i}")[0].id for i in range(5)]
    notifications.notify([world["other"].id], "violation", "not mine")
    first = notifications.notifications_for(staff, limit=2)
    assert [n.id for n in first.items] == ids[::-1][:2] and first.next
    second = notifications.notifications_for(staff, limit=2, cursor=first.next)
    third = notifications.notifications_for(staff, limit=2, cursor=second.next)
    assert [n.id for n in second.items + third.items] == ids[::-1][2:] and third.next is None
    notifications.mark_read(staff, ids[4])
    assert [n.id for n in notifications.notifications_for(staff, unread=True).items] == ids[::-1][1:]
    assert notifications.unread_count(staff) == 4
    for bad in ("abc", "-1", "99999999999"):
        with pytest.raises(InvalidInput):
            notifications.notifications_for(staff, cursor=bad)


def test_mark_read_is_idempotent_and_someone_elses_is_not_found(world):
    staff, other = world["staff"], world["other"]
    mine = notifications.notify([staff.id], "violation", "x")[0]
    theirs = notifications.notify([other.id], "violation", "y")[0]
    first = notifications.mark_read(staff, mine.id).read_at
    assert first is not None
    assert notifications.mark_read(staff, mine.id).read_at == first  # again: nothing changes
    for wrong in (theirs.id, 10**6, 0, -3, 2**40):
        with pytest.raises(NotFound):
            notifications.mark_read(staff, wrong)
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_marks_only_the_persons_own(world):
    staff, other = world["staff"], world["other"]
    notifications.notify([staff.id, other.id], "violation", "x")
    notifications.notify([staff.id], "violation", "y")
    assert notifications.mark_all_read(staff) == 2
    assert notifications.unread_count(staff) == 0 and notifications.unread_count(other) == 1
    assert notifications.mark_all_read(staff) == 0


# --- rendering ---------------------------------------------------------------------------------


def test_message_renders_in_the_readers_language_with_its_conventions(app, world):
    _record(world["staff"])
    n = db.session.scalar(select(Notification))
    with app.test_request_context():
        with force_locale("zh"):
            assert message(n.title, n.params) == "记录了一次违纪：因服务原因被客户投诉"
        with force_locale("en"):
            assert message(n.title, n.params) == "A violation was recorded: Customer complaint about service"
            # a value that is a message id (``what_id``) is translated and filled with the same values
            assert message("Your appeal was decided: %(outcome)s", {"outcome_id": "the penalty stands"}) == \
                "Your appeal was decided: the penalty stands"
        with force_locale("zh"):
            assert message("Your appeal was decided: %(outcome)s", {"outcome_id": "the penalty stands"}) == \
                "您的申诉已处理：维持原处罚"
            assert message("Your score for %(month)s: %(score)s", {"month": "2026-10"}) == \
                "您 2026-10 的得分：…"  # a value missing: shown as "…", never an error
            assert message("%(x)d points", {"x": "many"}) == "%(x)d points"  # not formattable: as it is
            assert message("", {}) == ""
        with force_locale("en"):  # a name kept in Chinese only is shown in Chinese rather than not at all
            assert message("A violation was recorded: %(rule)s", {"rule_zh": "迟到"}) == \
                "A violation was recorded: 迟到"


def test_every_kind_has_a_label():
    assert set(NOTIFICATION_KIND_LABELS) == set(notifications.KINDS)


# --- the events that notify --------------------------------------------------------------------


def test_a_recorded_violation_tells_its_person_with_a_link(world):
    staff = world["staff"]
    v = _record(staff, actor=world["lead"])
    n = db.session.scalar(select(Notification))
    assert (n.employee_id, n.kind, n.link) == (staff.id, "violation", f"/violations/{v.id}/explanation")
    assert n.params["rule_code"] == "COMPLAINT" and n.params["fine"] == "30.00" and n.params["points"] == 6


def test_notifying_a_violation_costs_the_same_few_statements_however_many_are_recorded(world):
    _robot(world)
    staff = world["staff"]
    _record(staff, rule="GENERAL", hours=30)  # warm up: policy and first-time reads

    def cost(rule, hours):
        with statements() as seen:
            _record(staff, rule=rule, hours=hours)
        return len([s for s in seen if "notifications" in s or "team_robots" in s or "outbound" in s])

    assert cost("GENERAL", 20) == cost("COMPLAINT", 10) == 3  # the notification, its robot, the robot message


def test_a_decided_appeal_tells_the_appellant(world):
    staff = world["staff"]
    v = _record(staff)
    appeal = discipline.file_appeal(staff, v.id, "客户投诉不实")
    discipline.decide_appeal(world["supervisor"], appeal.id, "overturned", "录音核实无误")
    n = db.session.scalar(select(Notification).where(Notification.kind == "appeal_decided"))
    assert n.employee_id == staff.id and n.link == f"/violations/{v.id}"
    assert n.params["outcome_id"] == "the penalty is withdrawn" and n.params["reason"] == "录音核实无误"


def test_closing_a_month_tells_each_active_person_their_score_in_bulk(app, world):
    month = last_month()
    staff, other = world["staff"], world["other"]
    attend(staff, month)
    violation(staff, "COMPLAINT", month + timedelta(days=2))  # 6 points
    hr = make_person(["hr"])
    scores.close_month(hr, month_label(month))
    told = {n.employee_id: n for n in db.session.scalars(select(Notification).where(
        Notification.kind == "month_closed"))}
    assert staff.id in told and other.id in told
    assert told[staff.id].params["score"] == 94 and told[staff.id].params["month"] == month_label(month)
    with app.test_request_context(), force_locale("zh"):
        assert message(told[staff.id].title, told[staff.id].params) == f"您 {month_label(month)} 的得分：94"


def test_a_month_close_for_many_people_writes_its_notifications_in_a_few_statements(world):
    team = world["team"]
    _robot(world, kinds=("month_closed",))
    for _ in range(60):
        make_person(["staff"], team)
    with statements() as seen:
        scores.close_month(make_person(["hr"]), month_label(last_month()))
    touching = [s for s in seen if "notifications" in s or "outbound_messages" in s or "team_robots" in s]
    assert len(touching) <= 3, touching  # notifications, the robots, the robot messages: not one per person
    # the team's people (the office has no team and nothing in the month, so no score)
    assert _count(Notification, Notification.kind == "month_closed") == 60 + 3
    assert _count(OutboundMessage) == 60 + 3


# --- team robots -------------------------------------------------------------------------------


def test_only_the_kinds_a_robot_takes_are_queued_for_it_naming_the_person(world):
    _robot(world, kinds=("appeal_decided",))
    _record(world["staff"])
    assert _count(OutboundMessage) == 0
    _robot(world, kinds=("violation",))
    _record(world["staff"], rule="GENERAL")
    _record(world["admin"], rule="GENERAL")  # no team, no robot
    queued = db.session.scalars(select(OutboundMessage)).all()
    assert len(queued) == 1 and queued[0].payload["to"] == f"张丽（{world['staff'].employee_no}）"
    assert queued[0].status == "pending" and queued[0].attempts == 0


def test_a_switched_off_robot_gets_nothing(world):
    notifications.save_robot(world["admin"], "T1", {"flavour": "dingtalk", "url": "https://oapi.dingtalk.com/x",
                                                    "kinds": ["violation"], "active": False})
    _record(world["staff"])
    assert _count(OutboundMessage) == 0


def test_saving_a_robot_checks_every_field_and_audits_without_the_secret(world):
    with pytest.raises(InvalidInput) as refused:
        notifications.save_robot(world["admin"], "T1", {"flavour": "slack", "url": "ftp://x", "kinds": ["gossip"]})
    assert set(refused.value.fields) == {"flavour", "url", "kinds"}
    with pytest.raises(InvalidInput) as refused:
        notifications.save_robot(world["admin"], "T1", {"flavour": "wecom", "url": "", "kinds": "violation"})
    assert set(refused.value.fields) == {"url", "kinds"}
    with pytest.raises(NotFound):
        notifications.save_robot(world["admin"], "NOPE", {"flavour": "wecom", "url": "https://x.cn"})
    for role in ("supervisor", "lead", "staff"):
        with pytest.raises(Forbidden):
            notifications.save_robot(world[role], "T1", {"flavour": "wecom", "url": "https://x.cn"})
    robot = _robot(world, kinds=("month_closed", "violation"))
    assert robot.kinds == ["violation", "month_closed"] and robot.updated_by_id == world["admin"].id
    again = _robot(world, kinds=())
    assert again.id == robot.id and again.kinds == []
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "robot.save")).all()
    assert len(audits) == 2 and audits[0].details["host"] == "qyapi.weixin.qq.com"
    assert all("SECRET" not in str(a.details) for a in audits)
