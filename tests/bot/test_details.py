"""Details collected for the person taking over: references, flights, dates — never a full card number."""
from __future__ import annotations

from bot.details import booking_references, extract


def test_booking_reference_flight_and_dates_are_collected():
    found = extract("Booking LT-40127, flight IB6845 on March 3rd, back on the 14th")

    assert found["booking"] == "LT-40127"
    assert found["flight"] == "IB6845"
    assert "March 3rd" in found["dates"] and "14th" in found["dates"]


def test_every_booking_reference_in_a_message_is_read_the_canonical_way():
    assert booking_references("is lt4821 or LT-40388 (not LT-4821 again) mine?") == ("LT-4821", "LT-40388")


def test_a_lost_luggage_file_reference_is_collected():
    assert extract("ok the file reference is YYZTP48213")["reference"] == "YYZTP48213"


def test_only_the_last_four_digits_of_a_card_are_kept():
    found = extract("charges on my card ending in 4471")

    assert found["card_ending"] == "4471"
    assert not any("4471" in v and len(v) > 4 for k, v in found.items() if k != "dates")


def test_dates_in_other_languages_are_collected():
    assert "3 de marzo" in extract("Salgo el 3 de marzo desde Madrid")["dates"]
