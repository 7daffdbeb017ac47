"""Report deadlines and meeting times read from the policy's settings: plain functions, no app."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.domain.errors import PolicyInvalid
from attendance.domain.meetings import BadMeetingSettings, meeting_times
from attendance.domain.policy import load_default_policy, parse_policy
from attendance.domain.work_reports import (
    BadReportSettings,
    due_at,
    is_late,
    period_of,
    periods_due_between,
    report_policy,
)

SH = ZoneInfo("Asia/Shanghai")
DEFAULT = report_policy(load_default_policy().settings)


def test_the_default_weekly_report_is_due_the_next_monday_at_nine():
    assert due_at(DEFAULT, "weekly", date(2026, 11, 2), SH) == datetime(2026, 11, 9, 9, 0, tzinfo=SH)


def test_the_default_monthly_report_is_due_the_day_before_the_last_saturday():
    assert due_at(DEFAULT, "monthly", date(2026, 10, 1), SH) == datetime(2026, 10, 30, 18, 0, tzinfo=SH)
    assert due_at(DEFAULT, "monthly", date(2026, 11, 1), SH) == datetime(2026, 11, 27, 18, 0, tzinfo=SH)


def test_the_software_books_friday_deadline_is_a_setting():
    friday = report_policy({"work_reports": {"weekly": {"due_after_days": 4, "due_time": "16:00"}}})
    assert due_at(friday, "weekly", date(2026, 11, 2), SH) == datetime(2026, 11, 6, 16, 0, tzinfo=SH)
    assert list(friday.kinds) == ["weekly"]  # no monthly key: nobody owes a monthly report


def test_on_time_is_at_or_before_the_deadline():
    due = datetime(2026, 11, 9, 9, 0, tzinfo=SH)
    assert not is_late(due, due) and is_late(due, due + timedelta(seconds=1)) and is_late(due, None)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_every_deadline_in_a_window_is_listed_once_and_inside_it(day):
    until = datetime.combine(day, datetime.min.time(), tzinfo=SH)
    after = until - timedelta(days=35)
    for kind in ("weekly", "monthly"):
        found = periods_due_between(DEFAULT, kind, after, until, SH)
        assert len({start for start, _ in found}) == len(found)
        assert all(after < due <= until and period_of(kind, start) == start for start, due in found)
        assert len(found) >= (5 if kind == "weekly" else 1)


@pytest.mark.parametrize("settings, problem", [
    ({"work_reports": {"weekly": {"due_time": "9am"}}}, "settings.work_reports.weekly.due_time"),
    ({"work_reports": {"weekly": {"due_after_days": -1}}}, "settings.work_reports.weekly.due_after_days"),
    ({"work_reports": {"roles": "staff"}}, "settings.work_reports.roles"),
])
def test_unreadable_report_settings_name_the_key(settings, problem):
    with pytest.raises(BadReportSettings, match=problem):
        report_policy(settings)


def test_meeting_times_default_to_the_call_centre_book_and_a_template_may_change_them():
    times = meeting_times(load_default_policy().settings)
    assert times.kinds["morning"].start_text() == "08:05" and times.kinds["weekly"].weekday == 0
    friday = meeting_times({"meeting_times": {"weekly": {"weekday": 4, "start": "16:00", "end": "17:00"}}})
    assert friday.default_day("weekly", date(2026, 11, 2)) == date(2026, 11, 6)
    assert times.monthly_day(date(2026, 11, 1)) == date(2026, 11, 28)
    with pytest.raises(BadMeetingSettings, match="settings.meeting_times.weekly.end"):
        meeting_times({"meeting_times": {"weekly": {"start": "16:00", "end": "15:00"}}})


def test_a_policy_with_unreadable_meeting_times_is_refused_at_import():
    doc = {"version": "x", "effective_from": "2026-01-01", "rules": [],
           "settings": {"meeting_times": {"morning": {"start": "8"}}}}
    with pytest.raises(PolicyInvalid) as err:
        parse_policy(doc)
    assert "settings.meeting_times.morning.start" in err.value.fields
