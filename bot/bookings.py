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

from bot.decision import BookingFacts, CustomerProfile, Signal
from bot.details import booking_references
from bot.replies import BOOKING_STATUS, MONTHS, say

# Topics whose answer reads better with the customer's own booking in front of it.
BOOKING_TOPICS = frozenset({"flight_status", "booking", "booking_change", "cancellation", "check_in", "refund"})

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
    own = customer.bookings if customer is not None and customer.verified else ()
    if not own:
        return _cannot_look_up(mentioned, customer, lang)
    picked = _find(own, mentioned)
    if mentioned and picked is None:
        return BookingNote(say("booking_not_on_account", lang),
                           Signal("booking.not_on_account", ", ".join(mentioned)))
    picked = picked or _find(own, (earlier_reference,) if earlier_reference else ())
    if picked is not None:
        return BookingNote(facts_line(picked, lang), Signal("booking.looked_up", f"{picked.reference} (mentioned)"))
    if len(own) == 1:
        return BookingNote(facts_line(own[0], lang), Signal("booking.looked_up", f"{own[0].reference} (only booking)"))
    return _one_of_many(own, lang, today)


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


def _one_of_many(bookings: tuple[BookingFacts, ...], lang: str, today: date) -> BookingNote:
    count = str(len(bookings))
    upcoming = next_booking(bookings, today)
    if upcoming is not None:
        return BookingNote(say("booking_next", lang, count=count, **_values(upcoming, lang)),
                           Signal("booking.looked_up", f"{upcoming.reference} (next of {count})"))
    first = bookings[0]
    return BookingNote(say("booking_count", lang, count=count) + " " + facts_line(first, lang),
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
    return {"reference": booking.reference, "summary": booking.summary, "status": status,
            "departure": departure_text(booking.departure, lang) if booking.departure else ""}
