"""HR's charts and the monthly report (PDF + XLSX + the charts) written to ``reports/YYYY-MM/``.

The numbers come from ``attendance.services.scores``; drawing and layout live in
``attendance.reporting`` (charts, monthly_report). Chart labels are translated here.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from attendance import clock
from attendance.domain import scoring
from attendance.domain.errors import N_, NotFound
from attendance.domain.permissions import reach
from attendance.extensions import db
from attendance.models import Employee, Job, Team, Violation
from attendance.reporting import charts
from attendance.services import attendance as attendance_service
from attendance.services import audit, people, scores
from attendance.services.transaction import transaction

PDF_CHILD_WAIT = 120  # seconds, at least, that the PDF's process is waited for after the workbook is done

CHARTS = ("ranking", "trend", "categories", "lateness", "attendance")
TREND_MONTHS = 12
MAX_LINES = 10  # more people or teams than this: an average line and a 10th–90th percentile band
MAX_BARS = 40
CATEGORY_LABELS = {"attendance": _l("Attendance"), "conduct": _l("Conduct"), "grooming": _l("Grooming"),
                   "integrity": _l("Integrity"), "meeting": _l("Meetings"), "service": _l("Service"),
                   "general": _l("General")}
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
FILE_NAME = re.compile(r"^[A-Za-z0-9_\-]+\.(pdf|xlsx|png|svg)$")


# --- which team a viewer may chart ------------------------------------------------------------


def chart_team(viewer: Employee, code: str | None) -> Team | None:
    """The team to chart, if one was asked for and ``viewer`` reaches it. :raise NotFound: otherwise."""
    if not code:
        return None
    team = db.session.scalar(select(Team).where(Team.code == str(code).strip()))
    if team is None or (reach(viewer.roles) != "all" and team.id not in people.teams_led_by(viewer)):
        raise NotFound(N_("no team %(code)s", code=code))
    return team


def parse_chart(name: str) -> str:
    if name not in CHARTS:
        raise NotFound(N_("no chart %(name)s", name=name))
    return name


# --- the charts -------------------------------------------------------------------------------


def _no_data() -> str:
    return _("No data for this month")


def _ends(table: pd.DataFrame) -> pd.DataFrame:
    """At most MAX_BARS rows: the first and the last MAX_BARS / 2 when there are more."""
    if len(table) <= MAX_BARS:
        table.attrs["total"] = None
        return table
    half = MAX_BARS // 2
    out = pd.concat([table.head(half), table.tail(half)])
    out.attrs["total"] = len(table)
    return out


def _ends_note(table: pd.DataFrame) -> str:
    total = table.attrs.get("total")
    return " " + _("(first and last %(n)d of %(total)d)", n=MAX_BARS // 2, total=total) if total else ""


def ranking_figure(figures: scores.MonthFigures, team: Team | None) -> charts.Figure:
    """Without a team: the teams by average score. With one: its people by score."""
    if team is None:
        summary = _ends(scores.team_summary(figures))
        title = _("Team ranking by average score, %(month)s", month=figures.label) + _ends_note(summary)
        return charts.ranking(list(summary["team_name"]), list(summary["average_score"].round(1)),
                              title=title, xlabel=_("Average score"), low=figures.floor, high=figures.base,
                              empty=_no_data())
    members = figures.people[figures.people["team_id"] == team.id].sort_values(["rank", "employee_no"])
    shown = members.head(MAX_BARS)
    title = _("%(team)s: ranking, %(month)s", team=team.name, month=figures.label)
    if len(members) > MAX_BARS:
        title += " " + _("(first %(n)d of %(total)d)", n=MAX_BARS, total=len(members))
    return charts.ranking([f"{r.name} {r.employee_no}" for r in shown.itertuples()], list(shown["score"]),
                          title=title, xlabel=_("Score"), low=figures.floor, high=figures.base,
                          empty=_no_data())


def _lines(history: pd.DataFrame, key: str, names: dict, months: list[date]):
    """One series per value of ``key`` (a person or a team), or an average with a band when there are many."""
    pivot = history.pivot_table(index=key, columns="month", values="score", aggfunc="mean")
    pivot = pivot.reindex(columns=months)
    if len(pivot) <= MAX_LINES:
        return {names.get(k, str(k)): [None if pd.isna(v) else round(float(v), 1) for v in row]
                for k, row in pivot.iterrows()}, None
    by_month = history.groupby("month")["score"]
    mean = by_month.mean().reindex(months)
    low, high = by_month.quantile(0.1).reindex(months), by_month.quantile(0.9).reindex(months)
    return {_("Average"): [None if pd.isna(v) else round(float(v), 1) for v in mean]}, (
        low.fillna(mean).to_numpy(dtype=float), high.fillna(mean).to_numpy(dtype=float))


def trend_figure(month: date, team: Team | None, *, base: int = 100, floor: int = 0) -> charts.Figure:
    """Scores over the last 12 months: per team (or per person of one team)."""
    months = scoring.last_months(month, TREND_MONTHS)
    labels = [scoring.month_label(m) for m in months]
    if team is None:
        history = scores.score_history(months)
        history = history[history["team_code"].notna()]
        names = {t.code: t.name for t in people.list_teams(include_inactive=True)}
        series, band = _lines(history, "team_code", names, months)
        title = _("Average score by team, last %(n)d months", n=TREND_MONTHS)
    else:
        ids = list(db.session.scalars(select(Employee.id).where(Employee.team_id == team.id)))
        history = scores.score_history(months, ids)
        names = {e.id: e.name for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
        series, band = _lines(history, "employee_id", names, months)
        title = _("%(team)s: scores, last %(n)d months", team=team.name, n=TREND_MONTHS)
    return charts.trend(labels, series, title=title, ylabel=_("Score"), low=floor, high=base, band=band,
                        band_label=_("10th–90th percentile"), empty=_no_data())


def person_trend_figure(viewer: Employee, employee_no: str, month: date | None = None) -> charts.Figure:
    """One person's score over the last 12 months. :raise NotFound: someone ``viewer`` may not see."""
    person = people.get_employee(viewer, employee_no)
    month = month or scores.open_month()
    months = scoring.last_months(month, TREND_MONTHS)
    history = scores.score_history(months, [person.id]).set_index("month")["score"]
    values = [None if m not in history.index else float(history[m]) for m in months]
    series = {person.name: values} if any(v is not None for v in values) else {}
    return charts.trend([scoring.month_label(m) for m in months], series,
                        title=_("%(name)s: score, last %(n)d months", name=person.name, n=TREND_MONTHS),
                        ylabel=_("Score"), empty=_no_data())


