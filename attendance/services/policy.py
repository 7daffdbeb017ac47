"""Versions of the policy: which one is in force on a day, adding one, exporting one; publishing one (how it
was adopted, 劳动合同法 Art. 4), each person's acknowledgement, and the check that a penalty stands on a
published rule book."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from attendance import clock
from attendance.domain.discipline import EVIDENCE_MAX_BYTES, sniff_image
from attendance.domain.errors import N_, Conflict, InvalidInput, NotFound, PolicyInvalid, RuleRefused
from attendance.domain.policy import (
    DEFAULT_PAY_TREATMENT,
    Policy,
    default_policy_document,
    parse_policy,
    policy_to_document,
)
from attendance.domain.text import NOT_TEXT, unfit_paths
from attendance.extensions import db
from attendance.models import Employee, PolicyAcknowledgement, PolicyVersion
from attendance.models.types import utcnow
from attendance.reporting.images import NotAnImage, clean_photo
from attendance.services import audit, notifications, people
from attendance.services.paging import Page, paginate
from attendance.services.transaction import on_rollback, savepoint, use_case

# How a rule book is adopted (劳动合同法 Art. 4); any other body is written out as text.
ADOPTED_BY = ("职工代表大会", "全体职工讨论")
MINUTE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
MAX_ID = 2**31 - 1


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
            raise InvalidInput(N_("not a YAML or JSON document%(where)s", where=where),
                               fields={"_body": N_("unreadable")}) from None
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
    """Install the shipped default policy if the database holds none yet: a draft until HR publishes it."""
    existing = db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.id).limit(1))
    return existing or add_version(actor, default_policy_document())


# --- publication and acknowledgement ------------------------------------------------------------


def get_version(version_id: int) -> PolicyVersion:
    row = db.session.get(PolicyVersion, version_id) if 0 < version_id <= MAX_ID else None
    if row is None:
        raise NotFound(N_("no policy version %(version_id)s", version_id=version_id))
    return row


def _check_minute(upload: tuple[str, bytes, str]) -> tuple[bytes, str]:
    """The minute or notice of adoption, judged by its content (as a leave certificate is): a PDF, or a
    photo re-encoded without EXIF. :raise InvalidInput: empty, too large, or neither."""
    _name, data, _declared = upload
    limit = current_app.config.get("CERTIFICATE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    if not data:
        raise InvalidInput(N_("The evidence file is empty."), fields={"evidence": N_("empty")})
    if len(data) > limit:
        raise InvalidInput(N_("The evidence file is too large."),
                           fields={"evidence": N_("at most %(mb)s MB",
                                                  mb=max(limit // 1048576, 1))})
    mime = "application/pdf" if data[:5] == b"%PDF-" else sniff_image(data)
    if mime not in MINUTE_TYPES:
        raise InvalidInput(N_("The evidence of adoption is a PDF or a photo (JPEG, PNG or WebP)."),
                           fields={"evidence": N_("PDF, JPEG, PNG or WebP")})
    if mime == "application/pdf":
        return data, mime  # served only as a download, never inline
    try:
        return clean_photo(data, mime), mime
    except NotAnImage:
        raise InvalidInput(N_("The evidence of adoption is a PDF or a photo (JPEG, PNG or WebP)."),
                           fields={"evidence": N_("not a readable photo")}) from None


def _store_minute(data: bytes, mime: str) -> tuple[str, str]:
    folder = Path(current_app.instance_path) / "policy"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{MINUTE_TYPES[mime]}"
    (folder / name).write_bytes(data)
    relative = f"policy/{name}"
    on_rollback(lambda: (Path(current_app.instance_path) / relative).unlink(missing_ok=True))
    return relative, hashlib.sha256(data).hexdigest()


def _adopted_on(value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        text = (value or "").strip() if isinstance(value, str) else ""
        if not text:
            raise InvalidInput(N_("The date of adoption is required."), fields={"adopted_on": N_("required")})
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(N_("The date of adoption is not a date."), fields={"adopted_on": N_("YYYY-MM-DD")}
                               ) from None
    if day > clock.today():
        raise InvalidInput(N_("The date of adoption is in the future."), fields={"adopted_on": N_("in the future")})
    return day


@use_case
def publish(actor: Employee | None, version_id: int, *, adopted_on, adopted_by: str,
            evidence: tuple[str, bytes, str] | None = None) -> PolicyVersion:
    """Publish a draft with how it was adopted and made known; everyone is told to read and acknowledge it.

    ``adopted_on`` may lie in the past (a department entering the paper rule book it already uses) but not
    in the future; ``evidence`` (the minute or notice) is a PDF or a photo.
    :raise InvalidInput: a missing or bad field (``fields`` names each). :raise Conflict: already published.
    """
    row = get_version(version_id)
    errors: dict[str, str] = {}
    day = None
    try:
        day = _adopted_on(adopted_on)
    except InvalidInput as exc:
        errors.update(exc.fields)
    body = (adopted_by or "").strip() if isinstance(adopted_by, str) else ""
    if not body:
        errors["adopted_by"] = N_("required")
    elif len(body) > 100:
        errors["adopted_by"] = N_("at most 100 characters")
    minute = None
    if evidence is not None:
        try:
            minute = _check_minute(evidence)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput("; ".join(N_("%(k)s: %(v)s", k=k, v=v) for k, v in errors.items()), fields=errors)
    db.session.execute(select(PolicyVersion.id).where(PolicyVersion.id == row.id).with_for_update())
    db.session.refresh(row)
    if row.published_at is not None:
        raise Conflict(N_("This policy version is published already."), code="already_published")
    if minute is not None:
        row.evidence_path, row.evidence_sha256 = _store_minute(*minute)
        row.evidence_type = minute[1]
    row.adopted_on, row.adopted_by = day, body
    row.published_at, row.published_by_id = utcnow(), actor.id if actor else None
    db.session.flush()
    audit.record(actor, "policy.publish", "policy_version", row.id, label=row.label,
                 adopted_on=day.isoformat(), adopted_by=body, evidence_sha256=row.evidence_sha256)
    everyone = db.session.scalars(select(Employee.id).where(Employee.active.is_(True))).all()
    notifications.notify_each(
        "policy_published", N_("Rules %(label)s published: please read and acknowledge them"),
        N_("Adopted on %(adopted_on)s by %(adopted_by)s; in force from %(effective_from)s."),
        [(i, {"label": row.label, "adopted_on": day.isoformat(), "adopted_by": body,
              "effective_from": row.effective_from.isoformat()}, f"/policy/versions/{row.id}/read")
         for i in everyone])
    return row


def publish_default(adopted_on: date, adopted_by: str = "全体职工讨论") -> PolicyVersion:
    """The shipped default, installed if missing and published (``flask demo``, the test database)."""
    row = ensure_default()
    return row if row.published_at is not None else publish(None, row.id, adopted_on=adopted_on,
                                                            adopted_by=adopted_by)


def evidence_file(version_id: int) -> tuple[Path, str]:
    """Where a version's minute of adoption is kept, and its type. :raise NotFound: none kept."""
    row = get_version(version_id)
    if not row.evidence_path:
        raise NotFound(N_("policy version %(version_id)s has no evidence of adoption", version_id=version_id))
    path = Path(current_app.instance_path) / row.evidence_path
    if not path.is_file():
        raise NotFound(N_("policy version %(version_id)s: the evidence file is missing", version_id=version_id))
    return path, row.evidence_type or "application/octet-stream"


