"""Read-only pictures of a case, shaped for whoever shows them (a card, the desk, a stats line)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from routing.models import Author, Case, Message, utcnow


@dataclass(frozen=True)
class StaffMember:
    """Someone on the staff side, as a staff channel identifies them."""
    id: str          # unique per platform: "slack:U123", "desk:ana"
    name: str        # what the customer sees: "Ana"
    channel: str     # "desk", "slack", "teams"


@dataclass(frozen=True)
class MessageView:
    seq: int
    author: str
    name: str | None
    text: str
    at: datetime
    translation: str | None = None
    client_id: str | None = None     # the sender's own id for the message, so a sender can match its echo
    topic: str | None = None         # Llamita's answers: the knowledge topic (the chat asks "Did this help?")

    def to_event(self) -> dict:
        """As a live event carries it (JSON), so a socket can show it without reading it back."""
        return {"seq": self.seq, "author": self.author, "name": self.name, "text": self.text,
                "at": self.at.isoformat(), "translation": self.translation, "client_id": self.client_id,
                "topic": self.topic}

    @classmethod
    def from_event(cls, data: dict) -> "MessageView":
        return cls(int(data["seq"]), data["author"], data.get("name"), data["text"],
                   datetime.fromisoformat(data["at"]), data.get("translation"), data.get("client_id"),
                   data.get("topic"))

    @classmethod
    def of(cls, message: Message, agent_name: str) -> "MessageView":
        name = message.author_name or (agent_name if message.author == Author.BOT else None)
        return cls(message.seq, message.author, name, message.text, message.created_at, message.translation,
                   message.client_id if message.author == Author.CUSTOMER else None, message.topic)


@dataclass(frozen=True)
class CustomerView:
    name: str | None
    tier: str | None
    booking: str | None
    verified: bool
    email: str | None = None


@dataclass(frozen=True)
class CaseView:
    id: int
    conversation_id: str
    state: str
    reason: str | None
    team: str | None
    team_name: str | None
    topic: str | None
    summary: str
    language: str | None
    needs_translation: bool
    sentiment: float
    customer: CustomerView
    signals: tuple[str, ...]
    actions: tuple[dict, ...]
    opened_at: datetime
    handed_over_at: datetime | None
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: datetime | None
    closed_at: datetime | None
    recent: tuple[MessageView, ...] = field(default=())

    @property
    def waited_seconds(self) -> float:
        """How long the customer has waited for a person (until claimed, or until now)."""
        if self.handed_over_at is None:
            return 0.0
        return ((self.claimed_at or self.closed_at or utcnow()) - self.handed_over_at).total_seconds()

    @classmethod
    def of(cls, case: Case, customer: CustomerView, team_name: str | None, staff_languages: tuple[str, ...],
           recent: tuple[MessageView, ...] = ()) -> "CaseView":
        return cls(
            id=case.id, conversation_id=case.conversation_id, state=case.state, reason=case.reason,
            team=case.team, team_name=team_name, topic=case.topic, summary=case.summary,
            language=case.language,
            needs_translation=bool(case.language) and case.language not in staff_languages,
            sentiment=case.sentiment, customer=customer,
            signals=tuple(json.loads(case.signals or "[]")), actions=tuple(json.loads(case.actions or "[]")),
            opened_at=case.opened_at, handed_over_at=case.handed_over_at, claimed_by=case.claimed_by,
            claimed_by_name=case.claimed_by_name, claimed_at=case.claimed_at, closed_at=case.closed_at,
            recent=recent,
        )


def format_wait(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
