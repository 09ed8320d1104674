"""Keep card numbers out of storage and staff channels: customers do type them into chats."""
from __future__ import annotations

import re

# 13-19 digits, optionally grouped by spaces or dashes, not part of a longer number.
_CARD_CANDIDATE = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    """'4111 1111 1111 1111' -> '[card ending 1111]'; numbers failing the Luhn check are left alone."""
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and _luhn_valid(digits):
            return f"[card ending {digits[-4:]}]"
        return match.group(0)

    return _CARD_CANDIDATE.sub(replace, text)
