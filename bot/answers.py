"""A knowledge answer as the customer reads it (pure).

The passage of the topic's article that answers the question (bot/kb.py), in the customer's
language, with what Llamita knows of the customer in front of it: the booking they speak of
(bot/bookings.py), and a frozen account before anything that would move money — then Llamita says
so and what happens next instead of explaining how to pay.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.bookings import booking_note
from bot.decision import CustomerProfile, Signal
from bot.kb import KnowledgeBase
from bot.replies import TOPIC_NAMES, reply_language, say

# Answers that lead to a booking or a payment: a frozen account cannot make either.
MONEY_TOPICS = frozenset({"booking", "payment", "booking_change", "premium_package", "insurance"})


@dataclass(frozen=True)
class Answer:
    reply: str
    written_in: str                  # the language of the reply (English when not written yet in theirs)
    signals: tuple[Signal, ...] = ()


def account_frozen(customer: CustomerProfile | None) -> bool:
    return bool(customer is not None and customer.verified and customer.account_frozen)


def knowledge_answer(kb: KnowledgeBase, topic: str, question: str, language: str, *,
                     customer: CustomerProfile | None = None, earlier_reference: str | None = None,
                     today: date, unknown_words: tuple[str, ...] = ()) -> Answer:
    """What Llamita says to `question`, answered from `topic`, for a customer writing in `language`.

    `unknown_words`: words of the question that nothing Llamita knows mentions (no passage, no example):
    when no passage answers the question either, Llamita says what its notes cover instead of pasting
    the topic's overview as if it answered ("can I fly my drone?" is not answered by the allowance)."""
    lang = reply_language(language)
    if account_frozen(customer) and topic in MONEY_TOPICS:
        return Answer(say("account_frozen", lang), lang, (Signal("account.frozen", f"no {topic} while frozen"),))
    try:
        match = kb.retrieve(question, topic, lang)
    except KeyError:
        return Answer(say("topic_fallback", lang, topic=TOPIC_NAMES.get(topic, topic)), lang)
    passage = match.passage
    if not match.score and unknown_words:
        article = kb.article(topic, lang)
        parts = ", ".join(p.title for p in article.passages) or article.title
        reply = say("not_covered", lang, subject=article.title, parts=parts)
        signals = [Signal("knowledge.not_covered", f"{topic}: {', '.join(unknown_words)}")]
    else:
        reply = passage.reply
        signals = [Signal("knowledge.passage", f"{topic}/{passage.id}"
                          + (f" ({', '.join(match.evidence)})" if match.evidence else ""))]
    if passage.language != lang and lang != "en":
        reply = say("answer_in_english", lang) + "\n\n" + reply
    note = booking_note(topic, question, customer, earlier_reference, lang, today)
    if note.line:
        reply = f"{note.line}\n\n{reply}"
    if note.signal is not None:
        signals.append(note.signal)
    return Answer(reply, passage.language, tuple(signals))
