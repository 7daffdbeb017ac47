"""A synthetic department for timing the monthly figures, the charts and the report.

``build`` fills an empty database with ``staff`` people in teams of 20 and ``months`` months of
rosters, evaluated attendance days, punches, violations (stepped by the policy's ladders) and their
hash-chained ledger entries, reproducibly from ``seed``. Rows go in with Core ``insert()`` and lists
of parameter sets, a month at a time. Attendance days are written as the evaluation would leave
them (the evaluation itself is not what is timed here).

``run`` times (a) one month's scores for everyone, (b) every dashboard chart of that month, (c) the
whole monthly report, and the floor: one plain SQL aggregate over the same month's attendance and
ledger rows.
"""

from __future__ import annotations

import platform
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import func, insert, literal, select, text, union_all, update

from attendance import clock
from attendance.domain import ledger as chain
from attendance.domain import scoring
from attendance.domain.money import to_money
from attendance.domain.policy import default_policy_document
from attendance.extensions import db
from attendance.models import (
    AttendanceDay,
    Employee,
    EmployeeRole,
    LedgerEntry,
    LedgerHead,
    Punch,
    RosterEntry,
    ShiftType,
    Team,
    Violation,
)
from attendance.services import policy as policy_service
from attendance.services import scores

TEAM_SIZE = 20
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "丽静敏燕艳娟霞芳婷雪慧琳怡欣明强华梅英涵桐然琪瑶航杰文嘉辉诺曦宇倩磊军伟洋勇艳杰娜"
SHIFTS = [("BD8", "早班", 8 * 60, 16 * 60), ("BD9", "日班", 9 * 60, 18 * 60), ("BD12", "中班", 12 * 60, 20 * 60),
          ("BE", "晚班", 18 * 60 + 30, 24 * 60)]
# Share of rostered days by status (the rest are present).
STATUS_SHARES = {"late": 0.035, "early": 0.015, "late_early": 0.004, "half_absent": 0.004, "absent": 0.003,
                 "leave": 0.025}
LEAVE_TYPES = ["personal", "sick", "annual", "in_lieu"]
RAISES = {"late": ["LATE"], "early": ["EARLY"], "late_early": ["LATE", "EARLY"], "half_absent": ["LATE"],
          "absent": ["ABSENT"]}
MANUAL_RULES = ["GROOMING", "PHONE", "OFF_TASK", "COMPLAINT", "DRESS_CODE", "GENERAL", "MEETING_LATE",
                "LEAVE_POST", "FORBIDDEN_PHRASE"]
MANUAL_PER_MONTH = 0.3  # violations recorded by hand per person and month


@dataclass
class Built:
    staff: int
    months: list[date]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _names(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            for _ in range(n)]


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Employee)) == 0


