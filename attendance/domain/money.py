"""Money is Decimal yuan with two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: object) -> Decimal:
    """Turn a string, int or Decimal into yuan with two places.

    :raise ValueError: for floats, booleans, non-numbers, NaN and infinities.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("not a money amount")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValueError("not a money amount") from None
    if not amount.is_finite():
        raise ValueError("not a money amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal | None) -> str | None:
    """The API's money string: ``"10.00"``."""
    return None if amount is None else str(to_money(amount))


def cents_to_money(cents) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def money_to_cents(amount: Decimal | None) -> int:
    return int(to_money(amount or 0) * 100)