def acknowledgement_of(version_id: int, employee_id: int) -> PolicyAcknowledgement | None:
    return db.session.scalar(select(PolicyAcknowledgement).where(
        PolicyAcknowledgement.policy_version_id == version_id, PolicyAcknowledgement.employee_id == employee_id))


@use_case
def acknowledge(actor: Employee, version_id: int) -> PolicyAcknowledgement:
    """The person has read a published version (已阅知); a second time returns the first.

    :raise Conflict: the version is still a draft (``not_published``).
    """
    row = get_version(version_id)
    if row.published_at is None:
        raise Conflict(N_("This policy version is not published yet."), code="not_published")
    if (existing := acknowledgement_of(row.id, actor.id)) is not None:
        return existing
    ack = PolicyAcknowledgement(policy_version_id=row.id, employee_id=actor.id, acknowledged_at=utcnow())
    try:
        with savepoint():
            db.session.add(ack)
            db.session.flush()
    except IntegrityError:  # the same person at the same moment: the first one stands
        existing = acknowledgement_of(row.id, actor.id)
        if existing is None:
            raise
        return existing
    audit.record(actor, "policy.acknowledge", "policy_version", row.id, label=row.label)
    return ack


@dataclass(frozen=True)
class Acknowledgements:
    version: PolicyVersion
    acknowledged: list[tuple[Employee, datetime]]
    pending: list[Employee]


