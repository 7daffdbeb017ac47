"""Money is Decimal yuan with two places, never float.

Two ways in: ``read_money``/``parse_money`` for amounts someone typed or sent (pages, the API, CSV files,
policy documents), which take the amount exactly or refuse it — more than two decimal places is an error,
never rounded (ASVS 5.0 2.2.1) — and ``to_money`` for the app's own arithmetic, which rounds to the fen.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from attendance.domain.errors import N_, InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NOT_MONEY = N_("not a money amount")
TOO_PRECISE = N_("at most 2 decimal places")
# Digits with an optional point: no exponent ("1e3"), no underscores ("1_000"), no NaN or Infinity.
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def read_money(value: object) -> Decimal:
    """An amount as typed or sent — a string such as ``"10.50"``, a whole number, or a Decimal — taken
    exactly, as yuan with two places.

    :raise ValueError: its message says what is wrong (a catalog msgid): not a money amount (floats
        included: an unquoted 10.50 in JSON or YAML), or more than two decimal places (``"99.999"`` and
        ``"10.000"`` alike: an amount is never rounded on the way in).
    """
    if isinstance(value, bool | float):
        raise ValueError(NOT_MONEY)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    else:
        raise ValueError(NOT_MONEY)
    if not amount.is_finite():
        raise ValueError(NOT_MONEY)
    if amount.as_tuple().exponent < -2:
        raise ValueError(TOO_PRECISE)
    return amount.quantize(CENT)  # exact here: it only writes the places out


def parse_money(value: object, field: str) -> Decimal:
    """``read_money`` for one input field.

    :raise InvalidInput: naming ``field`` with what is wrong.
    """
    try:
        return read_money(value)
    except ValueError as exc:
        raise InvalidInput(N_("%(field)s: %(exc)s", field=field, exc=exc), fields={field: str(exc)}) from None


def to_money(value: object) -> Decimal:
    """Turn a string, int or Decimal into yuan with two places, rounding half up (the app's own arithmetic;
    input goes through ``read_money``).

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
