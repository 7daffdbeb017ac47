"""Logins, passwords, sessions and API tokens.

- Passwords are hashed with ``PASSWORD_HASH_METHOD`` (scrypt at OWASP's strength); a stored hash weaker than
  that is re-made at the person's next successful sign-in (ASVS 5.0 11.4.2).
- Sign-ins are throttled per username and per client address, counted in ``login_failures`` so that every
  worker and host sees the same count; an unknown username is counted and answered exactly like a known one
  (ASVS 5.0 6.3.1).
- A person's ``session_generation`` is bumped when they sign out, change or are given a password, or are
  deactivated; the web session keeps the number it started with and ends when they differ (ASVS 5.0 7.4.1,
  7.4.2). A password change and a deactivation also revoke the person's API tokens.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from attendance.domain.errors import N_, Forbidden, InvalidInput, NotFound, Throttled
from attendance.extensions import db
from attendance.models import ApiToken, Employee, LoginFailure
from attendance.models.types import utcnow
from attendance.services import audit
from attendance.services.transaction import use_case

MIN_PASSWORD = 8


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- password hashes ---------------------------------------------------------------------------------


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]  # attendance/config.py: why this default


def hash_password(password: str) -> str:
    """The password's hash with the configured method (werkzeug's format: method$salt$hash)."""
    return generate_password_hash(password, method=_method())


def _cost(method: str) -> tuple[str, tuple[int, ...]] | None:
    """(algorithm, its cost parameters) of a werkzeug method string such as ``scrypt:32768:8:3``."""
    name, *args = method.split(":")
    try:
        if name == "scrypt":
            return "scrypt", tuple(int(a) for a in args) if args else (2**15, 8, 1)
        if name == "pbkdf2" and len(args) == 2:
            return f"pbkdf2:{args[0]}", (int(args[1]),)
    except ValueError:
        return None
    return None


def needs_rehash(stored_hash: str, method: str | None = None) -> bool:
    """True when ``stored_hash`` is weaker than ``method`` (another algorithm, or a lower cost in any part)."""
    have, want = _cost(stored_hash.split("$", 1)[0]), _cost(method or _method())
    if have is None or want is None or have[0] != want[0] or len(have[1]) != len(want[1]):
        return True
    return any(h < w for h, w in zip(have[1], want[1], strict=True))


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked against when the username is unknown, so that a wrong username takes as long as a wrong password.
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def one_time_password() -> str:
    """A random password to hand over once (16 characters, 96 bits)."""
    return secrets.token_urlsafe(12)


def check_password_rules(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD:
        raise InvalidInput(
            N_("password needs at least %(min_password)s characters", min_password=MIN_PASSWORD),
            fields={"password": N_("too short")},
        )


def authenticate(username: str, password: str) -> Employee | None:
    """The active person with this login and password, else None (no hint which part was wrong, not even
    by the time it takes: an unknown username is checked against a hash of the same cost)."""
    person = db.session.scalar(select(Employee).where(Employee.username == (username or "").strip()))
    usable = person is not None and person.active and bool(person.password_hash)
    matches = check_password_hash(person.password_hash if usable else _dummy_hash(_method()), password or "")
    return person if usable and matches else None


# --- signing in, with the throttle -------------------------------------------------------------------


def _username_key(username: str) -> str:
    return hashlib.sha256((username or "").strip().lower().encode()).hexdigest()


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config.get("LOGIN_WINDOW_MINUTES", 15))


def throttle_wait(username: str, address: str | None) -> int:
    """Seconds until a sign-in for ``username`` from ``address`` is heard again; 0 when it is heard now.

    Either limit is enough to refuse: ``LOGIN_MAX_FAILURES`` for the username (whoever tries it, from
    wherever) and ``LOGIN_MAX_FAILURES_PER_ADDRESS`` from the address (whichever usernames it tries).
    """
    config, now, window = current_app.config, utcnow(), _window()
    since = now - window
    waits = []
    for column, value, limit in (
        (LoginFailure.username_key, _username_key(username), config.get("LOGIN_MAX_FAILURES", 10)),
        (LoginFailure.address, _address(address), config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)),
    ):
        # The limit-th newest failure in the window: once it ages out, fewer than ``limit`` remain.
        edge = db.session.scalar(
            select(LoginFailure.failed_at).where(column == value, LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc()).offset(max(limit, 1) - 1).limit(1))
        if edge is not None:
            waits.append(max(1, math.ceil((edge + window - now).total_seconds())))
    return max(waits, default=0)


def sign_in(username: str, password: str, address: str | None) -> Employee | None:
    """The person, if the password is right and the throttle lets the attempt through; else None.

    A failure is counted (for the username as typed, known or not, and for the address); a success forgets
    the username's failures (not the address's: signing in to one's own account must not reset a count run
    up against others). A hash weaker than the configured method is re-made from the password just checked.

    The password check runs outside any transaction: hashing takes most of a second, and on SQLite a use
    case holds the write lock.

    :raise Throttled: too many failures for the username or from the address in the window.
    """
    wait = throttle_wait(username, address)
    if wait:
        raise Throttled(N_("too many failed sign-ins; try again in %(wait)s seconds", wait=wait), retry_after=wait)
    person = authenticate(username, password)
    key = _username_key(username)
    if person is None:
        _record_failure(key, _address(address))
        return None
    new_hash = hash_password(password) if needs_rehash(person.password_hash) else None
    # Most sign-ins write nothing: a burst at the start of a shift does not queue for the write lock.
    if new_hash is not None or db.session.scalar(select(LoginFailure.id).where(LoginFailure.username_key == key)
                                                 .limit(1)) is not None:
        _signed_in(person, key, new_hash)
    return person


@use_case
def _record_failure(username_key: str, address: str) -> None:
    now = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - _window()))
    db.session.add(LoginFailure(username_key=username_key, address=address, failed_at=now))


@use_case
def _signed_in(person: Employee, username_key: str, new_hash: str | None) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.username_key == username_key))
    if new_hash is not None:
        person.password_hash = new_hash
        audit.record(person, "password.rehash", "employee", person.employee_no)


# --- sessions ----------------------------------------------------------------------------------------


def _end_sessions(person: Employee, *, revoke_tokens: bool) -> None:
    person.session_generation = (person.session_generation or 0) + 1
    if revoke_tokens and person.id is not None:
        db.session.execute(update(ApiToken).where(ApiToken.employee_id == person.id,
                                                   ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))


@use_case
def sign_out(person: Employee) -> None:
    """End every web session of the person (this device's and any other's). API tokens stay."""
    _end_sessions(person, revoke_tokens=False)


@use_case
def end_access(actor: Employee | None, person: Employee) -> None:
    """End the person's web sessions and revoke their API tokens at once (deactivation)."""
    _end_sessions(person, revoke_tokens=True)
    audit.record(actor, "access.end", "employee", person.employee_no)


