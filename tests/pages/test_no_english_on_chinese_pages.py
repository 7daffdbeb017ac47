"""No English reaches a page in the Chinese UI (issue 15, "done when"): every page a GET can reach, as each
role of the demo department, and the error pages of a few refused forms, read as a person reads them.

A text fails when it is a catalog message with no Chinese, or when it holds an English word that is not one
of the few tokens a Chinese page may show as they are (ALLOWED below). Codes in capitals (rule and shift
codes, PDF, API), employee numbers and anything with digits pass: they are not words of a sentence."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from attendance import clock
from attendance.demo import DEMO_PASSWORD
from attendance.extensions import db
from attendance.models import (
    Appeal,
    Employee,
    Handover,
    Job,
    LeaveRequest,
    Meeting,
    PolicyVersion,
    Request,
    ShiftType,
    Swap,
    Team,
    Violation,
    WorkReport,
)

ROLE_LOGINS = {"staff": "staff1", "lead": "lead1", "supervisor": "supervisor", "manager": "manager", "gm": "gm",
               "hr": "hr", "admin": "admin", "inspector": "inspector"}

# Words a Chinese page shows as they are. Keep this short: each one is a name or a unit, never a sentence.
ALLOWED = {
    "excel", "word", "pdf", "xlsx", "csv", "zip", "yaml", "json", "api", "png", "svg", "jpeg", "webp",  # file kinds
    "wecom", "dingtalk",  # the robots' products, named as their makers do
    "mb", "kb", "px",  # units
    "utf", "gb",  # encodings named on the import pages (UTF-8, GB18030)
    "english",  # the language switch names each language in its own words
    "webhook",  # what WeCom and DingTalk call the robot's address
}
# Literals a file holds, quoted on the import pages as the file writes them (the punch direction column).
ALLOWED_LITERALS = ("in/out",)
# What is not prose: an address, and a file's column name followed by its Chinese gloss (name（姓名）).
NOT_PROSE = re.compile(r"\S+://\S+|[A-Za-z_]+（[^）]*[\u4e00-\u9fff][^）]*）")
# What the visible text is read from besides the text itself: what a person sees or hears of an element.
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
SKIPPED_PREFIXES = ("/api/", "/static/")
# Pages that are not HTML (files, charts, downloads) are skipped by their answer's type, not by name.

# Not read: what is not shown (script, style, template), and <code>, a setting's name as the policy file
# spells it (templates/policy/show.html), which the page shows beside its translated title on purpose.
HIDDEN_TAGS = ("script", "style", "template", "code")
TOKEN = re.compile(r"[A-Za-z0-9_']+")  # a token with a digit or an underscore is an identifier (E0101, staff1)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        values = dict(attrs)
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name):
                self.texts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(page: str) -> list[str]:
    parser = _Visible()
    parser.feed(page)
    return parser.texts


@functools.cache
def untranslated_catalog() -> frozenset[str]:
    po = Path(__file__).resolve().parents[2] / "attendance/translations/zh/LC_MESSAGES/messages.po"
    with po.open("rb") as file:
        catalog = read_po(file)
    out = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.update(ids)
    return frozenset(out)


def english_words(text: str) -> list[str]:
    """The words of ``text`` that read as English: letters only, not all capitals (codes), not allowed."""
    for literal in ALLOWED_LITERALS:
        text = text.replace(literal, " ")
    words = []
    for word in TOKEN.findall(NOT_PROSE.sub(" ", text)):
        word = word.strip("'")
        if len(word) < 2 or not word.isalpha() or word.isupper() or word.lower() in ALLOWED:
            continue
        words.append(word)
    return words


def problems_of(page: str, untranslated: set[str]) -> list[str]:
    found = []
    for text in visible_texts(page):
        if text in untranslated:
            found.append(f"untranslated catalog message: {text!r}")
        elif english_words(text):
            found.append(f"English {english_words(text)} in {text!r}")
    return found


def test_the_checker_finds_english_and_passes_chinese_codes_and_numbers():
    """The heuristic itself: what it must catch, and what a Chinese page may show."""
    assert english_words("no employee E0201") == ["no", "employee"]
    assert english_words("appeal 2 overturned: 有证明") == ["appeal", "overturned"]
    assert english_words("Late arrival") == ["Late", "arrival"]
    assert english_words("the day cannot be in the future")
    assert english_words("迟到 · LATE · E0101 · 09:00–18:00 · 5 MB · PDF · Excel · 2026-11") == []
    assert english_words("因服务原因被客户投诉（COMPLAINT）") == []
    assert english_words("用户名 staff1 · 列：employee_no（工号）、name（姓名） · https://example.com/x?key=…") == []
    assert english_words("a name (no gloss)") == ["name", "no", "gloss"]
    page = "<p>工号 E0101</p><script>var x = 'hello world'</script><input placeholder='Search'><p>Save</p>"
    assert problems_of(page, {"Save"}) == ["English ['Search'] in 'Search'", "untranslated catalog message: 'Save'"]


def _ids() -> dict[str, object]:
    """One of each thing a page's URL names, taken from the demo department (the first of its kind)."""
    def first(stmt):
        return db.session.scalar(stmt.limit(1))

    staff = db.session.scalar(select(Employee).where(Employee.username == "staff1"))
    own_violation = first(select(Violation.id).where(Violation.employee_id == staff.id).order_by(Violation.id))
    return {
        "employee_no": staff.employee_no,
        "violation_id": own_violation or first(select(Violation.id).order_by(Violation.id)),
        "appeal_id": first(select(Appeal.id).order_by(Appeal.id)) or 1,
        "meeting_id": first(select(Meeting.id).order_by(Meeting.id)) or 1,
        "version_id": first(select(PolicyVersion.id).order_by(PolicyVersion.id.desc())),
        "day": clock.today().isoformat(),
        "month": clock.today().strftime("%Y-%m"),
        "team_code": first(select(Team.code).order_by(Team.code)),
        "shift_code": first(select(ShiftType.code).order_by(ShiftType.code)),
        "leave_request": first(select(LeaveRequest.request_id).order_by(LeaveRequest.request_id)) or 1,
        "swap_request": first(select(Swap.request_id).order_by(Swap.request_id)) or 1,
        "request": first(select(Request.id).order_by(Request.id)) or 1,
        "job_id": first(select(Job.id).order_by(Job.id)) or 1,
        "handover_id": first(select(Handover.id).order_by(Handover.id)) or 1,
        "report_id": first(select(WorkReport.id).where(WorkReport.employee_id == staff.id).order_by(WorkReport.id))
        or 1,
        "year": clock.today().year,
    }


