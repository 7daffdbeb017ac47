"""Pages for HR's monthly figures: the dashboard (month and team pickers, charts, the score table),
closing a month, payroll deductions (page, CSV, XLSX), the monthly report and its downloads, and
each person's own score trend.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from attendance import clock
from attendance.domain import scoring
from attendance.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, RuleRefused
from attendance.domain.money import cents_to_money
from attendance.errors import status_of
from attendance.labels import RULE_CATEGORY_LABELS, award_kind_label, error_text
from attendance.reporting import charts
from attendance.reporting import payroll as payroll_files
from attendance.reporting import year_review as year_files
from attendance.services import jobs, nominations, reports, scores, year_review
from attendance.services.people import teams_reached as teams_for
from attendance.web import can, permission_required

bp = Blueprint("scores", __name__, url_prefix="/scores")
PAGE_SIZE = 100
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
CHART_LABELS = {"ranking": _l("Ranking"), "trend": _l("Scores over the last 12 months"),
                "categories": _l("Violations by category"), "lateness": _l("Lateness by weekday and hour"),
                "attendance": _l("Attendance rate by team")}


def _month_arg() -> str:
    value = (request.args.get("month") or "").strip()
    if not value:
        return scoring.month_label(scoring.add_months(scores.open_month(), -1))
    return scoring.month_label(scoring.parse_month(value))


def _team_arg() -> str | None:
    return (request.args.get("team") or "").strip() or None


@bp.app_context_processor
def _helpers():
    return {"my_score_months": my_score_months, "today_year": lambda: clock.today().year}


def my_score_months(n: int = 6) -> list[tuple[str, int]]:
    """The signed-in person's score in each of the last ``n`` months (this one so far), newest first."""
    months = scoring.last_months(scores.open_month(), n)
    history = scores.score_history(months, [current_user.id])
    return [(scoring.month_label(m), int(s)) for m, s in
            sorted(zip(history["month"], history["score"], strict=True), reverse=True)]


@bp.route("")
@permission_required("scores.dashboard")
def dashboard():
    month = _month_arg()
    team = _team_arg()
    if team:
        reports.chart_team(current_user, team)  # 404 for a team out of reach
    figures = scores.scores_for(current_user, month, team)
    total = len(figures.people)
    figures_page, next_cursor = scores.score_page(figures, limit=PAGE_SIZE,
                                                  cursor=request.args.get("cursor") or None)
    people_all = figures.people
    summary = {
        "staff": total,
        "average": round(float(people_all["score"].mean()), 1) if total else None,
        "full_attendance": int(people_all["full_attendance"].sum()) if total else 0,
        "reward_eligible": int(people_all["reward_eligible"].sum()) if total else 0,
        "fines": cents_to_money(int(people_all["fines_cents"].sum())) if total else 0,
    }
    can_close = (can("months.close") and figures.closed is None
                 and figures.month < scores.open_month())
    report = reports.report_summary(month) if can("reports.view") else None
    shown_jobs = [job for kind, action in (("month_close", "months.close"), ("report", "reports.generate"))
                  if can(action) and (job := jobs.latest(kind, month)) is not None
                  and (not job.finished or job.status == "failed")]
    closing = any(job.kind == "month_close" and not job.finished for job in shown_jobs)
    return render_template("scores/dashboard.html", month=month, team=team, figures=figures,
                           rows=scores.score_rows(figures_page), summary=summary, next_cursor=next_cursor,
                           teams=teams_for(current_user), chart_names=reports.CHARTS,
                           can_close=can_close and not closing, report=report, jobs=shown_jobs,
                           chart_labels=CHART_LABELS)


@bp.route("/charts/<name>.<fmt>")
@permission_required("scores.dashboard")
def chart(name: str, fmt: str):
    if fmt not in IMAGE_TYPES:
        raise NotFound(f"no chart format {fmt}")
    figure = reports.chart_figure(current_user, name, _month_arg(), _team_arg())
    body = charts.png(figure) if fmt == "png" else charts.svg(figure)
    return Response(body, mimetype=IMAGE_TYPES[fmt], headers={"Cache-Control": "private, max-age=300"})


