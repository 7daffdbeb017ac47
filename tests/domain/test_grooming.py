"""Grooming rules with no app and no database: which items apply, failed codes, what a correction changes."""

from __future__ import annotations

import dataclasses

import pytest

from attendance.domain.errors import InvalidInput
from attendance.domain.grooming import correction, failed_codes, items_for_team, source_ref
from attendance.domain.policy import load_default_policy


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
