"""The shift-start load test, one command (docs/benchmark.md):

    python benchmarks/shift_start.py --database postgresql://postgres@127.0.0.1:5432/att_bench

On a scratch PostgreSQL database (built by the ``benchmark`` command's builder if it is empty: 5,000
staff, one month), it makes the run ready (``load_data.prepare``), starts gunicorn on 127.0.0.1 (one
instance, or ``--hosts 2``: two instances on two ports sharing the database, as two hosts behind a load
balancer), and runs Locust headless three times, each bounded in time (and the clock-ins by the number
of people):

1. the shift-start mix at ``--users`` (50) concurrent users, people thinking between taps;
2. the time clock alone, no pause: clock-in throughput;
3. a Flask hello-world in the same gunicorn, no pause: the framework's ceiling on this machine.

It prints them side by side (p50/p95/p99, throughput and errors per request type), the targets, and
the correctness check of each run against the database (``load_data.check``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P95, TARGET_P99, TARGET_RATIO = 150, 300, 0.25
BASE_PORT = 8101


def _ms(cell: str) -> float:
    """A percentile cell of Locust's CSV: "N/A" where no request of that type ran."""
    try:
        return float(cell or 0)
    except ValueError:
        return 0.0


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database", required=True, help="a scratch PostgreSQL database URL (never the real one)")
    p.add_argument("--staff", type=int, default=5000, help="people, when the database is empty and gets built")
    p.add_argument("--months", type=int, default=1, help="months of history, when built")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--users", type=int, default=50, help="concurrent users")
    p.add_argument("--time", type=int, default=60, help="seconds of the mix")
    p.add_argument("--saturate-time", type=int, default=20, help="seconds of each no-pause run")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers per host")
    p.add_argument("--hosts", type=int, default=1, choices=(1, 2), help="gunicorn instances sharing the database")
    p.add_argument("--leads", type=int, default=10, help="leads among the users (each approves their team's 补卡)")
    p.add_argument("--warmup", type=int, default=15, help="seconds before each run is measured (users arrive "
                   "over the first 5 s and sign in)")
    p.add_argument("--json", type=Path, help="also write the results here")
    return p.parse_args()


def _app(database: str):
    os.environ["DATABASE_URL"] = database
    from attendance import create_app

    return create_app()