@bp.route("/people/<employee_no>/trend.png")
@permission_required("self.view")
def person_trend(employee_no: str):
    """A person's score over the last 12 months; 404 for someone the viewer may not see."""
    figure = reports.person_trend_figure(current_user, employee_no)
    return Response(charts.png(figure), mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/months/<month>/close", methods=["POST"])
@permission_required("months.close")
def close_month(month: str):
    """Checks at once what can be checked (the month has ended, months close in order), then closes it
    as a background job: the dashboard shows its progress."""
    try:
        scores.check_closable(month)
        running = jobs.latest("month_close", month)
        if running is not None and not running.finished:
            raise Conflict(f"{month} is already being closed")
        jobs.submit(current_user, "month_close", month)
    except (Conflict, RuleRefused) as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Closing %(month)s: the figures are being frozen (progress below).", month=month))
    return redirect(url_for("scores.dashboard", month=month) + "#jobs")


# --- nominations for the month's reward (工作突出) ------------------------------------------------------


@bp.route("/nominations", methods=["GET", "POST"])
@permission_required("nominations.view")
def nominations_page():
    """On a phone: a lead nominates people of their team for the month's reward; the supervisor confirms or
    declines. Lists who is nominated and who confirmed, never everyone with a clean month."""
    month = (request.values.get("month") or "").strip() or clock.today().strftime("%Y-%m")
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "nominate":
                if not can("nominations.create"):
                    raise Forbidden(_("You may not nominate."))
                nominations.nominate(current_user, request.form.get("employee_no", ""), month,
                                     request.form.get("reason", ""))
                flash(_("Nominated."))
            else:
                if not can("nominations.decide"):
                    raise Forbidden(_("You may not decide nominations."))
                nominations.decide(current_user, _int(request.form.get("nomination_id")),
                                   request.form.get("outcome", ""), request.form.get("reason", ""))
                flash(_("Decision recorded."))
            return redirect(url_for("scores.nominations_page", month=month))
        except DomainError as exc:
            flash(exc.message, "error")
            status = status_of(exc)
    rows = nominations.nominations(current_user, month)
    nominated = {n.employee_id for n in rows}
    candidates = [p for p in nominations.candidates(current_user) if p.id not in nominated] \
        if can("nominations.create") else []
    return render_template("scores/nominations.html", month=month, rows=rows, candidates=candidates,
                           typed=request.form if request.method == "POST" else {}), status


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("Choose a nomination."), fields={"nomination_id": "required"}) from None


# --- payroll deductions -----------------------------------------------------------------------


def _payroll():
    return scores.payroll_view(current_user, _month_arg(), _team_arg(),
                               owing_only=request.args.get("all") != "1")


@bp.route("/payroll")
@permission_required("payroll.view")
def payroll():
    result = _payroll()
    rows = scores.payroll_rows(result)
    totals = {key: sum((r[key] for r in rows), cents_to_money(0))
              for key in ("fines_due", "deducted", "carried_over")}
    return render_template("scores/payroll.html", month=_month_arg(), team=_team_arg(), rows=rows,
                           totals=totals, closed=result.closed, teams=teams_for(current_user),
                           show_all=request.args.get("all") == "1")


@bp.route("/payroll.csv")
@permission_required("payroll.view")
def payroll_csv():
    return Response(payroll_files.to_csv(scores.payroll_rows(_payroll())), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=payroll-{_month_arg()}.csv"})


@bp.route("/payroll.xlsx")
@permission_required("payroll.view")
def payroll_xlsx():
    body = payroll_files.to_xlsx(scores.payroll_rows(_payroll()), _month_arg())
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=payroll-{_month_arg()}.xlsx"})


# --- the monthly report -----------------------------------------------------------------------


@bp.route("/reports/<month>", methods=["POST"])
@permission_required("reports.generate")
def generate_report(month: str):
    """Answers at once: the report is made by a background job whose progress the dashboard shows."""
    try:
        jobs.submit(current_user, "report", month)
    except InvalidInput as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("scores.dashboard"))
    flash(_("The report of %(month)s is being made (progress below).", month=month))
    return redirect(url_for("scores.dashboard", month=month) + "#jobs")


