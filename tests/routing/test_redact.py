"""Card numbers typed by customers are masked wherever they hide; other numbers are left alone."""
import pytest

from routing.redact import mask_card_numbers


@pytest.mark.parametrize("typed,stored", [
    ("my card is 4111 1111 1111 1111", "my card is [card ending 1111]"),
    ("4111-1111-1111-1111", "[card ending 1111]"),
    ("4111111111111111", "[card ending 1111]"),
    ("card 4111 1111 1111 1111 12/26 cvv 123", "card [card ending 1111] 12/26 cvv 123"),
    ("4111 1111 1111 1111 123", "[card ending 1111] 123"),
    ("4111111111111111 123", "[card ending 1111] 123"),
    ("call 555 4111 1111 1111 1111", "call 555 [card ending 1111]"),
    ("amex 3782 822463 10005", "amex [card ending 0005]"),
])
def test_card_numbers_are_masked_even_next_to_other_digits(typed, stored):
    assert mask_card_numbers(typed) == stored


@pytest.mark.parametrize("typed", [
    "booking LT-40127 on flight CM402",
    "call me on +55 11 91234 5678",
    "1234 5678 9012 3456",          # fails the Luhn check: not a card
    "between 2026-12-14 and 2026-12-28",
])
def test_other_numbers_are_left_alone(typed):
    assert mask_card_numbers(typed) == typed
