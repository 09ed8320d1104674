"""What is stored: customers, conversations, messages, cases, claims, case events, and the outbox.

Every table's schema is created by the Alembic migrations in routing/migrations; a test checks
that these models and the migrations agree.
"""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CaseState(StrEnum):
    BOT = "bot"              # Llamita is handling the conversation
    WAITING = "waiting"      # handed over; waiting for a person to claim it
    CLAIMED = "claimed"      # a person is talking to the customer
    RESOLVED = "resolved"    # closed by a person
    ABANDONED = "abandoned"  # closed because nobody could continue it (customer left, nobody claimed)


class Author(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    STAFF = "staff"
    SYSTEM = "system"   # status lines the customer sees: "Ana joined", "resolved"
    NOTE = "note"       # staff-only: internal notes, never shown to the customer


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # The website's own id for a signed-in customer (from a verified identity); None for visitors.
    external_id: str | None = Field(default=None, unique=True, index=True)
    name: str | None = None
    email: str | None = None
    tier: str | None = None
    account_id: str | None = Field(default=None, index=True)   # history search by booking reference
    created_at: datetime = Field(default_factory=utcnow)
    # When this customer was last asked for feedback: the operator's cool-downs (routing/feedback.py).
    answers_asked_at: datetime | None = None         # "Did this help?" under an answer
    rating_asked_at: datetime | None = None          # a 1-5 rating after a resolved hand-over


class Conversation(SQLModel, table=True):
    id: str = Field(primary_key=True)                # random, unguessable
    customer_id: int = Field(foreign_key="customer.id", index=True)
    channel: str = "webchat"
    token_hash: str = Field(index=True)              # sha256 of the session token; the token itself is never stored
    language: str | None = None
    # The customer's answer to "our team speaks ...": a staff language to continue in, or "translate"
    # (keep writing their own, machine-translated both ways). None: not chosen.
    language_choice: str | None = None
    brain_memory: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    last_seq: int = 0                                # sequence number of the newest message
    created_at: datetime = Field(default_factory=utcnow)
    # When the customer last had the chat open or wrote (the web chat says so every minute): the
    # scheduler abandons a case whose customer left, looking only at the newly expired (indexed).
    last_seen_at: datetime = Field(default_factory=utcnow, index=True)


class Message(SQLModel, table=True):
    __table_args__ = (
        # Unique among what the customer sees: an internal note carries the number of the message it follows.
        Index("uq_message_seq", "conversation_id", "seq", unique=True, sqlite_where=text("author != 'note'"),
              postgresql_where=text("author != 'note'")),
        # The few customer messages not answered yet (the sweep for answers that failed).
        Index("ix_message_unanswered", "created_at", sqlite_where=text("author = 'customer' AND handled = false"),
              postgresql_where=text("author = 'customer' AND handled = false")),
        UniqueConstraint("conversation_id", "client_id", name="uq_message_client_id"),
        Index("ix_message_translation_due", "translation_state", "translation_retry_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    seq: int                                          # order within the conversation, gap-free for the customer
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    author: str                                       # an Author value
    author_id: str | None = None                      # staff member id for staff messages and notes
    author_name: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    language: str | None = None
    topic: str | None = None                          # Llamita's answers: the knowledge topic it answered from
    translation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    translation_language: str | None = None           # the language `translation` is in
    # None: no translation needed; "pending", "done", or "failed" (tried again at translation_retry_at).
    translation_state: str | None = None
    translation_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    translation_retry_at: datetime | None = None
    client_id: str | None = None                      # the sender's id for the message; a resend is stored once
    handled: bool = True                              # customer messages: False until Llamita or routing acted on it
    created_at: datetime = Field(default_factory=utcnow)
    # A photo or document this message carries (docs/attachments.md); NULL for text, which never reads it.
    attachment_id: str | None = Field(default=None, foreign_key="attachment.id")


class Attachment(SQLModel, table=True):
    """A photo or document sent in a conversation: checked, cleaned, and kept outside the database.

    The bytes live in the blob store (the data directory, or S3) under `key`; only what was kept after the
    checks is stored (an image re-encoded without its metadata), never what was uploaded.
    """
    id: str = Field(primary_key=True)                 # random, unguessable (and signed links on top)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    author: str                                       # "customer" or "staff"
    kind: str                                         # "image" or "pdf"
    content_type: str                                 # as served: image/jpeg, image/png, image/webp, application/pdf
    filename: str                                     # cleaned display name
    size: int                                         # bytes kept
    width: int | None = None
    height: int | None = None
    sha256: str
    key: str                                          # where the blob store keeps it; thumbnail at key + ".thumb"
    has_thumbnail: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Case(SQLModel, table=True):
    __table_args__ = (Index("ix_case_state_team", "state", "team"),
                      Index("ix_case_state_closed_at", "state", "closed_at"),   # the desk's history
                      # The scheduler's look-ups: equality on state, team and rung, a range on the clock.
                      Index("ix_case_ladder", "state", "team", "ladder_step", "waiting_since"),
                      Index("ix_case_stalled", "state", "team", "ladder_step", "customer_waiting_since"),
                      Index("ix_case_opened_at", "opened_at"))      # the stats' period
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    state: str = CaseState.BOT.value
    reason: str | None = None
    team: str | None = None
    topic: str | None = None
    language: str | None = None
    sentiment: float = 0.0                           # the customer's latest turn Llamita decided on
    first_sentiment: float | None = None              # the first one (stats: how the mood changed)
    handover_sentiment: float | None = None           # at the hand-over
    closing_sentiment: float | None = None            # the customer's last words with people, scored at the close
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    signals: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))   # JSON list
    actions: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))   # JSON list
    claimed_by: str | None = None
    claimed_by_name: str | None = None
    opened_at: datetime = Field(default_factory=utcnow)
    handed_over_at: datetime | None = None
    claimed_at: datetime | None = None
    first_claimed_at: datetime | None = None          # the first claim (claimed_at follows take-overs and transfers)
    closed_at: datetime | None = None
    reminders_sent: int = 0                           # reminders sent since the case last started waiting
    # The scheduler's clocks (docs/scheduler.md). A round starts whenever a wait starts: a hand-over,
    # a transfer, an offer back, a reopening (waiting for a claim), or a customer's first unanswered
    # message on a claimed case (waiting for a reply); each step is taken once per round.
    waiting_since: datetime | None = None             # when the case last started waiting for a claim
    customer_waiting_since: datetime | None = None    # claimed: the customer's oldest unanswered message
    waiting_round: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    ladder_step: int = Field(default=0, sa_column_kwargs={"server_default": "0"})   # the rung reached this round
    queue_position: int | None = None                 # the place in the team's queue the customer last saw
    told_position: int | None = None                  # ... last told in a line of the conversation
    informed_at: datetime | None = None               # when the customer was last told where they stand
    follow_up_email: str | None = None                # left by the customer for a reply by e-mail
    # Messages the customer saw exchanged (theirs, Llamita's, staff's): two more with each answer Llamita
    # records (in the statement that records it), counted again exactly when the case closes.
    messages: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Reminder(SQLModel, table=True):
    """A step the scheduler took on a case (a reminder, an escalation, a nudge, an offer back, an
    abandonment): at most one per (case, round, step), which is what makes each step happen once."""
    __table_args__ = (UniqueConstraint("case_id", "waiting_round", "step", name="uq_reminder_step"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    waiting_round: int
    step: str                                         # "remind", "remind_loudly", "escalate", "nudge", ...
    team: str | None = None                           # the team whose channel was told
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))    # JSON object
    at: datetime = Field(default_factory=utcnow)