@bp.route("/jobs/<int:job_id>")
@permission_required("self.view")
def job_status(job_id: int):
    """A job's state as JSON, polled by static/app.js while it runs; 404 for a kind the viewer may not do."""
    return jobs.state(jobs.get_job(current_user, job_id))


# Where each kind of job is shown: an import on its own import page, the month's work on the dashboard.
_IMPORT_PAGES = {"people_import": "people.import_employees", "punch_import": "shifts.import_punches"}


def _job_page(job) -> str:
    if job.kind in _IMPORT_PAGES:
        return url_for(_IMPORT_PAGES[job.kind], job=job.id) + "#job"
    if job.kind == "year_close":  # a year's job shows on the year's page
        return url_for("scores.year_team", year=int(job.subject)) + "#jobs"
    return url_for("scores.dashboard", month=job.subject) + "#jobs"


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@permission_required("self.view")
def retry_job(job_id: int):
    try:
        job = jobs.retry(current_user, job_id)
    except InvalidInput as exc:
        flash(_(exc.message), "error")
        old = jobs.get_job(current_user, job_id)
        return redirect(_job_page(old) if old.kind in _IMPORT_PAGES else url_for("scores.dashboard"))
    flash(_("Tried again: job %(id)d is queued.", id=job.id))
    return redirect(_job_page(job))


@bp.route("/reports/<month>/<name>")
@permission_required("reports.view")
def report_download(month: str, name: str):
    path = reports.report_file(month, name)
    return send_file(path, as_attachment=not name.endswith((".png", ".svg")), download_name=name)



# --- the year-end review (年终考核) ---------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind_namer(year: int):
    kinds = year_review.award_kinds(date(year, 12, 31) if year < clock.today().year else None)
    return lambda kind: award_kind_label(kind, kinds)


def _category(name: str) -> str:
    return str(RULE_CATEGORY_LABELS.get(name, name))


@bp.route("/years/<int:year>/people/<employee_no>")
@permission_required("self.view")
def year_person(year: int, employee_no: str):
    """One person's year-end review, printable: monthly scores and their chart, violations by category, the
    half-year leave, the full-year bonus, the awards and the year score (404 for someone out of reach)."""
    person = year_review.review(current_user, year, employee_no)
    return render_template("scores/year_person.html", year=year, person=person, kind_name=_kind_namer(year),
                           category=_category)


@bp.route("/years/<int:year>/people/<employee_no>.xlsx")
@permission_required("self.view")
def year_person_xlsx(year: int, employee_no: str):
    person = year_review.review(current_user, year, employee_no)
    body = year_files.person_xlsx(person, category=_category, kind=_kind_namer(year))
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=year-{year}-{person.employee_no}.xlsx"})


