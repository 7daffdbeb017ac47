"""HR's dashboard, charts, month close, payroll downloads, the report button and each person's trend."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from attendance.domain import scoring
from attendance.domain.policy import ROLES
from attendance.domain.scoring import month_label
from attendance.extensions import db
from attendance.models import Job
from attendance.reporting import charts
from attendance.services import reports, shift_types
from tests.conftest import LEADERS, login, make_person, make_team
from tests.services.test_jobs import real_queue  # noqa: F401 (a fixture)
from tests.services.test_scores import attend, last_month, violation, working_days


@pytest.fixture
def world(app):
    t1, t2 = make_team("T1", "热线一组"), make_team("T2", "投诉组")
    month = last_month()
    staff = make_person(["staff"], t1, name="张丽", wage="3000.00")
    other = make_person(["staff"], t2, name="李娜")
    lead = make_person(["lead", "staff"], t1, name="组长")
    for person in (staff, other, lead):
        attend(person, month)
    violation(staff, "COMPLAINT", month + timedelta(days=2))
    return {"month": month_label(month), "staff": staff, "other": other, "lead": lead,
            "hr": make_person(["hr"], name="周人事")}


def test_hr_sees_the_dashboard_with_pickers_charts_and_the_score_table(client, world):
    login(client, world["hr"])
    page = client.get(f"/scores?month={world['month']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'type="month"' in html and 'name="team"' in html
    for name in ("ranking", "trend", "categories", "lateness", "attendance"):
        assert f"/scores/charts/{name}.png?month={world['month']}" in html
    assert "张丽" in html and "李娜" in html and "COMPLAINT −6" in html
    assert f'action="/scores/months/{world["month"]}/close"' in html


def test_the_score_table_pages_by_rank_with_the_pagers_cursor(client, world, monkeypatch):
    from attendance.scores import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    login(client, world["hr"])
    first = client.get(f"/scores?month={world['month']}&team=T1").get_data(as_text=True)
    link = re.search(r'href="(/scores\?[^"]*cursor=[A-Za-z0-9_-]+[^"]*)"', first)
    assert link and "month=" in link.group(1) and "team=T1" in link.group(1)
    rest = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    lead, staff, other = (f">{world[k].employee_no}<" for k in ("lead", "staff", "other"))
    # T1 holds the lead and 张丽 (her violation ranks her below the lead); 李娜 is in T2
    assert lead in first and staff not in first and staff in rest and lead not in rest
    assert other not in first + rest and 'class="pager' not in rest
    assert client.get(f"/scores?month={world['month']}&cursor=2").status_code == 400




def _drawn(figure) -> dict:
    """What a chart shows: the labels on its axes and in its legend, and its numbers (bars, heatmap cells)."""
    ax = figure.axes[0]
    legend = ax.get_legend()
    return {"title": ax.get_title(),
            "rows": {t.get_text() for t in ax.get_yticklabels()},
            "columns": {t.get_text() for t in ax.get_xticklabels()},
            "legend": {t.get_text() for t in legend.get_texts()} if legend else set(),
            "bars": float(sum(p.get_height() for p in ax.patches)),
            "cells": int(ax.images[0].get_array().sum()) if ax.images else None}


@pytest.fixture
def two_teams(world):
    """Each team with something of its own in every chart: late arrivals on a shift and a violation."""
    first = scoring.parse_month(world["month"])
    day8 = shift_types.save_shift_type(None, {"code": "D8", "name": "白班", "start": "08:00", "end": "18:00"})
    t1, t2 = world["staff"].team, world["other"].team
    late_t1 = make_person(["staff"], t1, name="王芳")
    late_t2 = make_person(["staff"], t2, name="赵敏")
    days = [d.day for d in working_days(first)]
    attend(late_t1, first, {days[0]: ("late", 12)}, shift=day8)
    attend(late_t2, first, {days[1]: ("late", 15), days[2]: ("late", 20), days[3]: "absent"}, shift=day8)
    violation(late_t2, "PHONE", first + timedelta(days=4))
    return {"T1": t1, "T2": t2}


def test_every_dashboard_chart_is_a_png_and_can_be_narrowed_to_a_team(client, world, two_teams, app):
    login(client, world["hr"])
    month = world["month"]
    for name in reports.CHARTS:
        narrowed = client.get(f"/scores/charts/{name}.png?month={month}&team=T1")
        assert narrowed.status_code == 200 and narrowed.data.startswith(b"\x89PNG"), name
        whole = client.get(f"/scores/charts/{name}.png?month={month}").data
        with app.test_request_context():
            drawn_for_t1 = charts.png(reports.chart_figure(world["hr"], name, month, "T1"))
        same_as_t1, same_as_whole = narrowed.data == drawn_for_t1, narrowed.data == whole
        assert same_as_t1, f"{name}: the page does not draw the team's chart"
        assert not same_as_whole, f"{name}: narrowed to T1, the chart is still the department's"

    with app.test_request_context():
        drawn = {(name, team): _drawn(reports.chart_figure(world["hr"], name, month, team))
                 for name in reports.CHARTS for team in ("T1", "T2", None)}
    members = {code: {(p.name, p.employee_no) for p in t.members} for code, t in two_teams.items()}
    for code, team in two_teams.items():
        assert drawn["ranking", code]["rows"] == {f"{name} {no}" for name, no in members[code]}
        assert drawn["trend", code]["legend"] == {name for name, _no in members[code]}
        assert drawn["attendance", code]["columns"] == {team.name}
        assert all(drawn[name, code]["title"].startswith(team.name) for name in reports.CHARTS)
    # numbers: T1 has one COMPLAINT (service) and one late day, T2 one PHONE (conduct) and two late days
    assert (drawn["categories", "T1"]["bars"], drawn["categories", "T2"]["bars"],
            drawn["categories", None]["bars"]) == (1, 1, 2)
    assert drawn["categories", "T1"]["legend"] != drawn["categories", "T2"]["legend"]
    assert (drawn["lateness", "T1"]["cells"], drawn["lateness", "T2"]["cells"],
            drawn["lateness", None]["cells"]) == (1, 2, 3)
    assert drawn["ranking", None]["rows"] == drawn["attendance", None]["columns"] == {"热线一组", "投诉组"}
    assert client.get(f"/scores/charts/trend.svg?month={month}").mimetype == "image/svg+xml"
    assert client.get("/scores/charts/nope.png").status_code == 404
    assert client.get("/scores/charts/ranking.gif").status_code == 404


def test_a_lead_sees_only_their_team_and_staff_not_the_dashboard(client, world):
    login(client, world["lead"])
    html = client.get(f"/scores?month={world['month']}").get_data(as_text=True)
    assert "张丽" in html and "李娜" not in html
    assert client.get(f"/scores/charts/ranking.png?month={world['month']}&team=T2").status_code == 404
    assert "/close" not in html
    client.post("/logout")
    login(client, world["staff"])
    assert client.get("/scores").status_code == 403


def test_closing_the_month_from_the_dashboard_freezes_it(client, world):
    login(client, world["hr"])
    response = client.post(f"/scores/months/{world['month']}/close", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "/close" not in html.split("<h2")[0]
    again = client.post(f"/scores/months/{world['month']}/close", follow_redirects=True)
    assert 'class="flash error"' in again.get_data(as_text=True)


def test_payroll_page_csv_and_xlsx_carry_the_same_figures(client, world):
    login(client, world["hr"])
    html = client.get(f"/scores/payroll?month={world['month']}").get_data(as_text=True)
    assert "张丽" in html and "30.00" in html and "李娜" not in html  # only people with something due
    assert "李娜" in client.get(f"/scores/payroll?month={world['month']}&all=1").get_data(as_text=True)
    csv_body = client.get(f"/scores/payroll.csv?month={world['month']}").data
    assert csv_body.startswith("\ufeff".encode()) and "张丽".encode() in csv_body and b"30.00" in csv_body
    xlsx = client.get(f"/scores/payroll.xlsx?month={world['month']}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "张丽" and float(rows[1][7]) == 30.0 and float(rows[1][9]) == 30.0


def test_payroll_is_for_hr_and_management_only(client, world):
    login(client, world["lead"])
    assert client.get("/scores/payroll").status_code == 403


def test_the_report_button_writes_the_files_and_the_dashboard_offers_them(client, world):
    login(client, world["hr"])
    response = client.post(f"/scores/reports/{world['month']}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"report-{world['month']}.pdf" in html and f"workbook-{world['month']}.xlsx" in html
    workbook = client.get(f"/scores/reports/{world['month']}/workbook-{world['month']}.xlsx")
    book = load_workbook(io.BytesIO(workbook.data), read_only=True)
    assert {"考勤表", "得分 Scores", "违纪 Violations", "扣款 Payroll"} <= set(book.sheetnames)
    book.close()
    workbook.close()
    assert client.get(f"/scores/reports/{world['month']}/../secret_key").status_code == 404


def test_the_report_button_answers_at_once_and_the_page_shows_the_jobs_progress_until_the_files_are_there(
        client, world, real_queue):  # noqa: F811 (the fixture imported above)
    month = world["month"]
    login(client, world["hr"])
    response = client.post(f"/scores/reports/{month}")
    assert response.status_code == 302 and response.headers["Location"].endswith("#jobs")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    job = db.session.scalar(select(Job).order_by(Job.id.desc()))
    assert f'data-job-poll="/scores/jobs/{job.id}"' in html and "<progress" in html
    assert "正在等待后台任务进程处理" in html and "flask --app attendance jobs worker" in html
    assert "月报 PDF" not in html  # nothing written yet
    status = client.get(f"/scores/jobs/{job.id}").get_json()
    assert (status["status"], status["percent"], status["finished"]) == ("queued", 0, False)
    real_queue.work()
    status = client.get(f"/scores/jobs/{job.id}").get_json()
    assert (status["status"], status["percent"], status["finished"]) == ("done", 100, True)
    assert f"report-{month}.pdf" in status["result"]["files"]
    html = client.get(f"/scores?month={month}").get_data(as_text=True)
    assert "data-job-poll" not in html and "月报 PDF" in html and "月报 Excel" in html
    assert "周人事 于" in html and "生成" in html
    assert f">report-{month}.pdf<" not in html  # named for people, not as raw file names
    pdf = client.get(f"/scores/reports/{month}/report-{month}.pdf")
    assert pdf.data.startswith(b"%PDF")
    pdf.close()


def test_a_failed_report_says_why_on_the_page_and_can_be_tried_again(client, world, monkeypatch):
    from attendance.services import jobs

    real = jobs.KINDS["report"]

    def broken(_actor, _params, _progress):
        raise OSError("No space left on device")

    monkeypatch.setitem(jobs.KINDS, "report", jobs.Kind(real.steps, broken))
    login(client, world["hr"])
    html = client.post(f"/scores/reports/{world['month']}", follow_redirects=True).get_data(as_text=True)
    failed = db.session.scalar(select(Job).order_by(Job.id.desc()))
    assert failed.status == "failed" and "失败原因" in html and "No space left on device" in html
    assert f'action="/scores/jobs/{failed.id}/retry"' in html
    monkeypatch.setitem(jobs.KINDS, "report", real)
    html = client.post(f"/scores/jobs/{failed.id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "月报 PDF" in html and "失败原因" not in html
    login(client, world["lead"])
    assert client.get(f"/scores/jobs/{failed.id}").status_code == 404  # a kind of work the lead may not do


def test_a_report_made_before_the_close_is_marked_out_of_date(client, world):
    """Issue 15 point 8: it used to keep saying 未月结 after the close, with nothing to say so."""
    month = world["month"]
    login(client, world["hr"])
    client.post(f"/scores/reports/{month}")
    assert "data-report-stale" not in client.get(f"/scores?month={month}").get_data(as_text=True)
    from attendance.services import scores

    scores.close_month(world["hr"], month)  # as the API or the CLI close it: no job follows
    html = client.get(f"/scores?month={month}").get_data(as_text=True)
    assert "data-report-stale" in html and "已过期" in html and "请重新生成" in html
    client.post(f"/scores/reports/{month}")
    assert "data-report-stale" not in client.get(f"/scores?month={month}").get_data(as_text=True)


def test_closing_the_month_on_the_page_makes_its_report_again_from_the_closed_figures(client, world):
    month = world["month"]
    login(client, world["hr"])
    client.post(f"/scores/reports/{month}")
    html = client.post(f"/scores/months/{month}/close", follow_redirects=True).get_data(as_text=True)
    assert "data-report-stale" not in html and "月报 PDF" in html
    made = db.session.scalars(select(Job).where(Job.kind == "report").order_by(Job.id)).all()
    assert len(made) == 2 and made[-1].status == "done" and made[-1].result["closed"] is True


def test_my_record_shows_my_score_trend_and_nobody_elses(client, world):
    login(client, world["staff"])
    html = client.get("/me").get_data(as_text=True)
    assert 'id="my-score"' in html and f"/scores/people/{world['staff'].employee_no}/trend.png" in html
    own = client.get(f"/scores/people/{world['staff'].employee_no}/trend.png")
    assert own.status_code == 200 and own.data.startswith(b"\x89PNG")
    assert client.get(f"/scores/people/{world['other'].employee_no}/trend.png").status_code == 404


# (method, path, roles allowed); {month} last month, {own} the caller. The caller is in T1 (a lead leads it).
# Writing the report comes before downloading it; closing the month comes last.
OFFICE_FIGURES = {"hr", "admin", "manager", "gm"}
PAGES = [
    ("GET", "/scores?month={month}", LEADERS),
    ("GET", "/scores/charts/ranking.png?month={month}", LEADERS),
    ("GET", "/scores/people/{own}/trend.png", set(ROLES)),
    ("GET", "/scores/payroll?month={month}", OFFICE_FIGURES),
    ("GET", "/scores/payroll.csv?month={month}", OFFICE_FIGURES),
    ("GET", "/scores/payroll.xlsx?month={month}", OFFICE_FIGURES),
    ("POST", "/scores/reports/{month}", OFFICE_FIGURES),
    ("GET", "/scores/reports/{month}/report-{month}.pdf", OFFICE_FIGURES),
    ("GET", "/scores/jobs/{job}", OFFICE_FIGURES),  # the report job just asked for (none: 404)
    ("POST", "/scores/jobs/{job}/retry", OFFICE_FIGURES),  # it has not failed: refused with a message
    ("POST", "/scores/months/{month}/close", {"hr"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_score_pages_it_should(client, world, role):
    t1 = world["staff"].team
    caller = make_person([role], t1 if role in ("staff", "lead") else None)
    if role == "lead":
        t1.lead_id = caller.id
        db.session.commit()
    login(client, caller)
    for method, path, roles in PAGES:
        job = db.session.scalar(select(func.max(Job.id))) or 0
        db.session.commit()
        url = path.format(month=world["month"], own=caller.employee_no, job=job)
        response = client.open(url, method=method)
        response.close()  # a file response holds the file open until closed
        if role in roles:
            assert response.status_code < 400, (role, method, url, response.status_code)
            if method == "POST":
                shown = client.get(response.headers["Location"]).get_data(as_text=True)
                assert url.endswith("/retry") or 'class="flash error"' not in shown
        else:
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
