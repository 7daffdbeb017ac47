"""What every command-line entry point shares: acting as a user the permission table allows, failing with
the domain error's message, and the site language for text a command writes (charts, reports).

Capability CLIs (``people``, ``policy``, ``attendance``, ``scores``, ``discipline``) import this module;
``attendance.cli`` only registers them, so no CLI module imports another.
"""

from __future__ import annotations

import sys

import click
from flask import current_app

from attendance.domain.errors import DomainError, PolicyInvalid
from attendance.domain.permissions import allowed
from attendance.extensions import db


def fail(error: DomainError) -> None:
    if isinstance(error, PolicyInvalid):
        for path, why in error.problems:
            click.echo(f"  {path or '(document)'}: {why}", err=True)
    else:
        click.echo(f"error: {error.message}", err=True)
        for name, why in error.fields.items():
            click.echo(f"  {name}: {why}", err=True)
    sys.exit(1)


def actor_for(username: str | None, action: str):
    """The person a command acts as; the permission table is asked exactly as for pages and API."""
    if not username:
        return None
    from sqlalchemy import select

    from attendance.models import Employee

    person = db.session.scalar(select(Employee).where(Employee.username == username))
    if person is None or not allowed(person.roles, action):
        click.echo(f"error: {username} may not {action}", err=True)
        sys.exit(1)
    return person


def in_site_language():
    """gettext needs a request to pick the language; a command gets the site's default (Chinese)."""
    return current_app.test_request_context()
