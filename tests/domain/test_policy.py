"""The policy document: the shipped default, validation with paths, and export (docs/rules.md §9)."""

from __future__ import annotations

import ast
import copy
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import attendance.domain.policy as policy_module
from attendance.domain.errors import PolicyInvalid
from attendance.domain.policy import (
    AFTER_LADDER,
    LEAVE_TYPES,
    SANCTIONS,
    AttendancePolicy,
    DeductionPolicy,
    LeaveChain,
    LeavePolicy,
    Step,
    SwapPolicy,
    Window,
    default_policy_document,
    load_default_policy,
    parse_policy,
    policy_to_document,
)

SECTION_7_CODES = {
    "OFF_TASK", "DRESS_CODE", "LEAVE_POST", "PHONE", "INSUBORDINATION", "NEGLIGENCE", "TAKE_FOOD",
    "FALSIFY", "KEEP_FOUND", "OVERCHARGE", "GENERAL", "COMPLAINT", "SWAP_HANDOVER", "MEETING_LATE",
    "MEETING_ABSENT", "MEETING_DISRUPT", "TASK_OVERDUE", "REPORT_LATE", "MOCK_CUSTOMER", "GROOMING",
    "UNIFORM_OUTSIDE", "HANDBOOK", "UNAPPROVED_SWAP", "GIFTS", "PRIVATE_SALES", "DATA_LEAK",
    "FORBIDDEN_PHRASE", "LATE", "EARLY", "ABSENT", "OFFICE_RULES", "UNAUTHORISED_PROMISE", "SHIRKING",
}  # fmt: skip
# Rules no rule book names, kept apart so they stay visible: each is a product decision in docs/rules.md.
PRODUCT_DECISION_CODES = {"HALF_ABSENT"}
ROLE_CHOICE = "must be one of: staff, lead, supervisor, manager, gm, hr, admin, inspector"


def warning(points=1):
    return {"sanction": "warning", "points": points}


def fine(amount, points):
    return {"sanction": "fine", "amount": amount, "points": points}


def rule(code, *ladder, **more):
    return {"code": code, "name": {"zh": code, "en": code.title()}, "ladder": list(ladder), **more}


def small_document():
    """The smallest valid document: the three attendance rules, a complaint rule and grooming."""
    return {
        "version": "test",
        "effective_from": "2026-01-01",
        "timezone": "Asia/Shanghai",
        "grooming": {
            "items": [
                {"code": "UNIFORM", "name": {"zh": "工作服", "en": "Uniform"}, "rule": "GROOMING"},
                {"code": "DESK_TIDY", "name": {"zh": "台面整洁", "en": "Desk tidy"}, "kind": "workstation"},
            ]
        },
        "rules": [
            rule("LATE", warning(), fine("10.00", 2)),
            rule("EARLY", warning(), fine("10.00", 2)),
            rule("ABSENT", fine("50.00", 10)),
            rule(
                "COMPLAINT",
                fine("30.00", 6),
                fine("60.00", 12),
                {"sanction": "dismissal_review", "points": 20},
            ),
            rule("GROOMING", fine(10, 2)),
        ],
    }


def problems_of(doc) -> list[tuple[str, str]]:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(doc)
    return caught.value.problems


# ---------------------------------------------------------------- the shipped default


def test_the_default_policy_file_parses():
    policy = load_default_policy()
    assert policy.version == "2026-11"
    assert policy.effective_from == date(2026, 1, 1)
    assert policy.timezone == "Asia/Shanghai"
    assert policy.currency == "CNY"
    assert (policy.score_base, policy.score_floor) == (100, 0)
    assert policy.default_window == Window(days=365)
    assert policy.after_ladder == "review"


def test_the_default_policy_holds_every_rule_code_of_domain_section_7():
    assert set(load_default_policy().rules) == SECTION_7_CODES | PRODUCT_DECISION_CODES
    for code in PRODUCT_DECISION_CODES:
        assert "product decision" in load_default_policy().rules[code].source


def test_every_default_rule_has_a_chinese_and_an_english_name_and_a_category():
    for code, rule_ in load_default_policy().rules.items():
        assert rule_.name.zh and rule_.name.en, code
        assert rule_.category in {"attendance", "conduct", "service", "grooming", "meeting", "integrity"}


