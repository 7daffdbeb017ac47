"""Policy templates (issue 17 item 6): the call-centre default, the property-management book (002) and the
online-shop book (000 §4) — each one imported at set-up with ``policy import --template NAME``, every rule
citing its clause, every rule recordable, and the templates compared side by side on the policy page."""

from __future__ import annotations

from dataclasses import replace as _replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from attendance.domain.policy import load_default_policy
from attendance.domain.policy.templates import TEMPLATES, differences, load_template, template_document
from attendance.extensions import db
from attendance.models import LeaveRequest, PolicyVersion, Request, Violation
from attendance.services import discipline, leave
from attendance.services import policy as policy_service
from tests.clocks import SHANGHAI
from tests.conftest import login, make_person, make_team
from tests.leave_world import leave_team
from tests.policies import ADOPTED_ON

# --- the templates as documents ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_rule_of_every_template_cites_its_clause_or_says_product_decision(name):
    policy = load_template(name)
    for rule in policy.rules.values():
        assert rule.source and rule.source.strip(), f"{name}: {rule.code} has no source"
        assert any(ch.isdigit() for ch in rule.source) or "product decision" in rule.source, (name, rule.code)
    assert "product decision" in policy.rules["HALF_ABSENT"].source  # no book gives its amounts


def test_the_default_template_is_the_shipped_default_policy():
    assert load_template("default") == load_default_policy()


def test_an_unknown_template_is_refused_naming_the_choices():
    from attendance.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        template_document("hotel")
    assert "property" in refused.value.fields["template"]


def test_the_property_template_follows_002_and_the_shop_template_000_section_4():
    prop, shop, default = load_template("property"), load_template("shop"), load_default_policy()
    assert [c.steps for c in prop.leave.chains] == [("lead", "supervisor", "manager")]
    assert prop.leave.personal_emergency_only and prop.leave.emergency_only_approver == "manager"
    assert prop.pay_treatment == "points_only"
    assert all(step.sanction != "fine" for rule in prop.rules.values() for step in rule.ladder)
    assert shop.swaps.notify == ("lead", "manager") and default.swaps.notify == ("lead",)
    assert not default.leave.personal_emergency_only
    # the same rules everywhere, so a violation means the same thing whichever template a department chose
    assert list(prop.rules) == list(shop.rules) == list(default.rules)


def test_the_comparison_lists_only_what_differs_settings_before_rules():
    rows = differences([load_template(name) for name in TEMPLATES])
    keys = [row.key for row in rows]
    assert {"leave.chains", "leave.personal_emergency_only", "pay_treatment", "swaps.notify"} <= set(keys)
    assert "attendance.grace_minutes" not in keys and "version" not in keys
    assert "rules.LATE" in keys  # warning → 10 → 20 yuan against warning → points
    first_rule = next(i for i, key in enumerate(keys) if key.startswith("rules."))
    assert all(key.startswith("rules.") for key in keys[first_rule:])
    assert all(len(row.values) == len(TEMPLATES) and len(set(map(repr, row.values))) > 1 for row in rows)
    assert differences([load_default_policy(), load_default_policy()]) == []


# --- set-up: the CLI --------------------------------------------------------------------------------------


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(PolicyVersion))


@pytest.mark.parametrize("name", TEMPLATES)
def test_policy_import_template_stores_it_as_a_draft(runner, app, name):
    before = _versions()
    result = runner.invoke(args=["policy", "import", "--template", name])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1))
    assert _versions() == before + 1 and row.published_at is None
    assert row.label == load_template(name).version


def test_policy_import_refuses_an_unknown_template_or_both_a_file_and_a_template(runner, app, tmp_path):
    before = _versions()
    unknown = runner.invoke(args=["policy", "import", "--template", "hotel"])
    assert unknown.exit_code == 1 and "property" in unknown.output
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(template_document("shop"), allow_unicode=True), encoding="utf-8")
    both = runner.invoke(args=["policy", "import", str(path), "--template", "shop"])
    neither = runner.invoke(args=["policy", "import"])
    assert both.exit_code == neither.exit_code == 2 and "--template" in both.output
    assert _versions() == before


# --- each template in force: one violation of each of its rules -------------------------------------------


