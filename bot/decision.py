"""The contract between Llamita's mind and the rest of the system.

Everything here is plain, immutable data: the brain receives a customer message plus what it
remembers of the conversation, and returns a Decision. Nothing in `bot/` touches a network, a
database or a staff channel; routing turns decisions into stored messages, cases and cards.
"""
from __future__ import annotations

import inspect
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Awaitable, Protocol, Sequence, Union

# Precedence matters: when several reasons apply, the first in this tuple wins.
REASONS: tuple[str, ...] = ("security", "legal", "distress", "human_request", "hot_topic", "edge_case")
CRITICAL_REASONS = frozenset({"security", "legal", "distress"})

TOPICS: tuple[str, ...] = (
    "baggage", "lost_luggage", "booking", "cancellation", "refund", "booking_change",
    "flight_status", "check_in", "payment", "travel_documents", "travel_advisory", "loyalty",
    "premium_package", "pets", "special_assistance", "insurance",
)


class Action(StrEnum):
    ANSWER = "answer"      # replied from a knowledge topic (or small talk when topic is None)
    ASK = "ask"            # could not answer; asked a clarifying question and collected details
    HANDOVER = "handover"  # a person must take over


@dataclass(frozen=True)
class Turn:
    """One message of the conversation so far, as the brain sees it."""
    author: str  # "customer", "bot" or "staff"
    text: str


@dataclass(frozen=True)
class BookingFacts:
    """One booking of the customer's account, as the booking store holds it (plain values)."""
    reference: str                   # e.g. "LT-4821"
    summary: str                     # e.g. "Lisbon → Toronto, 2 adults"
    departure: str | None = None     # ISO date, optionally with a time: "2026-12-14" or "2026-12-14T08:40"
    status: str = "confirmed"        # "confirmed", "pending", "cancelled", "completed", ...
    # The flight's live status when the booking store knows it ("on time", "delayed 40 min",
    # "boarding"); None when it does not (the demo store never does): Llamita then says where it is.
    flight_status: str | None = None


@dataclass(frozen=True)
class CustomerProfile:
    """What the company knows about the customer, when the site told us who they are."""
    name: str | None = None
    tier: str | None = None          # "standard", "premium", ...
    booking: str | None = None       # booking reference, e.g. "LT-4821" (the first of `bookings`)
    account_id: str | None = None
    verified: bool = False           # identity signed by the website, not just typed
    # Every booking of the account; routing fills it for a verified identity only.
    bookings: tuple[BookingFacts, ...] = ()
    # The account is frozen (Llamita froze it on a security hand-over, or staff did): no bookings or
    # payments until a person unfreezes it. Routing fills it for a verified identity only.
    account_frozen: bool = False


@dataclass(frozen=True)
class HotTopic:
    """An operator-chosen subject that people handle by hand for a while (a strike, a launch)."""
    id: str
    team: str
    description: str = ""
    keywords: tuple[str, ...] = ()       # phrases, any language, matched case- and accent-insensitively
    examples: tuple[str, ...] = ()       # sample customer messages that belong to the topic
    expires: date | None = None
    # Questions about these basic facts stay answerable from this knowledge topic.
    knowledge_topic: str | None = None

    def active_on(self, day: date) -> bool:
        return self.expires is None or day <= self.expires


@dataclass(frozen=True)
class Policy:
    """The operator's choices that shape decisions (built from the operator config file)."""
    staff_languages: tuple[str, ...] = ("en", "es", "pt")
    hot_topics: tuple[HotTopic, ...] = ()
    # Which team takes each hand-over reason; hot topics name their own team.
    reason_teams: dict[str, str] = field(default_factory=lambda: {
        "security": "technical", "legal": "compliance", "distress": "general",
        "human_request": "general", "edge_case": "general",
    })
    default_team: str = "general"
    # A translator is configured: customers whose language the staff do not speak may keep it.
    machine_translation: bool = True
    today: date | None = None  # None: the real date (tests and triage may pin it)

    def team_for(self, reason: str) -> str:
        return self.reason_teams.get(reason, self.default_team)


@dataclass(frozen=True)
class Signal:
    """Something the brain noticed, kept for the hand-over card and for the people who train it."""
    name: str                 # e.g. "security.card_compromised", "distress.all_caps", "topic.baggage"
    evidence: str = ""        # the words that triggered it
    weight: float = 1.0