def test_default_ladders_follow_the_rule_book():
    rules = load_default_policy().rules

    def shape(code):
        return [(s.sanction, s.amount, s.points) for s in rules[code].ladder]

    warning_10_20 = [("warning", None, 1), ("fine", Decimal("10.00"), 2), ("fine", Decimal("20.00"), 4)]
    for code in ("OFF_TASK", "DRESS_CODE", "LEAVE_POST", "PHONE", "FORBIDDEN_PHRASE", "LATE", "EARLY"):
        assert shape(code) == warning_10_20, code
    assert shape("ABSENT") == [
        ("fine", Decimal("50.00"), 10),
        ("fine", Decimal("100.00"), 20),
        ("dismissal_review", None, 20),
    ]
    assert shape("COMPLAINT") == [
        ("fine", Decimal("30.00"), 6),
        ("fine", Decimal("60.00"), 12),
        ("dismissal_review", None, 20),
    ]
    assert shape("INSUBORDINATION") == [("fine", Decimal("20.00"), 4), ("fine", Decimal("50.00"), 10)]
    assert shape("GENERAL") == [
        ("warning", None, 1),
        ("fine", Decimal("20.00"), 4),
        ("fine", Decimal("50.00"), 10),
    ]
    assert shape("UNAPPROVED_SWAP") == [("points", None, 5)]
    for code in ("GIFTS", "PRIVATE_SALES", "DATA_LEAK"):
        assert shape(code) == [("dismissal_review", None, 20)], code
    # 000 §5 惩罚8 says "罚100-500元或开除": the recorder chooses one (000-82)
    (step,) = rules["FALSIFY"].ladder
    assert step == Step("choice", options=(
        Step("fine", amount_range=(Decimal("100.00"), Decimal("500.00")), points=20),
        Step("dismissal_review", points=20)))
    for code in ("KEEP_FOUND", "OVERCHARGE"):  # 惩罚9/10 say "并开除": the fine and the review
        (step,) = rules[code].ladder
        assert step == Step(
            "fine", amount_range=(Decimal("100.00"), Decimal("500.00")), points=20, review="dismissal"
        )


def test_default_points_are_one_per_warning_one_per_five_yuan_up_to_20_and_20_per_dismissal_review():
    for code, rule_ in load_default_policy().rules.items():
        for step in rule_.ladder:
            if step.sanction == "warning":
                assert step.points == 1, code
            elif step.sanction == "dismissal_review" or step.review == "dismissal":
                assert step.points == 20, code
            elif step.sanction == "fine":
                assert step.points == min(20, int(step.amount / 5)), code


def test_the_default_grooming_checklist_covers_grooming_and_the_workstation_and_raises_grooming():
    items = load_default_policy().grooming_items
    codes = [item.code for item in items]
    assert len(codes) == len(set(codes))
    personal = {"UNIFORM", "SHOES", "BADGE", "SCARF", "STOCKINGS", "MAKEUP", "JEWELLERY", "NAILS", "HAIR"}
    assert personal | {"FACE_HANDS", "FOOD_SMELL", "PHONE_POCKET"} <= set(codes)
    assert {item.code for item in items if item.kind == "workstation"} == {
        "DESK_TIDY",
        "DESK_NO_PERSONAL",
        "CHAIR_IN_PLACE",
    }
    assert {item.rule for item in items} == {"GROOMING"}
    assert all(item.active and item.teams is None and item.name.zh and item.name.en for item in items)


def test_the_default_sections_match_the_api_example():
    policy = load_default_policy()
    assert policy.attendance == AttendancePolicy(rules={**AttendancePolicy().rules, "half_absent": "HALF_ABSENT"})
    assert policy.swaps == SwapPolicy()
    assert policy.leave.chains == (
        LeaveChain(steps=("lead", "supervisor"), max_days=Decimal(1)),
        LeaveChain(steps=("lead", "supervisor", "gm")),
    )
    assert policy.leave.file_with == "hr"
    assert policy.deductions == DeductionPolicy(Decimal(20), Decimal("2690.00"))
    assert policy.rewards["full_attendance"].amount == Decimal("200.00")
    assert policy.rewards["full_attendance_year"].points == 10


def test_the_default_document_is_a_fresh_copy_each_time():
    first = default_policy_document()
    first["rules"].clear()
    assert default_policy_document()["rules"]