def categories_figure(month: date, team: Team | None) -> charts.Figure:
    months = scoring.last_months(month, TREND_MONTHS)
    table = scores.violations_by_category(months, team.id if team else None)
    stacks = {str(CATEGORY_LABELS.get(c, c)): [int(v) for v in table[c]] for c in table.columns}
    title = _("Violations by category per month")
    if team is not None:
        title = f"{team.name}: {title}"
    return charts.stacked(list(table.index), stacks, title=title, ylabel=_("Violations"), empty=_no_data())


def lateness_figure(month: date, team: Team | None) -> charts.Figure:
    matrix = scores.lateness_matrix(month, team.id if team else None)
    title = _("Late arrivals by weekday and shift start, %(month)s", month=scoring.month_label(month))
    if team is not None:
        title = f"{team.name}: {title}"
    return charts.heatmap(matrix.to_numpy(), [str(d) for d in WEEKDAYS], title=title,
                          xlabel=_("Shift starts at (hour)"), colorbar=_("Late days"))


def attendance_figure(figures: scores.MonthFigures, team: Team | None = None) -> charts.Figure:
    """Without a team: every team's attendance rate. With one: that team's alone."""
    summary = scores.team_summary(figures)
    title = _("Attendance rate by team, %(month)s", month=figures.label)
    if team is not None:
        summary = summary[summary["team_code"] == team.code]
        title = f"{team.name}: {title}"
    summary = _ends(summary.sort_values(["attendance_rate", "team_code"], ascending=[False, True]))
    return charts.rates(list(summary["team_name"]), list(summary["attendance_rate"]),
                        title=title + _ends_note(summary), ylabel=_("Attendance rate"), empty=_no_data())


def chart_figure(viewer: Employee, name: str, month_text: str | None, team_code: str | None = None,
                 figures: scores.MonthFigures | None = None) -> charts.Figure:
    """The named chart for the month (and team). :raise NotFound: unknown chart or team out of reach."""
    name = parse_chart(name)
    month = scoring.parse_month(month_text) if month_text else scoring.add_months(scores.open_month(), -1)
    team = chart_team(viewer, team_code)
    if name in ("ranking", "attendance", "trend"):
        figures = figures or scores.month_figures(month)
    if name == "ranking":
        return ranking_figure(figures, team)
    if name == "trend":
        return trend_figure(month, team, base=figures.base, floor=figures.floor)
    if name == "categories":
        return categories_figure(month, team)
    if name == "lateness":
        return lateness_figure(month, team)
    return attendance_figure(figures, team)


