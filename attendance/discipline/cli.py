"""``flask ledger verify``: walk the fines ledger's hash chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The append-only fines ledger.")


@ledger_cli.command("verify")
def verify() -> None:
    """Walk the hash chain; exit 1 naming the first entry that does not match."""
    from attendance.services import discipline

    report = discipline.verify_ledger()
    if report.ok:
        click.echo(f"ok: {report.entries} entries, head {report.head}")
        return
    where = f"entry {report.first_bad}" if report.first_bad is not None else "the ledger head"
    click.echo(f"BROKEN at {where}: {report.problem} (after {report.entries} entries)", err=True)
    sys.exit(1)