def test_the_domain_module_imports_neither_flask_nor_sqlalchemy():
    tree = ast.parse(Path(policy_module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name.split(".")[0] in {"flask", "sqlalchemy"}}


# ---------------------------------------------------------------- export


def test_exporting_and_parsing_again_gives_the_same_policy():
    policy = load_default_policy()
    assert parse_policy(policy_to_document(policy)) == policy


def test_the_export_survives_yaml_and_json_text():
    policy = load_default_policy()
    document = policy_to_document(policy)
    assert parse_policy(yaml.safe_load(yaml.safe_dump(document, allow_unicode=True))) == policy
    assert parse_policy(json.loads(json.dumps(document, ensure_ascii=False))) == policy


def test_the_export_writes_money_as_two_place_strings_and_dates_as_iso():
    document = policy_to_document(load_default_policy())
    assert document["effective_from"] == "2026-01-01"
    assert document["deductions"]["minimum_wage"] == "2690.00"
    complaint = next(r for r in document["rules"] if r["code"] == "COMPLAINT")
    assert complaint["ladder"][0] == {"sanction": "fine", "amount": "30.00", "points": 6}
    falsify = next(r for r in document["rules"] if r["code"] == "KEEP_FOUND")
    assert falsify["ladder"][0]["amount_range"] == ["100.00", "500.00"]


def test_a_small_document_takes_the_defaults_for_the_sections_it_leaves_out():
    policy = parse_policy(small_document())
    assert policy.currency == "CNY"
    assert (policy.score_base, policy.score_floor) == (100, 0)
    assert policy.default_window == Window(days=365)
    assert policy.after_ladder == "review"
    assert policy.swaps == SwapPolicy()
    assert policy.leave == LeavePolicy()
    assert policy.rewards == {}
    assert policy.settings == {}
    assert policy.rules["LATE"].category == "general"
    assert policy.grooming_items[1].rule == "GROOMING"
    assert parse_policy(policy_to_document(policy)) == policy


def test_rules_keep_document_order():
    assert list(parse_policy(small_document()).rules) == ["LATE", "EARLY", "ABSENT", "COMPLAINT", "GROOMING"]


def test_settings_are_kept_as_they_are():
    doc = small_document()
    doc["settings"] = {"yuan_per_point": 5, "nested": {"a": [1, 2]}}
    policy = parse_policy(doc)
    assert policy.settings == {"yuan_per_point": 5, "nested": {"a": [1, 2]}}
    assert parse_policy(policy_to_document(policy)) == policy


# ---------------------------------------------------------------- problems, with their paths


def test_a_document_with_several_faults_reports_each_with_its_exact_path_and_nothing_else():
    doc = small_document()
    doc["rules"][3]["ladder"][1]["amount"] = "sixty"
    doc["rules"][0]["colour"] = "red"
    doc["grooming"]["items"][1]["rule"] = "NO_SUCH"
    doc["timezone"] = "Mars/Olympus_Mons"
    del doc["effective_from"]

    problems = problems_of(doc)

    assert sorted(problems) == sorted(
        [
            ("rules[3].ladder[1].amount", "not a money amount"),
            ("rules[0].colour", "unknown key"),
            ("grooming.items[1].rule", "unknown rule code NO_SUCH"),
            ("timezone", "not a known IANA time zone, like Asia/Shanghai"),
            ("effective_from", "required"),
        ]
    )


def test_policy_invalid_carries_the_problems_as_fields_too():
    doc = small_document()
    del doc["version"]
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(doc)
    assert caught.value.fields == {"version": "required"}
    assert caught.value.code == "policy_invalid"


def test_a_document_that_is_not_a_mapping_is_refused():
    assert problems_of(["version"]) == [("", "must be a mapping")]


def test_unknown_keys_are_refused_at_any_depth():
    doc = small_document()
    doc["colour"] = "blue"
    doc["rules"][1]["ladder"][0]["colour"] = "blue"
    doc["rules"][2]["name"]["fr"] = "Absent"
    doc["grooming"]["colour"] = "blue"
    doc["swaps"] = {"notice_hours": 24, "colour": "blue"}
    assert sorted(problems_of(doc)) == [
        ("colour", "unknown key"),
        ("grooming.colour", "unknown key"),
        ("rules[1].ladder[0].colour", "unknown key"),
        ("rules[2].name.fr", "unknown key"),
        ("swaps.colour", "unknown key"),
    ]


def test_a_duplicate_rule_code_is_reported_on_the_later_rule():
    doc = small_document()
    doc["rules"].append(rule("LATE", warning()))
    assert problems_of(doc) == [("rules[5].code", "duplicate code")]


def test_a_duplicate_grooming_item_code_is_reported_on_the_later_item():
    doc = small_document()
    doc["grooming"]["items"][1]["code"] = "UNIFORM"
    assert problems_of(doc) == [("grooming.items[1].code", "duplicate code")]


@pytest.mark.parametrize("code", ["late", "1LATE", "LATE-ARRIVAL", "LATE\n", "", 7])
def test_a_rule_code_must_be_upper_case_letters_digits_and_underscores(code):
    doc = small_document()
    doc["rules"][4]["code"] = code
    doc["grooming"]["items"][0]["rule"] = "LATE"  # keep the checklist pointing at a real rule
    doc["grooming"]["items"][1]["rule"] = "LATE"
    assert problems_of(doc) == [("rules[4].code", "must be upper-case letters, digits and _, like LATE")]


def test_attendance_rules_must_name_rules_of_the_document():
    doc = small_document()
    doc["attendance"] = {"rules": {"late": "LATE", "early": "LEAVING", "absent": "ABSENT"}}
    assert problems_of(doc) == [("attendance.rules.early", "unknown rule code LEAVING")]


def test_the_default_attendance_rules_must_exist_when_the_section_is_left_out():
    doc = small_document()
    del doc["rules"][2]
    assert problems_of(doc) == [("attendance.rules.absent", "unknown rule code ABSENT")]


@pytest.mark.parametrize("amount", [10.5, 10.0, 1e2])
def test_a_float_money_amount_is_refused(amount):
    doc = small_document()
    doc["rules"][3]["ladder"][0]["amount"] = amount
    assert problems_of(doc) == [("rules[3].ladder[0].amount", "not a money amount")]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("30", "30.00"), ("30.5", "30.50"), (30, "30.00"), ("  30.00 ", "30.00"), (Decimal("30.00"), "30.00")],
)
def test_money_may_be_a_string_or_a_whole_number(amount, expected):
    doc = small_document()
    doc["rules"][3]["ladder"][0]["amount"] = amount
    assert parse_policy(doc).rules["COMPLAINT"].ladder[0].amount == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("30.005", "at most 2 decimal places"),
        ("0", "must be above 0"),
        ("-5.00", "must be above 0"),
        ("NaN", "not a money amount"),
        (True, "not a money amount"),
        ([30], "not a money amount"),
    ],
)
def test_a_fine_amount_must_be_a_positive_amount_in_yuan_and_fen(amount, message):
    doc = small_document()
    doc["rules"][3]["ladder"][0]["amount"] = amount
    assert problems_of(doc) == [("rules[3].ladder[0].amount", message)]


