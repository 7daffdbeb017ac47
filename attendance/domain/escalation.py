"""Escalating ladders: which step of a rule's ladder an occurrence gets (docs/rules.md §7–§8).

Pure functions of the policy passed in and the person's earlier occurrences of the
same rule; the caller picks the policy in force on the day and filters by person and rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from attendance.domain.errors import N_, InvalidInput, RuleRefused
from attendance.domain.money import ZERO, parse_money, to_money
from attendance.domain.policy import Policy, Step, Window


@dataclass(frozen=True)
class PriorOccurrence:
    occurred_at: datetime  # timezone-aware
    counted: bool = True  # False when reversed or overturned on appeal


@dataclass(frozen=True)
class Decision:
    rule: str
    occurrence: int  # 1-based number of this occurrence inside the window
    step: int  # 1-based ladder step applied
    sanction: str  # warning | fine | points | dismissal_review
    fine: Decimal  # Decimal("0.00") when no fine
    points: int
    flagged_for_review: bool  # past the end of the ladder with after_ladder == "review"
    dismissal_review: bool  # sanction is dismissal_review, or the step has review == "dismissal"
    options: tuple[str, ...] = ()  # the sanctions the step offered the recorder (empty: no choice)
    stand_down_days: int = 0  # stand_down: the days of retraining
    forfeits: str | None = None  # forfeit_reward: the reward the month loses

    @property
    def choice(self) -> str | None:
        """The option the recorder chose, when the step offered a choice."""
        return self.sanction if self.options else None


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def in_window(window: Window, occurred_at: datetime, earlier: datetime) -> bool:
    """Whether ``earlier`` counts towards the window that ends at ``occurred_at``.

    A time after ``occurred_at`` never counts, so recording late never renumbers the past.
    """
    _require_aware(occurred_at, "occurred_at")
    _require_aware(earlier, "earlier")
    # In UTC: Python compares datetimes sharing a tzinfo by wall clock, which is wrong
    # around a DST change, and "N days" should be N×24 hours wherever the clock shifts.
    at, then = occurred_at.astimezone(UTC), earlier.astimezone(UTC)
    if then > at:
        return False
    if window.days is not None:
        return then > at - timedelta(days=window.days)
    # Months and years are read on the clock of the occurrence being judged.
    local = earlier.astimezone(occurred_at.tzinfo)
    if window.calendar == "month":
        return (local.year, local.month) == (occurred_at.year, occurred_at.month)
    if window.calendar == "year":
        return local.year == occurred_at.year
    raise ValueError(f"window has neither days nor a known calendar: {window!r}")


def occurrence_number(window: Window, occurred_at: datetime, prior: Iterable[PriorOccurrence]) -> int:
    """1 + the counted earlier occurrences inside the window."""
    _require_aware(occurred_at, "occurred_at")
    return 1 + sum(1 for p in prior if p.counted and in_window(window, occurred_at, p.occurred_at))


def _fine(rule_code: str, step: Step, amount: object | None) -> Decimal:
    if step.amount_range is None:
        if amount is not None:
            raise InvalidInput(
                N_("amount is only accepted for a rule whose step is a range"),
                fields={"amount": N_("only accepted for a rule whose step is a range")},
            )
        return to_money(step.amount) if step.amount is not None else ZERO
    lo, hi = (to_money(bound) for bound in step.amount_range)
    if amount is None:
        chosen = None
    else:
        chosen = parse_money(amount, "amount")  # 99.999 is refused, not rounded into the range
    if chosen is None or not lo <= chosen <= hi:
        raise RuleRefused(
            N_("%(rule_code)s needs an amount from %(lo)s to %(hi)s", rule_code=rule_code, lo=lo, hi=hi),
            code=rule_code,
            fields={"amount": N_("from %(lo)s to %(hi)s", lo=lo, hi=hi)},
        )
    return chosen


def escalate(
    policy: Policy,
    rule_code: str,
    occurred_at: datetime,
    prior: Iterable[PriorOccurrence],
    amount: Decimal | None = None,
    choice: str | None = None,
) -> Decision:
    """The ladder step for one more occurrence of ``rule_code`` at ``occurred_at``.

    :param prior: the person's other occurrences of this rule; later and uncounted ones are ignored.
    :param amount: the fine chosen by the recorder, only for a step with a range.
    :param choice: the option (its sanction) the recorder chose, only for a step that offers a choice.
    :raise InvalidInput: unknown rule, an amount where the step has no range, a choice where it offers none.
    :raise RuleRefused: a range step without an amount inside the range; a choice step without a valid
        choice (``code`` is ``sanction_choice``).
    """
    _require_aware(occurred_at, "occurred_at")
    try:
        rule = policy.rule(rule_code)
    except KeyError:
        raise InvalidInput(N_("unknown rule %(rule_code)s", rule_code=rule_code),
                           fields={"rule": N_("unknown rule")}) from None

    occurrence = occurrence_number(policy.window_for(rule), occurred_at, prior)
    step_no = min(occurrence, len(rule.ladder))
    step = rule.ladder[step_no - 1]
    past_end = occurrence > len(rule.ladder)
    offered: tuple[str, ...] = ()
    if isinstance(choice, str):
        choice = choice.strip() or None
    if step.sanction == "choice":
        offered = tuple(option.sanction for option in step.options)
        chosen = step.option(choice) if isinstance(choice, str) else None
        if chosen is None:
            raise RuleRefused(
                f"{rule.code} step {step_no} needs a choice: one of " + ", ".join(offered),
                code="sanction_choice",
                fields={"choice": "one of " + ", ".join(offered)},
            )
        step = chosen
    elif choice is not None:
        raise InvalidInput(
            "choice is only accepted for a step that offers one",
            fields={"choice": "only accepted for a step that offers a choice"},
        )
    return Decision(
        rule=rule.code,
        occurrence=occurrence,
        step=step_no,
        sanction=step.sanction,
        fine=_fine(rule.code, step, amount),
        points=step.points,
        flagged_for_review=past_end and policy.after_ladder_for(rule) == "review",
        dismissal_review=step.sanction == "dismissal_review" or step.review == "dismissal",
        options=offered,
        stand_down_days=step.days or 0 if step.sanction == "stand_down" else 0,
        forfeits=step.reward if step.sanction == "forfeit_reward" else None,
    )