class Claim(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    staff_id: str
    staff_name: str
    channel: str                                      # "desk", "slack", "teams"
    claimed_at: datetime = Field(default_factory=utcnow)
    released_at: datetime | None = None
    released_because: str | None = None               # "resolved", "transferred", "taken over"


class CaseEvent(SQLModel, table=True):
    """The case's history, for supervisors' stats and for the people who train Llamita."""
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str                                         # "opened", "handed_over", "claimed", "transferred", ...
    actor: str | None = None
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))    # JSON object
    at: datetime = Field(default_factory=utcnow, index=True)


class AnswerFeedback(SQLModel, table=True):
    """A customer's "Did this help?" on one of Llamita's answers (the latest click counts)."""
    __tablename__ = "answerfeedback"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_answerfeedback_message"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id")
    seq: int                                          # the answer's number in the conversation
    message_id: int = Field(foreign_key="message.id")
    case_id: int = Field(foreign_key="case.id", index=True)
    topic: str | None = None                          # what the answer was about
    language: str | None = None                       # ... and in which language it was written
    helpful: bool
    at: datetime = Field(default_factory=utcnow)


class CaseRating(SQLModel, table=True):
    """The customer's 1-5 rating of a case people resolved: asked (score None) until answered or dismissed."""
    __tablename__ = "caserating"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    score: int | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    asked_at: datetime = Field(default_factory=utcnow)
    rated_at: datetime | None = None
    dismissed: bool = False


