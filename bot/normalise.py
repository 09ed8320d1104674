"""Turning a raw customer message into forms the detectors can match reliably.

Customers type on phones, in a hurry, in several languages: accents come and go ("cancelacion",
"cancelación"), letters repeat for emphasis ("pleeeease"), apostrophes vary (’ or '), and the
same message may shout in capitals. Every matcher in `bot/` works on the *folded* form produced
here, so a lexicon entry written once ("reembolso", "remboursement", "ich möchte") matches every
way of typing it. The raw text is kept for what folding destroys: capitals, punctuation, emoji.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Messages longer than this are cut before analysis: a 10,000-character paste must not cost
# more than a normal message (the start of a message carries the request; the tail is often a
# pasted e-mail or log).
MAX_ANALYSED_CHARS = 2000

# Letters that Unicode decomposition does not reduce to ASCII on its own.
_SPECIAL_LETTERS = str.maketrans({
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    "’": "'", "‘": "'", "´": "'", "`": "'", "ʼ": "'",
    "“": '"', "”": '"', "«": '"', "»": '"', "„": '"',
    "–": "-", "—": "-", "‐": "-",
})

# English contractions keep their apostrophe-less spelling ("don't" -> "dont", "i'm" -> "im");
# any other apostrophe (French/Italian elision "l'avion", "c'è") separates two words.
_CONTRACTION = re.compile(r"(\w)'(t|s|m|re|ve|ll|d)\b")
_APOSTROPHE = re.compile(r"'")
_REPEATS = re.compile(r"(\w)\1{2,}")          # "soooo" -> "soo": keep emphasis, stop the explosion
_PUNCT_REPEATS = re.compile(r"([!?.])\1{2,}")
_TOKEN = re.compile(r"[a-z0-9]+")
_WORD_RAW = re.compile(r"[^\W\d_]+", re.UNICODE)


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Case-fold and strip accents: 'Cancelación' -> 'cancelacion', 'Straße' -> 'strasse'."""
    if text.isascii():  # the common case, and much faster
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold().translate(_SPECIAL_LETTERS)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


_OPENING_MARKS = "¿¡\"'(«“ "


@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """The matching form of a message: folded, contractions joined, repeats collapsed, one space."""
    text = fold(text[:MAX_ANALYSED_CHARS])
    text = _CONTRACTION.sub(r"\1\2", text)
    text = _APOSTROPHE.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    text = _PUNCT_REPEATS.sub(r"\1", text)
    # Opening marks say nothing about the words: "¿y dónde ...?" reads like "y dónde ...?".
    return " ".join(text.split()).lstrip(_OPENING_MARKS)


def tokens(folded: str) -> list[str]:
    """Words of an already normalised text: runs of letters and digits ("carry-on" is two words,
    like "carry on", so both spellings read the same)."""
    return _TOKEN.findall(folded)


def is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF or 0x2600 <= ord(ch) <= 0x27BF


@dataclass(frozen=True)
class Shape:
    """How a message looks, independent of its words: shouting, exclamations, emoji, length."""
    letters: int
    caps_ratio: float        # share of upper-case letters among letters
    caps_words: int          # words of 3+ letters written entirely in capitals
    loud_words: int          # words of 2+ letters in capitals, minus the usual abbreviations (OK, EU, AM)
    words: int
    exclamations: int
    questions: int
    emoji: int
    crying_emoji: int        # 😭 😢 😡 🤬 and friends
    laughing_emoji: int      # 😂 🤣 😅 😆 — enthusiasm, not distress
    length: int

    @property
    def shouting(self) -> bool:
        """Mostly capitals over several words (a lone "OMG" or "LT-4821" is not shouting; "WHERE IS MY
        REFUND!!" is, though two of its words are short)."""
        short_but_angry = self.caps_words >= 2 and self.loud_words >= 4 and (self.exclamations or self.crying_emoji)
        return (self.caps_words >= 3 or short_but_angry) and self.caps_ratio >= 0.6 and self.letters >= 12


_ABBREVIATIONS = {"OK", "LT", "US", "UK", "EU", "TV", "AM", "PM", "ID", "PIN", "USA", "DNI", "RG", "CPF", "NIE",
                  "ATM", "SMS", "PDF", "APP", "VIP", "CEO", "LA", "NYC", "UAE", "USD", "EUR", "GBP", "BRL", "MXN"}
_CRYING = set("😭😢😡🤬😤😰😱😨😥😞😩😫💔🆘")
_LAUGHING = set("😂🤣😅😆😄😁😃😊🥳🎉😍🤩❤🙌✨🙂😉")


def shape(raw: str) -> Shape:
    text = raw[:MAX_ANALYSED_CHARS]
    words = _WORD_RAW.findall(text)
    letters = [ch for ch in text if ch.isalpha()]
    upper = sum(1 for ch in letters if ch.isupper())
    caps_words = sum(1 for w in words if len(w) >= 3 and w.isupper())
    loud_words = sum(1 for w in words if len(w) >= 2 and w.isupper() and w not in _ABBREVIATIONS)
    emoji = [] if text.isascii() else [ch for ch in text if is_emoji(ch)]  # no ASCII character is an emoji
    return Shape(
        letters=len(letters),
        caps_ratio=upper / len(letters) if letters else 0.0,
        caps_words=caps_words,
        loud_words=loud_words,
        words=len(words),
        exclamations=text.count("!"),
        questions=text.count("?") + text.count("¿"),
        emoji=len(emoji),
        crying_emoji=sum(1 for ch in emoji if ch in _CRYING),
        laughing_emoji=sum(1 for ch in emoji if ch in _LAUGHING),
        length=len(raw),
    )


def has_words(raw: str) -> bool:
    """False for empty, whitespace-only, punctuation-only or emoji-only messages."""
    return any(ch.isalnum() for ch in raw)
