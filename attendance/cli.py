"""Command-line entry points; they call the same services as the pages and the API."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from attendance.commands import actor_for, fail
from attendance.domain.errors import DomainError

policy_cli = AppGroup("policy", help="Import and export policy versions.")


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--password", help="Leave out to be given a random one-time password, changed at first sign-in.")
@click.option("--name", default="管理员", show_default=True)
def create_admin(username: str, password: str | None, name: str) -> None:
    """Create the first admin; without --password a one-time password is printed."""
    from attendance.services import people, policy

    try:
        person, one_time = people.create_admin(username, name, password)
        policy.ensure_default(person)
    except DomainError as exc:
        fail(exc)
    click.echo(f"admin {person.username} created")
    if one_time:
        click.echo(f"one-time password: {one_time}")
        click.echo("It works once: the first sign-in (on the web page) asks for a new password.")


UPGRADE_FIRST = ("The database has no schema yet (or an old one): run `flask --app attendance db upgrade` "
                 "first, then `flask --app attendance demo`.\n"
                 "数据库还没有建表（或版本过旧）：请先运行 `flask --app attendance db upgrade`，再运行 demo。")


def schema_ready() -> bool:
    """Whether ``db upgrade`` has built the schema: Alembic's version table at the migrations' head."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app
    from sqlalchemy import inspect

    from attendance.extensions import db

    if "alembic_version" not in set(inspect(db.engine).get_table_names()):
        return False
    heads = set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def _role_words(roles: list[str]) -> str:
    """Each role in Chinese and English: 领班 Shift lead, 员工 Staff."""
    from flask_babel import force_locale

    from attendance.labels import ROLE_LABELS

    words = []
    for role in roles:
        label = ROLE_LABELS.get(role)
        if label is None:
            words.append(role)
            continue
        with force_locale("zh"):
            zh = str(label)
        with force_locale("en"):
            en = str(label)
        words.append(f"{zh} {en}" if zh != en else en)
    return ", ".join(words)


@click.command("demo")
def demo() -> None:
    """Fill the database with a realistic demo department and print the demo logins."""
    if not schema_ready():
        click.echo(UPGRADE_FIRST, err=True)
        sys.exit(1)
    from attendance.demo import DEMO_PASSWORD, build_demo

    logins = build_demo()
    click.echo(f"\n演示账号 / demo logins (password: {DEMO_PASSWORD})")
    for username, name, roles, team in logins:
        where = team or "办公室 office"
        click.echo(f"  {username:<12} {name:<6} {_role_words(roles)} · {where}")


@click.command("import-employees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-errors", is_flag=True, help="Import the good lines of a file that has bad ones.")
@click.option("--as", "as_user", help="Username to record as the importer (must be allowed to).")
def import_employees(file: Path, skip_errors: bool, as_user: str | None) -> None:
    """Import employees from a CSV file (UTF-8 or GB18030)."""
    from attendance.services import people

    actor = actor_for(as_user, "employees.manage")
    bars = _LinesProgress()
    try:
        report = people.import_employees(actor, people.decode_upload(file.read_bytes()),
                                         skip_errors=skip_errors, progress=bars)
    except DomainError as exc:
        bars.close()
        fail(exc)
    bars.close()
    for rejected in report.rejected:
        click.echo(f"line {rejected.line}: {rejected.reason}", err=True)
    if not report.committed:
        click.echo(f"nothing imported: {len(report.rejected)} bad line(s)", err=True)
        sys.exit(1)
    click.echo(f"imported {len(report.imported)}, skipped {len(report.rejected)}")


@click.command("import-punches")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_user", help="Username to record as the importer (must be allowed to).")
def import_punches(file: Path, as_user: str | None) -> None:
    """Import a time clock's CSV (employee number, timestamp, optional direction; UTF-8 or GB18030): good
    lines are stored, bad ones listed; a punch stored before is counted as a duplicate."""
    from attendance.services import people, punches

    actor = actor_for(as_user, "punches.import")
    bars = _LinesProgress()
    try:
        report = punches.import_punches(actor, people.decode_upload(file.read_bytes()), progress=bars)
    except DomainError as exc:
        bars.close()
        fail(exc)
    bars.close()
    for line, why in report.rejected:
        click.echo(f"line {line}: {why}", err=True)
    click.echo(f"imported {report.imported}, already there {len(report.duplicates)}, "
               f"rejected {len(report.rejected)}; {report.evaluated} days judged again")


