"""Commands: ``report MONTH`` writes the monthly report; ``benchmark`` times scores, charts and report."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from attendance.commands import actor_for, fail, in_site_language
from attendance.domain.errors import DomainError


@click.command("report")
@click.argument("month")
@click.option("--as", "as_user", help="Username to record as the author (must be allowed to).")
def report_command(month: str, as_user: str | None) -> None:
    """Write MONTH's report (YYYY-MM): PDF, XLSX and charts, to reports/YYYY-MM/."""
    from attendance.services import reports

    actor = actor_for(as_user, "reports.generate")
    try:
        reports.ensure_month(month)
        with in_site_language(), click.progressbar(length=reports.report_steps(), label=f"report {month}") as bar:
            paths = reports.generate(actor, month, progress=lambda _step: bar.update(1))
    except DomainError as exc:
        fail(exc)
    for path in paths:
        click.echo(f"written {path}")


@click.command("close-month")
@click.argument("month")
@click.option("--as", "as_user", required=True, help="Username of the HR person closing the month.")
def close_month_command(month: str, as_user: str) -> None:
    """Close MONTH (YYYY-MM): freeze its scores and payroll deductions."""
    from attendance.services import scores

    actor = actor_for(as_user, "months.close")
    try:
        close = scores.close_month(actor, month)
    except DomainError as exc:
        fail(exc)
    click.echo(f"{month} closed: {close.staff} people")


@click.command("close-year")
@click.argument("year")
@click.option("--as", "as_user", required=True, help="Username of the HR person closing the year.")
def close_year_command(year: str, as_user: str) -> None:
    """Close YEAR (YYYY) once its twelve months are closed: freeze every person's year-end review."""
    from attendance.services import year_review

    actor = actor_for(as_user, "years.close")
    try:
        close = year_review.close_year(actor, year)
    except DomainError as exc:
        fail(exc)
    click.echo(f"{close.year} closed: {close.staff} people")


@click.command("benchmark")
@click.option("--staff", default=5000, show_default=True, help="People in the synthetic department.")
@click.option("--months", default=12, show_default=True, help="Months of rosters, punches and violations.")
@click.option("--seed", default=1, show_default=True, help="Random seed: the same seed builds the same data.")
@click.option("--repeat", default=3, show_default=True, help="Runs of each timing (the first is cold).")
@click.option("--no-build", is_flag=True, help="Time the data already in the database (built earlier).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results to this JSON file.")
@click.option("--growth", help="Sizes, e.g. 1000,5000,20000: build and time each in a database of its own "
                               "(beside DATABASE_URL's) and print the time per person at each size.")
