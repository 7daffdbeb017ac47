"""The year-end review (年终考核): a person's year from their months — the monthly scores, and the full-year
attendance bonus [002 4.4.2] (``rewards.full_attendance_year``: +10 points).

A full year (全年满勤) is every month of the calendar year on the books, each with full attendance and no
violation counted (**product decision**: a person hired or gone part of the year has no full year).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Month:
    month: int  # 1..12
    score: int
    full_attendance: bool
    violations: int
    leave_days: float


def full_year(months: list[Month]) -> bool:
    """All twelve months present, each with full attendance and no violation."""
    return ({m.month for m in months} == set(range(1, 13))
            and all(m.full_attendance and m.violations == 0 for m in months))


def year_score(months: list[Month], bonus_points: int) -> tuple[float | None, int]:
    """The year's score (the mean of the monthly scores, one decimal) plus the full-year bonus, and the bonus
    given (0 unless a full year)."""
    if not months:
        return None, 0
    bonus = bonus_points if full_year(months) else 0
    return round(sum(m.score for m in months) / len(months), 1) + bonus, bonus


def half_year_leave(months: list[Month]) -> tuple[float, float]:
    """Leave days taken in January–June and July–December (the half-year leave summary, 002 4.4.1)."""
    first = sum(m.leave_days for m in months if m.month <= 6)
    return first, sum(m.leave_days for m in months if m.month > 6)
