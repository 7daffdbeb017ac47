"""``flask ledger verify``: walk the fines ledger's hash chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The append-only fines ledger.")


@ledger_cli.command("verify")
@click.option("--anchor", help="ENTRIES:HASH as `ledger anchor` printed it earlier (kept outside the database): "
                               "also catches a cut-off or recomputed tail.")
def verify(anchor: str | None) -> None:
    """Walk the hash chain; exit 1 naming the first entry that does not match."""
    from attendance.domain.ledger import Anchor
    from attendance.services import discipline

    try:
        kept = Anchor.parse(anchor) if anchor else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--anchor") from None
    report = discipline.verify_ledger(kept)
    if report.ok:
        click.echo(f"ok: {report.entries} entries, head {report.head}")
        return
    where = f"entry {report.first_bad}" if report.first_bad is not None else "the ledger head"
    click.echo(f"BROKEN at {where}: {report.problem} (after {report.entries} entries)", err=True)
    sys.exit(1)


@ledger_cli.command("anchor")
def anchor() -> None:
    """Print ENTRIES:HASH, the ledger's length and head now: keep it outside the database (a ticket, a mail,
    a printout) and pass it to `ledger verify --anchor` later."""
    from attendance.services import discipline

    click.echo(str(discipline.ledger_anchor()))
