"""``flask --app attendance retention apply [--dry-run]``: delete sensitive files past their retention."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from attendance.commands import actor_for, fail
from attendance.domain.errors import DomainError

retention_cli = AppGroup("retention", help="Sensitive files (evidence photos, leave certificates, work report "
                                      "files): retention.")


@retention_cli.command("apply")
@click.option("--dry-run", is_flag=True, help="Only list the files that would be deleted.")
@click.option("--date", "day", help="Judge as of this day (YYYY-MM-DD); default today.")
@click.option("--as", "as_user", help="Username to record as the one applying it (HR or admin).")
def apply(dry_run: bool, day: str | None, as_user: str | None) -> None:
    """Delete evidence photos, leave certificates and work report files older than the policy's ``retention``
    (whole months after the month of the event); the records keep each file's SHA-256 and say it was deleted."""
    from attendance.domain import dates
    from attendance.services import privacy

    actor = actor_for(as_user, "privacy.sensitive_views")
    try:
        files = privacy.apply_retention(actor, dates.parse_day(day, "date") if day else None, dry_run=dry_run)
    except DomainError as exc:
        fail(exc)
    for f in files:
        click.echo(f"{f.kind} {f.record_id} {f.event_day.isoformat()} sha256={f.sha256}")
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb}: {sum(f.kind == 'photo' for f in files)} photos, "
               f"{sum(f.kind == 'certificate' for f in files)} certificates, "
               f"{sum(f.kind == 'report_file' for f in files)} report files")
