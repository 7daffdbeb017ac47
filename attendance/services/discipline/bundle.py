"""The evidence bundle of one violation, for a labour dispute (the employer bears the burden of proof): the
explanation, the rule text, the rule book's publication and the person's acknowledgement, the appeal and its
decision, who did what and when, the evidence files with their SHA-256, the violation's ledger entries with
their hashes, and a check of the whole chain. The service gathers plain data; ``reporting.evidence_bundle``
writes the ZIP. Every download is audited."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select

from attendance import clock
from attendance.domain import ledger as chain
from attendance.domain.errors import N_, Forbidden
from attendance.domain.permissions import allowed
from attendance.extensions import db
from attendance.models import Appeal, AuditEvent, Employee, GroomingFailure, LedgerEntry, PolicyVersion
from attendance.reporting.evidence_bundle import build_bundle
from attendance.reporting.explanation import explanation_sections
from attendance.services import audit
from attendance.services.discipline.explanation import explain
from attendance.services.discipline.ledger import _content, verify_ledger
from attendance.services.transaction import use_case


def _file(relative: str | None, name: str) -> tuple[str, bytes, str] | None:
    if not relative:
        return None
    path = Path(current_app.instance_path) / relative
    if not path.is_file():
        return None
    data = path.read_bytes()
    return f"{name}{path.suffix}", data, hashlib.sha256(data).hexdigest()


def _trail(violation) -> list[dict]:
    """Who did what and when: the audit events of the violation, its appeal and its dismissal review."""
    keys = [("violation", str(violation.id))]
    if violation.appeal is not None:
        keys.append(("appeal", str(violation.appeal.id)))
    if violation.review is not None:
        keys.append(("dismissal_review", str(violation.review.id)))
    events = db.session.scalars(select(AuditEvent).where(or_(
        *[(AuditEvent.entity == e) & (AuditEvent.entity_key == k) for e, k in keys])).order_by(AuditEvent.id)).all()
    names = {e.id: e.name for e in db.session.scalars(
        select(Employee).where(Employee.id.in_({ev.actor_id for ev in events if ev.actor_id})))}
    return [{"at": ev.at.astimezone(clock.site_zone()).isoformat(), "who": names.get(ev.actor_id, "(system)"),
             "action": ev.action, "details": ev.details} for ev in events]


@use_case
def evidence_bundle(actor: Employee, violation_id: int) -> tuple[str, bytes]:
    """``(filename, ZIP bytes)`` for HR, managers, the GM and admins. :raise NotFound: a violation the actor
    may not see; Forbidden: a role without the right."""
    if not allowed(actor.roles, "violations.evidence_bundle"):
        raise Forbidden(N_("the evidence bundle is for HR, managers, the GM and admins"))
    found = explain(actor, violation_id)
    v = found.violation
    data = found.as_data()
    version = v.policy_version or db.session.get(PolicyVersion, v.policy_version_id)
    files = [f for f in (_file(v.evidence_path, f"evidence/violation-{v.id}"),
                         _file(version.evidence_path, f"evidence/policy-{version.id}-adoption")) if f]
    for failure in db.session.scalars(select(GroomingFailure).where(GroomingFailure.violation_id == v.id)):
        if (f := _file(failure.evidence_path, f"evidence/grooming-{failure.id}")) is not None:
            files.append(f)
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.violation_id == v.id)
                                 .order_by(LedgerEntry.id)).all()
    reversal_ids = [e.id for e in entries]
    if reversal_ids:
        entries = db.session.scalars(select(LedgerEntry).where(or_(
            LedgerEntry.violation_id == v.id, LedgerEntry.reverses_id.in_(reversal_ids))).order_by(LedgerEntry.id)
        ).all()
    ledger = [{"id": e.id, "kind": e.kind, "amount": str(e.amount), "points": e.points,
               "violation_id": e.violation_id, "reverses_id": e.reverses_id, "reason": e.reason,
               "created_by_id": e.created_by_id, "created_at": e.created_at.isoformat(),
               "occurred_on": e.occurred_on.isoformat(), "prev_hash": e.prev_hash, "hash": e.hash,
               "hash_recomputed": chain.entry_hash(e.prev_hash, _content(e))} for e in entries]
    report = verify_ledger()
    verify = {"ok": report.ok, "entries": report.entries, "head": report.head, "first_bad": report.first_bad,
              "problem": report.problem, "checked_at": clock.now().isoformat()}
    appeal = db.session.get(Appeal, v.appeal.id) if v.appeal is not None else None
    rule_text = {"code": v.rule_code, "name_zh": v.rule_name_zh, "name_en": v.rule_name_en,
                 "rule": (next((r for r in version.document.get("rules", []) if r.get("code") == v.rule_code), None)
                          if isinstance(version.document.get("rules"), list) else
                          (version.document.get("rules") or {}).get(v.rule_code))}
    zipped = build_bundle(
        violation_id=v.id, employee=f"{v.employee.employee_no} {v.employee.name}",
        sections=explanation_sections(data, found.rule, found.after_ladder), explanation=data,
        rule_text=rule_text, trail=_trail(v), files=files, ledger=ledger, verify=verify,
        appeal_id=appeal.id if appeal else None)
    audit.record(actor, "violation.evidence_bundle", "violation", v.id, sha256=hashlib.sha256(zipped).hexdigest(),
                 files=[name for name, _data, _sha in files], ledger_entries=[e["id"] for e in ledger],
                 chain_ok=report.ok)
    return f"violation-{v.id}-evidence.zip", zipped