def _start_gunicorn(args, env, folder: Path) -> tuple[list[subprocess.Popen], list[str]]:
    servers, hosts = [], []
    for n in range(args.hosts):
        port = BASE_PORT + n
        log = open(folder / f"gunicorn-{port}.log", "w", encoding="utf-8")  # noqa: SIM115 (closed with the server)
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "--log-level", "warning", "benchmarks.wsgi:app"],
            env=env, stdout=log, stderr=subprocess.STDOUT))
        hosts.append(f"http://127.0.0.1:{port}")
    for host in hosts:
        for _ in range(120):
            try:
                with urllib.request.urlopen(host + "/__hello/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"gunicorn did not answer on {host}; see {folder}")
    return servers, hosts


def _locust(mode: str, users: int, seconds: int, warmup: int, folder: Path, env: dict) -> tuple[dict, dict]:
    prefix = folder / mode
    sent = folder / f"{mode}-sent.json"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
         "--users", str(users), "--spawn-rate", str(max(1, users // 5)), "--run-time", f"{seconds + warmup}s",
         "--stop-timeout", "60",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        env={**env, "SHIFT_START_MODE": mode, "SHIFT_START_SENT": str(sent), "SHIFT_START_WARMUP": str(warmup)},
        check=False, stdout=subprocess.DEVNULL)
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                "p50": _ms(row["50%"]), "p95": _ms(row["95%"]), "p99": _ms(row["99%"]),
                "rps": float(row["Requests/s"])}
    errors = []
    with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
        errors = [f"{r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(fh)]
    return rows, {"sent": json.loads(sent.read_text(encoding="utf-8")) if sent.exists() else {}, "errors": errors}


def _wait_until_idle() -> None:
    """Until the servers have finished what they were sent: a request still running is not yet in the check."""
    from attendance.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        time.sleep(2)
        return
    quiet = 0
    for _ in range(600):
        busy = db.session.scalar(db.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state <> 'idle'"))
        db.session.rollback()
        quiet = quiet + 1 if busy == 0 else 0
        if quiet >= 3:
            return
        time.sleep(0.2)


def main() -> int:
    args = _args()
    if not args.database.startswith("postgresql"):
        print("note: the load test is meant for PostgreSQL (SQLite serialises every write)", file=sys.stderr)
    app = _app(args.database)
    from attendance.extensions import db
    from attendance.scores import benchmark
    from benchmarks import load_data

    subprocess.run([sys.executable, "-m", "flask", "--app", "attendance", "db", "upgrade"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": args.database}, stderr=subprocess.DEVNULL)
    folder = Path(tempfile.mkdtemp(prefix="shift-start-"))
    with app.app_context():
        if benchmark.database_is_empty():
            print(f"building {args.staff} staff × {args.months} months …", flush=True)
            built = benchmark.build(args.staff, args.months, args.seed)
            print(f"built in {built.seconds:.0f} s", flush=True)
        started = time.perf_counter()
        hosts = [f"http://127.0.0.1:{BASE_PORT + n}" for n in range(args.hosts)]
        config = load_data.prepare(lead_teams=args.leads, staff_sessions=args.users, hosts=hosts)
        print(f"prepared in {time.perf_counter() - started:.0f} s: {len(config['leads'])} leads with "
              f"{sum(len(lead['requests']) for lead in config['leads'])} 补卡 to approve", flush=True)
        database = benchmark.database_label()
        people = db.session.scalar(db.text("SELECT count(*) FROM employees"))
        db.session.remove()
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": args.database, "SHIFT_START_CONFIG": str(folder / "config.json"),
           "SECRET_KEY": os.environ.get("SECRET_KEY", "shift-start-load-test"), "PYTHONPATH": str(ROOT)}
    servers, _ = _start_gunicorn(args, env, folder)
    results, load = {}, {"before": os.getloadavg()}
    try:
        for mode, users, seconds in (("mix", args.users, args.time), ("clock", args.users, args.saturate_time),
                                     ("hello", args.users, args.saturate_time)):
            with app.app_context():
                before = load_data.snapshot()
            print(f"running {mode}: {users} users, {seconds} s …", flush=True)
            rows, extra = _locust(mode, users, seconds, args.warmup, folder, env)
            with app.app_context():
                _wait_until_idle()
                checked = load_data.check(before, extra["sent"]) if mode != "hello" else None
                db.session.remove()
            results[mode] = {"rows": rows, "errors": extra["errors"],
                             "check": checked.lines if checked else [], "ok": checked.ok if checked else True}
        load["after"] = os.getloadavg()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker stuck in a long request on a busy machine
                server.kill()
                server.wait()
    with app.app_context():
        db.engine.dispose()
    return _print(args, results, load, database, people, folder)


def _print(args, results: dict, load: dict, database: str, people: int, folder: Path) -> int:
    from attendance.scores import benchmark

    mix = {k: v for k, v in results["mix"]["rows"].items() if k != "Aggregated" and not k.startswith("sign in")}
    clock = results["clock"]["rows"].get("clock in", {})
    hello = results["hello"]["rows"].get("hello world", {})
    machine = benchmark.machine()
    print(f"\n{database} · {people:,} people · gunicorn {args.hosts} host(s) × {args.workers} sync workers · "
          f"{args.users} users · {machine['cpus']} CPUs ({machine['processor']}) · load average "
          f"{' '.join(f'{x:.1f}' for x in load['before'])} before, "
          f"{' '.join(f'{x:.1f}' for x in load.get('after', ()))} after")
    header = f"{'request':<40}{'requests':>9}{'errors':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}  target"
    lines = [header, "-" * len(header)]
    ok = True

    def line(title, row, target=""):
        lines.append(f"{title:<40}{row.get('requests', 0):>9,}{row.get('errors', 0):>7}{row.get('p50', 0):>8.0f}"
                     f"{row.get('p95', 0):>8.0f}{row.get('p99', 0):>8.0f}{row.get('rps', 0):>8.1f}  {target}")

    lines.append(f"shift-start mix ({args.time} s, people think 0.5–1.5 s between taps)")
    for name, row in sorted(mix.items()):
        meets = row["p95"] < TARGET_P95 and row["p99"] < TARGET_P99 and row["errors"] == 0
        ok &= meets
        line("  " + name, row, "ok" if meets else f"MISS (p95 < {TARGET_P95}, p99 < {TARGET_P99}, 0 errors)")
    lines.append(f"no pause ({args.saturate_time} s each)")
    ratio = clock.get("rps", 0) / hello["rps"] if hello.get("rps") else 0
    ratio_ok = ratio >= TARGET_RATIO and clock.get("errors", 1) == 0
    ok &= ratio_ok
    line("  clock in alone", clock, f"{ratio:.0%} of hello-world: {'ok' if ratio_ok else 'MISS'} (≥ 25 %)")
    line("  hello world (same gunicorn)", hello)
    print("\n".join(lines))
    for mode in ("mix", "clock"):
        print(f"\ncorrectness after the {mode} run:")
        for what, good, detail in results[mode]["check"]:
            print(f"  {'ok  ' if good else 'FAIL'} {what}: {detail}")
            ok &= good
        for error in results[mode]["errors"][:10]:
            print(f"  error: {error}")
    print(f"\n{'all targets met' if ok else 'some targets missed'}; Locust's files and gunicorn's logs: {folder}")
    if args.json:
        args.json.write_text(json.dumps({"database": database, "people": people, "hosts": args.hosts,
                                         "workers": args.workers, "users": args.users, "load": load,
                                         "machine": machine, "results": results, "ratio": ratio},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