def _import_and_publish(runner, name: str) -> PolicyVersion:
    assert runner.invoke(args=["policy", "import", "--template", name]).exit_code == 0
    row = db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1))
    return policy_service.publish(None, row.id, adopted_on=ADOPTED_ON, adopted_by="全体职工讨论")


@pytest.mark.parametrize("name", TEMPLATES)
def test_importing_each_template_and_recording_one_violation_of_each_of_its_rules_works(runner, app, name):
    row = _import_and_publish(runner, name)
    policy = load_template(name)
    recorder = make_person(["supervisor"])
    team = make_team("T1", "热线一组")
    at = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    for n, rule in enumerate(policy.rules.values()):
        person = make_person(["staff"], team)  # each a first occurrence: the first step of the ladder
        step = rule.ladder[0]
        choice = None
        if step.options:  # the book says "or": the recorder chooses; the first option is as good as any
            step = step.options[0]
            choice = step.sanction
        amount = step.amount_range[0] if step.amount_range else None
        violation = discipline.record_violation(recorder, employee=person, rule_code=rule.code,
                                                occurred_at=at + timedelta(minutes=n), note="模板测试", amount=amount,
                                                choice=choice)
        assert violation.rule_code == rule.code and violation.policy_version_id == row.id
        assert violation.points == step.points
        if step.sanction == "fine":
            assert violation.fine == (amount or step.amount)
        else:
            assert violation.fine == Decimal("0.00")
    assert db.session.scalar(select(func.count()).select_from(Violation)) == len(policy.rules)


# --- the property book's leave: personal leave only in an emergency, the manager approves ------------------


def _ask(who, **fields):
    return leave.file_leave(who, {"type": "personal", "start": "2026-11-09", "end": "2026-11-09",
                                  "reason": "家中有事", **fields})


def test_with_the_property_template_personal_leave_not_marked_emergency_is_refused(runner, app, moving_clock):
    world = leave_team()
    _import_and_publish(runner, "property")
    from attendance.domain.errors import RuleRefused

    before = db.session.scalar(select(func.count()).select_from(Request))
    for days in (("2026-11-09", "2026-11-09"), ("2026-11-16", "2026-11-18")):  # in time either way
        with pytest.raises(RuleRefused) as refused:
            _ask(world["staff"], start=days[0], end=days[1])
        assert refused.value.code == "leave_emergency_only"
    assert db.session.scalar(select(func.count()).select_from(Request)) == before
    sick = leave.file_leave(world["staff"], {"type": "sick", "start": "2026-11-09", "reason": "发烧"})
    assert sick.chain == ("lead", "supervisor", "manager")  # every leave ends with the office director


def test_with_the_property_template_an_emergency_personal_leave_ends_with_the_manager(runner, app, moving_clock):
    world = leave_team()
    _import_and_publish(runner, "property")
    request = _ask(world["lead"], employee_no=world["staff"].employee_no, start="2026-11-05", end="2026-11-05",
                   emergency=True)
    assert request.chain[-1] == "manager" and request.chain == ("supervisor", "manager")
    assert db.session.get(LeaveRequest, request.leave.id).emergency


def test_under_the_default_a_three_day_personal_leave_asked_five_days_ahead_is_refused(app, moving_clock):
    world = leave_team()
    from attendance.domain.errors import RuleRefused

    with pytest.raises(RuleRefused) as refused:
        _ask(world["staff"], start="2026-11-10", end="2026-11-12")  # Tue–Thu, asked Thu 2026-11-05
    assert refused.value.code == "leave_notice"


# --- the page ---------------------------------------------------------------------------------------------


def test_the_policy_page_shows_the_templates_side_by_side_in_chinese_first(client, app):
    login(client, make_person(["staff"]))
    page = client.get("/policy").get_data(as_text=True)
    assert 'id="templates"' in page and "policy import --template NAME" in page
    for code in TEMPLATES:
        assert f"<code>{code}</code>" in page
    assert "rules.LATE" not in page and "<code>LATE</code>" in page
    assert "leave.personal_emergency_only" in page


