"""The customer's conversation in the database: the transactions every message pays for.

Each function here is one transaction body, `work(session, ...)`, run whole by `Store.write` or
`Store.read` in a worker thread. They speak SQLAlchemy Core to the tables, a few statements each:
  * receive: take the conversation's next number, find (or open) its case, insert the message;
  * next_unhandled: the oldest message Llamita has not acted on, with all the brain needs to decide;
  * answer: mark it handled (only if nobody did), keep the brain's memory, insert the reply.
The slower, rarer moves of a case (hand-over, claim, transfer) live in routing/cases.py.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from bot.decision import BookingFacts, CustomerProfile, Decision, Turn
from routing.lifecycle import OPEN_STATES, WITH_PEOPLE
from routing.models import (
    Author,
    Case,
    CaseEvent,
    CaseState,
    Conversation,
    Customer,
    DemoAccount,
    DemoBooking,
    Message,
)
from routing.store import Rollback
from routing.views import MessageView

MESSAGE = Message.__table__
CONVERSATION = Conversation.__table__
CASE = Case.__table__
CUSTOMER = Customer.__table__
EVENT = CaseEvent.__table__
BOOKING = DemoBooking.__table__
ACCOUNT = DemoAccount.__table__

HISTORY_TURNS = 12          # how much of the conversation the brain sees
_OPEN = [state.value for state in OPEN_STATES]
_SEEN_BY_BRAIN = [Author.CUSTOMER.value, Author.BOT.value, Author.STAFF.value]


@dataclass(frozen=True)
class Identity:
    """A signed-in customer as the website vouched for them (signature already checked)."""
    external_id: str
    name: str | None = None
    email: str | None = None
    tier: str | None = None


@dataclass(frozen=True)
class Opened:
    conversation_id: str
    last_seq: int
    state: str
    agent_name: str | None
    customer_name: str | None
    customer_external_id: str | None


@dataclass(frozen=True)
class Stored:
    """What `receive` kept: the message's number, and where its case stands."""
    message: MessageView | None      # None when the same client id was stored before
    seq: int
    case_id: int | None
    with_people: bool
    posts_queued: bool = False

    @property
    def duplicate(self) -> bool:
        return self.message is None


@dataclass(frozen=True)
class Pending:
    """A customer message Llamita has not acted on yet, and what it needs to decide."""
    message_id: int
    seq: int
    text: str
    conversation_id: str
    case_id: int
    case_state: str
    case_signals: tuple[str, ...]
    case_topic: str | None
    memory: str
    history: tuple[Turn, ...]
    profile: CustomerProfile | None


# ---------------------------------------------------------------------- opening and resuming

def start(session: Session, identity: Identity | None, token_hash: str, channel: str, now: datetime) -> Opened:
    customer_id, name = _customer_for(session, identity, now)
    conversation_id = secrets.token_hex(12)
    session.execute(insert(CONVERSATION).values(
        id=conversation_id, customer_id=customer_id, channel=channel, token_hash=token_hash, brain_memory="",
        last_seq=0, created_at=now, last_seen_at=now))
    return Opened(conversation_id, 0, CaseState.BOT.value, None, name, identity.external_id if identity else None)


def resume(session: Session, token_hash: str, now: datetime) -> Opened | None:
    row = session.execute(
        select(CONVERSATION.c.id, CONVERSATION.c.last_seq, CUSTOMER.c.name, CUSTOMER.c.external_id)
        .join_from(CONVERSATION, CUSTOMER, CUSTOMER.c.id == CONVERSATION.c.customer_id)
        .where(CONVERSATION.c.token_hash == token_hash)).first()
    if row is None:
        return None
    session.execute(update(CONVERSATION).where(CONVERSATION.c.id == row.id).values(last_seen_at=now))
    # The open case, or else the last one, so a customer coming back sees "resolved".
    case = session.execute(select(CASE.c.state, CASE.c.claimed_by_name).where(CASE.c.conversation_id == row.id)
                           .order_by(CASE.c.state.in_(_OPEN).desc(), CASE.c.id.desc()).limit(1)).first()
    return Opened(row.id, row.last_seq, case.state if case else CaseState.BOT.value,
                  case.claimed_by_name if case else None, row.name, row.external_id)