# --- the monthly report -----------------------------------------------------------------------


@dataclass
class ReportData:
    """Everything the monthly report shows, gathered once."""

    month: date
    figures: scores.MonthFigures
    payroll: scores.Payroll
    teams: pd.DataFrame
    violations: pd.DataFrame
    attendance: attendance_service.Sheet  # the 考勤表, as the page shows it for all teams
    charts: dict[str, bytes]  # name → PNG
    chart_figures: dict[str, charts.Figure]
    generated_at: datetime
    generated_by: str

    @property
    def label(self) -> str:
        return scoring.month_label(self.month)


def violation_log(month: date) -> pd.DataFrame:
    """Every violation dated in the month, in order, with the person and whether it still counts."""
    v, e, t = Violation.__table__.c, Employee.__table__.c, Team.__table__.c
    recorder = Employee.__table__.alias("recorder")
    stmt = (select(v.occurred_at, e.employee_no, e.name, t.name, v.rule_code, v.rule_name_zh, v.occurrence,
                   v.sanction, v.fine, v.points, v.source, recorder.c.name, v.reversed_at, v.note)
            .join(Employee.__table__, e.id == v.employee_id)
            .outerjoin(Team.__table__, t.id == e.team_id)
            .outerjoin(recorder, recorder.c.id == v.recorded_by_id)
            .where(v.occurred_on >= month, v.occurred_on <= scoring.month_end(month))
            .order_by(v.occurred_at, v.id))
    rows = db.session.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=[
        "occurred_at", "employee_no", "name", "team", "rule", "rule_name", "occurrence", "sanction", "fine",
        "points", "source", "recorded_by", "reversed_at", "note"])


def gather(month: date, actor: Employee | None, progress: Callable[[str], None] | None = None) -> ReportData:
    step = progress or (lambda _name: None)
    figures = scores.month_figures(month)
    figures.people = figures.people.sort_values(["rank", "employee_no"])
    step("scores")
    payroll = scores.payroll_for(month)
    payroll.rows = payroll.rows.sort_values("employee_no")
    step("payroll")
    violations = violation_log(month)
    step("violations")
    attendance = attendance_service.department_sheet(month)
    step("attendance")
    images, drawn = {}, {}
    makers = {
        "ranking": lambda: ranking_figure(figures, None),
        "trend": lambda: trend_figure(month, None, base=figures.base, floor=figures.floor),
        "categories": lambda: categories_figure(month, None),
        "lateness": lambda: lateness_figure(month, None),
        "attendance": lambda: attendance_figure(figures),
    }
    for name, make in makers.items():
        drawn[name] = make()
        images[name] = charts.png(drawn[name], dpi=120)
        step(f"chart:{name}")
    return ReportData(month, figures, payroll, scores.team_summary(figures), violations, attendance, images,
                      drawn, clock.now(), actor.name if actor else _("(system)"))


def report_folder(month: date) -> Path:
    return Path(current_app.config["REPORTS_FOLDER"]) / scoring.month_label(month)


def report_steps() -> int:
    """How many times ``generate`` calls its progress callback (for a progress bar)."""
    return 4 + len(CHARTS) + 2