def acknowledgements(viewer: Employee, version_id: int) -> Acknowledgements:
    """Who (of the active people ``viewer`` may see) has acknowledged a version, and who has not yet."""
    row = get_version(version_id)
    staff = db.session.scalars(
        select(Employee).where(Employee.active.is_(True), people.visible_clause(viewer))
        .options(joinedload(Employee.team)).order_by(Employee.employee_no)).unique().all()
    acks = {a.employee_id: a.acknowledged_at for a in db.session.scalars(
        select(PolicyAcknowledgement).where(PolicyAcknowledgement.policy_version_id == row.id))}
    return Acknowledgements(row, [(e, acks[e.id]) for e in staff if e.id in acks],
                            [e for e in staff if e.id not in acks])


def check_published_for(row: PolicyVersion, day: date) -> None:
    """A penalty stands only on a rule book adopted and made known before the event (劳动合同法 Art. 4):
    the version must be published, and the event's local date on or after its ``adopted_on``.

    :raise RuleRefused: ``rule_not_published`` otherwise.
    """
    if row.published_at is None or row.adopted_on is None:
        raise RuleRefused(N_("The rules in force that day (version %(label)s) are not published yet: "
                             "no penalty can be recorded under them.", label=row.label),
                          code="rule_not_published", fields={"occurred_at": N_("rules not published")})
    if day < row.adopted_on:
        raise RuleRefused(N_("The rules in force that day (version %(label)s) were adopted only on "
                             "%(adopted_on)s.", label=row.label, adopted_on=row.adopted_on.isoformat()),
                          code="rule_not_published", fields={"occurred_at": N_("before the rules were adopted")})


def version_in_force(on: date) -> PolicyVersion:
    """The version with the latest effective date on or before ``on``; of equals, the newest."""
    row = db.session.scalar(
        select(PolicyVersion)
        .where(PolicyVersion.effective_from <= on)
        .order_by(PolicyVersion.effective_from.desc(), PolicyVersion.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound(N_("no policy is in force on %(day)s", day=on.isoformat()))
    return row


def in_force(on: date) -> PolicyInForce:
    row = version_in_force(on)
    return PolicyInForce(row, parse_policy(row.document))


def pay_treatment(on: date | None = None) -> str:
    """How penalty amounts reach pay under the version in force ``on`` (today): the policy's ``pay_treatment``
    (the stored document is always written out whole, so the key is read without parsing the rest)."""
    with db.session.no_autoflush:  # asked from inside gettext: never flushes a use case's pending rows
        row = db.session.scalar(
            select(PolicyVersion.document)
            .where(PolicyVersion.effective_from <= (on or clock.today()))
            .order_by(PolicyVersion.effective_from.desc(), PolicyVersion.id.desc())
            .limit(1)
        )
    return (row or {}).get("pay_treatment", DEFAULT_PAY_TREATMENT)


def page_versions(*, limit: int = 50, cursor: str | None = None) -> Page:
    return paginate(select(PolicyVersion), PolicyVersion.id, limit=limit, cursor=cursor, descending=True)


def versions() -> list[PolicyVersion]:
    return list(db.session.scalars(
        select(PolicyVersion).order_by(PolicyVersion.effective_from.desc(), PolicyVersion.id.desc())))


def export_yaml(row: PolicyVersion) -> str:
    return yaml.safe_dump(row.document, allow_unicode=True, sort_keys=False, width=100)
