"""Logins, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from attendance.domain.errors import N_, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import ApiToken, Employee
from attendance.models.types import utcnow
from attendance.services import audit
from attendance.services.transaction import use_case

MIN_PASSWORD = 8


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rules(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"password needs at least {MIN_PASSWORD} characters",
            fields={"password": N_("too short")},
        )


def authenticate(username: str, password: str) -> Employee | None:
    """The active person with this login and password, else None (no hint which part was wrong)."""
    person = db.session.scalar(select(Employee).where(Employee.username == (username or "").strip()))
    if person is None or not person.active or not person.password_hash:
        return None
    if not check_password_hash(person.password_hash, password or ""):
        return None
    return person


def set_login(actor: Employee | None, person: Employee, username: str | None, password: str) -> None:
    """Give ``person`` a login (or a new password). Does not commit: the caller's transaction does."""
    check_password_rules(password)
    if username is not None:
        username = username.strip()
        taken = db.session.scalar(
            select(Employee.id).where(Employee.username == username, Employee.id != (person.id or -1))
        )
        if not username or taken:
            raise InvalidInput("username is taken", fields={"username": N_("taken or empty")})
        person.username = username
    elif not person.username:
        raise InvalidInput("username is required", fields={"username": N_("required")})
    person.password_hash = generate_password_hash(password)
    audit.record(actor, "password.set", "employee", person.employee_no)


@use_case
def change_password(actor: Employee, employee_no: str, password: str) -> None:
    person = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no))
    if person is None:
        raise NotFound("no such employee")
    set_login(actor, person, None if person.username else person.employee_no.lower(), password)


@use_case
def set_locale(person: Employee, lang: str) -> None:
    """Keep the person's language on their account, so every device shows it."""
    person.locale = lang


@use_case
def issue_token(person: Employee, hours: int) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours)
    db.session.add(ApiToken(employee_id=person.id, token_hash=_hash_token(token), expires_at=expires))
    return token, expires


def person_for_token(token: str) -> Employee | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    person = row.employee
    return person if person.active else None


@use_case
def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
