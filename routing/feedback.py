"""What customers say about the help they got: "Did this help?" under Llamita's answers, and a 1-5
rating (with an optional comment) after people resolved their case.

Whether to ask is decided by pure functions from the operator's settings (sampling, a cool-down per
customer). Sampling is a hash of the answer or the case, so every worker and every replay of the
same answer agrees without storing anything. Nothing here runs for every customer message: the
"Did this help?" decision is taken where an answer is shown (the chat socket) from the answer alone,
and the customer's cool-down is read once per socket, only when the operator set one.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlmodel import Session

from bot.sentiment import sentiment_of
from routing.config import AnswerFeedbackSettings, RatingSettings
from routing.models import AnswerFeedback, Author, Case, CaseRating, CaseState, Conversation, Customer, Message

MAX_COMMENT_CHARS = 1000
SEEN = (Author.CUSTOMER.value, Author.BOT.value, Author.STAFF.value)


class FeedbackRefused(ValueError):
    """Feedback about something that cannot be rated (not an answer of this conversation, a case still open)."""


@dataclass(frozen=True)
class Saved:
    what: str            # "answer" or "rating"
    key: int             # the answer's seq, or the case id
    changed: bool        # False when it repeats what was stored


# ---------------------------------------------------------------------- deciding whether to ask

def sampled(key: str, share: float) -> bool:
    """The same key is always in or out of a sample of `share` (0..1), on every worker."""
    if share >= 1:
        return True
    if share <= 0:
        return False
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def cooled_down(last_asked: datetime | None, now: datetime, cooldown: timedelta) -> bool:
    last_asked = _aware(last_asked)
    return last_asked is None or now - last_asked >= cooldown


def ask_about_answer(settings: AnswerFeedbackSettings, conversation_id: str, seq: int,
                     last_asked: datetime | None, now: datetime) -> bool:
    """Ask "Did this help?" under this answer?"""
    return sampled(f"answer:{conversation_id}:{seq}", settings.sample) and \
        cooled_down(last_asked, now, timedelta(minutes=settings.cooldown_minutes))


def ask_for_rating(settings: RatingSettings, case_id: int, last_asked: datetime | None, now: datetime) -> bool:
    return sampled(f"rating:{case_id}", settings.sample) and \
        cooled_down(last_asked, now, timedelta(days=settings.cooldown_days))


# ---------------------------------------------------------------------- at the close of a case (CaseBook.close)

def closing_sentiment(session: Session, case: Case) -> float | None:
    """How the customer sounded at the end: their last words to people, scored once now (Llamita does not
    decide on messages while people have the case); for a case Llamita kept, its last turn's score."""
    if case.handed_over_at is None:
        return case.sentiment
    text = session.execute(
        select(Message.text).where(Message.case_id == case.id, Message.author == Author.CUSTOMER.value,
                                   Message.created_at >= case.handed_over_at)
        .order_by(Message.seq.desc()).limit(1)).scalar()
    return sentiment_of(text) if text else None


def messages_of(session: Session, case_id: int) -> int:
    """The messages the customer saw exchanged in a case (theirs, Llamita's, staff's; not status lines)."""
    return session.execute(select(func.count()).select_from(Message).where(
        Message.case_id == case_id, Message.author.in_(SEEN))).scalar_one()


def offer_rating(session: Session, case: Case, settings: RatingSettings, now: datetime) -> bool:
    """A case people resolved: ask its customer for a rating, unless sampled out or asked recently."""
    if case.handed_over_at is None:
        return False
    customer = session.execute(select(Customer).join(Conversation, Conversation.customer_id == Customer.id)
                               .where(Conversation.id == case.conversation_id)).scalar_one()
    if not ask_for_rating(settings, case.id, customer.rating_asked_at, now):
        return False
    if session.execute(select(CaseRating.id).where(CaseRating.case_id == case.id)).first() is None:
        session.add(CaseRating(case_id=case.id, asked_at=now))
    customer.rating_asked_at = now
    return True


# ---------------------------------------------------------------------- what the customer said

def record_answer_feedback(session: Session, conversation_id: str, seq: int, helpful: bool, now: datetime) -> Saved:
    answer = session.execute(select(Message).where(Message.conversation_id == conversation_id, Message.seq == seq)
                             ).scalar()
    if answer is None or answer.author != Author.BOT.value or answer.case_id is None:
        raise FeedbackRefused("only Llamita's answers in this conversation can be rated")
    stored = session.execute(select(AnswerFeedback).where(AnswerFeedback.conversation_id == conversation_id,
                                                          AnswerFeedback.seq == seq)).scalar()
    if stored is not None:
        changed = stored.helpful != helpful
        stored.helpful, stored.at = helpful, now
        return Saved("answer", seq, changed)
    session.add(AnswerFeedback(conversation_id=conversation_id, seq=seq, message_id=answer.id, case_id=answer.case_id,
                               topic=answer.topic, language=answer.language, helpful=helpful, at=now))
    return Saved("answer", seq, True)


def record_rating(session: Session, conversation_id: str, case_id: int, score: int | None, comment: str | None,
                  now: datetime) -> Saved:
    """A rating (1-5, optional comment) of a case people resolved; score None: the customer said no thanks."""
    case = session.get(Case, case_id) if 0 < case_id < 2**31 else None
    if case is None or case.conversation_id != conversation_id:
        raise FeedbackRefused("that case is not part of this conversation")
    if case.state != CaseState.RESOLVED.value or case.handed_over_at is None:
        raise FeedbackRefused("only a conversation our team resolved can be rated")
    rating = session.execute(select(CaseRating).where(CaseRating.case_id == case_id)).scalar()
    if rating is None:   # not asked (sampled out, or the client asked by itself): the customer's word still counts
        rating = CaseRating(case_id=case_id, asked_at=now)
        session.add(rating)
    if score is None:
        changed = not rating.dismissed and rating.score is None
        rating.dismissed = rating.dismissed or rating.score is None
        return Saved("rating", case_id, changed)
    changed = (rating.score, rating.comment) != (score, comment)
    rating.score, rating.comment, rating.rated_at, rating.dismissed = score, comment, now, False
    return Saved("rating", case_id, changed)


# ---------------------------------------------------------------------- the "Did this help?" cool-down

def answers_asked_at(session: Session, conversation_id: str) -> datetime | None:
    return _aware(session.execute(select(Customer.answers_asked_at).join(
        Conversation, Conversation.customer_id == Customer.id).where(Conversation.id == conversation_id)).scalar())


def mark_answers_asked(session: Session, conversation_id: str, now: datetime) -> None:
    customer = select(Conversation.customer_id).where(Conversation.id == conversation_id).scalar_subquery()
    session.execute(update(Customer).where(Customer.id == customer).values(answers_asked_at=now))