def test_the_template_comparison_fits_a_375_px_phone_scrolling_inside_its_table(app):
    from tests.browser import browser_page, live_server, measure_width, sign_in

    staff = make_person(["staff"])
    assert staff.username  # loaded now: the session closes before the server's requests write
    db.session.close()
    with live_server(app) as base, browser_page(width=375) as page:
        sign_in(page, base, staff)
        page.goto(base + "/policy")
        page.wait_for_selector("table.compare")
        width = measure_width(page)
        page.screenshot(path="/tmp/policy-templates-375.png", full_page=True)
        headers = page.eval_on_selector_all("table.compare th", "els => els.map(e => e.textContent)")
    assert width["scroll"] <= width["inner"], width  # the page itself never scrolls sideways
    assert any("物业管理处" in h for h in headers) and any("呼叫中心" in h for h in headers)


# --- the shop book: the shop manager is told of swaps (报备) [000 §4 四.2(4)] -------------------------------


@pytest.mark.parametrize(("name", "manager_told"), [("shop", 1), ("default", 0)])
def test_with_the_shop_template_the_manager_is_told_of_an_approved_swap(client, runner, app, moving_clock, name,
                                                                      manager_told):
    from attendance.models import Notification
    from tests.api.test_swaps_api import act, ask, count, make_world

    world = make_world()
    _import_and_publish(runner, name)
    swap_id = ask(client, world).get_json()["id"]
    assert act(client, world, "mate", swap_id, "accept").status_code == 200
    assert act(client, world, "supervisor", swap_id, "approve").status_code == 200
    changed = Notification.kind == "swap_roster_changed"
    assert count(Notification, changed, Notification.employee_id == world["manager"].id) == manager_told
    assert count(Notification, changed, Notification.employee_id == world["lead"].id) == 1


# --- the property book's refusal through the API and the page: the error shape, Chinese, nothing stored ------


def test_the_api_refuses_personal_leave_not_marked_emergency_under_the_property_template(client, runner, app,
                                                                                           moving_clock):
    from tests.conftest import token_for

    world = leave_team()
    _import_and_publish(runner, "property")
    before = db.session.scalar(select(func.count()).select_from(Request))
    refused = client.post("/api/v1/leave-requests", headers=token_for(client, world["staff"]), json={
        "type": "personal", "start": "2026-11-16", "end": "2026-11-16", "reason": "家中有事"})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "leave_emergency_only" and "emergency" in error["fields"]
    assert db.session.scalar(select(func.count()).select_from(Request)) == before
    filed = client.post("/api/v1/leave-requests", headers=token_for(client, world["lead"]), json={
        "employee_no": world["staff"].employee_no, "type": "personal", "start": "2026-11-05", "end": "2026-11-05",
        "reason": "家中急事", "emergency": True})
    assert filed.status_code == 201, filed.get_json()
    assert [step["role"] for step in filed.get_json()["approval_chain"]][-1] == "manager"


def test_the_leave_form_shows_the_emergency_only_refusal_in_chinese_and_keeps_what_was_typed(client, runner, app,
                                                                                              moving_clock):
    world = leave_team()
    _import_and_publish(runner, "property")
    login(client, world["staff"])
    response = client.post("/leave/new", data={"leave_type": "personal", "start": "2026-11-16", "end": "",
                                               "half_day": "", "reason": "家里装修需要请假"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "按本制度，事假仅限紧急情况。" in page and "家里装修需要请假" in page
    assert db.session.scalar(select(func.count()).select_from(LeaveRequest)) == 0


# --- the comparison as a function ---------------------------------------------------------------------------

@given(grace=st.integers(0, 60), notify=st.sets(st.sampled_from(["lead", "supervisor", "manager"]), min_size=1))
def test_the_comparison_names_exactly_the_settings_changed_whatever_the_order_compared(grace, notify):
    base = load_default_policy()
    changed = _replace(base, attendance=_replace(base.attendance, grace_minutes=grace),
                       swaps=_replace(base.swaps, notify=tuple(sorted(notify))))
    expected = {key for key, differs in (("attendance.grace_minutes", grace != base.attendance.grace_minutes),
                                         ("swaps.notify", tuple(sorted(notify)) != base.swaps.notify)) if differs}
    assert {row.key for row in differences([base, changed])} == expected
    assert {row.key for row in differences([changed, base])} == expected
