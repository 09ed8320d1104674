"""Text that crosses between Slack and the customer, made safe in both directions (pure functions).

Outward (customer words shown in Slack) the rule is: outside text never pings, links or formats.
  * `escape` turns &, < and > into entities, Slack's own rule for every text field: `<!channel>`,
    `<@U123>` and `<http://x|label>` typed by a customer arrive as `&lt;!channel&gt;` and show literally.
  * Bodies go into Block Kit `plain_text` objects (`plain`), which Slack never formats.
  * Where mrkdwn cannot be avoided (the notification text of a message), `mrkdwn_literal` also
    neutralises *bold*, _italic_, ~strike~, `code` and > quotes by swapping the markers for look-alike
    characters. (A zero-width space does NOT work: Slack treats it as a word boundary, which is the
    trick for *forcing* formatting mid-word.)
  * Card numbers are masked again (routing masks them when it stores a message; defence in depth).

Inward (a staff member's Slack message going to the customer's web chat) `slack_to_plain` turns
Slack's markup back into what the person saw: mentions into @names, links into their text, entities
into characters.
"""
from __future__ import annotations

import re
from typing import Callable

from routing.redact import mask_card_numbers

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Slack's control characters as entities: nothing the customer typed can become a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# Formatting markers (and the full-width forms Slack also honours) -> characters that look alike.
_LOOKALIKES = str.maketrans({
    "*": "\u2217",   # ∗ asterisk operator
    "\uff0a": "\ufe61",  # ＊ -> ﹡ small asterisk
    "_": "\u02cd",   # ˍ modifier letter low macron
    "\uff3f": "\u2e0f",  # ＿ -> ⸏ paragraphos
    "~": "\u223c",   # ∼ tilde operator
    "`": "\u02cb",   # ˋ modifier letter grave accent
    "\uff40": "\u02cb",  # ｀ -> ˋ
})
# A quote marker at the start of a line (as > is escaped, it is &gt; by then; ＞ is a quote too).
_LEADING_QUOTE = re.compile(r"(?m)^([ \t]*)(&gt;|\uff1e)")


def safe(text: str) -> str:
    """Outside text for a plain_text object: card numbers masked, control characters escaped."""
    return escape(mask_card_numbers(text))


def mrkdwn_literal(text: str) -> str:
    """Outside text for a mrkdwn field: shows literally, with no mention, link, formatting or quote."""
    text = safe(text).translate(_LOOKALIKES)
    # A soft hyphen (invisible) in front of a leading > stops it opening a block quote.
    return _LEADING_QUOTE.sub("\\1\u00ad\\2", text)


def _escaped_length(char: str) -> int:
    return 5 if char == "&" else 4 if char in "<>" else 1


def fit(text: str, limit: int) -> str:
    """Escape `text` (card numbers masked), cut with an ellipsis so the escaped result is <= limit chars."""
    text = mask_card_numbers(text)
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    budget, size, cut = limit - len(ELLIPSIS), 0, 0
    for index, char in enumerate(text):
        size += _escaped_length(char)
        if size > budget:
            break
        cut = index + 1
    return escape(text[:cut].rstrip()) + ELLIPSIS


def chunks(text: str, limit: int) -> list[str]:
    """Escape `text` (card numbers masked) into pieces of at most `limit` characters each, breaking at a
    line end or a space where one is near; entities are never split."""
    text = mask_card_numbers(text)
    pieces: list[str] = []
    while text:
        size, cut = 0, len(text)
        for index, char in enumerate(text):
            size += _escaped_length(char)
            if size > limit:
                cut = index
                break
        if cut < len(text):
            window = text[:cut]
            newline, space = window.rfind("\n"), window.rfind(" ")
            if newline > cut // 2:
                cut = newline + 1
            elif space > cut // 2:
                cut = space + 1
        cut = max(cut, 1)
        piece = text[:cut].strip()
        if piece:
            pieces.append(escape(piece))
        text = text[cut:]
    return pieces or [""]


def plain(text: str, limit: int = 3000) -> dict:
    """A Block Kit plain_text object for outside text: no formatting, no emoji codes, fits Slack's limit."""
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": False}


# ------------------------------------------------------------------ Slack markup -> plain text

_ANGLE = re.compile(r"<([^<>]*)>")


def slack_to_plain(text: str, user_name: Callable[[str], str | None] = lambda _id: None) -> str:
    """What a staff member typed in Slack, as the customer should read it: '<@U1> see <https://x|the FAQ>'
    -> '@Ana see the FAQ (https://x)'. `user_name` maps a Slack user id to a display name (or None)."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            name = label or user_name(target[1:])
            return "@" + name.lstrip("@") if name else "a colleague"
        if target.startswith("#"):
            return "#" + (label or "channel")
        if target.startswith("!"):
            command = target[1:].split("^", 1)[0]
            if command in ("here", "channel", "everyone"):
                return "@" + command
            if command == "subteam":
                return label or "@team"
            return label or ""
        if label and unescape(label) != unescape(target) and not target.startswith("mailto:"):
            return f"{label} ({target})"
        return label or target.removeprefix("mailto:")

    return unescape(_ANGLE.sub(replace, text))


def mentioned_users(text: str) -> list[str]:
    """The Slack user ids mentioned in a message (to look their names up before converting it)."""
    return re.findall(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", text)