class TrainingNote(SQLModel, table=True):
    """What a staff member wants the people who train Llamita to know about a case."""
    __tablename__ = "trainingnote"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    author_id: str                                    # "slack:U123", "desk:ana", "teams:<object id>"
    author_name: str
    channel: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class StaffPost(SQLModel, table=True):
    """The outbox: what must reach a staff channel (a card, a relayed message), until it has.

    Written in the same transaction as the change it announces, delivered afterwards with retries,
    so a platform outage or a rate limit delays a post but never loses it.
    """
    __table_args__ = (Index("ix_staffpost_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    channel: str                                      # adapter name: "desk", "slack", "teams"
    target: str                                       # the platform's channel id, decided when queued
    kind: str                                         # "card", "card_update", "message", "reminder", "nudge"
    status: str = "pending"                           # "pending", "sent", "failed"
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    external_ref: str | None = None                   # the platform's id for what was posted
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class StaffThread(SQLModel, table=True):
    """Where a case lives on a staff platform: its card, and the thread under it (newest one wins)."""
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    channel: str
    target: str                                       # the platform channel id
    card_ref: str = Field(index=True)                 # e.g. Slack message ts of the card
    created_at: datetime = Field(default_factory=utcnow)


class DemoAccount(SQLModel, table=True):
    """The demo account store Llamita can act on (freeze an account); seeded on first start."""
    id: str = Field(primary_key=True)
    customer_external_id: str = Field(index=True)
    name: str
    email: str | None = None
    tier: str = "standard"
    frozen: bool = False
    frozen_at: datetime | None = None
    frozen_reason: str | None = None


class DemoBooking(SQLModel, table=True):
    reference: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="demoaccount.id", index=True)
    summary: str
    departure: str | None = None
    status: str = "confirmed"


class LLMUsage(SQLModel, table=True):
    """What the language model cost per customer turn (tokens, latency, outcome), for the stats.

    One row per turn a model took part in, including the turns it failed on (outcome "timeout",
    "error", "invalid", "refused", "circuit_open": the offline brain decided those).
    """
    __tablename__ = "llmusage"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")   # the customer message decided
    model: str
    outcome: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    at: datetime = Field(default_factory=utcnow, index=True)

    @classmethod
    def of(cls, usage, conversation_id: str, case_id: int | None, message_id: int | None,
           at: datetime) -> "LLMUsage":
        """A row from a bot.decision.ModelUsage."""
        return cls(conversation_id=conversation_id, case_id=case_id, message_id=message_id, model=usage.model,
                   outcome=usage.outcome, calls=usage.calls, prompt_tokens=usage.prompt_tokens,
                   completion_tokens=usage.completion_tokens, latency_ms=usage.latency_ms, at=at)
