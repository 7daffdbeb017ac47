"""Pages show approved leave (in Chinese by default): the day board, the roster grid, the person's months, the
grooming roll and the 考勤表 with its XLSX. Fixed dates: see tests/leave_world.py."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from attendance.extensions import db
from attendance.services import attendance
from tests.conftest import login
from tests.leave_world import MONDAY, approved, ask, build, worked

TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in range(1, 5))
LATER = date(2026, 11, 20)



@pytest.fixture
def world(app, moving_clock):
    """张丽 sick Monday–Tuesday; 王芳 the morning of Monday off (personal); 李娜 asked for annual leave on
    Wednesday afternoon, not decided yet; 赵敏 annual leave on the 20th."""
    world = build()
    a, b, c, d = world["crew"]
    approved(world, a, "sick", MONDAY, TUESDAY)
    approved(world, b, "personal", MONDAY, half_day="am")
    ask(world, c, "annual", WEDNESDAY, half_day="pm")
    approved(world, d, "annual", LATER)
    return world


def text(html: str) -> str:
    """The page's text with the tags and runs of white space gone, to read it as a person would."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(html: str, name: str) -> str:
    """The text of the table row holding ``name``."""
    return text(row_html(html, name))


def test_the_day_board_shows_who_is_on_leave_with_the_type_and_the_half_day(client, world, moving_clock):
    a, b, c, d = world["crew"]
    moving_clock.on(MONDAY, "10:00")
    login(client, world["lead"])
    html = client.get(f"/attendance/board?team=T1&date={MONDAY}").get_data(as_text=True)
    assert "请假 病假" in row_of(html, a.name) and "未到岗" not in row_of(html, a.name)
    assert "待到岗 事假 · 上午" in row_of(html, b.name)  # due at the middle of the shift
    assert "未到岗" in row_of(html, c.name) and "事假" not in row_of(html, c.name)
    assert "请假: 2" in text(html) and "未到岗: 2" in text(html)


def test_the_roster_grid_shows_leave_and_pending_leave_in_the_days_cells(client, world):
    a, b, c, d = world["crew"]
    login(client, world["lead"])
    html = client.get(f"/roster?team=T1&week={MONDAY}").get_data(as_text=True)
    assert row_of(html, a.name).count("病假") == 2
    assert "事假 · 上午" in row_of(html, b.name)
    assert "请假待批 · 年假 · 下午" in row_of(html, c.name)
    assert "假" not in row_of(html, d.name)  # the 20th is another week


def test_my_roster_and_my_attendance_month_show_my_leave(client, world, moving_clock):
    a, _b, c, _d = world["crew"]
    login(client, a)
    roster_month = text(client.get("/my/roster?month=2026-11").get_data(as_text=True))
    assert "11-09 周一 D8 白班 08:00–18:00 病假" in roster_month
    assert "11-10 周二 D8 白班 08:00–18:00 病假" in roster_month
    assert "11-11 周三 D8 白班 08:00–18:00 11-12" in roster_month
    moving_clock.on(THURSDAY, "10:00")
    mine = text(client.get("/attendance/me?month=2026-11").get_data(as_text=True))
    assert "11-09 周一 D8 08:00–18:00 请假 病假" in mine
    login(client, c)
    assert "请假待批 · 年假 · 下午" in text(client.get("/attendance/me?month=2026-11").get_data(as_text=True))


def test_the_grooming_check_lists_who_is_on_leave_apart_and_does_not_check_them(client, world, moving_clock):
    a, b, c, d = world["crew"]
    moving_clock.on(MONDAY, "07:30")
    login(client, world["lead"])
    html = client.get(f"/grooming/check?team=T1&date={MONDAY}").get_data(as_text=True)
    assert f"请假，不检查: {a.name} 病假 {b.name} 事假 · 上午" in text(html)
    assert f'name="people" value="{a.employee_no}"' not in html and f'name="people" value="{b.employee_no}"' not in html
    assert f'name="people" value="{c.employee_no}"' in html and f'name="people" value="{d.employee_no}"' in html


