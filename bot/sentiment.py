"""How a customer's words feel, -1 (very negative) to +1, outside a decision (pure, fast after first use).

The same score the offline brain gives each customer turn (tone words, crying or laughing emoji,
shouting, distress and other critical signals), for text the brain never decides on: what the
customer writes while people have the case, scored once when the case closes.
"""
from __future__ import annotations

from bot.normalise import normalise, shape
from bot.signals import default_lexicon


def sentiment_of(text: str) -> float:
    lexicon = default_lexicon()
    folded, looks = normalise(text), shape(text)
    return lexicon.sentiment(folded, looks, lexicon.detect(folded, looks, set()))
