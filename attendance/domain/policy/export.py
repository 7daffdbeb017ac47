"""A ``Policy`` back to its document, for export: the inverse of ``parse_policy``."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from attendance.domain.money import fmt
from attendance.domain.policy.model import (
    GroomingItem,
    LeaveChain,
    Name,
    Policy,
    Rule,
    Step,
    Window,
)


def _number(value: Decimal | int) -> int | str:
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else str(number)


def _name_doc(name: Name) -> dict:
    return {"zh": name.zh, "en": name.en}


def _window_doc(window: Window) -> dict:
    return {"days": window.days} if window.days is not None else {"calendar": window.calendar}


def _step_doc(step: Step) -> dict:
    doc: dict[str, Any] = {"sanction": step.sanction}
    if step.amount is not None:
        doc["amount"] = fmt(step.amount)
    if step.amount_range is not None:
        doc["amount_range"] = [fmt(step.amount_range[0]), fmt(step.amount_range[1])]
    doc["points"] = step.points
    if step.review is not None:
        doc["review"] = step.review
    if step.days is not None:
        doc["days"] = step.days
    if step.reward is not None:
        doc["reward"] = step.reward
    if step.options:
        doc["options"] = [_step_doc(option) for option in step.options]
        del doc["points"]  # a choice's points are its options'
    return doc


def _rule_doc(rule: Rule) -> dict:
    doc: dict[str, Any] = {"code": rule.code, "name": _name_doc(rule.name), "category": rule.category}
    if rule.source is not None:
        doc["source"] = rule.source
    if rule.window is not None:
        doc["window"] = _window_doc(rule.window)
    if rule.after_ladder is not None:
        doc["after_ladder"] = rule.after_ladder
    doc["ladder"] = [_step_doc(step) for step in rule.ladder]
    return doc


def _chain_doc(chain: LeaveChain) -> dict:
    doc: dict[str, Any] = {}
    if chain.max_days is not None:
        doc["max_days"] = _number(chain.max_days)
    if chain.types is not None:
        doc["types"] = list(chain.types)
    if chain.roles is not None:
        doc["roles"] = list(chain.roles)
    doc["steps"] = list(chain.steps)
    return doc


def _item_doc(item: GroomingItem) -> dict:
    doc: dict[str, Any] = {
        "code": item.code,
        "name": _name_doc(item.name),
        "rule": item.rule,
        "kind": item.kind,
    }
    if item.teams is not None:
        doc["teams"] = list(item.teams)
    if not item.active:
        doc["active"] = False
    return doc


def policy_to_document(policy: Policy) -> dict:
    """The document for ``policy``, every section written out; plain JSON/YAML types only
    (dates as ``YYYY-MM-DD`` and money as ``"10.00"`` strings). ``parse_policy`` reads it back equal."""
    leave = policy.leave
    doc: dict[str, Any] = {
        "version": policy.version,
        "effective_from": policy.effective_from.isoformat(),
        "timezone": policy.timezone,
        "currency": policy.currency,
        "score": {"base": policy.score_base, "floor": policy.score_floor},
        "defaults": {"window": _window_doc(policy.default_window), "after_ladder": policy.after_ladder},
        "attendance": {
            "grace_minutes": policy.attendance.grace_minutes,
            "half_absent_after_minutes": policy.attendance.half_absent_after_minutes,
            "rules": dict(policy.attendance.rules),
        },
        "swaps": {
            "notice_hours": policy.swaps.notice_hours,
            "max_per_month": policy.swaps.max_per_month,
            "same_team": policy.swaps.same_team,
            "approver": policy.swaps.approver,
            "min_rest_hours": policy.swaps.min_rest_hours,
            "notify": list(policy.swaps.notify),
        },
        "corrections": {
            "max_per_month": policy.corrections.max_per_month,
            "within_days": policy.corrections.within_days,
            "approvers": list(policy.corrections.approvers),
        },
        "extra_shifts": {
            "approvers": list(policy.extra_shifts.approvers),
            "max_hours": policy.extra_shifts.max_hours,
            "within_days": policy.extra_shifts.within_days,
        },
        "service_phrases": {
            "rule": policy.service_phrases.rule,
            "max_score": policy.service_phrases.max_score,
            **{kind: [{"code": p.code, "text": p.text, "category": p.category,
                       **({"source": p.source} if p.source else {})}
                      for p in getattr(policy.service_phrases, kind)] for kind in ("forbidden", "required")},
        },
        "cover": {
            "minimum": policy.cover.minimum,
            "holiday_minimum": policy.cover.holiday_minimum,
            "rules": [{"people": r.people, **({"team": r.team} if r.team else {}),
                       **({"shift": r.shift} if r.shift else {})} for r in policy.cover.rules],
        },
        "leave": {
            "notice_hours": leave.notice_hours,
            "long_personal_days": leave.long_personal_days,
            "long_personal_notice_days": leave.long_personal_notice_days,
            "emergency_report_hours": leave.emergency_report_hours,
            "extension_notice_hours": leave.extension_notice_hours,
            "sick_needs_certificate": leave.sick_needs_certificate,
            "chains": [_chain_doc(chain) for chain in leave.chains],
            "file_with": leave.file_with,
            "annual_days": [{"min_years": t.min_years, "days": t.days} for t in leave.annual_days],
            "types": {name: {"paid": t.paid, "full_attendance": t.full_attendance, "certificate": t.certificate,
                             "balance": t.balance} for name, t in leave.types.items()},
            "certificate_days_after_return": leave.certificate_days_after_return,
            "without_certificate": leave.without_certificate,
            "personal_emergency_only": leave.personal_emergency_only,
            "emergency_only_approver": leave.emergency_only_approver,
        },
        "pay_treatment": policy.pay_treatment,
        "retention": {"photos_months": policy.retention.photos_months,
                      "certificates_months": policy.retention.certificates_months,
                      "work_report_files_months": policy.retention.work_report_files_months},
        "deductions": {
            "cap_percent_of_wage": _number(policy.deductions.cap_percent_of_wage),
            "minimum_wage": fmt(policy.deductions.minimum_wage),
        },
        "rewards": {
            name: {"amount": fmt(reward.amount), "points": reward.points, "nomination": reward.nomination,
                   "pending_at_close": reward.pending_at_close}
            for name, reward in policy.rewards.items()
        },
        "stand_down": {"pay_percent": _number(policy.stand_down.pay_percent),
                       "days_per_month": _number(policy.stand_down.days_per_month)},
        "awards": {kind: {"name": {"zh": award.name.zh, "en": award.name.en}, "granted_by": list(award.granted_by)}
                   for kind, award in policy.awards.items()},
        "grooming": {"violation_per": policy.grooming.violation_per,
                     "workstation_violations": policy.grooming.workstation_violations,
                     "items": [_item_doc(item) for item in policy.grooming_items]},
        "rules": [_rule_doc(rule) for rule in policy.rules.values()],
    }
    if policy.settings:
        doc["settings"] = copy.deepcopy(policy.settings)
    return doc
