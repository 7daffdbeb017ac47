"""Money typed or sent is taken exactly or refused: never rounded on the way in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attendance.domain.errors import InvalidInput
from attendance.domain.money import parse_money, read_money, to_money


@pytest.mark.parametrize(("value", "expected"), [
    ("10", "10.00"), ("10.5", "10.50"), ("10.50", "10.50"), (" 3500.00 ", "3500.00"), (300, "300.00"),
    (Decimal("0.01"), "0.01"), ("-5.00", "-5.00"), (".5", "0.50"), ("7.", "7.00"),
])
def test_amounts_of_at_most_two_places_are_taken_exactly(value, expected):
    amount = read_money(value)
    assert amount == Decimal(expected) and str(amount) == expected


@pytest.mark.parametrize("value", ["99.999", "10.001", "10.000", "0.005", Decimal("1.234")])
def test_more_than_two_places_is_refused_not_rounded(value):
    with pytest.raises(ValueError, match="at most 2 decimal places"):
        read_money(value)


@pytest.mark.parametrize("value", [10.5, 10.0, True, None, "", "ten", "1e3", "1_000", "NaN", "Infinity",
                                   "3.5.0", [30], Decimal("NaN")])
def test_what_is_not_an_amount_is_refused(value):
    with pytest.raises(ValueError, match="not a money amount"):
        read_money(value)


def test_parse_money_names_the_field():
    with pytest.raises(InvalidInput) as caught:
        parse_money("99.999", "amount")
    assert caught.value.fields == {"amount": "at most 2 decimal places"}


def test_the_apps_own_arithmetic_still_rounds_to_the_fen():
    assert to_money("99.999") == Decimal("100.00")
    assert to_money(Decimal("0.005")) == Decimal("0.01")
