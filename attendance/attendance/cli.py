"""``flask --app attendance attendance evaluate``: judge attendance from the command line (the same service)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from attendance.commands import actor_for, fail
from attendance.domain import dates
from attendance.domain.errors import DomainError

attendance_cli = AppGroup("attendance", help="Judge attendance days and raise their violations.")


@attendance_cli.command("evaluate")
@click.option("--date", "day", required=True,
              help="The day (YYYY-MM-DD, or 'yesterday' for a nightly job), or the first day with --to.")
@click.option("--to", "to", help="The last day of a range (YYYY-MM-DD).")
@click.option("--team", help="Only this team's people (team code).")
@click.option("--as", "as_user", help="Username to record as the evaluator (must be allowed to).")
def evaluate(day: str, to: str | None, team: str | None, as_user: str | None) -> None:
    """Judge every rostered day that is over; LATE/EARLY/ABSENT are raised once per person and day. The same
    run raises REPORT_LATE once for each work report (周报、月报) due on those days and not in by its deadline,
    so one cron line covers both."""
    from attendance import clock
    from attendance.services import attendance, work_reports

    actor = actor_for(as_user, "attendance.evaluate")
    if day == "yesterday":
        day = (clock.today() - timedelta(days=1)).isoformat()
    try:
        report = attendance.evaluate(actor, day, to, team=team)
    except DomainError as exc:
        fail(exc)
    for problem in report.problems:
        click.echo(f"not raised: {problem}", err=True)
    click.echo(f"days judged {report.days}, violations raised {len(report.raised)}, "
               f"reversed {report.reversed}, not over yet {report.not_over}")
    try:
        first = dates.parse_day(day, "date")
        late = work_reports.raise_late(actor, first_day=first, last_day=dates.parse_day(to, "to") if to else first,
                                       team=team)
    except DomainError as exc:
        fail(exc)
    for problem in late.problems:
        click.echo(f"not raised: {problem}", err=True)
    click.echo(f"work reports checked {late.checked}, late raised {len(late.raised)}")
