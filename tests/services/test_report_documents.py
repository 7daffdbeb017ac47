"""The monthly report's two documents written at the same time (services/reports._write_documents): the PDF by
a forked child from the data it inherits, the workbook here; a child that fails is replaced by writing the
PDF here, and with ``REPORT_PARALLEL`` off everything is written in this process as before."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from attendance.domain.scoring import month_label
from attendance.reporting import monthly_report
from attendance.services import reports
from tests.conftest import make_person, make_team
from tests.rewards import confirm_reward
from tests.services.test_scores import attend, last_month, violation


@pytest.fixture
def month(app, tmp_path):
    before = app.config["REPORT_PARALLEL"], app.config["REPORTS_FOLDER"]
    app.config["REPORTS_FOLDER"] = str(tmp_path / "reports")
    team = make_team("T1", "热线一组")
    month = last_month()
    staff, mate = make_person(["staff"], team, name="张丽"), make_person(["staff"], team, name="王芳")
    for person in (staff, mate):
        attend(person, month)
    confirm_reward(mate, month)
    violation(staff, "GENERAL", month + timedelta(days=2))
    yield month_label(month)
    app.config["REPORT_PARALLEL"], app.config["REPORTS_FOLDER"] = before


def _files(paths):
    return {p.suffix: p for p in paths}


def _pdf_text_ok(path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")


def test_both_documents_are_written_in_two_processes(app, month, monkeypatch):
    parent = os.getpid()
    writers = []
    original = monthly_report.write_pdf

    def write_pdf(path, data):
        writers.append(os.getpid())  # the child's list is its own copy: the parent sees only its own calls
        original(path, data)

    monkeypatch.setattr(monthly_report, "write_pdf", write_pdf)
    steps = []
    files = _files(reports.generate(None, month, steps.append))
    assert _pdf_text_ok(files[".pdf"])
    assert load_workbook(files[".xlsx"], read_only=True).sheetnames[0] == "得分 Scores"
    assert parent not in writers  # the PDF was not written in this process
    assert steps[-2:] == ["xlsx", "pdf"] and len(steps) == reports.report_steps()


def test_a_failed_pdf_process_is_replaced_by_writing_the_pdf_here(app, month, monkeypatch, caplog):
    parent = os.getpid()
    original = monthly_report.write_pdf

    def write_pdf(path, data):
        if os.getpid() != parent:
            path.write_bytes(b"half a PDF")
            raise RuntimeError("the child fails half-way")
        original(path, data)

    monkeypatch.setattr(monthly_report, "write_pdf", write_pdf)
    with caplog.at_level(logging.WARNING):
        files = _files(reports.generate(None, month))
    assert _pdf_text_ok(files[".pdf"])  # not the child's half file
    assert "PDF process ended with 1" in caplog.text


def test_without_parallel_both_are_written_here(app, month, monkeypatch):
    app.config["REPORT_PARALLEL"] = False
    writers = []
    original = monthly_report.write_pdf
    monkeypatch.setattr(monthly_report, "write_pdf", lambda path, data: (writers.append(os.getpid()),
                                                                         original(path, data)))
    files = _files(reports.generate(None, month))
    assert writers == [os.getpid()] and _pdf_text_ok(files[".pdf"])