def test_minimum_wage_refuses_a_float_too():
    doc = small_document()
    doc["deductions"] = {"cap_percent_of_wage": 20, "minimum_wage": 2690.5}
    assert problems_of(doc) == [("deductions.minimum_wage", "not a money amount")]


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ({"days": 365}, Window(days=365)),
        ({"days": 1}, Window(days=1)),
        ({"calendar": "month"}, Window(calendar="month")),
        ({"calendar": "year"}, Window(calendar="year")),
    ],
)
def test_a_window_is_a_number_of_days_or_a_calendar_month_or_year(window, expected):
    doc = small_document()
    doc["rules"][0]["window"] = window
    doc["defaults"] = {"window": window, "after_ladder": "repeat_last"}
    policy = parse_policy(doc)
    assert policy.rules["LATE"].window == expected
    assert policy.default_window == expected


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ({"days": 0}, ("rules[0].window.days", "must be a whole number, 1 or more")),
        ({"days": -3}, ("rules[0].window.days", "must be a whole number, 1 or more")),
        ({"days": "30"}, ("rules[0].window.days", "must be a whole number, 1 or more")),
        ({"days": 30.0}, ("rules[0].window.days", "must be a whole number, 1 or more")),
        ({"calendar": "week"}, ("rules[0].window.calendar", "must be one of: month, year")),
        ({"days": 30, "calendar": "month"}, ("rules[0].window", "give exactly one of: days, calendar")),
        ({}, ("rules[0].window", "give exactly one of: days, calendar")),
        ({"weeks": 2}, ("rules[0].window.weeks", "unknown key")),
        ("365", ("rules[0].window", "must be a mapping")),
    ],
)
def test_a_bad_window_is_reported_where_it_is(window, problem):
    doc = small_document()
    doc["rules"][0]["window"] = window
    problems = problems_of(doc)
    assert problem in problems
    assert len(problems) == (2 if window == {"weeks": 2} else 1)  # no days or calendar left either


def test_after_ladder_must_be_a_known_choice():
    doc = small_document()
    doc["rules"][0]["after_ladder"] = "stop"
    assert problems_of(doc) == [("rules[0].after_ladder", "must be one of: repeat_last, review")]


def test_a_sanction_must_be_a_known_one():
    doc = small_document()
    doc["rules"][0]["ladder"][0]["sanction"] = "caution"
    assert problems_of(doc) == [
        ("rules[0].ladder[0].sanction", "must be one of: warning, fine, points, dismissal_review, criticism, "
         "forfeit_reward, stand_down, transfer, choice")
    ]


def test_a_ladder_needs_at_least_one_step():
    doc = small_document()
    doc["rules"][0]["ladder"] = []
    assert problems_of(doc) == [("rules[0].ladder", "must have at least one step")]


def test_a_rule_needs_code_name_and_ladder():
    doc = small_document()
    doc["rules"].append({"category": "conduct"})
    assert sorted(problems_of(doc)) == [
        ("rules[5].code", "required"),
        ("rules[5].ladder", "required"),
        ("rules[5].name", "required"),
    ]


def test_a_fine_needs_exactly_one_of_amount_and_amount_range():
    doc = small_document()
    doc["rules"][3]["ladder"][0] = {"sanction": "fine", "points": 6}
    doc["rules"][3]["ladder"][1] = {"sanction": "fine", "amount": "60", "amount_range": ["10", "20"]}
    assert sorted(problems_of(doc)) == [
        ("rules[3].ladder[0]", "a fine needs amount or amount_range"),
        ("rules[3].ladder[1]", "give exactly one of: amount, amount_range"),
    ]