def generate(actor: Employee | None, month_text: str, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the month's report (PDF, XLSX, each chart as PNG) to ``reports/YYYY-MM/``.

    The files are written to a scratch folder first and moved in place, so a download never sees
    half a file. Only reads until the audit record at the end: no write lock is held while it draws,
    and a job's progress (``services/jobs.py``) commits between the steps. :raise InvalidInput: a bad
    month.
    """
    month = scoring.parse_month(month_text)
    step = progress or (lambda _name: None)
    data = gather(month, actor, step)
    folder = report_folder(month)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
    try:
        label = data.label
        _write_documents(scratch / f"report-{label}.pdf", scratch / f"workbook-{label}.xlsx", data, step)
        for name, image in data.charts.items():
            (scratch / f"chart-{name}-{label}.png").write_bytes(image)
        # No SVG copies: each chart is drawn once (the PNGs the PDF and the workbook show); the live
        # charts answer SVG on request (GET …/charts/<name>.svg) — rendering SVG too cost a tenth of the report.
        paths = []
        for item in sorted(scratch.iterdir()):
            target = folder / item.name
            os.replace(item, target)
            paths.append(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with transaction():
        audit.record(actor, "report.generate", "report", label, files=[p.name for p in paths])
    return paths


def _write_documents(pdf: Path, xlsx: Path, data: ReportData, step: Callable[[str], None]) -> None:
    """The PDF and the workbook, written at the same time where the system can fork.

    They are most of the report's cost (5,000 staff: about 5.7 and 7.6 CPU seconds) and neither needs the
    database once the month is gathered, so on a machine with two cores a child process writes the PDF from
    the gathered data it inherits (nothing is copied or sent to it) while this one writes the workbook. A
    child that fails, or has not finished when the workbook has had ample time, is not trusted: the PDF is
    then written here, as it would be with ``REPORT_PARALLEL`` off or no ``fork``."""
    from attendance.reporting import monthly_report

    child = None
    if current_app.config.get("REPORT_PARALLEL", True) and "fork" in multiprocessing.get_all_start_methods():
        child = multiprocessing.get_context("fork").Process(
            target=monthly_report.write_pdf, args=(pdf, data), name="monthly-report-pdf", daemon=True)
        try:
            child.start()
        except (AssertionError, OSError):  # a daemonic worker may not have children; no process to spare
            child = None
    started = time.monotonic()
    monthly_report.write_xlsx(xlsx, data)
    step("xlsx")
    if child is not None:
        child.join(max(PDF_CHILD_WAIT, 3 * (time.monotonic() - started)))
        if child.is_alive():
            child.kill()
            child.join()
        if child.exitcode == 0 and pdf.is_file():
            step("pdf")
            return
        current_app.logger.warning("the report's PDF process ended with %s: writing the PDF here",
                                   child.exitcode)
        pdf.unlink(missing_ok=True)
    monthly_report.write_pdf(pdf, data)
    step("pdf")


@dataclass(frozen=True)
class ReportFile:
    name: str
    size: int
    modified: datetime
    kind: str  # pdf, xlsx, png, svg


def report_files(month_text: str) -> list[ReportFile]:
    """The files of the month's report, if it was generated. :raise InvalidInput: a bad month."""
    folder = report_folder(scoring.parse_month(month_text))
    if not folder.is_dir():
        return []
    out = []
    for item in sorted(folder.iterdir()):
        if item.is_file() and FILE_NAME.match(item.name):
            stat = item.stat()
            out.append(ReportFile(item.name, stat.st_size,
                                  datetime.fromtimestamp(stat.st_mtime, tz=clock.site_zone()),
                                  item.suffix.lstrip(".")))
    return out


def report_file(month_text: str, name: str) -> Path:
    """The path of one report file. :raise NotFound: no such file (names never leave the folder)."""
    if not FILE_NAME.match(name or ""):
        raise NotFound(N_("no report file %(name)s", name=name))
    path = report_folder(scoring.parse_month(month_text)) / name
    if not path.is_file():
        raise NotFound(N_("no report file %(name)s", name=name))
    return path


@dataclass(frozen=True)
class ReportSummary:
    """The month's report as HR sees it: the two documents, the chart images, when made, by whom, and
    whether it was made before the month was closed (it then says 未月结 and should be made again)."""

    pdf: ReportFile | None
    xlsx: ReportFile | None
    images: list[ReportFile]
    made_at: datetime | None
    made_by: str | None  # None: made from the command line
    stale: bool

    @property
    def exists(self) -> bool:
        return self.pdf is not None or self.xlsx is not None


def report_summary(month_text: str) -> ReportSummary:
    """What the dashboard says about the month's report. :raise InvalidInput: a bad month."""
    month = scoring.parse_month(month_text)
    label = scoring.month_label(month)
    files = report_files(label)
    pdf = next((f for f in files if f.name == f"report-{label}.pdf"), None)
    xlsx = next((f for f in files if f.name == f"workbook-{label}.xlsx"), None)
    images = [f for f in files if f.kind in ("png", "svg")]  # SVG: reports made before they were dropped
    made = db.session.scalar(select(Job).where(Job.kind == "report", Job.subject == label, Job.status == "done")
                             .order_by(Job.id.desc()).limit(1))
    made_at = made.finished_at if made else (pdf or xlsx).modified if (pdf or xlsx) else None
    made_by = (made.requested_by.name if made.requested_by else _("(system)")) if made else None
    close = scores.get_close(month)
    if not (pdf or xlsx) or close is None:
        stale = False
    elif made is not None:
        stale = not (made.result or {}).get("closed")  # what its pages say, not when it ended
    else:
        stale = made_at < close.closed_at
    return ReportSummary(pdf, xlsx, images, made_at, made_by, stale)


def months_with_reports() -> list[str]:
    root = Path(current_app.config["REPORTS_FOLDER"])
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}", p.name)),
                  reverse=True)


def ensure_month(month_text: str | None) -> date:
    if not month_text:
        return scoring.add_months(scores.open_month(), -1)
    return scoring.parse_month(month_text)