def build(staff: int, months: int, seed: int, progress: Callable[[str], None] | None = None) -> Built:
    """Fill an empty database. The last month built is the one before today's."""
    step = progress or (lambda _name: None)
    started = time.perf_counter()
    rng, nprng = random.Random(seed), np.random.default_rng(seed)
    version = policy_service.ensure_default()
    last = scoring.add_months(scores.open_month(), -1)
    month_list = scoring.last_months(last, months)
    if month_list[0] < version.effective_from:  # the data starts before the shipped policy: date a copy back
        document = default_policy_document()
        document.update(version="benchmark", effective_from=month_list[0].isoformat())
        version = policy_service.add_version(None, document)
    policy = policy_service.in_force(version.effective_from).policy
    result = Built(staff, month_list)
    now = datetime.now(UTC)
    zone = clock.site_zone()

    shift_ids = []
    for code, name, start, end in SHIFTS:
        shift_ids.append(db.session.execute(insert(ShiftType).returning(ShiftType.id), {
            "code": code, "name": name, "start_minute": start, "end_minute": end, "breaks": [],
            "grace_minutes": None, "active": True, "created_at": now, "updated_at": now}).scalar_one())
    shift_start = dict(zip(shift_ids, (s[2] for s in SHIFTS), strict=True))
    shift_end = dict(zip(shift_ids, (s[3] for s in SHIFTS), strict=True))

    n_teams = max(1, -(-staff // TEAM_SIZE))
    team_ids = list(db.session.execute(insert(Team).returning(Team.id, sort_by_parameter_order=True), [
        {"code": f"B{t + 1:03d}", "name": f"客服{t + 1}组", "active": True, "created_at": now}
        for t in range(n_teams)]).scalars())
    names = _names(rng, staff)
    first_day = month_list[0]
    employees = [{
        "employee_no": f"B{i + 1:05d}", "name": names[i], "team_id": team_ids[i // TEAM_SIZE],
        "hire_date": first_day - timedelta(days=rng.randint(30, 3000)),
        "monthly_wage": Decimal(rng.randrange(2800, 7000, 50)), "active": True,
        "created_at": now, "updated_at": now} for i in range(staff)]
    ids = np.array(db.session.execute(insert(Employee).returning(Employee.id, sort_by_parameter_order=True),
                                      employees).scalars().all())
    db.session.execute(insert(EmployeeRole), [{"employee_id": int(i), "role": "staff"} for i in ids])
    for t, team_id in enumerate(team_ids):  # the first of each team leads it
        db.session.execute(update(Team).where(Team.id == team_id).values(lead_id=int(ids[t * TEAM_SIZE])))
    db.session.execute(insert(EmployeeRole), [{"employee_id": int(ids[t * TEAM_SIZE]), "role": "lead"}
                                              for t in range(n_teams)])
    db.session.commit()
    result.rows["employees"] = staff
    step("people")

    team_shift = np.array([shift_ids[t % len(shift_ids)] for t in range(n_teams)])
    person_shift = team_shift[np.arange(staff) // TEAM_SIZE]
    rest_day = nprng.integers(0, 7, staff)
    occurrences: dict[tuple[int, str], int] = {}
    head = db.session.get(LedgerHead, 1)
    prev_hash, next_id = (head.last_hash, (head.last_id or 0) + 1) if head else (chain.GENESIS, 1)
    statuses = list(STATUS_SHARES) + ["present"]
    shares = list(STATUS_SHARES.values()) + [1 - sum(STATUS_SHARES.values())]
    for key in ("roster_entries", "attendance_days", "punches", "violations", "ledger_entries"):
        result.rows[key] = 0

    for month in month_list:
        days = pd.date_range(month, scoring.month_end(month), freq="D")
        n_days = len(days)
        person = np.repeat(np.arange(staff), n_days)
        day_index = np.tile(np.arange(n_days), staff)
        weekday = days.dayofweek.to_numpy()[day_index]
        rest = (weekday == rest_day[person]) | (weekday == (rest_day[person] + 1) % 7)
        status = np.where(rest, "rest", nprng.choice(statuses, size=len(person), p=shares))
        shift = person_shift[person]
        start_min = np.vectorize(shift_start.get)(shift)
        end_min = np.vectorize(shift_end.get)(shift)
        late = np.where(np.isin(status, ["late", "late_early"]), nprng.integers(6, 30, len(person)), 0)
        late = np.where(status == "half_absent", nprng.integers(31, 120, len(person)), late)
        early = np.where(np.isin(status, ["early", "late_early"]), nprng.integers(6, 60, len(person)), 0)
        local_midnight = pd.DatetimeIndex(days).tz_localize(zone)[day_index]
        worked = ~np.isin(status, ["rest", "leave", "absent"])
        in_at = local_midnight + pd.to_timedelta(start_min + late - nprng.integers(0, 10, len(person)), unit="m")
        out_at = local_midnight + pd.to_timedelta(end_min - early + nprng.integers(0, 15, len(person)), unit="m")
        in_py = in_at.tz_convert(UTC).to_pydatetime()
        out_py = out_at.tz_convert(UTC).to_pydatetime()
        day_py = [d.date() for d in days]
        leave_type = nprng.choice(LEAVE_TYPES, size=len(person))
        emp = ids[person]

        roster, attendance, punches = [], [], []
        for k in range(len(person)):
            pid, d, s = int(emp[k]), day_py[day_index[k]], status[k]
            shift_id = None if s == "rest" else int(shift[k])
            roster.append({"employee_id": pid, "day": d, "shift_type_id": shift_id, "updated_at": now})
            attendance.append({
                "employee_id": pid, "day": d, "shift_type_id": shift_id, "status": s,
                "late_minutes": int(late[k]), "early_minutes": int(early[k]),
                "worked_minutes": int(end_min[k] - start_min[k] - late[k] - early[k]) if worked[k] else None,
                "missing_in": False, "missing_out": False,
                "in_at": in_py[k] if worked[k] else None, "out_at": out_py[k] if worked[k] else None,
                "leave_type": str(leave_type[k]) if s == "leave" else None, "evaluated_at": now})
            if worked[k]:
                for at, direction in ((in_py[k], "in"), (out_py[k], "out")):
                    punches.append({"employee_id": pid, "at": at, "direction": direction, "source": "import",
                                    "dedupe_key": f"{pid}:{int(at.timestamp())}", "created_at": now})
        db.session.execute(insert(RosterEntry), roster)
        db.session.execute(insert(AttendanceDay), attendance)
        db.session.execute(insert(Punch), punches)

        # Violations: every late, early and absent day, plus a few recorded by hand; stepped per person and rule.
        raised = []
        for k in np.flatnonzero(np.isin(status, list(RAISES))):
            for rule in RAISES[status[k]]:
                raised.append((in_py[k] if worked[k] else local_midnight[k].to_pydatetime(), int(emp[k]), rule,
                               "attendance"))
        for _ in range(int(staff * MANUAL_PER_MONTH)):
            who = int(ids[rng.randrange(staff)])
            at = (pd.Timestamp(day_py[rng.randrange(n_days)]).tz_localize(zone)
                  + pd.Timedelta(minutes=rng.randrange(8 * 60, 20 * 60))).to_pydatetime()
            raised.append((at, who, rng.choice(MANUAL_RULES), "manual"))
        raised.sort(key=lambda r: (r[0], r[1]))
        violations = []
        for at, pid, rule_code, source in raised:
            rule = policy.rules[rule_code]
            n = occurrences.get((pid, rule_code), 0) + 1
            occurrences[(pid, rule_code)] = n
            step_no = min(n, len(rule.ladder))
            ladder_step = rule.ladder[step_no - 1]
            fine = ladder_step.amount if ladder_step.amount is not None else (
                ladder_step.amount_range[0] if ladder_step.amount_range else Decimal("0"))
            violations.append({
                "employee_id": pid, "rule_code": rule_code, "rule_name_zh": rule.name.zh,
                "rule_name_en": rule.name.en, "policy_version_id": version.id,
                "occurred_at": at.astimezone(UTC), "occurred_on": at.astimezone(zone).date(), "occurrence": n,
                "step": step_no, "sanction": ladder_step.sanction, "fine": to_money(fine),
                "points": ladder_step.points, "flagged_for_review": n > len(rule.ladder),
                "dismissal_review": ladder_step.sanction == "dismissal_review", "source": source,
                "note": "", "recorded_at": now})
        violation_ids = db.session.execute(insert(Violation).returning(Violation.id, sort_by_parameter_order=True),
                                           violations).scalars().all() if violations else []
        entries = []
        for v, vid in zip(violations, violation_ids, strict=True):
            content = chain.EntryContent(
                id=next_id, employee_id=v["employee_id"], kind="fine", amount=v["fine"], points=v["points"],
                violation_id=vid, reverses_id=None, reason=f"{v['rule_code']} #{v['occurrence']}",
                created_by_id=None, created_at=now, occurred_on=v["occurred_on"])
            digest = chain.entry_hash(prev_hash, content)
            entries.append({"id": next_id, "employee_id": content.employee_id, "kind": "fine",
                            "amount": content.amount, "points": content.points, "violation_id": vid,
                            "reverses_id": None, "reason": content.reason, "created_by_id": None,
                            "created_at": now, "occurred_on": content.occurred_on, "prev_hash": prev_hash,
                            "hash": digest})
            prev_hash, next_id = digest, next_id + 1
        if entries:
            db.session.execute(insert(LedgerEntry), entries)
        db.session.commit()
        for key, rows in (("roster_entries", roster), ("attendance_days", attendance), ("punches", punches),
                          ("violations", violations), ("ledger_entries", entries)):
            result.rows[key] += len(rows)
        step(scoring.month_label(month))

    if head is None:
        db.session.add(LedgerHead(id=1, last_id=next_id - 1, last_hash=prev_hash, entries=next_id - 1))
    else:
        head.last_id, head.last_hash, head.entries = next_id - 1, prev_hash, head.entries + result.rows[
            "ledger_entries"]
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    result.seconds = time.perf_counter() - started
    return result


def scratch_database(base: str, suffix: str, folder) -> str:
    """A new empty database beside ``base`` for one run: on PostgreSQL ``<name>_<suffix>`` on the same server
    (dropped first if an earlier run left it), on SQLite a file in ``folder``."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(base)
    if url.get_backend_name() != "postgresql":
        return f"sqlite:///{folder}/{suffix}.db"
    name = f"{url.database}_{suffix}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


# --- timing -----------------------------------------------------------------------------------


def floor_query(month: date):
    """One plain SQL aggregate over the month's attendance and ledger rows, per person."""
    a, entry = AttendanceDay.__table__.c, LedgerEntry.__table__.c
    end = scoring.month_end(month)
    both = union_all(
        select(a.employee_id.label("employee_id"), literal(1).label("days"), literal(0).label("points"))
        .where(a.day >= month, a.day <= end),
        select(entry.employee_id, literal(0), entry.points).where(entry.occurred_on >= month,
                                                                   entry.occurred_on <= end)).subquery()
    return (select(both.c.employee_id, func.sum(both.c.days), func.sum(both.c.points))
            .group_by(both.c.employee_id))


# CPU seconds per run, by task, of this process and the processes it waited for (the report's PDF is written
# by a child process): on a machine shared with other work the wall clock measures the queue for the CPU as
# much as the task (the report's runs of 2026-11-29 got 5 % of a core).
CPU_SECONDS: dict[str, list[float]] = {}


def _cpu() -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(fn: Callable[[], object], repeat: int, key: str | None = None) -> list[float]:
    out = []
    for _ in range(repeat):
        db.session.rollback()
        db.session.expire_all()
        started, cpu = time.perf_counter(), _cpu()
        fn()
        out.append(time.perf_counter() - started)
        if key:
            CPU_SECONDS.setdefault(key, []).append(_cpu() - cpu)
    return out


@dataclass
class Timings:
    database: str
    month: date
    rows: dict[str, int]
    results: dict[str, list[float]]
    peak_rss_mib: float = 0.0  # the process's peak resident memory once the report was made (getrusage)

    def best(self, key: str) -> float:
        return min(self.results[key])

    @property
    def ratio(self) -> float:
        return self.best("scores") / self.best("floor")


def database_label() -> str:
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        return "PostgreSQL " + db.session.scalar(text("SHOW server_version")).split()[0]
    import sqlite3

    return "SQLite " + sqlite3.sqlite_version


def count_rows() -> dict[str, int]:
    tables = {"employees": Employee, "roster_entries": RosterEntry, "attendance_days": AttendanceDay,
              "punches": Punch, "violations": Violation, "ledger_entries": LedgerEntry}
    return {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in tables.items()}


def run(month: date, repeat: int = 3, progress: Callable[[str], None] | None = None) -> Timings:
    """Time the three tasks and the floor on the current database (``repeat`` runs each; cold = the first)."""
    from attendance.reporting import charts
    from attendance.services import reports

    step = progress or (lambda _name: None)
    label = scoring.month_label(month)
    hr = db.session.scalar(select(Employee).order_by(Employee.id).limit(1))
    results: dict[str, list[float]] = {}
    results["floor"] = _timed(lambda: db.session.execute(floor_query(month)).all(), repeat)
    step("floor")
    results["scores"] = _timed(lambda: scores._live(month), repeat)
    step("scores")

    def all_charts():
        for name in reports.CHARTS:
            charts.png(reports.chart_figure(_Everyone(hr), name, label))

    results["charts"] = _timed(all_charts, repeat)
    step("charts")
    folder = tempfile.mkdtemp(prefix="att-bench-reports-")
    saved = current_app.config["REPORTS_FOLDER"]
    current_app.config["REPORTS_FOLDER"] = folder
    try:
        results["report"] = _timed(lambda: reports.generate(None, label), max(1, repeat - 1), "report")
    finally:
        current_app.config["REPORTS_FOLDER"] = saved
        shutil.rmtree(folder, ignore_errors=True)
    step("report")
    return Timings(database_label(), month, count_rows(), results, peak_rss_mib())


def peak_rss_mib() -> float:
    """The peak resident set size so far of this process or of the largest child it waited for (the report's
    PDF process), in MiB (Linux reports KiB; macOS bytes)."""
    import resource
    import sys

    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class _Everyone:
    """Charts as HR sees them (the whole department), whatever roles the first employee has."""

    def __init__(self, person: Employee | None):
        self.id = person.id if person else 0
        self.roles = {"hr"}


def machine() -> dict[str, str]:
    import os

    info = {"cpus": str(os.cpu_count()), "python": platform.python_version(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["processor"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            info["memory"] = fh.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return info