def test_only_a_fine_carries_an_amount():
    doc = small_document()
    doc["rules"][0]["ladder"][0]["amount"] = "10.00"
    doc["rules"][3]["ladder"][2]["amount_range"] = ["100", "500"]
    assert sorted(problems_of(doc)) == [
        ("rules[0].ladder[0].amount", "only a fine has an amount"),
        ("rules[3].ladder[2].amount_range", "only a fine has an amount range"),
    ]


@pytest.mark.parametrize(
    ("amount_range", "problem"),
    [
        (["500.00", "100.00"], ("rules[3].ladder[0].amount_range", "low must not be above high")),
        (["100.00"], ("rules[3].ladder[0].amount_range", "must be [low, high]")),
        ("100-500", ("rules[3].ladder[0].amount_range", "must be [low, high]")),
        (["100.00", 500.0], ("rules[3].ladder[0].amount_range[1]", "not a money amount")),
    ],
)
def test_an_amount_range_is_low_then_high(amount_range, problem):
    doc = small_document()
    doc["rules"][3]["ladder"][0] = {"sanction": "fine", "amount_range": amount_range, "points": 20}
    assert problems_of(doc) == [problem]


def test_an_amount_range_may_be_a_single_amount():
    doc = small_document()
    doc["rules"][3]["ladder"][0] = {"sanction": "fine", "amount_range": ["100", 100], "points": 20}
    step = parse_policy(doc).rules["COMPLAINT"].ladder[0]
    assert step.amount_range == (Decimal("100.00"), Decimal("100.00"))


def test_a_points_sanction_must_carry_points():
    doc = small_document()
    doc["rules"][0]["ladder"] = [{"sanction": "points"}]
    doc["rules"][1]["ladder"] = [{"sanction": "points", "points": 0}]
    assert sorted(problems_of(doc)) == [
        ("rules[0].ladder[0].points", "required"),
        ("rules[1].ladder[0].points", "must be above 0 for a points sanction"),
    ]


@pytest.mark.parametrize("points", [-1, 101, "5", 2.0, True])
def test_points_are_a_whole_number_from_0_to_100(points):
    doc = small_document()
    doc["rules"][0]["ladder"][0]["points"] = points
    assert problems_of(doc) == [("rules[0].ladder[0].points", "must be a whole number from 0 to 100")]


def test_review_can_only_be_dismissal():
    doc = small_document()
    doc["rules"][3]["ladder"][0]["review"] = "demotion"
    assert problems_of(doc) == [("rules[3].ladder[0].review", "must be one of: dismissal")]


@pytest.mark.parametrize("timezone", ["Asia/Shanghai", "UTC", "Europe/Berlin"])
def test_a_known_time_zone_is_accepted(timezone):
    doc = small_document()
    doc["timezone"] = timezone
    assert parse_policy(doc).timezone == timezone


@pytest.mark.parametrize(
    "timezone",
    ["Asia/Beijing", "asia/shanghai", "", "../etc/passwd", "/etc/localtime", "localtime", "posix/UTC", 8],
)
def test_an_unknown_time_zone_is_refused(timezone):
    doc = small_document()
    doc["timezone"] = timezone
    assert problems_of(doc) == [("timezone", "not a known IANA time zone, like Asia/Shanghai")]


@pytest.mark.parametrize("value", [date(2026, 3, 1), "2026-03-01"])
def test_effective_from_is_a_date_or_an_iso_string(value):
    doc = small_document()
    doc["effective_from"] = value
    assert parse_policy(doc).effective_from == date(2026, 3, 1)


@pytest.mark.parametrize("value", ["1 March 2026", "2026-02-30", datetime(2026, 3, 1, 8, 0), 20260301])
def test_effective_from_refuses_what_is_not_a_date(value):
    doc = small_document()
    doc["effective_from"] = value
    assert problems_of(doc) == [("effective_from", "not a date (YYYY-MM-DD)")]


def test_the_score_base_must_be_above_the_floor_and_the_floor_not_negative():
    doc = small_document()
    doc["score"] = {"base": 0, "floor": 0}
    assert problems_of(doc) == [("score.base", "must be above floor")]
    doc["score"] = {"base": 100, "floor": -10}
    assert problems_of(doc) == [("score.floor", "must be a whole number, 0 or more")]


