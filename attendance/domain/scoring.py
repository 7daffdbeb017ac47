"""The monthly 100-point score, reward eligibility and payroll deductions (docs/rules.md §8).

Pure functions: the caller passes the policy's numbers and a month's figures. The score
functions accept plain numbers or pandas Series alike (the service computes a whole
department at once), the money functions Decimal yuan only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from attendance.domain.dates import add_months, parse_month  # noqa: F401  (part of this module's API)
from attendance.domain.money import ZERO, to_money
from attendance.domain.policy.model import LEAVE_TYPES, LeavePolicy

WORKED_STATUSES = ("present", "late", "early", "late_early")


# --- months -----------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    """The last day of the month of ``first``."""
    return add_months(month_start(first), 1) - timedelta(days=1)


def month_label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def last_months(first: date, n: int) -> list[date]:
    """The ``n`` months ending with the month of ``first``, oldest first."""
    return [add_months(month_start(first), k) for k in range(-n + 1, 1)]


def first_open_month(day: date, closed: Iterable[date]) -> date:
    """Where a record dated ``day`` is booked: its own month if open, else the next month not closed."""
    closed = {month_start(m) for m in closed}
    month = month_start(day)
    while month in closed:
        month = add_months(month, 1)
    return month


# --- the score --------------------------------------------------------------------------------


def month_score(points_lost, base: int = 100, floor: int = 0):
    """``base`` less the points lost, never below ``floor`` nor above ``base``.

    ``points_lost`` is the net of the month's ledger points (a reversal gives points back,
    a reward that adds points is negative); a number or a pandas Series.
    """
    score = base - points_lost
    if hasattr(score, "clip"):
        return score.clip(lower=floor, upper=base)
    return min(max(score, floor), base)


def is_full_attendance(rostered_days, late_count, early_count, absent_days, breaking_leave_days):
    """Full attendance: rostered at least one day, never late, early or absent, no leave that breaks it."""
    return ((rostered_days > 0) & (late_count == 0) & (early_count == 0)
            & (absent_days == 0) & (breaking_leave_days == 0))


def is_reward_eligible(violations, full_attendance, confirmed=True, forfeited=False):
    """No violation in the month, full attendance and, where the reward asks for it, a confirmed nomination for
    outstanding work (工作突出); never when a forfeit_reward sanction took the month's reward (docs/rules.md §8,
    [000 §5 奖励1], [000 §1 五.8]). Plain values or pandas Series alike."""
    eligible = (violations == 0) & full_attendance & confirmed
    return eligible & (not forfeited) if isinstance(forfeited, bool) else eligible & ~forfeited


def stand_down_reduction(wage: Decimal | None, days: int, pay_percent: Decimal,
                         days_per_month: Decimal) -> Decimal:
    """What ``days`` of a stand-down for retraining take off a month's pay: the day's wage (the monthly wage over
    ``days_per_month``) times the days times the share not paid, rounded down to the fen. No wage: nothing."""
    if wage is None or days <= 0:
        return ZERO
    unpaid = (Decimal(100) - Decimal(pay_percent)) / 100
    return to_money((to_money(wage) * days * unpaid / Decimal(days_per_month))
                    .quantize(Decimal("0.01"), rounding=ROUND_DOWN))


def leave_keeping_full_attendance(leave: LeavePolicy) -> tuple[str, ...]:
    """The leave types a day of which keeps the month's full attendance (``leave.types.*.full_attendance``)."""
    return tuple(name for name in LEAVE_TYPES if leave.settings_for(name).full_attendance)


# --- payroll deductions -----------------------------------------------------------------------


def deduction_cap(wage: Decimal | None, cap_percent: Decimal, minimum_wage: Decimal) -> Decimal:
    """The most that may come off one month's pay: ``cap_percent`` of the wage, and never so much
    that pay falls below the minimum wage. No wage on file → nothing can be deducted."""
    if wage is None:
        return ZERO
    wage = to_money(wage)
    by_percent = (wage * Decimal(cap_percent) / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    above_minimum = max(ZERO, wage - to_money(minimum_wage))
    return max(ZERO, min(by_percent, above_minimum))


def deduct(fines_due: Decimal, carried_in: Decimal, wage: Decimal | None, cap_percent: Decimal,
           minimum_wage: Decimal) -> tuple[Decimal, Decimal]:
    """What comes off this month's pay and what carries over to the next month.

    The month's fines plus what was carried in are due; up to the cap is deducted and the
    rest carried over. A net credit (a fine reversed after it was deducted) is paid back in
    full this month, as a negative deduction. Always ``deducted + carried_over == due``.
    """
    due = to_money(fines_due) + to_money(carried_in)
    if due <= 0:
        return due, ZERO
    deducted = min(due, deduction_cap(wage, cap_percent, minimum_wage))
    return deducted, due - deducted
