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
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlmodel import Session

from bot.decision import BookingFacts, CustomerProfile, Decision, ModelUsage, Turn
from routing.lifecycle import OPEN_STATES, WITH_PEOPLE
from routing.models import (
    Attachment,
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
from routing.store import Raw, Rollback
from routing.views import AttachmentView, MessageView

MESSAGE = Message.__table__
CONVERSATION = Conversation.__table__
CASE = Case.__table__
CUSTOMER = Customer.__table__
EVENT = CaseEvent.__table__
BOOKING = DemoBooking.__table__
ACCOUNT = DemoAccount.__table__

HISTORY_TURNS = 12          # how much of the conversation the brain sees
REOPEN_WITHIN = timedelta(hours=24)   # a customer back this soon after leaving reopens the case they left
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
    language: str | None = None
    language_choice: str | None = None
    case_id: int | None = None
    team: str | None = None
    queue_position: int | None = None          # a waiting case: the place in the queue last shown
    handed_over_at: datetime | None = None
    rating_case: int | None = None   # the last case, resolved by people, whose rating is still asked for


@dataclass(frozen=True)
class Stored:
    """What `receive` kept: the message's number, and where its case stands."""
    message: MessageView | None      # None when the same client id was stored before
    seq: int
    case_id: int | None
    with_people: bool
    posts_queued: bool = False
    pending: "Pending | None" = None  # for Llamita to answer it: loaded with it, when it is next in line
    waiting: bool = False             # the case waits for a person to claim it (the customer is reassured)
    reopened: bool = False            # the message reopened the case the customer had left (abandoned)

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

def start(sql: Raw, identity: Identity | None, token_hash: str, channel: str, now: datetime) -> Opened:
    customer_id, name = _customer_for(sql, identity, now)
    conversation_id = secrets.token_hex(12)
    sql.run("INSERT INTO conversation (id, customer_id, channel, token_hash, brain_memory, last_seq, created_at, "
            "last_seen_at) VALUES (:id, :customer, :channel, :token, '', 0, :now, :now)",
            id=conversation_id, customer=customer_id, channel=channel, token=token_hash, now=sql.stamp(now))
    return Opened(conversation_id, 0, CaseState.BOT.value, None, name, identity.external_id if identity else None)


def resume(sql: Raw, token_hash: str, now: datetime) -> Opened | None:
    row = sql.one("SELECT conversation.id, conversation.last_seq, customer.name, customer.external_id, "
                  "conversation.language, conversation.language_choice "
                  "FROM conversation JOIN customer ON customer.id = conversation.customer_id "
                  "WHERE conversation.token_hash = :token", token=token_hash)
    if row is None:
        return None
    conversation_id, last_seq, name, external_id, language, choice = row
    sql.run("UPDATE conversation SET last_seen_at = :now WHERE id = :id", now=sql.stamp(now), id=conversation_id)
    # The open case, or else the last one, so a customer coming back sees "resolved" (and, in the same
    # statement, whether we still wait for their rating of it).
    case = sql.one('SELECT state, claimed_by_name, id, team, queue_position, handed_over_at, '
                   '(SELECT count(*) FROM caserating WHERE caserating.case_id = "case".id '
                   "AND caserating.score IS NULL AND caserating.dismissed = false) FROM \"case\" "
                   "WHERE conversation_id = :id ORDER BY state IN ('bot', 'waiting', 'claimed') DESC, id DESC LIMIT 1",
                   id=conversation_id)
    if case is None:
        return Opened(conversation_id, last_seq, CaseState.BOT.value, None, name, external_id, language, choice)
    rating_case = case[2] if case[0] == CaseState.RESOLVED.value and case[6] else None
    return Opened(conversation_id, last_seq, case[0], case[1], name, external_id, language, choice, case[2], case[3],
                  case[4], as_utc(case[5]), rating_case)


def as_utc(value) -> datetime | None:
    """A timestamp as the driver returns it (SQLite: naive UTC text) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _customer_for(sql: Raw, identity: Identity | None, now: datetime) -> tuple[int, str | None]:
    """The customer row for this identity (one per website id, created on first contact), or a new visitor.

    An upsert: two first hellos of one new signed-in customer at once (two tabs) both find the same row;
    what the website says now wins, what it leaves out keeps what was known.
    """
    if identity is None:
        return sql.value("INSERT INTO customer (created_at) VALUES (:now) RETURNING id", now=sql.stamp(now)), None
    account = sql.one("SELECT id, name, tier FROM demoaccount WHERE customer_external_id = :id LIMIT 1",
                      id=identity.external_id)
    row = sql.one(
        "INSERT INTO customer (external_id, name, email, tier, account_id, created_at) "
        "VALUES (:external_id, :name, :email, :tier, :account, :now) "
        "ON CONFLICT (external_id) DO UPDATE SET name = coalesce(excluded.name, customer.name), "
        "email = coalesce(excluded.email, customer.email), tier = coalesce(excluded.tier, customer.tier), "
        "account_id = coalesce(excluded.account_id, customer.account_id) RETURNING id, name",
        external_id=identity.external_id, name=identity.name or (account[1] if account else None),
        email=identity.email, tier=identity.tier or (account[2] if account else None),
        account=account[0] if account else None, now=sql.stamp(now))
    return row[0], row[1]


# ---------------------------------------------------------------------- a customer's message

def take_seq(sql: Raw, conversation_id: str, customer_seen: datetime | None = None) -> int:
    """The conversation's next message number. The update locks the conversation row until commit,
    so numbers are gap-free and in commit order even when a customer and staff write at once.
    `customer_seen`: the customer is writing, so they are here (the scheduler does not abandon them)."""
    if customer_seen is not None:
        return sql.value("UPDATE conversation SET last_seq = last_seq + 1, last_seen_at = :now WHERE id = :id "
                         "RETURNING last_seq", id=conversation_id, now=sql.stamp(customer_seen))
    return sql.value("UPDATE conversation SET last_seq = last_seq + 1 WHERE id = :id RETURNING last_seq",
                     id=conversation_id)


def lock_conversation(sql: Raw, conversation_id: str) -> int:
    """Lock the conversation's row until commit without taking a number; returns its newest number."""
    return sql.value("UPDATE conversation SET last_seq = last_seq WHERE id = :id RETURNING last_seq",
                     id=conversation_id)


def seen_client_id(session: Session, conversation_id: str, client_id: str, authors: tuple[str, ...]) -> Message | None:
    return session.scalars(select(Message).where(
        Message.conversation_id == conversation_id, Message.client_id == client_id,
        Message.author.in_(authors))).first()


def open_case_of(sql: Raw, conversation_id: str) -> tuple[int, str] | None:
    """(id, state) of the conversation's open case, or None."""
    return sql.one('SELECT id, state FROM "case" WHERE conversation_id = :id '
                            "AND state IN ('bot', 'waiting', 'claimed') ORDER BY id DESC LIMIT 1", id=conversation_id)


def open_case(sql: Raw, conversation_id: str, now: datetime) -> int:
    case_id = sql.value(
        'INSERT INTO "case" (conversation_id, state, sentiment, summary, signals, actions, opened_at, reminders_sent) '
        "VALUES (:id, 'bot', 0.0, '', '[]', '[]', :now, 0) RETURNING id", id=conversation_id, now=sql.stamp(now))
    sql.run("INSERT INTO caseevent (case_id, kind, detail, at) VALUES (:case, 'opened', '{}', :now)",
            case=case_id, now=sql.stamp(now))
    return case_id


def append(sql: Raw, conversation_id: str, author: Author, text: str, now: datetime, *,
           case_id: int | None, agent_name: str, seq: int | None = None, client_id: str | None = None,
           handled: bool = True, author_id: str | None = None, author_name: str | None = None,
           language: str | None = None, translation_state: str | None = None,
           translation_language: str | None = None, topic: str | None = None) -> tuple[int, MessageView]:
    """Insert a message (taking the next number unless given); returns its id and how it is shown."""
    if seq is None:
        # A note (staff's, or the scheduler's reminders) takes no number of the customer's: it carries the
        # number of the message it follows.
        seq = lock_conversation(sql, conversation_id) if author is Author.NOTE else take_seq(sql, conversation_id)
    message_id = sql.value(
        "INSERT INTO message (conversation_id, seq, case_id, author, author_id, author_name, text, client_id, "
        "handled, language, translation_state, translation_language, translation_attempts, topic, created_at) "
        "VALUES (:conversation, :seq, :case, :author, :author_id, :author_name, :text, :client_id, :handled, "
        ":language, :translation_state, :translation_language, 0, :topic, :now) RETURNING id",
        conversation=conversation_id, seq=seq, case=case_id, author=author.value, author_id=author_id,
        author_name=author_name, text=text, client_id=client_id, handled=handled, language=language,
        translation_state=translation_state, translation_language=translation_language, topic=topic,
        now=sql.stamp(now))
    name = author_name or (agent_name if author is Author.BOT else None)
    return message_id, MessageView(seq, author.value, name, text, now, None,
                                   client_id if author is Author.CUSTOMER else None,
                                   translation_state=translation_state, translation_language=translation_language,
                                   id=message_id, topic=topic)


def receive(sql: Raw, conversation_id: str, text: str, client_id: str | None, now: datetime) -> Stored:
    """Store a customer message once, whatever the retries; relay it to the case's staff threads when
    people have the case."""
    # Taking the number locks the conversation first: of two copies of one message, or two first
    # messages, the second waits here and then sees what the first stored.
    seq = take_seq(sql, conversation_id, customer_seen=now)
    if client_id is not None:
        seen = sql.value("SELECT seq FROM message WHERE conversation_id = :id AND client_id = :client "
                                  "AND author = 'customer'", id=conversation_id, client=client_id)
        if seen is not None:
            raise Rollback(Stored(None, seen, None, False))   # gives back the number taken above
    # The conversation's latest case: an open case is always the latest (one is opened only when none is).
    case = sql.one('SELECT id, state, closed_at FROM "case" WHERE conversation_id = :id ORDER BY id DESC LIMIT 1',
                   id=conversation_id)
    reopened = case is not None and case[1] == CaseState.ABANDONED.value and reopen(sql, case, now)
    if case is not None and not reopened and CaseState(case[1]) not in OPEN_STATES:
        case = None
    state = CaseState.WAITING.value if reopened else case[1] if case else CaseState.BOT.value
    case_id = case[0] if case else open_case(sql, conversation_id, now)
    with_people = CaseState(state) in WITH_PEOPLE
    message_id, view = append(sql, conversation_id, Author.CUSTOMER, text, now, case_id=case_id, seq=seq,
                              client_id=client_id, handled=with_people, agent_name="")
    if state == CaseState.CLAIMED.value:
        # The customer now waits for the claimer's reply (unless they already were): the stalled ladder starts.
        sql.run('UPDATE "case" SET customer_waiting_since = :now, waiting_round = waiting_round + 1, ladder_step = 0 '
                "WHERE id = :id AND state = 'claimed' AND customer_waiting_since IS NULL",
                now=sql.stamp(now), id=case_id)
    if with_people:
        queued = queue_to_threads(sql, case_id, "message", message_id, now)
        return Stored(view, seq, case_id, True, queued or reopened, waiting=state == CaseState.WAITING.value,
                      reopened=reopened)
    # What Llamita needs to answer it, read now while it is at hand (one trip to the database fewer);
    # only when it is next in line: an older unanswered message is being answered with older context.
    pending = next_unhandled(sql, conversation_id)
    return Stored(view, seq, case_id, False, pending=pending if pending and pending.message_id == message_id else None)


def reopen(sql: Raw, case: tuple, now: datetime) -> bool:
    """The customer who left (their case was abandoned) is back soon enough: the case waits for the same
    team again, as a new round of the scheduler's ladder, and its cards say so."""
    case_id, _state, closed_at = case
    closed_at = as_utc(closed_at)
    if closed_at is None or now - closed_at > REOPEN_WITHIN:
        return False
    reopened = sql.run(
        "UPDATE \"case\" SET state = 'waiting', closed_at = NULL, claimed_by = NULL, claimed_by_name = NULL, "
        "claimed_at = NULL, waiting_since = :now, waiting_round = waiting_round + 1, ladder_step = 0, "
        "reminders_sent = 0, customer_waiting_since = NULL, informed_at = NULL "
        "WHERE id = :id AND state = 'abandoned'", now=sql.stamp(now), id=case_id).rowcount == 1
    if reopened:
        sql.run("INSERT INTO caseevent (case_id, kind, detail, at) VALUES (:case, 'reopened', '{}', :now)",
                case=case_id, now=sql.stamp(now))
        queue_to_threads(sql, case_id, "card_update", None, now)
    return reopened


def queue_to_threads(sql: Raw, case_id: int, kind: str, message_id: int | None, now: datetime,
                     skip_channel: str | None = None) -> bool:
    """Queue a post for every staff channel where this case has (or is getting) a card; True if any."""
    newest_target: dict[str, str] = {}
    for channel, target in sql.all("SELECT channel, target FROM staffpost WHERE case_id = :case AND kind = 'card' "
                                   "ORDER BY id DESC", case=case_id):
        newest_target.setdefault(channel, target)
    queued = False
    for channel, target in newest_target.items():
        if channel == skip_channel:
            continue
        sql.run("INSERT INTO staffpost (case_id, message_id, channel, target, kind, status, attempts, "
                "next_attempt_at, created_at) VALUES (:case, :message, :channel, :target, :kind, 'pending', 0, "
                ":now, :now)", case=case_id, message=message_id, channel=channel, target=target, kind=kind,
                now=sql.stamp(now))
        queued = True
    return queued


# ---------------------------------------------------------------------- Llamita's turn

def next_unhandled(sql: Raw, conversation_id: str) -> Pending | None:
    row = sql.one(
        'SELECT message.id, message.seq, message.text, message.case_id, "case".state, "case".signals, "case".topic, '
        "conversation.brain_memory, customer.external_id, customer.name, customer.tier, customer.account_id, "
        "demoaccount.frozen "
        'FROM message JOIN "case" ON "case".id = message.case_id '
        "JOIN conversation ON conversation.id = message.conversation_id "
        "JOIN customer ON customer.id = conversation.customer_id "
        "LEFT JOIN demoaccount ON demoaccount.id = customer.account_id "
        "WHERE message.conversation_id = :id AND message.author = 'customer' AND message.handled = false "
        "ORDER BY message.seq LIMIT 1", id=conversation_id)
    if row is None:
        return None
    (message_id, seq, text, case_id, state, signals, topic, memory, external_id, name, tier, account_id, frozen) = row
    history = sql.all("SELECT author, text FROM message WHERE conversation_id = :id AND seq < :seq "
                      "AND author IN ('customer', 'bot', 'staff') ORDER BY seq DESC LIMIT :n",
                      id=conversation_id, seq=seq, n=HISTORY_TURNS)
    profile = None
    if external_id is not None:   # only a verified identity has an external id, hence an account
        bookings = bookings_of(sql, account_id)
        profile = CustomerProfile(name=name, tier=tier, booking=bookings[0].reference if bookings else None,
                                  account_id=account_id, verified=True, bookings=bookings,
                                  account_frozen=bool(frozen))
    return Pending(message_id, seq, text, conversation_id, case_id, state, tuple(json.loads(signals or "[]")), topic,
                   memory, tuple(Turn(author, words) for author, words in reversed(history)), profile)


def bookings_of(sql: Raw, account_id: str | None) -> tuple[BookingFacts, ...]:
    """The account's bookings, in reference order (the first is the one a card shows)."""
    if not account_id:
        return ()
    rows = sql.run("SELECT reference, summary, departure, status FROM demobooking "
                            "WHERE account_id = :account ORDER BY reference", account=account_id).fetchall()
    return tuple(BookingFacts(*row) for row in rows)


def take_for_answer(sql: Raw, pending: Pending) -> bool:
    """Mark the message handled, only if nobody did (of several workers, exactly one answers it) and the
    brain decided it on the conversation's current memory (an answer to an earlier message since then,
    here or on another worker, means it must be decided again with what that answer changed)."""
    return sql.run(
        "UPDATE message SET handled = true WHERE id = :id AND handled = false "
        "AND (SELECT brain_memory FROM conversation WHERE id = :conversation) = :memory",
        id=pending.message_id, conversation=pending.conversation_id, memory=pending.memory).rowcount == 1


def remember(sql: Raw, pending: Pending, decision: Decision) -> None:
    """Keep what the brain learnt from this turn on the conversation, the message and the case."""
    sql.run("UPDATE conversation SET brain_memory = :memory, language = :language WHERE id = :id",
            memory=decision.memory.to_json(), language=decision.language, id=pending.conversation_id)
    sql.run("UPDATE message SET language = :language WHERE id = :id", language=decision.language,
            id=pending.message_id)
    signals = sorted(set(pending.case_signals) | {signal.name for signal in decision.signals})
    # The first turn's sentiment is kept beside the latest, and the message count grows by the customer's
    # message and this answer (the stats: how the mood changed, messages until resolved), in the same
    # statement: nothing more for the message path to pay.
    sql.run('UPDATE "case" SET language = :language, topic = :topic, sentiment = :sentiment, '
            "first_sentiment = coalesce(first_sentiment, :sentiment), messages = messages + 2, signals = :signals "
            "WHERE id = :id",
            language=decision.language, topic=decision.topic or pending.case_topic, sentiment=decision.sentiment,
            signals=json.dumps(signals), id=pending.case_id)


def record_model_usage(sql: Raw, pending: Pending, usage: ModelUsage, now: datetime) -> None:
    """What the language model cost for this turn (for the stats), kept with the answer it gave."""
    sql.run("INSERT INTO llmusage (conversation_id, case_id, message_id, model, outcome, calls, prompt_tokens, "
            "completion_tokens, latency_ms, at) VALUES (:conversation, :case, :message, :model, :outcome, :calls, "
            ":prompt, :completion, :latency, :now)", conversation=pending.conversation_id, case=pending.case_id,
            message=pending.message_id, model=usage.model, outcome=usage.outcome, calls=usage.calls,
            prompt=usage.prompt_tokens, completion=usage.completion_tokens, latency=usage.latency_ms,
            now=sql.stamp(now))


# ---------------------------------------------------------------------- reading

def messages_after(session: Session, conversation_id: str, seq: int, for_staff: bool,
                   agent_name: str) -> list[MessageView]:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.seq > seq)
    if not for_staff:
        query = query.where(Message.author != Author.NOTE)
    # A note shares the number of the message it follows, and comes after it.
    rows = list(session.scalars(query.order_by(Message.seq, Message.id)))
    # Photos and documents are described only when some message carries one (text alone costs nothing more).
    wanted = {row.attachment_id for row in rows if row.attachment_id}
    attachments = {found.id: AttachmentView.of(found) for found in session.scalars(
        select(Attachment).where(Attachment.id.in_(wanted)))} if wanted else {}
    return [MessageView.of(row, agent_name, attachments.get(row.attachment_id)) for row in rows]


def unhandled_conversations(sql: Raw, older_than: datetime | None = None) -> list[str]:
    """Conversations with customer messages Llamita has not acted on (after a crash, say); with `older_than`,
    only those left unanswered since before then (an answer that failed: a lost connection, a dead worker).
    Written as the partial index ix_message_unanswered is, so that it is used."""
    before = sql.stamp(older_than) if older_than is not None else "9999-12-31 00:00:00.000000" if sql.sqlite \
        else datetime.max.replace(tzinfo=timezone.utc)
    return [row[0] for row in sql.all(
        "SELECT DISTINCT conversation_id FROM message WHERE author = 'customer' AND handled = false "
        "AND created_at < :before LIMIT 500", before=before)]




def seen(sql: Raw, conversation_ids: list[str], now: datetime) -> None:
    """These conversations have a chat open right now (the scheduler abandons only cases whose customer left)."""
    if not conversation_ids:
        return
    names = {f"c{index}": conversation_id for index, conversation_id in enumerate(conversation_ids)}
    sql.run(f"UPDATE conversation SET last_seen_at = :now WHERE id IN ({', '.join(':' + name for name in names)})",
            now=sql.stamp(now), **names)
