"""Grooming and workstation checks (docs/rules.md §6): which items apply, and what a correction changes.

Plain values and functions of the policy's checklist; the service loads and saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from attendance.domain.errors import N_, InvalidInput
from attendance.domain.policy import GroomingItem, GroomingSettings, Policy

STATUSES = ("present", "absent")
RESULTS = ("pass", "fail")
NOTE_MAX = 500


def items_for_team(policy: Policy, team_code: str | None) -> tuple[GroomingItem, ...]:
    """The active items that apply to a team, in the policy's order (an item without teams applies to all)."""
    return tuple(
        item for item in policy.grooming_items
        if item.active and (item.teams is None or (team_code is not None and team_code in item.teams))
    )


def failed_codes(results: Mapping[str, str], items: Iterable[GroomingItem]) -> tuple[str, ...]:
    """The codes marked ``fail``, in checklist order; every other item passes by default.

    :raise InvalidInput: naming each unknown item code and each result that is not pass/fail.
    """
    known = {item.code: item for item in items}
    problems: dict[str, str] = {}
    for code, result in results.items():
        if code not in known:
            problems[f"items.{code}"] = "unknown or retired item for this team"
        elif result not in RESULTS:
            problems[f"items.{code}"] = "pass or fail"
    if problems:
        raise InvalidInput(N_("invalid checklist items: %(items)s", items=", ".join(sorted(problems))), fields=problems)
    return tuple(code for code in known if results.get(code) == "fail")


@dataclass(frozen=True)
class Correction:
    """What replacing the failures ``before`` with ``after`` means for the violations they raised."""

    added: tuple[str, ...]  # newly failed: raise a violation
    kept: tuple[str, ...]  # failed before and after: the violation stands
    removed: tuple[str, ...]  # failed before, not now: reverse the violation


def correction(before: Iterable[str], after: Iterable[str]) -> Correction:
    before, after = tuple(dict.fromkeys(before)), tuple(dict.fromkeys(after))
    return Correction(
        added=tuple(c for c in after if c not in before),
        kept=tuple(c for c in after if c in before),
        removed=tuple(c for c in before if c not in after),
    )


def source_ref(employee_no: str, day_iso: str, key: str) -> str:
    """The violation's source reference: one counted violation per person, day and key of
    ``violation_keys`` (an item's code, or ``check:<RULE>``)."""
    return f"grooming:{employee_no}:{day_iso}:{key}"


def violation_keys(items: Iterable[GroomingItem], settings: GroomingSettings) -> dict[str, str | None]:
    """For each failed item (by code), the key of the violation it stands for, or None when it raises none.

    ``violation_per: item``: each failed item its own violation (key: the item's code). ``check``: the failed
    items naming the same rule share one violation (key ``check:<RULE>``), so a check costs one step of the
    ladder per rule however many items failed [000 §7 一.6 "如有违反……一次罚款十元"]. A workstation item raises
    nothing unless ``workstation_violations`` (no rule book fines desk tidiness): it is still recorded as failed.
    """
    keys: dict[str, str | None] = {}
    for item in items:
        if item.kind == "workstation" and not settings.workstation_violations:
            keys[item.code] = None
        elif settings.violation_per == "check":
            keys[item.code] = f"check:{item.rule}"
        else:
            keys[item.code] = item.code
    return keys