@pytest.fixture
def judged(world, moving_clock):
    """The week worked by everyone not on leave (王芳 from the middle of Monday) and judged on Friday."""
    a, b, c, d = world["crew"]
    for person in world["crew"]:
        for day in (MONDAY, TUESDAY, WEDNESDAY, THURSDAY):
            if person is a and day in (MONDAY, TUESDAY):
                continue
            worked(person, day, *(("12:58", "18:01") if (person, day) == (b, MONDAY) else ()))
    moving_clock.on(FRIDAY, "09:00")
    attendance.evaluate(None, MONDAY, THURSDAY)
    return world


def test_the_sheet_page_marks_leave_by_type_and_sums_it_by_type(client, judged):
    a, b, c, d = judged["crew"]
    login(client, judged["hr"])
    html = client.get("/attendance/sheet?team=T1&month=2026-11").get_data(as_text=True)
    headers = [text(h).strip() for h in re.findall(r"<th.*?</th>", html, flags=re.S)]
    # a total that is 0 for everyone is left off the screen (the XLSX has them all): no one here took
    # marriage, maternity, bereavement, in-lieu, work-injury or (yet) annual leave
    assert headers[headers.index("请假（天）"):][:4] == ["请假（天）", "事假（天）", "病假（天）", "休息（天）"]

    def cells(person) -> dict[str, str]:
        """The person's row by column header: "9 周一" is 9 November, "病假（天）" a total."""
        row = [text(td).strip() for td in re.findall(r"<td.*?</td>", row_html(html, person.name), flags=re.S)]
        return dict(zip(headers, row, strict=True))

    assert (cells(a)["9 周一"], cells(a)["10 周二"], cells(a)["11 周三"]) == ("病", "病", "✓")
    assert (cells(a)["病假（天）"], cells(a)["请假（天）"], cells(a)["事假（天）"]) == ("2", "2", "0")
    assert (cells(b)["9 周一"], cells(b)["事假（天）"]) == ("✓½事", "0.5")
    assert cells(d)["20 周五"] == "年" and 'class="planned">年<' in row_html(html, d.name)  # not over yet
    assert cells(c)["11 周三"] == "✓" and "年假（天）" not in cells(c)  # pending leave is not on the sheet
    assert "请假: 事=事假 病=病假 婚=婚假 产=产假 丧=丧假 调=调休 年=年假 工=工伤假; ½=半天" in text(html)


def row_html(html: str, name: str) -> str:
    for row in re.findall(r"<tr.*?</tr>", html, flags=re.S):
        if name in row:
            return row
    raise AssertionError(f"no row for {name}")


def _sheet(client) -> tuple[dict, dict]:
    ws = load_workbook(io.BytesIO(client.get("/attendance/sheet.xlsx?team=T1&month=2026-11").data)).active
    rows = list(ws.iter_rows(values_only=True))
    columns = {name: i for i, name in enumerate(rows[1]) if name}
    return columns, {r[0]: r for r in rows[3:] if r and r[0]}


def test_the_xlsx_uses_the_leave_codes_and_a_column_of_days_per_type(client, judged):
    a, b, c, d = judged["crew"]
    login(client, judged["hr"])
    columns, rows = _sheet(client)
    first = 3  # 1 November, after employee no., name and team

    def day(person, n):
        return rows[person.employee_no][first + n - 1]

    def total(person, header):
        return rows[person.employee_no][columns[header]]

    assert (day(a, 9), day(a, 10), day(a, 11)) == ("病", "病", "✓")
    assert (day(b, 9), day(d, 20)) == ("✓½事", "年")
    assert (total(a, "病假（天）"), total(a, "请假（天）"), total(a, "事假（天）")) == (2, 2, 0)
    assert (total(b, "事假（天）"), total(b, "请假（天）")) == (0.5, 0.5)
    assert (total(d, "年假（天）"), total(c, "年假（天）")) == (0, 0)  # the 20th is not over; 李娜's is pending
    assert "事=事假" in [r[0] for r in rows.values()][-1]  # the legend names the codes


def test_in_english_the_sheet_uses_the_english_codes(client, judged):
    a, b, *_ = judged["crew"]
    hr = judged["hr"]
    hr.locale = "en"
    db.session.commit()
    login(client, hr)
    columns, rows = _sheet(client)
    assert rows[a.employee_no][3 + 8] == "SL" and rows[b.employee_no][3 + 8] == "✓½PL"
    assert rows[a.employee_no][columns["Sick leave (days)"]] == 2
