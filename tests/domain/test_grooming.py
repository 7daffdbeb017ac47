"""Grooming rules with no app and no database: which items apply, failed codes, what a correction changes."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.errors import InvalidInput
from attendance.domain.grooming import correction, failed_codes, items_for_team, source_ref, violation_keys
from attendance.domain.policy import GroomingItem, GroomingSettings, Name, load_default_policy


@pytest.fixture(scope="module")
def policy():
    base = load_default_policy()
    items = list(base.grooming_items)
    items[3] = dataclasses.replace(items[3], teams=("T2",))  # SCARF: team T2 only
    items[5] = dataclasses.replace(items[5], active=False)  # MAKEUP: retired
    return dataclasses.replace(base, grooming_items=tuple(items))


def test_the_default_checklist_has_the_grooming_and_workstation_items_of_domain_section_6():
    items = load_default_policy().grooming_items
    assert len(items) == 15 and {i.kind for i in items} == {"grooming", "workstation"}
    assert all(i.name.zh and i.name.en and i.rule == "GROOMING" and i.active for i in items)


def test_an_item_for_some_teams_applies_only_to_them_and_a_retired_item_to_nobody(policy):
    t1 = [i.code for i in items_for_team(policy, "T1")]
    t2 = [i.code for i in items_for_team(policy, "T2")]
    assert "SCARF" not in t1 and "SCARF" in t2
    assert "MAKEUP" not in t1 and "MAKEUP" not in t2
    assert "SCARF" not in [i.code for i in items_for_team(policy, None)]
    assert t1 == [i.code for i in policy.grooming_items if i.code not in ("SCARF", "MAKEUP")]  # document order


def test_failed_codes_keep_checklist_order_and_everything_else_passes(policy):
    items = items_for_team(policy, "T1")
    assert failed_codes({"HAIR": "fail", "UNIFORM": "fail", "NAILS": "pass"}, items) == ("UNIFORM", "HAIR")
    assert failed_codes({}, items) == ()


def test_unknown_retired_or_other_team_items_and_bad_results_are_each_named(policy):
    with pytest.raises(InvalidInput) as err:
        failed_codes({"NOPE": "fail", "MAKEUP": "fail", "SCARF": "fail", "HAIR": "maybe"},
                     items_for_team(policy, "T1"))
    assert set(err.value.fields) == {"items.NOPE", "items.MAKEUP", "items.SCARF", "items.HAIR"}


def test_a_correction_adds_keeps_and_removes_by_item():
    change = correction(["UNIFORM", "SHOES"], ["SHOES", "HAIR"])
    assert (change.added, change.kept, change.removed) == (("HAIR",), ("SHOES",), ("UNIFORM",))
    assert correction([], ["HAIR"]).added == ("HAIR",)
    assert correction(["HAIR"], []).removed == ("HAIR",)


def test_the_source_reference_is_one_per_person_day_and_item():
    assert source_ref("E0001", "2026-11-03", "HAIR") == "grooming:E0001:2026-11-03:HAIR"


# --- how failures become violations: per check or per item, desk items or not (docs/rules.md §6) ------

DEFAULT_ITEMS = load_default_policy().grooming_items


def test_the_default_follows_000_section_7_one_violation_per_check_and_no_desk_fines():
    settings = load_default_policy().grooming
    assert settings == GroomingSettings(violation_per="check", workstation_violations=False)
    keys = violation_keys(DEFAULT_ITEMS, settings)
    assert {keys[i.code] for i in DEFAULT_ITEMS if i.kind == "grooming"} == {"check:GROOMING"}
    assert {keys[i.code] for i in DEFAULT_ITEMS if i.kind == "workstation"} == {None}


def test_per_item_each_failed_item_is_its_own_violation_and_desk_items_may_raise_too():
    keys = violation_keys(DEFAULT_ITEMS, GroomingSettings(violation_per="item", workstation_violations=True))
    assert keys == {i.code: i.code for i in DEFAULT_ITEMS}


def test_a_document_without_the_settings_reads_as_before_they_existed():
    assert GroomingSettings() == GroomingSettings(violation_per="item", workstation_violations=True)


def _item(code, rule, kind):
    return GroomingItem(code=code, name=Name(code, code), rule=rule, kind=kind)


items_strategy = st.lists(
    st.tuples(st.sampled_from(["GROOMING", "DRESS_CODE", "HANDBOOK"]), st.sampled_from(["grooming", "workstation"])),
    max_size=12).map(lambda xs: [_item(f"I{n}", rule, kind) for n, (rule, kind) in enumerate(xs)])


@given(items=items_strategy, per=st.sampled_from(["check", "item"]), desk=st.booleans())
def test_a_check_raises_at_most_one_violation_per_rule_per_check_and_at_least_as_many_per_item(items, per, desk):
    keys = violation_keys(items, GroomingSettings(violation_per=per, workstation_violations=desk))
    raising = [i for i in items if keys[i.code] is not None]
    silent = [i for i in items if keys[i.code] is None]
    assert silent == ([] if desk else [i for i in items if i.kind == "workstation"])
    distinct = {keys[i.code] for i in raising}
    if per == "check":
        assert len(distinct) == len({i.rule for i in raising})
    else:
        assert len(distinct) == len(raising)