def benchmark_command(staff: int, months: int, seed: int, repeat: int, no_build: bool,
                      json_path: Path | None, growth: str | None) -> None:
    """Build a synthetic department in an EMPTY database and time scores, charts and the monthly report.

    Point DATABASE_URL at a scratch database first (after `flask --app attendance db upgrade`).
    """
    from attendance.domain import scoring
    from attendance.scores import benchmark
    from attendance.services import scores

    if growth:
        try:
            sizes = [int(n) for n in growth.split(",") if n.strip()]
        except ValueError:
            fail_text("--growth is a list of sizes, e.g. 1000,5000,20000")
        _growth(sizes, months, seed, repeat, json_path)
        return
    if not no_build:
        if not benchmark.database_is_empty():
            click.echo("error: the benchmark builds its own department and needs an empty database "
                       "(or --no-build to time what is there)", err=True)
            sys.exit(1)
        with click.progressbar(length=months + 1, label=f"building {staff} staff × {months} months") as bar:
            built = benchmark.build(staff, months, seed, progress=lambda _step: bar.update(1))
        click.echo(f"built in {built.seconds:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in built.rows.items()))
    month = scoring.add_months(scores.open_month(), -1)
    with in_site_language(), click.progressbar(length=4, label=f"timing {scoring.month_label(month)}") as bar:
        timings = benchmark.run(month, repeat, progress=lambda _step: bar.update(1))

    rows = [("(a) one month's scores, everyone", "scores", "< 2 s and ≤ 3× floor"),
            ("floor: one SQL aggregate", "floor", ""),
            ("(b) all charts of the month", "charts", ""),
            ("(c) the monthly report (PDF+XLSX+charts)", "report", "< 8 s")]
    click.echo(f"\n{timings.database} · month {scoring.month_label(month)} · "
               + ", ".join(f"{k} {v:,}" for k, v in timings.rows.items()))
    click.echo(f"{'task':<44}{'first':>9}{'best':>9}  target")
    for title, key, target in rows:
        values = timings.results[key]
        click.echo(f"{title:<44}{values[0]:>8.3f}s{min(values):>8.3f}s  {target}")
    click.echo(f"{'ratio (a) ÷ floor (best runs)':<44}{timings.ratio:>18.2f}×")
    click.echo(f"{'peak memory (RSS), largest process':<44}{timings.peak_rss_mib:>15.0f} MiB  < 1024 MiB")
    cpu = benchmark.CPU_SECONDS.get("report", [])
    if cpu:
        click.echo(f"{'(c) the report, CPU s (with its PDF process)':<44}{cpu[0]:>8.3f}s{min(cpu):>8.3f}s")
    click.echo("load average (1, 5, 15 min): " + " ".join(f"{v:.2f}" for v in os.getloadavg())
               + f" on {os.cpu_count()} CPUs: other work slows the wall-clock times")
    if json_path:
        json_path.write_text(json.dumps({
            "database": timings.database, "month": scoring.month_label(month), "rows": timings.rows,
            "seconds": timings.results, "ratio": timings.ratio,
            "peak_rss_mib": round(timings.peak_rss_mib, 1), "machine": benchmark.machine(),
            "cpu_seconds": benchmark.CPU_SECONDS, "load_average": os.getloadavg(), "staff": staff,
            "months": months, "seed": seed}, ensure_ascii=False, indent=2), encoding="utf-8")
        click.echo(f"written {json_path}")


def fail_text(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _growth(sizes: list[int], months: int, seed: int, repeat: int, json_path: Path | None) -> None:
    """Each size built and timed by this same command in a scratch database of its own, one after another,
    so that the time per person can be read across sizes (linear growth keeps it flat)."""
    import os
    import subprocess
    import tempfile

    from flask import current_app

    from attendance.scores import benchmark

    base = current_app.config["SQLALCHEMY_DATABASE_URI"]
    folder = Path(tempfile.mkdtemp(prefix="att-growth-"))
    rows = []
    for size in sizes:
        url = benchmark.scratch_database(base, f"growth_{size}", folder)
        out = folder / f"{size}.json"
        env = {**os.environ, "DATABASE_URL": url}
        click.echo(f"== {size:,} staff × {months} month(s) in {url.rsplit('/', 1)[-1]}")
        for args in (["db", "upgrade"], ["benchmark", "--staff", str(size), "--months", str(months), "--seed",
                                         str(seed), "--repeat", str(repeat), "--json", str(out)]):
            subprocess.run([sys.executable, "-m", "flask", "--app", "attendance", *args], env=env, check=True,
                           stderr=subprocess.DEVNULL if args[0] == "db" else None)
        result = json.loads(out.read_text(encoding="utf-8"))
        rows.append((size, result))
        benchmark.drop_scratch_database(url)
    click.echo(f"\n{rows[0][1]['database']} · {months} month(s) · best of {repeat} (report: of {max(1, repeat - 1)})")
    # The report's CPU seconds too: on a shared machine they grow with the work, not with the queue for a core.
    click.echo(f"{'staff':>8}{'scores s':>10}{'µs/person':>11}{'floor s':>9}{'charts s':>10}{'report s':>10}"
               f"{'ms/person':>11}{'report CPU s':>14}{'CPU ms/person':>15}")
    for size, result in rows:
        best = {k: min(v) for k, v in result["seconds"].items()}
        cpu = min(result.get("cpu_seconds", {}).get("report") or [float("nan")])
        click.echo(f"{size:>8,}{best['scores']:>10.3f}{best['scores'] / size * 1e6:>11.1f}{best['floor']:>9.3f}"
                   f"{best['charts']:>10.2f}{best['report']:>10.2f}{best['report'] / size * 1e3:>11.2f}"
                   f"{cpu:>14.2f}{cpu / size * 1e3:>15.2f}")
    if json_path:
        json_path.write_text(json.dumps({"months": months, "sizes": {size: r for size, r in rows},
                                         "machine": benchmark.machine()}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
        click.echo(f"written {json_path}")


COMMANDS = (report_command, close_month_command, close_year_command, benchmark_command)
