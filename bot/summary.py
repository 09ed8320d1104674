"""The paragraph prepared for the person who takes over: what they need to jump in and solve it.

Written in English (a staff language everywhere in the demo), one short paragraph: who the customer
is, what they want in their own words (quoted, shortened), why Llamita handed over and to whom,
what was already tried, details collected, how the customer feels and the language to answer in.
"""
from __future__ import annotations

from bot.decision import BookingFacts, CustomerProfile, Memory, Signal
from bot.language import LANGUAGE_NAMES

_QUOTE_CHARS = 160
_BOOKINGS_LISTED = 3


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS - 1].rstrip() + "…"


def feeling(score: float) -> str:
    if score <= -0.5:
        return "very upset"
    if score < -0.1:
        return "unhappy"
    if score >= 0.4:
        return "positive"
    return "calm"


def hand_over_summary(*, message: str, reason: str | None, team: str | None, language: str,
                      staff_languages: tuple[str, ...], memory: Memory, signals: tuple[Signal, ...],
                      customer: CustomerProfile | None, first_message: str | None, action: str,
                      account_frozen: bool) -> str:
    parts = []
    who = "The customer"
    if customer and customer.name:
        who = customer.name
    profile = []
    if customer and customer.tier:
        profile.append(f"{customer.tier} tier")
    if customer and customer.booking:
        profile.append(f"booking {customer.booking}")
    if customer and customer.verified:
        profile.append("verified identity")
    who_line = who + (f" ({', '.join(profile)})" if profile else "")
    lang_name = LANGUAGE_NAMES.get(language, language)
    staff = language in staff_languages
    parts.append(f"{who_line} writes in {lang_name}"
                 + ("" if staff else " (not a staff language: offered our staff languages or machine translation)")
                 + ".")
    if action == "handover":
        why = ", ".join(f"{s.name}" + (f" ('{s.evidence}')" if s.evidence else "")
                        for s in signals if s.name.split(".")[0] in ("security", "legal", "distress",
                                                                     "human_request", "hot_topic",
                                                                     "edge_case", "classifier"))
        parts.append(f"Handed over for {reason} to {team}" + (f": {why}." if why else "."))
    else:
        parts.append("Llamita could not answer and asked for details.")
    parts.append(f'Latest message: "{_quote(message)}".')
    if first_message and first_message.strip() and first_message.strip() != message.strip():
        parts.append(f'First message: "{_quote(first_message)}".')
    tried = [t for t in memory.topics if t]
    if tried:
        parts.append("Already answered from: " + ", ".join(dict.fromkeys(tried)) + ".")
    unanswered = sum(1 for t in memory.topics if t is None)
    if memory.unanswered_streak:
        parts.append(f"{memory.unanswered_streak} question(s) in a row Llamita could not answer.")
    elif unanswered and action == "handover" and reason == "edge_case":
        parts.append(f"{unanswered} unanswered question(s).")
    bookings = _bookings_on_file(customer, memory.collected.get("booking"))
    if bookings:
        parts.append(bookings)
    if memory.collected:
        parts.append("Details: " + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in memory.collected.items()) + ".")
    if memory.sentiments:
        now = memory.sentiments[-1]
        trend = ""
        if len(memory.sentiments) > 1 and memory.sentiments[0] - now >= 0.3:
            trend = ", getting worse"
        elif len(memory.sentiments) > 1 and now - memory.sentiments[0] >= 0.3:
            trend = ", improving"
        parts.append(f"Mood: {feeling(now)} ({now:+.1f}{trend}) after {len(memory.sentiments)} message(s).")
    if account_frozen:
        parts.append("Llamita froze the customer's account; confirm with the customer before unfreezing.")
    elif customer is not None and customer.verified and customer.account_frozen:
        parts.append("The customer's account is frozen (from an earlier hand-over): no bookings or payments "
                     "until someone unfreezes it; confirm who they are first.")
    elif reason == "security":
        parts.append("No account id known: secure the account after confirming identity.")
    return " ".join(parts)


def _bookings_on_file(customer: CustomerProfile | None, mentioned: str | None) -> str:
    """The verified customer's bookings (at most three), and whether a reference they gave is not theirs."""
    if customer is None or not customer.verified or not customer.bookings:
        return ""
    listed = "; ".join(_booking_words(booking) for booking in customer.bookings[:_BOOKINGS_LISTED])
    more = len(customer.bookings) - _BOOKINGS_LISTED
    part = f"Bookings on file: {listed}" + (f"; and {more} more." if more > 0 else ".")
    if mentioned and mentioned not in {booking.reference for booking in customer.bookings}:
        part += f" The customer mentioned {mentioned}, which is not one of their bookings."
    return part


def _booking_words(booking: BookingFacts) -> str:
    departs = f", departs {booking.departure}" if booking.departure else ""
    return f"{booking.reference} {booking.summary}{departs}, {booking.status}"
