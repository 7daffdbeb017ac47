"""Versions of the policy: which one is in force on a day, adding one, exporting one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import yaml
from sqlalchemy import select

from attendance.domain.errors import InvalidInput, NotFound, PolicyInvalid
from attendance.domain.policy import Policy, default_policy_document, parse_policy, policy_to_document
from attendance.domain.text import NOT_TEXT, unfit_paths
from attendance.extensions import db
from attendance.models import Employee, PolicyVersion
from attendance.services import audit
from attendance.services.paging import Page, paginate
from attendance.services.transaction import use_case


@dataclass(frozen=True)
class PolicyInForce:
    version: PolicyVersion
    policy: Policy


def jsonable(value):
    """Dates and money as the strings of docs/api.md, so the stored document is plain JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def read_document(text: str | bytes) -> dict:
    """A policy document from YAML or JSON text. :raise InvalidInput: if unreadable, or holding text that is
    not fit to keep (attendance.domain.text: a NUL, an unpaired surrogate)."""
    try:
        # JSON is YAML, but YAML reads a JSON escaped surrogate pair ("\ud83d\ude00", as json.dumps writes an
        # emoji) as two unpaired surrogates: JSON is read as JSON.
        doc = json.loads(text)
    except (ValueError, RecursionError):
        try:
            doc = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise InvalidInput(f"not a YAML or JSON document{where}", fields={"_body": "unreadable"}) from None
    if not isinstance(doc, dict):
        raise PolicyInvalid([("", "a policy document is a mapping")])
    unfit = list(unfit_paths(doc))
    if unfit:
        raise PolicyInvalid([(path, NOT_TEXT) for path in unfit])
    return doc


@use_case
def add_version(actor: Employee | None, doc: dict) -> PolicyVersion:
    """Store a new version after checking all of it; a bad document changes nothing."""
    policy = parse_policy(doc)
    row = PolicyVersion(
        label=policy.version,
        effective_from=policy.effective_from,
        document=jsonable(policy_to_document(policy)),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "policy.add_version", "policy_version", row.id,
                 label=row.label, effective_from=row.effective_from.isoformat())
    return row


def ensure_default(actor: Employee | None = None) -> PolicyVersion:
    """Install the shipped default policy if the database holds none yet."""
    existing = db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.id).limit(1))
    return existing or add_version(actor, default_policy_document())


def version_in_force(on: date) -> PolicyVersion:
    """The version with the latest effective date on or before ``on``; of equals, the newest."""
    row = db.session.scalar(
        select(PolicyVersion)
        .where(PolicyVersion.effective_from <= on)
        .order_by(PolicyVersion.effective_from.desc(), PolicyVersion.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(f"no policy is in force on {on.isoformat()}")
    return row


def in_force(on: date) -> PolicyInForce:
    row = version_in_force(on)
    return PolicyInForce(row, parse_policy(row.document))


def page_versions(*, limit: int = 50, cursor: str | None = None) -> Page:
    return paginate(select(PolicyVersion), PolicyVersion.id, limit=limit, cursor=cursor, descending=True)


def versions() -> list[PolicyVersion]:
    return list(db.session.scalars(
        select(PolicyVersion).order_by(PolicyVersion.effective_from.desc(), PolicyVersion.id.desc())))


def export_yaml(row: PolicyVersion) -> str:
    return yaml.safe_dump(row.document, allow_unicode=True, sort_keys=False, width=100)
