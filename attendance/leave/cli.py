"""``flask --app attendance leave check-certificates``: the nightly rule for leave that needs a certificate."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from attendance.commands import actor_for, fail
from attendance.domain.errors import DomainError

leave_cli = AppGroup("leave", help="Leave: the nightly certificate check.")


@leave_cli.command("check-certificates")
@click.option("--date", "day", help="Judge as of this day (YYYY-MM-DD); default today.")
@click.option("--as", "as_user", help="Username to record as the one applying the rule (HR).")
def check_certificates(day: str | None, as_user: str | None) -> None:
    """Approved leave that needs a certificate (sick leave) and has none after its due day counts as the
    policy's ``leave.without_certificate`` type (personal leave); the person and their lead are told."""
    from attendance.domain import dates
    from attendance.services import leave

    actor = actor_for(as_user, "leave.certificates")
    try:
        changed = leave.apply_missing_certificates(actor, dates.parse_day(day, "date") if day else None)
    except DomainError as exc:
        fail(exc)
    click.echo(f"leaves now counted without their certificate: {changed}")