class _LinesProgress:
    """An import's progress on stderr: a bar per step (checking the lines, adding, judging the days again),
    lines done of lines in all. The import runs here, in the command: a file is imported whole or not at all
    whatever its size, and a terminal can wait."""

    def __init__(self):
        self.step, self.bar = None, None

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self.step:
            self.close()
            self.step = step
            self.bar = click.progressbar(length=max(total, 1), label=f"{step:<9}", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(max(done - self.bar.pos, 0))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.step, self.bar = None, None


@policy_cli.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--template", "template", help="A shipped template instead of FILE: default (call centre), "
              "property (property management) or shop (online shop).")
@click.option("--as", "as_user", help="Username to record as the author (must be allowed to).")
def policy_import(file: Path | None, template: str | None, as_user: str | None) -> None:
    """Store FILE (YAML or JSON), or the shipped --template NAME, as a new policy version; nothing changes if
    it has faults."""
    from attendance.domain.policy.templates import TEMPLATES, template_file
    from attendance.services import policy

    if (file is None) == (template is None):
        click.echo("give either FILE or --template NAME (" + ", ".join(TEMPLATES) + ")", err=True)
        sys.exit(2)
    actor = actor_for(as_user, "policy.manage")
    try:
        source = file if file is not None else template_file(template)
        row = policy.add_version(actor, policy.read_document(source.read_bytes()))
    except DomainError as exc:
        fail(exc)
    click.echo(f"policy version {row.label} (#{row.id}) in force from {row.effective_from}")


@policy_cli.command("export")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="The version in force on this day.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def policy_export(on, output: Path | None) -> None:
    """Write the policy in force (today, or --on DATE) as YAML."""
    from attendance import clock
    from attendance.services import policy

    try:
        row = policy.version_in_force(on.date() if on else clock.today())
    except DomainError as exc:
        fail(exc)
    text = policy.export_yaml(row)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"written {output}")
    else:
        click.echo(text, nl=False)


def _progress(label: str):
    """A progress bar for copying a database, pages done of pages in all."""
    bar = None

    def show(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return show


def _report_copy(report, verb: str) -> None:
    if not report.ledger.ok:
        click.echo(f"{verb} {report.path}, but the ledger is BROKEN: {report.ledger.problem}", err=True)
        sys.exit(1)
    whose = "ledger" if report.of_copy else "live ledger (restore the copy to walk its own)"
    click.echo(f"{verb} {report.path}; {whose} ok, {report.ledger.entries} entries, anchor {report.anchor}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the whole database to FILE while the app keeps running (SQLite's online backup, or pg_dump's
    custom format), then walk the copy's fines ledger."""
    from attendance.services import backup as service

    try:
        report = service.backup(file, _progress("backup"))
    except DomainError as exc:
        fail(exc)
    _report_copy(report, "backed up to")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Load FILE (made by `backup`) into this app's database, which must be new and empty, then walk the
    fines ledger. Compare the anchor printed with the one the backup printed."""
    from attendance.services import backup as service

    try:
        report = service.restore(file, _progress("restore"))
    except DomainError as exc:
        fail(exc)
    _report_copy(report, "restored from")


jobs_cli = AppGroup("jobs", help="The background jobs (monthly report, month close, large imports, the team "
                                  "robots' messages): the worker that runs them.")


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Jobs run at the same time (threads).")
def jobs_worker(workers: int) -> None:
    """Run the jobs the pages ask for (the task queue's consumer), until stopped with Ctrl-C."""
    import logging

    from flask import current_app

    from attendance.task_queue import queue_for

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = queue_for(current_app._get_current_object())
    click.echo(f"jobs worker: {workers} thread(s) on {queue.describe()}; Ctrl-C stops it")
    queue.huey.create_consumer(workers=workers, worker_type="thread").run()


def register(app: Flask) -> None:
    for command in (create_admin, demo, import_employees, import_punches, policy_cli, backup, restore, jobs_cli):
        app.cli.add_command(command)
    from attendance.discipline.cli import ledger_cli

    app.cli.add_command(ledger_cli)
    from attendance.attendance.cli import attendance_cli

    app.cli.add_command(attendance_cli)
    from attendance.leave.cli import leave_cli

    app.cli.add_command(leave_cli)
    from attendance.privacy.cli import retention_cli

    app.cli.add_command(retention_cli)
    from attendance.notifications.cli import notifications_cli

    app.cli.add_command(notifications_cli)
    from attendance.scores.cli import COMMANDS as score_commands

    for command in score_commands:
        app.cli.add_command(command)