def _urls(app, ids: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED_PREFIXES) or rule.endpoint == "static":
            continue
        if {"fmt", "name"} & set(rule.arguments):  # charts and report files: images and documents, not pages
            continue
        values = {}
        for arg in rule.arguments:
            if arg == "request_id":
                kind = rule.endpoint.split(".")[0]
                values[arg] = ids["leave_request" if kind == "leave" else "swap_request" if kind == "swaps"
                                  else "request"]
            elif arg == "code":
                values[arg] = ids["shift_code" if rule.endpoint.startswith("shifts.") else "team_code"]
            else:
                values[arg] = ids[arg]
        urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(urls))


def _bad_forms(client, ids: dict) -> list[tuple[str, dict]]:
    """A few refused forms, as each role may send them: their answers are pages too."""
    past = (clock.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    return [
        ("/violations/new", {"employee": "没这个人", "rule": "Late arrival", "occurred_at": past, "source": "manual"}),
        ("/violations/new", {"employee": ids["employee_no"], "rule": "KEEP_FOUND", "occurred_at": past,
                             "source": "manual", "amount": "50"}),
        ("/violations/new", {"employee": ids["employee_no"], "rule": "LATE", "occurred_at": "not a time",
                             "source": "manual"}),
        ("/grooming/check", {"team": ids["team_code"], "date": (clock.today() + timedelta(days=3)).isoformat(),
                             "people": ids["employee_no"]}),
        ("/leave/new", {"type": "personal", "start": "2026-13-40", "reason": ""}),
        ("/requests/corrections/new", {"day": "not a day", "direction": "in", "at": "25:99", "reason": ""}),
        ("/swaps/new", {"kind": "swap", "counterpart_no": "E9999", "requester_date": "x", "reason": ""}),
    ]


def _sign_in(client, role: str) -> None:
    client.post("/logout")
    response = client.post("/login", data={"username": ROLE_LOGINS[role], "password": DEMO_PASSWORD})
    assert response.status_code == 302, role


@pytest.mark.parametrize("role", list(ROLE_LOGINS))
def test_no_english_on_any_page_in_the_chinese_ui(app, client, demo, role):
    assert demo.exit_code == 0, demo.output
    app.config["WTF_CSRF_ENABLED"] = False  # the bad forms below are sent without first drawing them
    untranslated = untranslated_catalog()
    ids = _ids()
    _sign_in(client, role)
    found: dict[str, list[str]] = {}
    seen = 0
    for url in _urls(app, ids):
        response = client.get(url, headers={"Accept-Language": "zh-CN"})
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303, 307, 308):
            continue
        seen += 1
        if problems := problems_of(response.get_data(as_text=True), untranslated):
            found[f"GET {url} ({response.status_code})"] = problems
    for url, data in _bad_forms(client, ids):
        response = client.post(url, data=data, headers={"Accept-Language": "zh-CN"})
        if response.mimetype == "text/html" and (problems := problems_of(response.get_data(as_text=True),
                                                                         untranslated)):
            found[f"POST {url} ({response.status_code})"] = problems
    assert seen > 40, seen
    assert not found, "\n".join(f"{where}: {p}" for where, problems in found.items() for p in sorted(set(problems)))