def test_leave_chains_name_roles_and_only_the_last_may_leave_out_max_days():
    doc = small_document()
    doc["leave"] = {
        "chains": [
            {"steps": ["lead"]},
            {"max_days": 3, "steps": ["lead", "boss"]},
            {"types": ["maternity"], "steps": ["manager"]},
            {"steps": ["lead", "supervisor", "gm"]},
        ]
    }
    assert sorted(problems_of(doc)) == [
        ("leave.chains[0].max_days", "required: only the last chain may leave it out"),
        ("leave.chains[1].steps[1]", ROLE_CHOICE),
    ]


def test_a_leave_chain_may_be_for_half_days_and_for_some_leave_types():
    doc = small_document()
    doc["leave"] = {
        "chains": [
            {"max_days": 0.5, "steps": ["lead"]},
            {"max_days": "2", "types": ["sick", "annual"], "steps": ["lead", "supervisor"]},
            {"steps": ["lead", "supervisor", "gm"]},
        ]
    }
    policy = parse_policy(doc)
    assert policy.leave.chains[0].max_days == Decimal("0.5")
    assert policy.leave.chains[1].types == ("sick", "annual")
    assert parse_policy(policy_to_document(policy)) == policy


def test_leave_types_carry_pay_full_attendance_certificate_and_balance_and_round_trip():
    doc = small_document()
    doc["leave"] = {"types": {"marriage": {"paid": True, "full_attendance": True, "balance": True}},
                    "without_certificate": "keep", "certificate_days_after_return": 2}
    policy = parse_policy(doc)
    marriage = policy.leave.settings_for("marriage")
    assert (marriage.paid, marriage.full_attendance, marriage.certificate, marriage.balance) == (
        True, True, False, True)
    assert policy.leave.settings_for("sick").certificate  # a type left out keeps its defaults
    assert policy.leave.needs_certificate("sick") and not policy.leave.needs_certificate("annual")
    assert (policy.leave.without_certificate, policy.leave.certificate_days_after_return) == ("keep", 2)
    assert parse_policy(policy_to_document(policy)) == policy
    doc["leave"]["sick_needs_certificate"] = False
    assert not parse_policy(doc).leave.needs_certificate("sick")  # the rule book's own switch


@pytest.mark.parametrize(
    ("leave", "problem"),
    [
        ({"notice_hours": -1}, ("leave.notice_hours", "must be a whole number, 0 or more")),
        ({"long_personal_days": "3"}, ("leave.long_personal_days", "must be a whole number, 0 or more")),
        ({"sick_needs_certificate": "yes"}, ("leave.sick_needs_certificate", "must be true or false")),
        ({"file_with": "payroll"}, ("leave.file_with", ROLE_CHOICE)),
        ({"chains": []}, ("leave.chains", "must have at least one chain")),
        ({"chains": [{"steps": []}]}, ("leave.chains[0].steps", "must have at least one role")),
        ({"chains": [{"max_days": 1}]}, ("leave.chains[0].steps", "required")),
        (
            {"chains": [{"max_days": 0, "steps": ["lead"]}]},
            ("leave.chains[0].max_days", "must be a number above 0"),
        ),
        (
            {"chains": [{"types": ["holiday"], "steps": ["lead"]}]},
            ("leave.chains[0].types[0]", "must be one of: " + ", ".join(LEAVE_TYPES)),
        ),
        (
            {"annual_days": [{"min_years": 10, "days": 10}, {"min_years": 1, "days": 5}]},
            ("leave.annual_days[1].min_years", "must be above the one before"),
        ),
        ({"types": {"holiday": {"paid": True}}}, ("leave.types.holiday", "must be one of: " + ", ".join(LEAVE_TYPES))),
        ({"types": {"sick": {"paid": "no"}}}, ("leave.types.sick.paid", "must be true or false")),
        ({"types": ["sick"]}, ("leave.types", "must be a mapping")),
        ({"without_certificate": "unpaid"}, ("leave.without_certificate",
                                              "must be one of: " + ", ".join((*LEAVE_TYPES, "keep")))),
        ({"certificate_days_after_return": -1}, ("leave.certificate_days_after_return",
                                                 "must be a whole number, 0 or more")),
    ],
)
def test_bad_leave_settings_are_reported_where_they_are(leave, problem):
    doc = small_document()
    doc["leave"] = leave
    assert problems_of(doc) == [problem]


@pytest.mark.parametrize(
    ("swaps", "problem"),
    [
        ({"max_per_month": -2}, ("swaps.max_per_month", "must be a whole number, 0 or more")),
        ({"same_team": 1}, ("swaps.same_team", "must be true or false")),
        ({"approver": "boss"}, ("swaps.approver", ROLE_CHOICE)),
        ({"min_rest_hours": 25}, ("swaps.min_rest_hours", "must be a whole number from 0 to 24")),
    ],
)
def test_bad_swap_settings_are_reported_where_they_are(swaps, problem):
    doc = small_document()
    doc["swaps"] = swaps
    assert problems_of(doc) == [problem]


