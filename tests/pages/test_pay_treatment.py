"""How penalty amounts reach pay is policy data (issue 14 item 2): under "performance_pay" nothing in Chinese
calls them 罚款 — pages, notices, exports, charts, the monthly report; under "points_only" payroll deducts
nothing while scores still move."""

from __future__ import annotations

import base64
import io
import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from matplotlib.text import Text
from openpyxl import load_workbook

from attendance.domain.errors import PolicyInvalid
from attendance.domain.policy import PAY_TREATMENTS, default_policy_document, parse_policy, policy_to_document
from attendance.domain.scoring import month_label
from attendance.extensions import db
from attendance.labels import PERFORMANCE_PAY_WORDING, fine_word
from attendance.services import reports, scores
from tests.conftest import login, make_person, make_team
from tests.policies import add_published
from tests.services.test_scores import attend, last_month, violation

FINE = "罚款"


def use_treatment(treatment: str) -> None:
    doc = default_policy_document()
    doc["version"] = f"pay-{treatment}"
    doc["pay_treatment"] = treatment
    add_published(doc)


@pytest.fixture
def world(app):
    team = make_team("T1", "热线一组")
    month = last_month()
    staff = make_person(["staff"], team, name="张丽", wage="6000.00")
    lead = make_person(["lead", "staff"], team, name="组长")
    for person in (staff, lead):
        attend(person, month)
    v = violation(staff, "COMPLAINT", month + timedelta(days=2))
    return {"month": month_label(month), "first": month, "staff": staff, "lead": lead, "violation": v,
            "hr": make_person(["hr"], name="周人事"), "team": team}


def xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                     if c.value is not None) + "\n" + "\n".join(book.sheetnames)


def pdf_mentions(data: bytes, text: str) -> bool:
    """Whether a PDF's text holds ``text``, in any of the ways reportlab writes CJK text (UCS-2 with the
    CID fonts, as bytes, escaped or hex; UTF-8 with embedded fonts)."""
    streams = [data]
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        for decode in (zlib.decompress, lambda b: zlib.decompress(base64.a85decode(b.strip().removesuffix(b"~>")))):
            try:
                streams.append(decode(raw))
            except (zlib.error, ValueError):
                continue
    ucs2 = text.encode("utf-16-be")
    forms = {ucs2, text.encode("utf-8"), ucs2.hex().encode(), ucs2.hex().upper().encode(),
             "".join(f"\\{b:03o}" if b > 126 or b < 32 or chr(b) in "()\\" else chr(b) for b in ucs2).encode()}
    return any(form in stream for stream in streams for form in forms)


def everything_seen(client, world, app) -> dict[str, str | bytes]:
    """Each page, notice, export and chart a violation shows up in, as each role that sees it (Chinese)."""
    month, vid = world["month"], world["violation"].id
    seen: dict[str, str | bytes] = {}

    def page(who, url):
        login(client, world[who])
        response = client.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        return response

    for who in ("staff", "lead", "hr"):
        for url in ("/me", f"/violations/{vid}", f"/violations/{vid}/notice", "/ledger", "/notifications",
                    "/policy", "/swaps/new"):
            seen[f"{who} {url}"] = page(who, url).get_data(as_text=True)
        seen[f"{who} notice.pdf"] = page(who, f"/violations/{vid}/notice.pdf").data
    for url in (f"/scores?month={month}", f"/scores/payroll?month={month}&all=1",
                f"/violations/log?team=T1&month={month}", "/policy/upload"):
        seen[f"hr {url}"] = page("hr", url).get_data(as_text=True)
    seen["hr payroll.csv"] = page("hr", f"/scores/payroll.csv?month={month}").data.decode("utf-8-sig")
    seen["hr payroll.xlsx"] = xlsx_text(page("hr", f"/scores/payroll.xlsx?month={month}").data)
    seen["hr log.csv"] = page("hr", f"/violations/log.csv?team=T1&month={month}").data.decode("utf-8-sig")
    seen["hr log.xlsx"] = xlsx_text(page("hr", f"/violations/log.xlsx?team=T1&month={month}").data)
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        for name in reports.CHARTS:
            figure = reports.chart_figure(world["hr"], name, month)
            seen[f"chart {name}"] = "\n".join(t.get_text() for t in figure.findobj(Text))
    login(client, world["hr"])
    assert client.post(f"/scores/reports/{month}").status_code == 302
    for file in reports.report_files(month):
        data = reports.report_file(month, file.name).read_bytes()
        if file.name.endswith(".xlsx"):
            seen[f"report {file.name}"] = xlsx_text(data)
        elif file.name.endswith(".pdf"):
            seen[f"report {file.name}"] = data
        elif file.name.endswith((".csv", ".svg", ".md", ".txt", ".html")):
            seen[f"report {file.name}"] = data.decode("utf-8-sig")
    return seen


