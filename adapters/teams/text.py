"""Text that crosses between Teams and the customer, made safe in both directions (pure functions).

Outward (outside words shown in Teams): Adaptive Card TextBlocks and FactSet values are markdown, so
`literal` makes text show as typed, whatever the client:
  * emphasis and code markers (* _ ~ `) become look-alike characters. Backslash escapes are not used:
    Teams clients disagree on them (the mobile apps have shown the backslashes, or honoured the markup
    anyway), while a look-alike is just a character everywhere;
  * what could open a link, a tag, an entity or a block (`](`, `<tag`, `&amp;`, a leading `#`, `>`,
    `-`, `+`, `1.`) gets an invisible soft hyphen inside it, which no markdown or HTML parser joins
    across;
  * card numbers are masked again (routing masks them when it stores a message; defence in depth).
Mentions need an `msteams.entities` entry in the card; Llamita never writes one, so `<at>` typed by a
customer stays text (and the soft hyphen keeps it from even looking like a tag).

Inward (a staff member's Teams message going to the customer's web chat) `teams_to_plain` turns
Teams' markup back into what the person saw: `<at>Ana</at>` becomes `@Ana`, entities become characters.
"""
from __future__ import annotations

import html
import re

from routing.redact import mask_card_numbers

ELLIPSIS = "…"
SOFT_HYPHEN = "\u00ad"

_LOOKALIKES = str.maketrans({
    "*": "\u2217",   # ∗ asterisk operator
    "_": "\u02cd",   # ˍ modifier letter low macron
    "~": "\u223c",   # ∼ tilde operator
    "`": "\u02cb",   # ˋ modifier letter grave accent
})
_TAG_OR_AUTOLINK = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINK = re.compile(r"\]\s*(?=[(\[:])")
_BLOCK_START = re.compile(r"(?m)^([ \t]*)(?=[#>+=|-]|\d{1,9}[.)])")


def literal(text: str) -> str:
    """Outside text for Adaptive Card markdown: shows literally, never formats, links or tags."""
    text = mask_card_numbers(text).replace("\r\n", "\n").replace("\r", "\n").translate(_LOOKALIKES)
    text = _TAG_OR_AUTOLINK.sub("<" + SOFT_HYPHEN, text)
    text = _ENTITY.sub("&" + SOFT_HYPHEN, text)
    text = _LINK.sub(lambda match: match.group(0) + SOFT_HYPHEN, text)
    text = _BLOCK_START.sub("\\1" + SOFT_HYPHEN, text)
    # A single newline is no line break in card markdown; an empty line is.
    return re.sub(r"\n+", "\n\n", text.strip())


def fit(text: str, limit: int) -> str:
    """`literal(text)` cut with an ellipsis to at most `limit` characters of the original text."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + ELLIPSIS
    return literal(text)


def notification(text: str, limit: int = 300) -> str:
    """The plain `summary` Teams shows in notifications and the activity feed: short, card numbers masked."""
    text = " ".join(mask_card_numbers(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


# ------------------------------------------------------------------ Teams markup -> plain text

_MENTION = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def teams_to_plain(text: str) -> str:
    """What a staff member typed in Teams, as the customer should read it: '<at>Ana</at> see &amp; do'
    -> '@Ana see & do'. (Llamita's own mention is removed before, from the activity's entities.)"""
    text = _MENTION.sub(lambda match: "@" + html.unescape(match.group(1)).strip(), text)
    text = _BREAK.sub("\n", text)
    return html.unescape(text).replace("\xa0", " ").strip()
