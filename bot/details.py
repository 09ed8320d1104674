"""Details a person taking over will need: booking references, flight numbers, dates, card endings.

Collected from every customer message into Memory.collected, shown in the hand-over summary, and
used so Llamita never asks again for a booking reference the customer already gave.
Only the last four digits of a card are kept, never a full number.
"""
from __future__ import annotations

import re

from bot.normalise import MAX_ANALYSED_CHARS

_BOOKING = re.compile(r"\b(LT-?\d{4,6})\b", re.IGNORECASE)
_FLIGHT = re.compile(r"\b(?:flight|vuelo|voo|flug|vol|volo|vlucht)?\s*\b([A-Z]{2}|[A-Z]\d|\d[A-Z])\s?(\d{2,4})\b")
_FILE_REF = re.compile(r"\b([A-Z]{3,}[A-Z0-9]*\d{3,}|\d{8,})\b")
_CARD_END = re.compile(r"\b(?:ends? in|ending in|ending|termina en|terminada en|final|endet auf|se terminant par|"
                       r"finisce con|eindigend op)\s*(\d{4})\b",
                       re.IGNORECASE)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
           "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
           "janeiro|fevereiro|marco|março|maio|junho|julho|setembro|outubro|novembro|dezembro|"
           "januar|februar|märz|maerz|juni|juli|oktober|dezember|"
           "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
           "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
           "januari|februari|maart|mei|augustus")
_DATE = re.compile(
    r"\b(\d{1,2}(?:st|nd|rd|th|\.)?(?:\s+(?:of\s+|de\s+)?(?:" + _MONTHS + r")))\b"
    r"|\b((?:" + _MONTHS + r")\s+\d{1,2}(?:st|nd|rd|th)?)\b"
    r"|\b(\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?)\b"
    r"|\b(?:the\s+)?(\d{1,2}(?:st|nd|rd|th))\b",
    re.IGNORECASE)
_NOT_FLIGHT = {"LT", "EU", "US", "UK", "OK", "MY", "TO", "IN", "ON", "AT", "NO", "SO", "IS", "IT", "AM", "PM",
               "CE", "EC"}


def _booking_reference(raw: str) -> str:
    return raw.upper().replace("LT", "LT-", 1).replace("--", "-")


def booking_references(text: str) -> tuple[str, ...]:
    """Every booking reference in one message, written the canonical way ("lt4821" -> "LT-4821"), in order."""
    found = (_booking_reference(m.group(1)) for m in _BOOKING.finditer(text[:MAX_ANALYSED_CHARS]))
    return tuple(dict.fromkeys(found))


def extract(text: str) -> dict[str, str]:
    """The details found in one message (keys: booking, flight, reference, card_ending, dates)."""
    text = text[:MAX_ANALYSED_CHARS]
    found: dict[str, str] = {}
    if match := _BOOKING.search(text):
        found["booking"] = _booking_reference(match.group(1))
    for match in _FLIGHT.finditer(text):
        code, number = match.group(1), match.group(2)
        if code.upper() in _NOT_FLIGHT or not code.isupper():
            continue
        found["flight"] = f"{code}{number}"
        break
    for match in _FILE_REF.finditer(text):
        value = match.group(1)
        if value.upper().startswith("LT") or value == found.get("flight"):
            continue
        found["reference"] = value
        break
    if match := _CARD_END.search(text):
        found["card_ending"] = match.group(1)
    dates = [next(g for g in m.groups() if g) for m in _DATE.finditer(text)]
    if dates:
        found["dates"] = ", ".join(dict.fromkeys(d.strip() for d in dates))[:80]
    return found


def merge(collected: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    merged = dict(collected)
    for key, value in new.items():
        if key == "dates" and merged.get("dates") and value not in merged["dates"]:
            merged["dates"] = (merged["dates"] + ", " + value)[:120]
        else:
            merged[key] = value
    return merged