def _customer_for(session: Session, identity: Identity | None, now: datetime) -> tuple[int, str | None]:
    """The customer row for this identity (one per website id, created on first contact), or a new visitor.

    An upsert: two first hellos of one new signed-in customer at once (two tabs) both find the same row.
    """
    if identity is None:
        return session.execute(insert(CUSTOMER).values(created_at=now).returning(CUSTOMER.c.id)).scalar_one(), None
    account = session.execute(select(ACCOUNT.c.id, ACCOUNT.c.name, ACCOUNT.c.tier).where(
        ACCOUNT.c.customer_external_id == identity.external_id).limit(1)).first()
    values = {"name": identity.name or (account.name if account else None), "email": identity.email,
              "tier": identity.tier or (account.tier if account else None),
              "account_id": account.id if account else None}
    upsert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(CUSTOMER)
    upsert = upsert.values(external_id=identity.external_id, created_at=now, **values)
    # What the website says now wins; what it leaves out keeps what was known.
    upsert = upsert.on_conflict_do_update(
        index_elements=[CUSTOMER.c.external_id],
        set_={column: func.coalesce(upsert.excluded[column], CUSTOMER.c[column]) for column in values})
    row = session.execute(upsert.returning(CUSTOMER.c.id, CUSTOMER.c.name)).one()
    return row.id, row.name


# ---------------------------------------------------------------------- a customer's message

def take_seq(session: Session, conversation_id: str) -> int:
    """The conversation's next message number. The update locks the conversation row until commit,
    so numbers are gap-free and in commit order even when a customer and staff write at once."""
    return session.execute(
        update(CONVERSATION).where(CONVERSATION.c.id == conversation_id)
        .values(last_seq=CONVERSATION.c.last_seq + 1).returning(CONVERSATION.c.last_seq)).scalar_one()


def seen_client_id(session: Session, conversation_id: str, client_id: str, authors: tuple[str, ...]) -> Message | None:
    return session.scalars(select(Message).where(
        Message.conversation_id == conversation_id, Message.client_id == client_id,
        Message.author.in_(authors))).first()


def open_case_of(session: Session, conversation_id: str):
    """(id, state) of the conversation's open case, or None."""
    return session.execute(select(CASE.c.id, CASE.c.state).where(
        CASE.c.conversation_id == conversation_id, CASE.c.state.in_(_OPEN))
        .order_by(CASE.c.id.desc()).limit(1)).first()


def open_case(session: Session, conversation_id: str, now: datetime) -> int:
    case_id = session.execute(insert(CASE).values(
        conversation_id=conversation_id, state=CaseState.BOT.value, sentiment=0.0, summary="", signals="[]",
        actions="[]", opened_at=now, reminders_sent=0).returning(CASE.c.id)).scalar_one()
    session.execute(insert(EVENT).values(case_id=case_id, kind="opened", detail="{}", at=now))
    return case_id


def append(session: Session, conversation_id: str, author: Author, text: str, now: datetime, *,
           case_id: int | None, agent_name: str, seq: int | None = None, client_id: str | None = None,
           handled: bool = True, author_id: str | None = None, author_name: str | None = None,
           language: str | None = None) -> tuple[int, MessageView]:
    """Insert a message (taking the next number unless given); returns its id and how it is shown."""
    seq = seq if seq is not None else take_seq(session, conversation_id)
    message_id = session.execute(insert(MESSAGE).values(
        conversation_id=conversation_id, seq=seq, case_id=case_id, author=author.value, author_id=author_id,
        author_name=author_name, text=text, client_id=client_id, handled=handled, language=language,
        created_at=now).returning(MESSAGE.c.id)).scalar_one()
    name = author_name or (agent_name if author is Author.BOT else None)
    return message_id, MessageView(seq, author.value, name, text, now, None,
                                   client_id if author is Author.CUSTOMER else None)


def receive(session: Session, conversation_id: str, text: str, client_id: str | None, now: datetime,
            queue_to_threads) -> Stored:
    """Store a customer message once, whatever the retries; `queue_to_threads` relays it to the case's
    staff threads when people have the case (routing.cases.CaseBook.queue_to_threads)."""
    # Taking the number locks the conversation first: of two copies of one message, or two first
    # messages, the second waits here and then sees what the first stored.
    seq = take_seq(session, conversation_id)
    if client_id is not None:
        seen = session.execute(select(MESSAGE.c.seq).where(
            MESSAGE.c.conversation_id == conversation_id, MESSAGE.c.client_id == client_id,
            MESSAGE.c.author == Author.CUSTOMER.value)).scalar()
        if seen is not None:
            raise Rollback(Stored(None, seen, None, False))   # gives back the number taken above
    case = open_case_of(session, conversation_id)
    case_id = case.id if case else open_case(session, conversation_id, now)
    with_people = bool(case) and CaseState(case.state) in WITH_PEOPLE
    message_id, view = append(session, conversation_id, Author.CUSTOMER, text, now, case_id=case_id, seq=seq,
                              client_id=client_id, handled=with_people, agent_name="")
    queued = queue_to_threads(session, case_id, "message", message_id, now) if with_people else False
    return Stored(view, seq, case_id, with_people, queued)


