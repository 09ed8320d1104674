"""Personal data out of what leaves Llamita for the trainers (pure functions).

Card numbers are masked when a message is stored (routing/redact.py); the training export also masks
e-mail addresses, phone numbers, and what the verified profile says about the customer: their names,
e-mail, account and booking references, wherever they appear (the customer's words, Llamita's, the
staff's, notes and comments).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from routing.redact import mask_card_numbers

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators phone numbers are written with, maybe a leading + and an area
# code in brackets; judged by `_is_phone`, so dates, times, prices and references stay.
_PHONE_RUN = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{5,}\d(?![\w])")
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_CARD = re.compile(r"\[card ending \d{4}\]")
MIN_NAME_PART = 3       # shorter parts of a name ("Li", "de") are too common as words to mask alone


def _is_phone(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not 8 <= len(digits) <= 15 or _DATE.match(candidate.strip()):
        return False
    # One unbroken number of 8 digits could be an amount or a reference; with a + or separators it is a phone.
    return candidate.startswith(("+", "00", "(")) or bool(re.search(r"[\s().-]", candidate.strip())) \
        or len(digits) >= 10


def mask_phones(text: str) -> str:
    return _PHONE_RUN.sub(lambda match: "[phone]" if _is_phone(match.group(0)) else match.group(0), text)


@dataclass(frozen=True)
class Profile:
    """What the verified profile says about a customer, to be masked wherever it shows up."""
    names: tuple[str, ...] = ()          # full names as given ("Ana Souza")
    emails: tuple[str, ...] = ()
    references: tuple[str, ...] = ()     # account ids, booking references, the website's customer id

    def patterns(self) -> list[tuple[re.Pattern[str], str]]:
        found: list[tuple[re.Pattern[str], str]] = []
        words: set[str] = set()
        for name in self.names:
            name = " ".join((name or "").split())
            if not name:
                continue
            words.add(name)
            words.update(part for part in re.split(r"[\s-]+", name) if len(part) >= MIN_NAME_PART)
        for word in sorted(words, key=len, reverse=True):   # the full name before its parts
            found.append((re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE), "[name]"))
        for email in self.emails:
            if email:
                found.append((re.compile(re.escape(email), re.IGNORECASE), "[email]"))
        for reference in self.references:
            if reference and len(reference) >= 4:
                found.append((re.compile(rf"(?<!\w){re.escape(reference)}(?!\w)", re.IGNORECASE), "[reference]"))
        return found


def masker(profile: Profile | None):
    """A function masking personal data in a text, for one customer."""
    patterns = profile.patterns() if profile else []

    def mask(text: str | None) -> str | None:
        if text is None:
            return None
        text = mask_card_numbers(text)
        text = EMAIL.sub("[email]", text)
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return mask_phones(text)

    return mask