@dataclass(frozen=True)
class ToolCall:
    """An action the brain asks the system to perform (routing executes it and records it)."""
    name: str                 # "freeze_account", "lookup_booking"
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Memory:
    """What the brain carries from one turn to the next; stored with the conversation as JSON."""
    language: str | None = None
    unanswered_streak: int = 0               # consecutive turns it could not answer
    topics: tuple[str | None, ...] = ()      # topic answered per customer turn so far
    collected: dict[str, str] = field(default_factory=dict)  # details gathered: booking ref, dates
    # Added by the offline brain (all optional, so older stored memories still load):
    last_topic: str | None = None            # topic of the previous turn, for follow-ups ("and for my cat?")
    last_kind: str | None = None             # "topic", "small_talk", "unanswered" or "handover"
    sentiments: tuple[float, ...] = ()       # sentiment per customer turn, for the hand-over summary

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> "Memory":
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(
            language=data.get("language"),
            unanswered_streak=int(data.get("unanswered_streak", 0)),
            topics=tuple(data.get("topics", ())),
            collected=dict(data.get("collected", {})),
            last_topic=data.get("last_topic"),
            last_kind=data.get("last_kind"),
            sentiments=tuple(float(x) for x in data.get("sentiments", ())),
        )


@dataclass(frozen=True)
class ModelUsage:
    """What a language model cost for one turn, for the stats (None on decisions no model took part in)."""
    model: str                       # the model's name, as configured (LLAMITA_MODEL)
    outcome: str                     # "ok", "repaired", or why the offline brain decided: "timeout", "error",
                                     # "invalid", "refused", "circuit_open"
    calls: int = 0                   # requests sent this turn (a retry and a repair count)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0              # wall time of the model part of the turn


@dataclass(frozen=True)
class Decision:
    action: Action
    reply: str                       # what Llamita says to the customer, in `reply_language`
    language: str                    # the customer's language (ISO 639-1)
    memory: Memory                   # the memory to use for the next turn
    topic: str | None = None         # knowledge topic the reply came from (None: small talk / none)
    reason: str | None = None        # hand-over reason, one of REASONS
    team: str | None = None          # team that should take the hand-over
    signals: tuple[Signal, ...] = ()
    tools: tuple[ToolCall, ...] = ()
    sentiment: float = 0.0           # -1 (very negative) .. +1 (very positive)
    summary: str = ""                # one paragraph for the person taking over
    reply_language: str | None = None  # language of `reply` when it differs from `language`
    usage: ModelUsage | None = None    # tokens and latency when a language model took part in the turn

    @property
    def hands_over(self) -> bool:
        return self.action is Action.HANDOVER

    def explain(self) -> str:
        """One line a trainer can read: what was decided and why."""
        fired = ", ".join(s.name for s in self.signals) or "no signals"
        if self.hands_over:
            return f"hand over ({self.reason} -> {self.team}) [{self.language}] because {fired}"
        if self.action is Action.ANSWER:
            return f"answer from {self.topic or 'small talk'} [{self.language}] because {fired}"
        return f"ask (streak {self.memory.unanswered_streak}) [{self.language}] because {fired}"

    def with_reply(self, reply: str) -> "Decision":
        return replace(self, reply=reply)


class Brain(Protocol):
    """Decides what Llamita does with one customer message. Must be fast and never raise on input."""

    def decide(
        self,
        message: str,
        memory: Memory,
        history: Sequence[Turn] = (),
        customer: CustomerProfile | None = None,
    ) -> Decision: ...


class AsyncBrain(Protocol):
    """A brain that waits on something (a language model): `decide` is awaited, with its own deadline.

    Same contract as Brain: it never raises on input and returns within its budget. The caller must
    not hold a database transaction open while awaiting it.
    """

    async def decide(
        self,
        message: str,
        memory: Memory,
        history: Sequence[Turn] = (),
        customer: CustomerProfile | None = None,
    ) -> Decision: ...


AnyBrain = Union[Brain, AsyncBrain]


async def decide_with(brain: AnyBrain, message: str, memory: Memory, history: Sequence[Turn] = (),
                      customer: CustomerProfile | None = None) -> Decision:
    """The decision of either kind of brain: a synchronous one (OfflineBrain) is called, an async one awaited."""
    decision: Decision | Awaitable[Decision] = brain.decide(message, memory, history, customer)
    if inspect.isawaitable(decision):
        decision = await decision
    return decision
