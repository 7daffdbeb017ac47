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
    SiteCalendar,
    due_at,
    is_late,
    next_working_day,
    nominal_due_at,
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


# --- a deadline on a public holiday or a rest day moves to the next working day (issue 18) -----------------

NATIONAL_DAY = SiteCalendar(holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
                            workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}))


def test_a_weekly_deadline_on_national_day_moves_to_the_next_working_day_same_time():
    nominal = due_at(DEFAULT, "weekly", date(2026, 9, 28), SH)
    assert nominal == datetime(2026, 10, 5, 9, 0, tzinfo=SH)  # Monday 5 October: a public holiday
    assert due_at(DEFAULT, "weekly", date(2026, 9, 28), SH, NATIONAL_DAY) == datetime(2026, 10, 8, 9, 0, tzinfo=SH)
    assert nominal_due_at(DEFAULT, "weekly", date(2026, 9, 28), SH) == nominal
    # an ordinary Monday stays where the book puts it
    assert due_at(DEFAULT, "weekly", date(2026, 11, 2), SH, NATIONAL_DAY) == datetime(2026, 11, 9, 9, 0, tzinfo=SH)


def test_keep_leaves_the_deadline_on_the_holiday_and_an_adjusted_working_saturday_is_a_working_day():
    keep = report_policy({"work_reports": {"deadline_on_holiday": "keep", "weekly": {"due_after_days": 7,
                                                                                   "due_time": "09:00"}}})
    assert keep.deadline_on_holiday == "keep"
    assert due_at(keep, "weekly", date(2026, 9, 28), SH, NATIONAL_DAY) == datetime(2026, 10, 5, 9, 0, tzinfo=SH)
    saturday = report_policy({"work_reports": {"weekly": {"due_after_days": 12, "due_time": "09:00"}}})
    assert due_at(saturday, "weekly", date(2026, 9, 28), SH, NATIONAL_DAY).date() == date(2026, 10, 10)  # 调休
    sunday = report_policy({"work_reports": {"weekly": {"due_after_days": 6, "due_time": "09:00"}}})
    assert due_at(sunday, "weekly", date(2026, 11, 2), SH, NATIONAL_DAY).date() == date(2026, 11, 9)  # a rest day
    assert DEFAULT.deadline_on_holiday == "next_working_day"  # the default policy says so


def test_an_unknown_holiday_setting_names_the_key():
    with pytest.raises(BadReportSettings, match="settings.work_reports.deadline_on_holiday"):
        report_policy({"work_reports": {"deadline_on_holiday": "previous_working_day"}})


calendars = st.builds(
    lambda holidays, workdays: SiteCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays) - holidays),
    st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), max_size=60),
    st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), max_size=10))


@given(st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 11, 30)), calendars,
       st.sampled_from(["weekly", "monthly"]), st.integers(min_value=0, max_value=28))
def test_the_moved_deadline_is_never_earlier_and_always_a_working_day(day, calendar, kind, after_days):
    policy = report_policy({"work_reports": {"weekly": {"due_after_days": after_days, "due_time": "09:00"},
                                             "monthly": {"due_before_meeting_days": after_days % 20,
                                                         "due_time": "18:00"}}})
    start = period_of(kind, day)
    nominal = nominal_due_at(policy, kind, start, SH)
    moved = due_at(policy, kind, start, SH, calendar)
    assert moved >= nominal and moved.time() == nominal.time()
    assert calendar.is_working_day(moved.date())
    assert all(not calendar.is_working_day(nominal.date() + timedelta(days=i))
               for i in range((moved.date() - nominal.date()).days))  # the first working day, none skipped
    assert (moved == nominal) == calendar.is_working_day(nominal.date())
    assert next_working_day(moved.date(), calendar) == moved.date()


def test_a_policy_with_an_unknown_holiday_rule_is_refused_at_import():
    doc = {"version": "x", "effective_from": "2026-01-01", "rules": [],
           "settings": {"work_reports": {"deadline_on_holiday": "skip", "weekly": {"due_time": "09:00"}}}}
    with pytest.raises(PolicyInvalid) as err:
        parse_policy(doc)
    assert "settings.work_reports.deadline_on_holiday" in err.value.fields
