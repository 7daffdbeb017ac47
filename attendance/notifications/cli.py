"""``flask --app attendance notifications send``: deliver the group robots' outbox. The jobs worker already
sends each message seconds after its event commits; from cron, every few minutes, this catches up on what is
left (messages queued while no worker ran, and the retries of a robot that failed)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

notifications_cli = AppGroup("notifications", help="Deliver notifications to the teams' group robots.")


@notifications_cli.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="At most this many messages in this run.")
def send(limit: int) -> None:
    """Post the due messages to their robots; a failure is tried again later (1, 2, 4 … minutes, at most
    an hour apart) and given up after 8 attempts. Exits 0 whatever the robots answered."""
    from attendance.services import outbox

    report = outbox.send_due(limit)
    click.echo(f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}")
