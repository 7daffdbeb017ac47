"""Errors the domain raises; entry points map them to HTTP statuses in one place."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for the translation catalog without translating it here.

    The domain and services stay free of Flask; pages translate these messages where they show
    them (``_(message)`` in templates), the API returns them as they are.
    """
    return message


class DomainError(Exception):
    """Base of every rule the domain refuses."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(DomainError):
    """Input that is malformed or fails a field check (HTTP 400)."""

    code = "invalid_input"


class PolicyInvalid(InvalidInput):
    """A policy document with one or more problems, each with its path."""

    code = "policy_invalid"

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        fields = {path: why for path, why in problems}
        text = "; ".join(f"{path}: {why}" for path, why in problems)
        super().__init__(text, fields=fields)


class RuleRefused(DomainError):
    """Refused by a rule of the policy (HTTP 422); ``code`` names the rule."""

    code = "rule_refused"


class NotFound(DomainError):
    """An unknown thing, or one the caller may not see (HTTP 404)."""

    code = "not_found"


class Conflict(DomainError):
    """A state conflict: already decided, or changed meanwhile (HTTP 409)."""

    code = "conflict"


class Forbidden(DomainError):
    """The caller's roles do not allow this (HTTP 403)."""

    code = "forbidden"


class Unauthenticated(DomainError):
    """No, a bad, or an expired credential (HTTP 401)."""

    code = "unauthorized"


class Throttled(DomainError):
    """Too many attempts for now (HTTP 429); ``retry_after`` is how many seconds until the next is heard."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