@pytest.mark.parametrize(
    ("deductions", "problem"),
    [
        ({"cap_percent_of_wage": 120}, ("deductions.cap_percent_of_wage", "must be a number from 0 to 100")),
        ({"cap_percent_of_wage": -1}, ("deductions.cap_percent_of_wage", "must be a number from 0 to 100")),
        ({"minimum_wage": "-1.00"}, ("deductions.minimum_wage", "must be 0 or more")),
    ],
)
def test_bad_deduction_settings_are_reported_where_they_are(deductions, problem):
    doc = small_document()
    doc["deductions"] = deductions
    assert problems_of(doc) == [problem]


def test_rewards_map_a_name_to_an_amount_and_points():
    doc = small_document()
    doc["rewards"] = {
        "full_attendance": {"amount": "200.00"},
        "Best Agent": {"amount": "50.00", "points": 5},
        "suggestion": {"points": 5},
        "honour": {"amount": 88.8},
    }
    assert sorted(problems_of(doc)) == [
        ("rewards.Best Agent", "must be lower-case letters, digits and _, like full_attendance"),
        ("rewards.honour.amount", "not a money amount"),
        ("rewards.suggestion.amount", "required"),
    ]


def test_grooming_items_need_a_code_and_name_and_a_known_kind():
    doc = small_document()
    doc["grooming"]["items"].append({"kind": "desk", "teams": []})
    assert sorted(problems_of(doc)) == [
        ("grooming.items[2].code", "required"),
        ("grooming.items[2].kind", "must be one of: grooming, workstation"),
        ("grooming.items[2].name", "required"),
        ("grooming.items[2].teams", "must have at least one team"),
    ]


def test_a_grooming_item_may_be_for_some_teams_and_retired():
    doc = small_document()
    doc["grooming"]["items"][0].update({"teams": ["FRONT"], "active": False})
    policy = parse_policy(doc)
    assert policy.grooming_items[0].teams == ("FRONT",)
    assert policy.grooming_items[0].active is False
    assert parse_policy(policy_to_document(policy)) == policy


def test_a_missing_rule_list_reports_only_that_and_no_unknown_references():
    doc = small_document()
    del doc["rules"]
    assert problems_of(doc) == [("rules", "required")]


# ---------------------------------------------------------------- property: any valid ladder round-trips

CENTS = st.integers(min_value=1, max_value=99_999_999)


def _yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _money_in_document(cents: int, as_int: bool):
    return cents // 100 if as_int and cents % 100 == 0 else str(_yuan(cents))


@st.composite
def steps(draw):
    """A valid ladder step as a document, with the Step it must parse to."""
    # forfeit_reward names a reward of the document (tests/domain/test_sanctions.py)
    sanction = draw(st.sampled_from([s for s in SANCTIONS if s != "forfeit_reward"]))
    doc: dict = {"sanction": sanction}
    expected: dict = {"sanction": sanction}
    if sanction == "stand_down":
        doc["days"] = expected["days"] = draw(st.integers(min_value=1, max_value=90))
    if sanction == "fine":
        if draw(st.booleans()):
            cents = draw(CENTS)
            doc["amount"] = _money_in_document(cents, draw(st.booleans()))
            expected["amount"] = _yuan(cents)
        else:
            low, high = sorted((draw(CENTS), draw(CENTS)))
            doc["amount_range"] = [_money_in_document(low, draw(st.booleans())), str(_yuan(high))]
            expected["amount_range"] = (_yuan(low), _yuan(high))
    points = draw(st.integers(min_value=1 if sanction == "points" else 0, max_value=100))
    if points or sanction == "points" or draw(st.booleans()):
        doc["points"] = points
        expected["points"] = points
    if draw(st.booleans()):
        doc["review"] = "dismissal"
        expected["review"] = "dismissal"
    return doc, Step(**expected)


WINDOWS = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=3660).map(lambda d: ({"days": d}, Window(days=d))),
    st.sampled_from(["month", "year"]).map(lambda c: ({"calendar": c}, Window(calendar=c))),
)


@given(
    ladder=st.lists(steps(), min_size=1, max_size=6),
    window=WINDOWS,
    after_ladder=st.one_of(st.none(), st.sampled_from(AFTER_LADDER)),
)
def test_any_valid_ladder_parses_as_written_and_round_trips(ladder, window, after_ladder):
    doc = small_document()
    extra = {}
    if window is not None:
        extra["window"] = window[0]
    if after_ladder is not None:
        extra["after_ladder"] = after_ladder
    doc["rules"].append(rule("ANY_RULE", *[step_doc for step_doc, _ in ladder], category="conduct", **extra))

    policy = parse_policy(copy.deepcopy(doc))

    parsed = policy.rules["ANY_RULE"]
    assert parsed.ladder == tuple(step for _, step in ladder)
    assert parsed.window == (window[1] if window is not None else None)
    assert parsed.after_ladder == after_ladder
    exported = policy_to_document(policy)
    assert parse_policy(exported) == policy
    assert parse_policy(yaml.safe_load(yaml.safe_dump(exported, allow_unicode=True))) == policy
    assert policy_to_document(parse_policy(exported)) == exported


