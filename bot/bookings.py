"""The signed-in customer's own bookings, told back in one short line (pure).

When Llamita answers a question where the booking matters (its status, a change, a cancellation,
check-in, a refund), a verified profile's booking facts come first: the booking whose reference the
customer mentions, otherwise their only booking, otherwise their next one (and how many they have).

Privacy: only bookings in the verified profile are ever described. A reference the customer types
only chooses among them; a reference that is not theirs (or any reference from a visitor who is not
signed in) gets one neutral line and nothing about it. Nothing the customer wrote is repeated: the
line is built from the booking store's values and a reference read by a strict pattern.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.answer_lines import BOOKING_STATUS, FLIGHT_STATUS, MONTHS
from bot.booking_words import localised_summary
from bot.decision import BookingFacts, CustomerProfile, Signal
from bot.details import booking_references
from bot.normalise import normalise
from bot.replies import say

# Topics whose answer reads better with the customer's own booking in front of it.
BOOKING_TOPICS = frozenset({"flight_status", "booking", "booking_change", "cancellation", "check_in", "refund"})
# "booking" is mostly about making a new one ("I want to book a hotel in Toronto"): the customer's
# existing booking is told only when they speak of it ("where is my booking confirmation?").
_NEW_BOOKING_TOPICS = frozenset({"booking"})
_OWN_BOOKING = re.compile(
    r"\b(my|our) (booking|reservation|trip|flight|ticket|confirmation)s?\b|"
    r"\b(mi|mis|nuestra|nuestro|nuestras) (reserva|viaje|vuelo|boleto|billete|confirmacion)|"
    r"\b(minha|meu|nossa|nosso|minhas) (reserva|viagem|voo|passagem|confirmacao)|"
    r"\b(meine|meinen|meiner|unsere|unseren|mein|unser) (buchung|reise|flug|ticket|bestatigung)|"
    r"\b(ma|mon|notre|mes) (reservation|voyage|vol|billet|confirmation)|"
    r"\b(la mia|il mio|mia|mio|nostra|nostro) (prenotazione|viaggio|volo|biglietto|conferma)|"
    r"\b(mijn|onze) (boeking|reis|vlucht|ticket|bevestiging)")

_DEPARTURE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


@dataclass(frozen=True)
class BookingNote:
    """What to put before the answer (may be empty) and the signal that records it (may be None)."""
    line: str = ""
    signal: Signal | None = None


NOTHING = BookingNote()


def booking_note(topic: str | None, text: str, customer: CustomerProfile | None, earlier_reference: str | None,
                 lang: str, today: date) -> BookingNote:
    """The booking line for an answer from `topic` to `text`, in `lang` (a reply language)."""
    if topic not in BOOKING_TOPICS:
        return NOTHING
    mentioned = booking_references(text)
    if topic in _NEW_BOOKING_TOPICS and not mentioned and not _OWN_BOOKING.search(normalise(text)):
        return NOTHING
    own = customer.bookings if customer is not None and customer.verified else ()
    if not own:
        return _cannot_look_up(mentioned, customer, lang)
    picked = _find(own, mentioned)
    if mentioned and picked is None:
        return BookingNote(say("booking_not_on_account", lang),
                           Signal("booking.not_on_account", ", ".join(mentioned)))
    picked = picked or _find(own, (earlier_reference,) if earlier_reference else ())
    if picked is not None:
        note = BookingNote(facts_line(picked, lang), Signal("booking.looked_up", f"{picked.reference} (mentioned)"))
    elif len(own) == 1:
        picked = own[0]
        note = BookingNote(facts_line(picked, lang), Signal("booking.looked_up", f"{picked.reference} (only booking)"))
    else:
        picked, note = _one_of_many(own, lang, today)
    if topic == "flight_status":
        # The status it has (the booking's, and the flight's when the store knows it); where the live
        # status is when it does not.
        live = FLIGHT_STATUS.get(lang, FLIGHT_STATUS["en"]).get(picked.flight_status or "", picked.flight_status)
        extra = say("flight_live", lang, flight_status=live) if live else say("flight_not_live", lang)
        note = BookingNote(f"{note.line} {extra}", note.signal)
    return note


def facts_line(booking: BookingFacts, lang: str) -> str:
    """ "Your booking LT-4821 (Lisbon → Toronto, 2 adults) departs 14 Dec 2026 and is confirmed." """
    values = _values(booking, lang)
    return say("booking_facts" if booking.departure else "booking_facts_undated", lang, **values)


def departure_text(raw: str, lang: str) -> str:
    """An ISO departure ("2026-12-14", "2026-12-14T08:40") written for people; anything else as stored."""
    match = _DEPARTURE.match(raw.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return raw
    year, month, day, hour, minute = match.groups()
    months = MONTHS.get(lang, MONTHS["en"])
    day_text = f"{int(day)}." if lang == "de" else str(int(day))
    written = f"{day_text} {months[int(month) - 1]} {year}"
    return f"{written} {hour}:{minute}" if hour else written


def departure_date(raw: str | None) -> date | None:
    match = _DEPARTURE.match(raw.strip()) if raw else None
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def next_booking(bookings: tuple[BookingFacts, ...], today: date) -> BookingFacts | None:
    """The booking departing soonest from today on (cancelled ones aside); None when none is dated ahead."""
    ahead = [b for b in bookings if b.status != "cancelled" and (d := departure_date(b.departure)) and d >= today]
    return min(ahead, key=lambda b: (b.departure or "", b.reference)) if ahead else None


def _find(bookings: tuple[BookingFacts, ...], references: tuple[str, ...]) -> BookingFacts | None:
    by_reference = {booking.reference.upper(): booking for booking in bookings}
    return next((by_reference[ref] for ref in references if ref.upper() in by_reference), None)


def _one_of_many(bookings: tuple[BookingFacts, ...], lang: str, today: date) -> tuple[BookingFacts, BookingNote]:
    count = str(len(bookings))
    upcoming = next_booking(bookings, today)
    if upcoming is not None:
        return upcoming, BookingNote(say("booking_next", lang, count=count, **_values(upcoming, lang)),
                                     Signal("booking.looked_up", f"{upcoming.reference} (next of {count})"))
    first = bookings[0]
    return first, BookingNote(say("booking_count", lang, count=count) + " " + facts_line(first, lang),
                              Signal("booking.looked_up", f"{first.reference} (first of {count})"))


def _cannot_look_up(mentioned: tuple[str, ...], customer: CustomerProfile | None, lang: str) -> BookingNote:
    """No booking facts to tell: one neutral line when the customer gave a reference, else nothing."""
    if not mentioned:
        return NOTHING
    if customer is None or not customer.verified:
        return BookingNote(say("booking_sign_in", lang), Signal("booking.not_looked_up", "not signed in"))
    if customer.booking and customer.booking.upper() in mentioned:
        return NOTHING  # their own booking, but its facts were not given to the brain
    return BookingNote(say("booking_not_on_account", lang), Signal("booking.not_on_account", ", ".join(mentioned)))


def _values(booking: BookingFacts, lang: str) -> dict[str, str]:
    status = BOOKING_STATUS.get(lang, BOOKING_STATUS["en"]).get(booking.status, booking.status)
    return {"reference": booking.reference, "summary": localised_summary(booking.summary, lang), "status": status,
            "departure": departure_text(booking.departure, lang) if booking.departure else ""}
