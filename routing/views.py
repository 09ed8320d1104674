"""Read-only pictures of a case, shaped for whoever shows them (a card, the desk, a stats line)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from bot.summary import HandOver
from routing.models import Author, Case, Message, utcnow


@dataclass(frozen=True)
class StaffMember:
    """Someone on the staff side, as a staff channel identifies them."""
    id: str          # unique per platform: "slack:U123", "desk:ana"
    name: str        # what the customer sees: "Ana"
    channel: str     # "desk", "slack", "teams"


@dataclass(frozen=True)
class AttachmentView:
    """A photo or document as people see it listed (the bytes are fetched through a signed link)."""
    id: str
    kind: str                  # "image" or "pdf"
    content_type: str
    filename: str
    size: int
    width: int | None = None
    height: int | None = None
    has_thumbnail: bool = False

    def to_event(self) -> dict:
        return {"id": self.id, "kind": self.kind, "content_type": self.content_type, "filename": self.filename,
                "size": self.size, "width": self.width, "height": self.height, "has_thumbnail": self.has_thumbnail}

    @classmethod
    def from_event(cls, data: dict) -> "AttachmentView":
        return cls(data["id"], data["kind"], data["content_type"], data["filename"], int(data["size"]),
                   data.get("width"), data.get("height"), bool(data.get("has_thumbnail")))

    @classmethod
    def of(cls, attachment) -> "AttachmentView":
        return cls(attachment.id, attachment.kind, attachment.content_type, attachment.filename, attachment.size,
                   attachment.width, attachment.height, attachment.has_thumbnail)


@dataclass(frozen=True)
class MessageView:
    seq: int
    author: str
    name: str | None
    text: str
    at: datetime
    translation: str | None = None
    client_id: str | None = None     # the sender's own id for the message, so a sender can match its echo
    attachment_id: str | None = None           # the photo or document it carries, if any
    attachment: AttachmentView | None = None   # ... described, where it is shown (read only for such messages)
    # Machine translation (docs/translation.md): None when none is needed, else "pending", "done", "failed";
    # `translation` is in `translation_language` (a customer's words: the staff's; a staff reply: the customer's).
    translation_state: str | None = None
    translation_language: str | None = None
    id: int | None = None                      # the stored row (a note shares its `seq` with what it follows)
    topic: str | None = None         # Llamita's answers: the knowledge topic (the chat asks "Did this help?")

    def to_event(self) -> dict:
        """As a live event carries it (JSON), so a socket can show it without reading it back."""
        event = {"seq": self.seq, "author": self.author, "name": self.name, "text": self.text,
                 "at": self.at.isoformat(), "translation": self.translation, "client_id": self.client_id,
                 "translation_state": self.translation_state, "translation_language": self.translation_language,
                 "topic": self.topic}
        if self.attachment is not None:
            event["attachment"] = self.attachment.to_event()
        return event

    @classmethod
    def from_event(cls, data: dict) -> "MessageView":
        attachment = AttachmentView.from_event(data["attachment"]) if data.get("attachment") else None
        return cls(int(data["seq"]), data["author"], data.get("name"), data["text"],
                   datetime.fromisoformat(data["at"]), data.get("translation"), data.get("client_id"),
                   attachment_id=attachment.id if attachment else None, attachment=attachment,
                   translation_state=data.get("translation_state"),
                   translation_language=data.get("translation_language"), topic=data.get("topic"))

    @classmethod
    def of(cls, message: Message, agent_name: str, attachment: AttachmentView | None = None) -> "MessageView":
        name = message.author_name or (agent_name if message.author == Author.BOT else None)
        return cls(message.seq, message.author, name, message.text, message.created_at, message.translation,
                   message.client_id if message.author == Author.CUSTOMER else None,
                   attachment_id=getattr(message, "attachment_id", None), attachment=attachment,
                   translation_state=message.translation_state, translation_language=message.translation_language,
                   id=message.id, topic=message.topic)

    @property
    def translation_failed(self) -> bool:
        return self.translation_state == "failed"


@dataclass(frozen=True)
class CustomerView:
    name: str | None
    tier: str | None
    booking: str | None
    verified: bool
    email: str | None = None
    account_frozen: bool = False     # staff may unfreeze it (RoutingService.unfreeze)


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
    language_choice: str | None = None       # the customer's: a staff language, or "translate"
    translating: bool = False                # messages are machine-translated both ways
    handover: HandOver | None = None         # the card's summary for people (bot.summary.HandOver)
    # The scheduler's facts (docs/scheduler.md), for the card: "waiting 7 min · reminded twice".
    waiting_since: datetime | None = None    # when it last started waiting for a claim
    reminders_sent: int = 0                  # reminders since then
    customer_waiting_since: datetime | None = None   # claimed: the customer's oldest unanswered message
    follow_up_email: str | None = None       # left by the customer (the desk shows it; channels mask it)
    as_of: datetime | None = None            # when this picture was taken (routing's clock); None: now

    def waiting_for_claim_seconds(self, now: datetime | None = None) -> float:
        """How long it has waited for a claim this time (since the hand-over, transfer or offer back)."""
        since = self.waiting_since or self.handed_over_at
        if since is None or self.state != "waiting":
            return 0.0
        return max(0.0, ((now or self.as_of or utcnow()) - since).total_seconds())

    @property
    def waited_seconds(self) -> float:
        """How long the customer has waited for a person (until claimed, or until now)."""
        if self.handed_over_at is None:
            return 0.0
        return ((self.claimed_at or self.closed_at or self.as_of or utcnow()) - self.handed_over_at).total_seconds()

    @classmethod
    def of(cls, case: Case, customer: CustomerView, team_name: str | None, staff_languages: tuple[str, ...],
           recent: tuple[MessageView, ...] = (), as_of: datetime | None = None, *, language_choice: str | None = None,
           translating: bool = False, handover: HandOver | None = None) -> "CaseView":
        return cls(
            id=case.id, conversation_id=case.conversation_id, state=case.state, reason=case.reason,
            team=case.team, team_name=team_name, topic=case.topic, summary=case.summary,
            language=case.language,
            needs_translation=bool(case.language) and case.language not in staff_languages,
            sentiment=case.sentiment, customer=customer,
            signals=tuple(json.loads(case.signals or "[]")), actions=tuple(json.loads(case.actions or "[]")),
            opened_at=case.opened_at, handed_over_at=case.handed_over_at, claimed_by=case.claimed_by,
            claimed_by_name=case.claimed_by_name, claimed_at=case.claimed_at, closed_at=case.closed_at,
            recent=recent, language_choice=language_choice, translating=translating, handover=handover,
            waiting_since=case.waiting_since, reminders_sent=case.reminders_sent,
            customer_waiting_since=case.customer_waiting_since, follow_up_email=case.follow_up_email, as_of=as_of,
        )


def reminded_label(count: int) -> str:
    return {0: "", 1: "reminded once", 2: "reminded twice"}.get(count, f"reminded {count} times")


def format_wait(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
