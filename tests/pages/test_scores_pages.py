"""HR's dashboard, charts, month close, payroll downloads, the report button and each person's trend."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from attendance.domain.scoring import month_label
from tests.conftest import login, make_person, make_team
from tests.services.test_scores import attend, last_month, violation


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


def test_every_dashboard_chart_is_a_png_and_can_be_narrowed_to_a_team(client, world):
    login(client, world["hr"])
    for name in ("ranking", "trend", "categories", "lateness", "attendance"):
        response = client.get(f"/scores/charts/{name}.png?month={world['month']}&team=T1")
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG"), name
    assert client.get(f"/scores/charts/trend.svg?month={world['month']}").mimetype == "image/svg+xml"
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


def test_my_record_shows_my_score_trend_and_nobody_elses(client, world):
    login(client, world["staff"])
    html = client.get("/me").get_data(as_text=True)
    assert 'id="my-score"' in html and f"/scores/people/{world['staff'].employee_no}/trend.png" in html
    own = client.get(f"/scores/people/{world['staff'].employee_no}/trend.png")
    assert own.status_code == 200 and own.data.startswith(b"\x89PNG")
    assert client.get(f"/scores/people/{world['other'].employee_no}/trend.png").status_code == 404
