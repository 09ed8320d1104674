"""Keep card numbers out of storage and staff channels: customers do type them into chats.

A card number is 13 to 19 digits that pass the Luhn check, written in one piece or in the groups
cards are printed in (4-4-4-4, 4-4-4-4-3, Amex 4-6-5, Diners 4-6-4), separated by whatever people
type or paste between them (up to five of any character that is not a letter or a digit: spaces of
every kind, tabs, line breaks, dots, commas, dashes, bullets, bars, invisible joiners) — and in any
script's digits (fullwidth, Arabic-Indic...). What is not shaped like a card stays: booking
references, phone numbers (an international number is at most 15 digits after its '+', and phone
groups are not 4-4-4-4), dates, amounts.
"""
from __future__ import annotations

import re
import unicodedata

# Between two groups of digits: up to five characters that are neither letters nor digits.
_DIGIT_RUN = re.compile(r"(?<!\d)\(?\d+(?:[\W_]{1,5}\d+)*(?!\d)")
PHONE_DIGITS = 15    # E.164: a '+' then at most 15 digits; a card may be up to 19
_GROUP = re.compile(r"\d+")
_CARD_SHAPES = ((4, 6, 5), (4, 6, 4))   # Amex, Diners; the rest are groups of four


def _digits(text: str) -> str:
    """ASCII digits of any script's digits ('４１１１' -> '4111')."""
    return "".join(str(unicodedata.decimal(char)) for char in text if char.isdecimal())


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


def _card_shaped(sizes: tuple[int, ...]) -> tuple[bool, bool]:
    """(is it shaped like a printed card number, is its last group whole)."""
    if len(sizes) == 1:
        return 13 <= sizes[0] <= 19, True
    if sizes in _CARD_SHAPES:
        return True, True
    whole = all(size == 4 for size in sizes)
    return all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4, whole


def _card_spans(run: str, after_plus: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, last four) of each card number in a run of digit groups, no overlaps. `after_plus`:
    the run follows a '+', so a number of phone length at its start is a phone number.

    Of the shapes starting at a group, one ending with a whole group wins ("4111 1111 1111 1111 12/26"
    is the card and an expiry date, though its first 18 digits may pass Luhn too); else the longest.
    """
    groups = [(m.start(), m.end(), _digits(m.group())) for m in _GROUP.finditer(run)]
    found: list[tuple[int, int, str]] = []
    first = 0
    while first < len(groups):
        best = None
        for last in range(first, len(groups)):
            digits = "".join(group[2] for group in groups[first:last + 1])
            if len(digits) > 19:
                break
            shaped, whole = _card_shaped(tuple(len(group[2]) for group in groups[first:last + 1]))
            phone = after_plus and first == 0 and len(digits) <= PHONE_DIGITS
            if shaped and len(digits) >= 13 and not phone and _luhn_valid(digits):
                candidate = (last, digits[-4:], whole)
                if best is None or whole or not best[2]:
                    best = candidate
        if best is None and len(groups[first][2]) > 19:
            # One long unseparated number ("4111111111111111123"): look for a card at its start.
            digits = groups[first][2]
            for length in range(19, 12, -1):
                if _luhn_valid(digits[:length]):
                    found.append((groups[first][0], groups[first][0] + length, digits[length - 4:length]))
                    break
        if best is not None:
            start = groups[first][0]
            start -= 1 if start == 1 and run[0] == "(" else 0   # "(4111) 1111 ...": the bracket goes too
            found.append((start, groups[best[0]][1], best[1]))
            first = best[0] + 1
        else:
            first += 1
    return found


# A card's security code, named as customers name it in our seven languages, then its 3 or 4 digits. It
# must never be stored (PCI DSS), whether or not the card number is in the same message.
_SECURITY_CODE = re.compile(
    r"(?i)\b(cvv2?|cvc2?|cid|csc|security code|card code|c[oó]digo de seguridad|c[oó]digo de seguran[cç]a|"
    r"c[oó]digo cvv|pr[uü]fnummer|kartenpr[uü]fnummer|pr[uü]fziffer|sicherheitscode|cryptogramme|"
    r"code de s[eé]curit[eé]|codice di sicurezza|codice cvv|beveiligingscode|controlecode)"
    r"((?:\W{1,3}[^\W\d]+){0,8}?\W{0,3})(\d{3,4})(?!\d)")   # "CVV123", "my CVV number is 123", "CVC-code: 123"
# ... unless the number belongs to something else named between them ("security code for flight 1234").
_NOT_A_CODE = re.compile(r"(?i)\b(vuelo|flight|vol|volo|voo|flug|vlucht|room|habitaci[oó]n|quarto|zimmer|chambre|"
                         r"camera|kamer|booking|reserva|reservation|buchung|gate|seat|asiento|year|a[nñ]o)\b")
# The expiry date beside a card number: masked with it ("exp 12/28", "vence 12/2028", "gültig bis 12/28").
_EXPIRY = re.compile(
    r"(?i)\b(exp|expiry|expires|expiration|exp\. date|valid thru|valid until|vence|vencimiento|caducidad|"
    r"validade|vencimento|g[uü]ltig bis|ablaufdatum|expire|date d'expiration|scadenza|scade|geldig tot|vervaldatum)"
    r"((?:\W{1,3}[^\W\d]+){0,3}?\W{1,3})(\d{1,2}\s?[/.-]\s?\d{2,4})(?!\d)")


def mask_card_numbers(text: str) -> str:
    """'4111 1111 1111 1111 exp 12/26 cvv 123' -> '[card ending 1111] exp [expiry] cvv [security code]';
    numbers failing the Luhn check stay. A labelled security code is masked on its own too; an expiry
    date only beside a card number (a passport's expiry date is what staff need to read)."""
    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        after_plus = match.start() > 0 and text[match.start() - 1] == "+"
        for start, end, last_four in reversed(_card_spans(run, after_plus)):
            run = run[:start] + f"[card ending {last_four}]" + run[end:]
        return run

    masked = _DIGIT_RUN.sub(replace, text)
    masked = _SECURITY_CODE.sub(lambda m: m.group(0) if _NOT_A_CODE.search(m.group(2))
                                else m.group(1) + m.group(2) + "[security code]", masked)
    if masked != text and "[card ending" in masked:
        masked = _EXPIRY.sub(lambda m: m.group(1) + m.group(2) + "[expiry]", masked)
    return masked
