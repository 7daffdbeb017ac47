"""Pages for HR's monthly figures: the dashboard (month and team pickers, charts, the score table),
closing a month, payroll deductions (page, CSV, XLSX), the monthly report and its downloads, and
each person's own score trend.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance.domain import scoring
from attendance.domain.errors import Conflict, InvalidInput, NotFound, RuleRefused
from attendance.domain.money import cents_to_money
from attendance.labels import error_text
from attendance.reporting import charts
from attendance.reporting import payroll as payroll_files
from attendance.services import reports, scores
from attendance.services.people import teams_reached as teams_for
from attendance.web import can, permission_required

bp = Blueprint("scores", __name__, url_prefix="/scores")
PAGE_SIZE = 100
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _month_arg() -> str:
    value = (request.args.get("month") or "").strip()
    if not value:
        return scoring.month_label(scoring.add_months(scores.open_month(), -1))
    return scoring.month_label(scoring.parse_month(value))


def _team_arg() -> str | None:
    return (request.args.get("team") or "").strip() or None


@bp.app_context_processor
def _helpers():
    return {"my_score_months": my_score_months}


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
    files = reports.report_files(month) if can("reports.view") else []
    return render_template("scores/dashboard.html", month=month, team=team, figures=figures,
                           rows=scores.score_rows(figures_page), summary=summary, next_cursor=next_cursor,
                           teams=teams_for(current_user),
                           chart_names=reports.CHARTS, can_close=can_close, files=files)


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
    try:
        close = scores.close_month(current_user, month)
    except (Conflict, RuleRefused) as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("%(month)s is closed: the figures of %(n)d people are frozen.", month=month, n=close.staff))
    return redirect(url_for("scores.dashboard", month=month))


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
    try:
        paths = reports.generate(current_user, month)
    except InvalidInput as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("scores.dashboard"))
    flash(_("The report of %(month)s is written (%(n)d files).", month=month, n=len(paths)))
    return redirect(url_for("scores.dashboard", month=month) + "#report")


@bp.route("/reports/<month>/<name>")
@permission_required("reports.view")
def report_download(month: str, name: str):
    path = reports.report_file(month, name)
    return send_file(path, as_attachment=not name.endswith((".png", ".svg")), download_name=name)