def _node_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _node_paths(value, (*prefix, index))


DEFAULT_DOCUMENT = default_policy_document()
DEFAULT_NODES = list(_node_paths(DEFAULT_DOCUMENT))[1:]
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6) | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@given(st.lists(st.tuples(st.sampled_from(DEFAULT_NODES), JUNK), min_size=1, max_size=3))
def test_junk_anywhere_in_the_default_document_is_refused_with_problems_or_parses_never_crashes(changes):
    doc = copy.deepcopy(DEFAULT_DOCUMENT)
    for path, junk in changes:
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    try:
        policy = parse_policy(doc)
    except PolicyInvalid as invalid:
        assert invalid.problems
        assert all(isinstance(path, str) and isinstance(why, str) for path, why in invalid.problems)
    else:
        assert parse_policy(policy_to_document(policy)) == policy


# ---------------------------------------------------------------- leave chains by role; emergency-only personal leave


def test_a_leave_chain_may_be_chosen_by_role_and_personal_leave_may_be_emergency_only():
    doc = small_document()
    doc["leave"] = {"personal_emergency_only": True, "emergency_only_approver": "manager",
                    "chains": [{"roles": ["hr"], "steps": ["supervisor", "manager"]},
                               {"steps": ["lead", "supervisor", "manager"]}]}
    policy = parse_policy(doc)
    assert policy.leave.chains[0] == LeaveChain(steps=("supervisor", "manager"), roles=("hr",))
    assert policy.leave.personal_emergency_only and policy.leave.emergency_only_approver == "manager"
    assert parse_policy(policy_to_document(policy)) == policy


def test_a_document_without_the_new_leave_settings_keeps_personal_leave_open_to_all():
    policy = parse_policy(small_document())
    assert policy.leave.personal_emergency_only is False
    assert all(chain.roles is None for chain in policy.leave.chains)


def test_bad_chain_roles_and_emergency_only_settings_are_reported_where_they_are():
    doc = small_document()
    doc["leave"] = {"personal_emergency_only": "yes", "emergency_only_approver": "boss",
                    "chains": [{"roles": ["boss"], "steps": ["manager"]}, {"roles": [], "steps": ["lead"]}]}
    assert sorted(problems_of(doc)) == sorted([
        ("leave.personal_emergency_only", "must be true or false"),
        ("leave.emergency_only_approver", ROLE_CHOICE),
        ("leave.chains[0].roles[0]", ROLE_CHOICE),
        ("leave.chains[1].roles", "must have at least one role"),
    ])


def test_grooming_settings_read_and_export_and_bad_values_are_reported():
    doc = small_document()
    doc["grooming"].update(violation_per="check", workstation_violations=False)
    policy = parse_policy(doc)
    assert (policy.grooming.violation_per, policy.grooming.workstation_violations) == ("check", False)
    assert parse_policy(policy_to_document(policy)) == policy
    doc["grooming"].update(violation_per="person", workstation_violations="no")
    assert sorted(problems_of(doc)) == [("grooming.violation_per", "must be one of: check, item"),
                                        ("grooming.workstation_violations", "must be true or false")]


def test_swap_notify_defaults_to_the_leads_and_takes_roles():
    assert parse_policy(small_document()).swaps.notify == ("lead",)
    doc = small_document()
    doc["swaps"] = {"notify": ["lead", "manager"]}
    assert parse_policy(doc).swaps.notify == ("lead", "manager")
    doc["swaps"] = {"notify": ["owner"]}
    assert problems_of(doc) == [("swaps.notify[0]", ROLE_CHOICE)]


def test_award_kinds_say_who_grants_them_default_when_left_out_and_round_trip():
    doc = small_document()
    assert set(parse_policy(doc).awards) == {"suggestion", "loss_prevented", "honour"}  # a policy from before
    doc["awards"] = {"patent": {"name": {"zh": "专利", "en": "Patent"}, "granted_by": ["gm"]}}
    policy = parse_policy(doc)
    assert policy.awards["patent"].granted_by == ("gm",) and policy.awards["patent"].name.zh == "专利"
    assert parse_policy(policy_to_document(policy)) == policy
    for bad in ({"patent": {"name": {"zh": "专利", "en": "Patent"}, "granted_by": ["boss"]}},
                {"patent": {"granted_by": ["gm"]}}, [], {}):
        doc["awards"] = bad
        with pytest.raises(PolicyInvalid):
            parse_policy(doc)
    assert load_default_policy().awards["honour"].granted_by == ("manager",)
