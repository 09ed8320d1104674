"""Keep card numbers out of storage and staff channels: customers do type them into chats."""
from __future__ import annotations

import re

# Runs of digits, grouped by single spaces or dashes ("4111 1111 1111 1111 12/26" gives one run,
# "4111 1111 1111 1111 12"), inside which a card number may hide next to an expiry date or a CVV.
_DIGIT_RUN = re.compile(r"(?<![\d])\d+(?:[ -]\d+)*(?![\d])")
_GROUP = re.compile(r"\d+")


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


def _card_spans(run: str) -> list[tuple[int, int, str]]:
    """(start, end, last four) of each card number in a run of digit groups, longest first, no overlaps."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    found: list[tuple[int, int, str]] = []
    taken_until = -1
    for first in range(len(groups)):
        if groups[first][0] < taken_until:
            continue
        best = None
        for last in range(first, len(groups)):
            digits = re.sub(r"\D", "", run[groups[first][0]:groups[last][1]])
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _luhn_valid(digits):
                best = (groups[first][0], groups[last][1], digits[-4:])
        if best is None and groups[first][1] - groups[first][0] > 19:
            # One long unseparated number ("4111111111111111123"): look for a card at its start.
            text = run[groups[first][0]:groups[first][1]]
            for length in range(19, 12, -1):
                if _luhn_valid(text[:length]):
                    best = (groups[first][0], groups[first][0] + length, text[length - 4:length])
                    break
        if best:
            found.append(best)
            taken_until = best[1]
    return found


def mask_card_numbers(text: str) -> str:
    """'4111 1111 1111 1111 12/26' -> '[card ending 1111] 12/26'; numbers failing the Luhn check stay."""
    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        spans = _card_spans(run)
        for start, end, last_four in reversed(spans):
            run = run[:start] + f"[card ending {last_four}]" + run[end:]
        return run

    return _DIGIT_RUN.sub(replace, text)