def set_login(actor: Employee | None, person: Employee, username: str | None, password: str) -> None:
    """Give ``person`` a login (or a new password). Does not commit: the caller's transaction does."""
    check_password_rules(password)
    if username is not None:
        username = username.strip()
        taken = db.session.scalar(
            select(Employee.id).where(Employee.username == username, Employee.id != (person.id or -1))
        )
        if not username or taken:
            raise InvalidInput(N_("username is taken"), fields={"username": N_("taken or empty")})
        person.username = username
    elif not person.username:
        raise InvalidInput(N_("username is required"), fields={"username": N_("required")})
    person.password_hash = hash_password(password)
    person.must_change_password = False
    # A new password ends the sessions and tokens the old one opened (ASVS 5.0 7.4.3); the caller keeps
    # its own session by storing the new generation (see auth.session.keep_session).
    _end_sessions(person, revoke_tokens=True)
    audit.record(actor, "password.set", "employee", person.employee_no)


@use_case
def change_own_password(person: Employee, password: str) -> None:
    """The signed-in person chooses a new password (they proved the current one just before)."""
    set_login(person, person, None, password)


@use_case
def change_password(actor: Employee, employee_no: str, password: str) -> None:
    person = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no))
    if person is None:
        raise NotFound(N_("no such employee"))
    set_login(actor, person, None if person.username else person.employee_no.lower(), password)


@use_case
def set_locale(person: Employee, lang: str) -> None:
    """Keep the person's language on their account, so every device shows it."""
    person.locale = lang


@use_case
def issue_token(person: Employee, hours: int) -> tuple[str, datetime]:
    """A new bearer token; only its SHA-256 is stored. Refused while the person still has a one-time password.

    :raise Forbidden: (code ``password_change_required``) the password must be changed on the web first.
    """
    if person.must_change_password:
        raise Forbidden(N_("this account still has its one-time password: sign in on the web and choose a new "
                           "password first"), code="password_change_required")
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=hours)
    db.session.add(ApiToken(employee_id=person.id, token_hash=_hash_token(token), expires_at=expires))
    return token, expires


def token_in_use(token: str) -> ApiToken | None:
    """The token's row while it is valid (not revoked, not expired, its person active), else None."""
    # The person comes in the same statement: every API call needs them (one round trip fewer per call).
    row = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.employee))
                            .where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row if row.employee.active else None


def person_for_token(token: str) -> Employee | None:
    row = token_in_use(token)
    return row.employee if row is not None else None


@use_case
def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
