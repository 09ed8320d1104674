"""Card numbers typed by customers are masked wherever they hide; other numbers are left alone."""
import pytest

from routing.redact import mask_card_numbers


@pytest.mark.parametrize("typed,stored", [
    ("my card is 4111 1111 1111 1111", "my card is [card ending 1111]"),
    ("4111-1111-1111-1111", "[card ending 1111]"),
    ("4111111111111111", "[card ending 1111]"),
    ("card 4111 1111 1111 1111 12/26 cvv 123", "card [card ending 1111] 12/26 cvv [security code]"),
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


@pytest.mark.parametrize("typed,stored", [
    ("4111.1111.1111.1111", "[card ending 1111]"),
    ("4111  1111  1111  1111", "[card ending 1111]"),                 # double spaces
    ("4111 - 1111 - 1111 - 1111", "[card ending 1111]"),
    ("4111\u00a01111\u00a01111\u00a01111", "[card ending 1111]"),      # no-break spaces
    ("4111\t1111\t1111\t1111", "[card ending 1111]"),
    ("4111\n1111\n1111\n1111", "[card ending 1111]"),
    ("4111_1111_1111_1111", "[card ending 1111]"),
    ("4111/1111/1111/1111", "[card ending 1111]"),
    ("4111,1111,1111,1111", "[card ending 1111]"),
    ("4111\u20131111\u20131111\u20131111", "[card ending 1111]"),      # en dashes
    ("(4111) 1111 1111 1111", "[card ending 1111]"),
    ("\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11",
     "[card ending 1111]"),                                            # fullwidth digits
    ("\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661",
     "[card ending 1111]"),                                            # Arabic-Indic digits
    ("mi tarjeta: 5500 0000 0000 0004.", "mi tarjeta: [card ending 0004]."),
    ("visa 4012888888881881, exp 11/27", "visa [card ending 1881], exp [expiry]"),
    ("\uff14\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11",
     "[card ending 1111]"),                                            # fullwidth digits and hyphens
    ("4111\u200b1111\u200b1111\u200b1111", "[card ending 1111]"),      # zero-width spaces (pasted)
    ("4111\u00ad1111\u00ad1111\u00ad1111", "[card ending 1111]"),      # soft hyphens
    ("4111\u00b71111\u00b71111\u00b71111", "[card ending 1111]"),      # middle dots
    ("4111 \u2022 1111 \u2022 1111 \u2022 1111", "[card ending 1111]"),  # bullets
    ("4111*1111*1111*1111", "[card ending 1111]"),
    ("4111:1111:1111:1111", "[card ending 1111]"),
    ("4111|1111|1111|1111", "[card ending 1111]"),
    ("4111\u20151111\u20151111\u20151111", "[card ending 1111]"),      # horizontal bars
    ("4111    1111    1111    1111", "[card ending 1111]"),            # four spaces
    ("card:+4111 1111 1111 1111", "card:+[card ending 1111]"),
])
def test_card_numbers_are_masked_however_they_are_written(typed, stored):
    assert mask_card_numbers(typed) == stored


@pytest.mark.parametrize("typed", [
    "my booking is LT-40127, flight LA2045",
    "+34 600 123 456",
    "(555) 123-4567",
    "0034 600 123 456",
    "03/12/2026 at 14:30",
    "the total was 1.234,56 EUR",
    "reference 2026-0001-4417",
    "+44 20 7946 0958",
    "+1 (415) 555 0132",
])
def test_what_is_not_shaped_like_a_card_stays(typed):
    assert mask_card_numbers(typed) == typed


@pytest.mark.parametrize("typed, stored", [
    ("My card 4111 1111 1111 1111 exp 12/28 cvv 123 was charged twice",
     "My card [card ending 1111] exp [expiry] cvv [security code] was charged twice"),
    ("CVC: 4321", "CVC: [security code]"),
    ("mi tarjeta 4111111111111111 vence 12/2028, código de seguridad 987",
     "mi tarjeta [card ending 1111] vence [expiry], código de seguridad [security code]"),
    ("Die Prüfnummer ist 555", "Die Prüfnummer ist [security code]"),
    ("le cryptogramme est 042", "le cryptogramme est [security code]"),
    ("my CVV number is 123", "my CVV number is [security code]"),
    ("CVC-code: 123", "CVC-code: [security code]"),
    ("le cryptogramme visuel est 123", "le cryptogramme visuel est [security code]"),
    ("security code on the back is 123", "security code on the back is [security code]"),
    ("card 4111 1111 1111 1111 expiry date is 12/28", "card [card ending 1111] expiry date is [expiry]"),
])
def test_a_cards_security_code_is_never_kept_and_its_expiry_goes_with_its_number(typed, stored):
    assert mask_card_numbers(typed) == stored


@pytest.mark.parametrize("text", [
    "my passport expires 12/28, can I still travel in January?",     # no card: staff need the date
    "the code 123 on my boarding pass",                              # not a card's security code
    "booking LT-1234, the CVV field rejects my input",
])
def test_dates_and_codes_that_are_not_a_cards_stay(text):
    assert mask_card_numbers(text) == text


@pytest.mark.parametrize("typed, stored", [
    ("CVV123", "CVV[security code]"),
    ("El CVV de mi tarjeta Visa es 123", "El CVV de mi tarjeta Visa es [security code]"),
    ("the security code on the back of my card is 123", "the security code on the back of my card is [security code]"),
])
def test_a_security_code_however_far_from_its_label_but_never_a_flight_number(typed, stored):
    assert mask_card_numbers(typed) == stored
    for other in ("No me llegó el código de seguridad, mi vuelo es el 4512",
                  "I did not get the security code for flight 1234"):
        assert mask_card_numbers(other) == other