@bp.route("/years/<int:year>/people/<employee_no>/months.png")
@permission_required("self.view")
def year_person_chart(year: int, employee_no: str):
    """The person's monthly scores of the year as a line (the page's chart)."""
    person = year_review.review(current_user, year, employee_no)
    labels = [f"{year}-{m:02d}" for m in range(1, 13)]
    scores_by_month = {m.month: m.score for m in person.months}
    values = [scores_by_month.get(m) for m in range(1, 13)]
    series = {person.name: values} if person.months else {}
    figure = charts.trend(labels, series, title=_("%(name)s: monthly scores %(year)s", name=person.name, year=year),
                          ylabel=_("Score"), empty=_("No data"))
    return Response(charts.png(figure), mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


def _team_year(year: int):
    return year_review.team_year(current_user, year, _team_arg())


@bp.route("/years")
@permission_required("years.team")
def years():
    """Where the navigation lands: the year just ended (the one HR reviews and closes in January)."""
    return redirect(url_for("scores.year_team", year=clock.today().year - 1))


@bp.route("/years/<int:year>")
@permission_required("years.team")
def year_team(year: int):
    """A team's year in one table (a lead: their teams; the office: the department, or one team); HR closes
    the year here."""
    book = _team_year(year)
    people = list(book.people.values())
    job = jobs.latest("year_close", str(year)) if can("years.close") else None
    shown_job = job if job is not None and (not job.finished or job.status == "failed") else None
    can_close = (can("years.close") and book.closed is None and year < clock.today().year
                 and (job is None or job.finished))
    summary = {"staff": len(people), "full_years": sum(1 for p in people if p.bonus),
               "violations": sum(p.violations for p in people),
               "rewards": sum((p.rewards_total for p in people), cents_to_money(0))}
    return render_template("scores/year_team.html", year=year, book=book, people=people, team=_team_arg(),
                           teams=teams_for(current_user), summary=summary, can_close=can_close, job=shown_job)


@bp.route("/years/<int:year>.xlsx")
@permission_required("years.team")
def year_team_xlsx(year: int):
    team = _team_arg()
    book = _team_year(year)
    title = f"{year} {team}" if team else str(year)
    body = year_files.team_xlsx(book.people.values(), year, title=title)
    name = f"year-{year}-{team}.xlsx" if team else f"year-{year}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/years/<int:year>/close", methods=["POST"])
@permission_required("years.close")
def close_year(year: int):
    """Checks at once (every month of the year closed, not closed yet), then closes it as a background job."""
    try:
        year_review.check_closable(year)
        running = jobs.latest("year_close", str(year))
        if running is not None and not running.finished:
            raise Conflict(_("%(year)s is already being closed", year=year))
        jobs.submit(current_user, "year_close", str(year))
    except (Conflict, RuleRefused, InvalidInput) as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Closing %(year)s: every person's year is being frozen (progress below).", year=year))
    return redirect(url_for("scores.year_team", year=year) + "#jobs")


# --- awards a manager grants by hand (000 §5 奖励2–4) ---------------------------------------------------


def _year_arg() -> int:
    value = (request.values.get("year") or "").strip()
    return year_review.parse_year(value) if value else clock.today().year


@bp.route("/awards", methods=["GET", "POST"])
@permission_required("awards.record")
def awards_page():
    """A supervisor or manager records an award with the amount they set; the year's awards, each reversible."""
    year = _year_arg()
    status = 200
    if request.method == "POST":
        try:
            year_review.record_award(current_user, request.form.get("employee_no", "").strip(),
                                     request.form.get("kind", ""), request.form.get("amount", ""),
                                     request.form.get("reason", ""), request.form.get("awarded_on") or None)
            flash(_("Award recorded; the person has been told."))
            return redirect(url_for("scores.awards_page", year=year))
        except DomainError as exc:
            flash(error_text(exc), "error")
            status = status_of(exc)
    kinds = year_review.award_kinds()
    return render_template("scores/awards.html", year=year, rows=year_review.awards(current_user, year),
                           kinds=kinds, kind_name=lambda k: award_kind_label(k, kinds),
                           candidates=year_review.award_candidates(current_user),
                           typed=request.form if request.method == "POST" else {}), status


@bp.route("/awards/<int:award_id>/reverse", methods=["POST"])
@permission_required("awards.record")
def reverse_award(award_id: int):
    try:
        award = year_review.reverse_award(current_user, award_id, request.form.get("reason", ""))
    except DomainError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("scores.awards_page", year=_year_arg()))
    flash(_("Award reversed."))
    return redirect(url_for("scores.awards_page", year=award.awarded_on.year))
