"""Policy templates: the shipped default (the call-centre book) and one document for each other kind of
department in the rule books where their rules conflict (docs/rules.md "Policy templates"), and the settings
in which they differ, for the policy page's side-by-side table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from attendance.domain.errors import N_, InvalidInput
from attendance.domain.policy.export import policy_to_document
from attendance.domain.policy.model import Policy
from attendance.domain.policy.reader import _YAML_LOADER, DEFAULT_POLICY_FILE, parse_policy

TEMPLATES_DIR = DEFAULT_POLICY_FILE.parent / "templates"
# default: the call-centre book (000 §1, §5, §7 and 004); property: the property-management office (002);
# shop: the e-commerce / online-shop customer service (000 §4)
TEMPLATES = ("default", "property", "shop")
# What is not a setting to compare: the version label and the day it takes effect.
_NOT_COMPARED = ("version", "effective_from")


def template_file(name: str):
    """The file of template ``name``. :raise InvalidInput: not a template."""
    if name not in TEMPLATES:
        raise InvalidInput(N_("No such policy template."), fields={"template": "one of " + ", ".join(TEMPLATES)})
    return DEFAULT_POLICY_FILE if name == "default" else TEMPLATES_DIR / f"{name}.yaml"


def template_document(name: str) -> dict:
    """Template ``name`` as loaded (a fresh copy). :raise InvalidInput: not a template."""
    with template_file(name).open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_YAML_LOADER)


def load_template(name: str) -> Policy:
    """Template ``name`` read as a policy. :raise InvalidInput: not a template. :raise PolicyInvalid:"""
    return parse_policy(template_document(name))


@dataclass(frozen=True)
class Difference:
    """One setting that is not the same in every policy compared: its path in the document and its value in
    each (None: absent there). A rule's value is its ladder and what follows it (``rules.LATE``)."""

    key: str
    values: tuple[Any, ...]

    @property
    def rule_code(self) -> str | None:
        return self.key.split(".", 1)[1] if self.key.startswith("rules.") else None


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    else:
        out[path] = tuple(value) if isinstance(value, list) else value


def _settings(policy: Policy) -> dict[str, Any]:
    doc = policy_to_document(policy)
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in _NOT_COMPARED or key in ("rules", "grooming", "leave"):
            continue
        _flatten(value, key, out)
    leave = dict(doc["leave"])
    out["leave.chains"] = policy.leave.chains  # compared and shown whole: the order of the chains matters
    leave.pop("chains")
    _flatten(leave, "leave", out)
    grooming = dict(doc["grooming"])
    grooming.pop("items")
    _flatten(grooming, "grooming", out)
    out["grooming.items"] = tuple(item.code for item in policy.grooming_items if item.active)
    for rule in policy.rules.values():
        out[f"rules.{rule.code}"] = (rule.ladder, policy.after_ladder_for(rule))
    return out


def differences(policies: Sequence[Policy]) -> list[Difference]:
    """The settings whose values are not all equal across ``policies``, in document order (settings first,
    then the rules); a setting or rule one of them lacks is None there."""
    flat = [_settings(policy) for policy in policies]
    keys = list(dict.fromkeys(key for settings in flat for key in settings))
    rows = []
    for key in keys:
        values = tuple(settings.get(key) for settings in flat)
        if any(value != values[0] for value in values[1:]):
            rows.append(Difference(key, values))
    settings_first = sorted(rows, key=lambda row: row.key.startswith("rules."))
    return settings_first