def mentions(seen: dict[str, str | bytes], text: str) -> list[str]:
    return [where for where, got in seen.items()
            if (pdf_mentions(got, text) if isinstance(got, bytes) else text in got)]


def test_the_policy_reads_writes_and_refuses_pay_treatment():
    doc = default_policy_document()
    assert parse_policy(doc).pay_treatment == "deduction"
    assert set(PAY_TREATMENTS) == {"deduction", "performance_pay", "points_only"}
    doc["pay_treatment"] = "fines"
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(doc)
    assert [path for path, _ in caught.value.problems] == ["pay_treatment"]
    doc["pay_treatment"] = "points_only"
    assert policy_to_document(parse_policy(doc))["pay_treatment"] == "points_only"


def test_under_deduction_the_documents_say_fine_which_proves_the_search(client, world, app):
    seen = everything_seen(client, world, app)
    found = set(mentions(seen, FINE))
    assert {"hr /ledger", "hr payroll.csv", "hr payroll.xlsx", "staff /me", "hr notice.pdf"} <= found


def test_under_performance_pay_nothing_in_chinese_says_fine(client, world, app):
    use_treatment("performance_pay")
    seen = everything_seen(client, world, app)
    found = mentions(seen, FINE)
    assert found == [], {where: [m for m in re.findall(r".{0,40}罚款.{0,20}", seen[where])][:3]
                         for where in found if isinstance(seen[where], str)}
    assert "绩效扣减" in seen["hr payroll.csv"] and "绩效扣减" in seen["hr /ledger"]
    assert "应扣绩效" in seen["hr payroll.xlsx"]
    assert any(pdf_mentions(got, "绩效扣减") for where, got in seen.items() if where.endswith("notice.pdf"))
    with app.test_request_context():
        assert (fine_word("performance_pay"), fine_word("deduction")) == ("绩效扣减", "罚款")


def test_in_english_performance_pay_says_performance_pay_reduction_not_fine(client, world):
    use_treatment("performance_pay")
    world["hr"].locale = "en"
    db.session.commit()
    login(client, world["hr"])
    html = client.get(f"/scores/payroll?month={world['month']}&all=1").get_data(as_text=True)
    assert "Performance pay reductions due" in html and "Fines due" not in html


def test_every_replaced_message_is_a_message_of_the_catalog_and_no_replacement_says_fine():
    from babel.messages.pofile import read_po

    with open("attendance/translations/zh/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    for msgid, replacement in PERFORMANCE_PAY_WORDING.items():
        assert catalog.get(msgid) is not None, msgid
        assert FINE in catalog.get(msgid).string, msgid  # only messages that say 罚款 are replaced
        words = re.sub(r"%\(\w+\)s", "", replacement).lower()  # placeholders may keep their names
        assert FINE not in catalog.get(replacement).string and "fine" not in words, replacement
    said = {m.id for m in catalog if m.id and isinstance(m.id, str) and FINE in m.string}
    assert said - set(PERFORMANCE_PAY_WORDING) <= {"must not say 罚款 under pay_treatment performance_pay"}


def test_under_points_only_payroll_deducts_nothing_and_scores_still_move(client, world):
    use_treatment("points_only")
    staff, month = world["staff"], world["first"]
    violation(staff, "KEEP_FOUND", month + timedelta(days=5), amount=Decimal("500.00"))
    rows = scores.payroll_rows(scores.payroll_for(month))
    mine = next(r for r in rows if r["employee_no"] == staff.employee_no)
    assert all(mine[k] == Decimal("0.00") for k in ("fines", "fines_due", "deducted", "carried_over"))
    figures = scores.scores_for(world["hr"], world["month"])
    score = next(r for r in scores.score_rows(figures) if r["employee_no"] == staff.employee_no)
    assert score["score"] < 100
    login(client, world["hr"])
    month_arg = world["month"]
    csv_text = client.get(f"/scores/payroll.csv?month={month_arg}").data.decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1  # the header only: nobody owes anything
    csv_all = client.get(f"/scores/payroll.csv?month={month_arg}&all=1").data.decode("utf-8-sig")
    line = next(row for row in csv_all.splitlines() if staff.employee_no in row)
    assert line.split(",")[4:] == ["6000.00", "0.00", "0.00", "0.00", "1200.00", "0.00", "0.00"]
    book = load_workbook(io.BytesIO(client.get(f"/scores/payroll.xlsx?month={month_arg}&all=1").data))
    values = [[c.value for c in row] for row in book.active.iter_rows(min_row=2)]
    assert values and all(float(v[k] or 0) == 0 for v in values for k in (5, 6, 7, 9, 10))
    html = client.get(f"/scores/payroll?month={month_arg}").get_data(as_text=True)
    assert staff.employee_no not in html