# ---------------------------------------------------------------------- Llamita's turn

def next_unhandled(session: Session, conversation_id: str) -> Pending | None:
    row = session.execute(
        select(MESSAGE.c.id, MESSAGE.c.seq, MESSAGE.c.text, MESSAGE.c.case_id, CASE.c.state, CASE.c.signals,
               CASE.c.topic, CONVERSATION.c.brain_memory, CUSTOMER.c.external_id, CUSTOMER.c.name,
               CUSTOMER.c.tier, CUSTOMER.c.account_id)
        .select_from(MESSAGE.join(CASE, CASE.c.id == MESSAGE.c.case_id)
                     .join(CONVERSATION, CONVERSATION.c.id == MESSAGE.c.conversation_id)
                     .join(CUSTOMER, CUSTOMER.c.id == CONVERSATION.c.customer_id))
        .where(MESSAGE.c.conversation_id == conversation_id, MESSAGE.c.author == Author.CUSTOMER.value,
               MESSAGE.c.handled.is_(False))
        .order_by(MESSAGE.c.seq).limit(1)).first()
    if row is None:
        return None
    history = session.execute(
        select(MESSAGE.c.author, MESSAGE.c.text).where(
            MESSAGE.c.conversation_id == conversation_id, MESSAGE.c.seq < row.seq,
            MESSAGE.c.author.in_(_SEEN_BY_BRAIN))
        .order_by(MESSAGE.c.seq.desc()).limit(HISTORY_TURNS)).all()
    profile = None
    if row.external_id is not None:   # only a verified identity has an external id, hence an account
        bookings = bookings_of(session, row.account_id)
        profile = CustomerProfile(name=row.name, tier=row.tier, booking=bookings[0].reference if bookings else None,
                                  account_id=row.account_id, verified=True, bookings=bookings)
    return Pending(row.id, row.seq, row.text, conversation_id, row.case_id, row.state,
                   tuple(json.loads(row.signals or "[]")), row.topic, row.brain_memory,
                   tuple(Turn(author, text) for author, text in reversed(history)), profile)


def bookings_of(session: Session, account_id: str | None) -> tuple[BookingFacts, ...]:
    """The account's bookings, in reference order (the first is the one a card shows)."""
    if not account_id:
        return ()
    rows = session.execute(select(BOOKING.c.reference, BOOKING.c.summary, BOOKING.c.departure, BOOKING.c.status)
                           .where(BOOKING.c.account_id == account_id).order_by(BOOKING.c.reference)).all()
    return tuple(BookingFacts(*row) for row in rows)


def take_for_answer(session: Session, pending: Pending) -> bool:
    """Mark the message handled, only if nobody did: of several workers, exactly one answers it."""
    return session.execute(update(MESSAGE).where(MESSAGE.c.id == pending.message_id, MESSAGE.c.handled.is_(False))
                           .values(handled=True)).rowcount == 1


def remember(session: Session, pending: Pending, decision: Decision) -> None:
    """Keep what the brain learnt from this turn on the conversation, the message and the case."""
    session.execute(update(CONVERSATION).where(CONVERSATION.c.id == pending.conversation_id).values(
        brain_memory=decision.memory.to_json(), language=decision.language))
    session.execute(update(MESSAGE).where(MESSAGE.c.id == pending.message_id).values(language=decision.language))
    signals = sorted(set(pending.case_signals) | {signal.name for signal in decision.signals})
    session.execute(update(CASE).where(CASE.c.id == pending.case_id).values(
        language=decision.language, topic=decision.topic or pending.case_topic, sentiment=decision.sentiment,
        signals=json.dumps(signals)))


# ---------------------------------------------------------------------- reading

def messages_after(session: Session, conversation_id: str, seq: int, for_staff: bool,
                   agent_name: str) -> list[MessageView]:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.seq > seq)
    if not for_staff:
        query = query.where(Message.author != Author.NOTE)
    return [MessageView.of(row, agent_name) for row in session.scalars(query.order_by(Message.seq))]


def unhandled_conversations(session: Session) -> list[str]:
    """Conversations with customer messages Llamita has not acted on (after a crash, say)."""
    return list(session.execute(select(MESSAGE.c.conversation_id).where(
        MESSAGE.c.author == Author.CUSTOMER.value, MESSAGE.c.handled.is_(False)).distinct()).scalars())


def open_case_state(session: Session, conversation_id: str) -> tuple[int, str] | None:
    row = open_case_of(session, conversation_id)
    return (row.id, row.state) if row else None
