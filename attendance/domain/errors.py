"""Errors the domain raises; entry points map them to HTTP statuses in one place."""

from __future__ import annotations


class Message(str):
    """A message with values, as English text (what the API and the logs show), that keeps its catalog id
    and values so that a page can translate it whole: ``no employee E0201`` is shown as 没有工号为 E0201 的员工,
    not looked up in the catalog as it is (where it is not). ``attendance.labels.translated`` renders one."""

    template: str
    params: dict

    def __new__(cls, template: str, params: dict):
        try:
            text = template % params
        except (KeyError, TypeError, ValueError):  # a broken placeholder must not hide the error it describes
            text = template
        self = super().__new__(cls, text)
        self.template, self.params = template, dict(params)
        return self

    def __reduce__(self):  # copies and pickles keep the id and values
        return (Message, (self.template, self.params))


def N_(message: str, **params) -> str:
    """Mark a message for the translation catalog without translating it here.

    The domain and services stay free of Flask; pages translate these messages where they show them
    (``translated(message)`` in templates), the API returns them as they are (English). With values
    (``N_("no employee %(no)s", no=no)``) the result is a :class:`Message`: the English text, filled, that
    remembers its id and values, so the page translates the id and fills in the values after.
    """
    return Message(message, params) if params else message


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
