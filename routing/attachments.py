"""Photos and documents in a conversation: stored outside the database, referenced by a message.

An attachment becomes a message like any other (author customer or staff, the next sequence number,
acknowledged only once stored, relayed to the case's staff threads), so ordering, acks and resume work
as for text. Its bytes go to the blob store first (already checked and cleaned by the adapter that
received them); the row and the message follow in one transaction; a file whose transaction does not
happen (a resend of the same client id) is removed again. Text messages never touch any of this.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import update
from sqlmodel import Session

from bot.status_lines import status_line
from routing import conversations
from routing.blobs import BlobStore
from routing.cases import STAFF_SIDE, CaseNotFound
from routing.lifecycle import WITH_PEOPLE
from routing.models import Attachment, Author, CaseState, Conversation, Message
from routing.store import Raw, Rollback
from routing.views import AttachmentView, MessageView, StaffMember

if TYPE_CHECKING:
    from routing.service import RoutingService

log = logging.getLogger(__name__)


class CleanFile(Protocol):
    """What the adapter's checks produced (adapters.attachments.checks.Cleaned)."""
    kind: str
    content_type: str
    filename: str
    data: bytes
    thumbnail: bytes | None
    width: int | None
    height: int | None
    sha256: str


@dataclass(frozen=True)
class Received:
    seq: int
    duplicate: bool
    message: MessageView | None
    to_customer: bool = True


@dataclass(frozen=True)
class StoredAttachment:
    view: AttachmentView
    conversation_id: str
    key: str


def new_attachment_id() -> str:
    return secrets.token_urlsafe(18)   # 144 random bits, URL-safe


class Attachments:
    def __init__(self, service: "RoutingService", blobs: BlobStore):
        self.service = service
        self.blobs = blobs

    # ------------------------------------------------------------------ looking up

    async def conversation_for_token(self, token_hash: str) -> str | None:
        return await self.service.store.read_raw(
            lambda sql: sql.value("SELECT id FROM conversation WHERE token_hash = :token", token=token_hash))

    async def seen(self, conversation_id: str, client_id: str, authors: tuple[str, ...]) -> MessageView | None:
        """The message a resent upload already made (so it is not processed and stored again)."""
        def read(session: Session):
            row = conversations.seen_client_id(session, conversation_id, client_id, authors)
            return MessageView.of(row, self.service.operator.agent_name) if row else None
        return await self.service.store.read(read)

    async def find(self, attachment_id: str) -> StoredAttachment | None:
        def read(session: Session):
            row = session.get(Attachment, attachment_id)
            return StoredAttachment(AttachmentView.of(row), row.conversation_id, row.key) if row else None
        return await self.service.store.read(read)

    async def data(self, attachment_id: str, *, thumbnail: bool = False) -> tuple[StoredAttachment, bytes] | None:
        found = await self.find(attachment_id)
        if found is None or (thumbnail and not found.view.has_thumbnail):
            return None
        data = await self.blobs.get(found.key + (".thumb" if thumbnail else ""))
        return (found, data) if data is not None else None

    # ------------------------------------------------------------------ storing

    async def _keep(self, clean: CleanFile) -> tuple[str, str]:
        attachment_id = new_attachment_id()
        key = attachment_id
        await self.blobs.put(key, clean.data, clean.content_type)
        if clean.thumbnail:
            await self.blobs.put(key + ".thumb", clean.thumbnail, "image/jpeg")
        return attachment_id, key

    async def _forget(self, key: str, thumbnail: bool) -> None:
        try:
            await self.blobs.delete(key)
            if thumbnail:
                await self.blobs.delete(key + ".thumb")
        except Exception:
            log.warning("could not remove an unused attachment blob %s", key, exc_info=True)

    async def from_customer(self, conversation_id: str, clean: CleanFile, client_id: str | None) -> Received:
        """Store a customer's file and the message carrying it (once per client id)."""
        attachment_id, key = await self._keep(clean)
        try:
            received = await self.service.store.write(self._customer_message, conversation_id, clean, attachment_id,
                                                      key, client_id)
        except BaseException:
            await self._forget(key, bool(clean.thumbnail))
            raise
        if received.duplicate:
            await self._forget(key, bool(clean.thumbnail))
            return Received(received.seq, True, None)
        service = self.service
        if received.posts_queued:
            service.outbox_ready.set()
        await service._announce(conversation_id, received.message, to_staff=received.with_people,
                                case_id=received.case_id)
        if received.reply is not None:
            await service._announce(conversation_id, received.reply, to_staff=False, case_id=received.case_id)
        return Received(received.seq, False, received.message)

    def _customer_message(self, session: Session, conversation_id: str, clean: CleanFile, attachment_id: str,
                          key: str, client_id: str | None) -> "_Stored":
        sql = Raw.of(session)
        now = self.service.clock()
        seq = conversations.take_seq(sql, conversation_id)
        if client_id is not None:
            seen = sql.value("SELECT seq FROM message WHERE conversation_id = :id AND client_id = :client "
                             "AND author = 'customer'", id=conversation_id, client=client_id)
            if seen is not None:
                raise Rollback(_Stored(seen, None))
        self._add(session, attachment_id, conversation_id, Author.CUSTOMER.value, clean, key, now)
        case = conversations.open_case_of(sql, conversation_id)
        case_id = case[0] if case else conversations.open_case(sql, conversation_id, now)
        with_people = bool(case) and CaseState(case[1]) in WITH_PEOPLE
        message_id, view = conversations.append(
            sql, conversation_id, Author.CUSTOMER, _caption(clean), now, case_id=case_id, seq=seq,
            client_id=client_id, handled=True, agent_name=self.service.operator.agent_name)
        self._link(session, message_id, attachment_id)
        view = _with(view, attachment_id, clean)
        if with_people:
            queued = conversations.queue_to_threads(sql, case_id, "message", message_id, now)
            return _Stored(seq, view, case_id, True, queued)
        # Llamita cannot look at files: it says so, in the customer's language, and stays ready to hand over.
        language = session.get(Conversation, conversation_id).language
        reply = conversations.append(sql, conversation_id, Author.BOT,
                                     status_line("attachment_received", language, file=clean.filename), now,
                                     case_id=case_id, language=language, agent_name=self.service.operator.agent_name)[1]
        return _Stored(seq, view, case_id, False, False, reply)

    async def from_staff(self, case_id: int, staff: StaffMember, clean: CleanFile,
                         external_id: str | None) -> Received:
        """A staff member's file: to the customer from the case's holder, an internal note from anyone else."""
        attachment_id, key = await self._keep(clean)
        try:
            stored = await self.service.store.write(self._staff_message, case_id, staff, clean, attachment_id, key,
                                                    external_id)
        except BaseException:
            await self._forget(key, bool(clean.thumbnail))
            raise
        if stored.duplicate:
            await self._forget(key, bool(clean.thumbnail))
            return Received(stored.seq, True, stored.message, stored.to_customer)
        service = self.service
        service.outbox_ready.set()
        if stored.to_customer:
            await service._announce(stored.conversation_id, stored.message, to_staff=False, case_id=case_id)
        await service._nudge("staff", {"type": "message", "case_id": case_id, "seq": stored.seq})
        return Received(stored.seq, False, stored.message, stored.to_customer)

    def _staff_message(self, session: Session, case_id: int, staff: StaffMember, clean: CleanFile,
                       attachment_id: str, key: str, external_id: str | None) -> "_StaffStored":
        case = self.service.cases.get(session, case_id)
        sql = Raw.of(session)
        now = self.service.clock()
        seq = conversations.take_seq(sql, case.conversation_id)
        if external_id and (seen := conversations.seen_client_id(session, case.conversation_id, external_id,
                                                                 STAFF_SIDE)):
            raise Rollback(_StaffStored(seen.seq, MessageView.of(seen, self.service.operator.agent_name),
                                        seen.author == Author.STAFF, case.conversation_id, duplicate=True))
        session.refresh(case)
        to_customer = case.state == CaseState.CLAIMED.value and case.claimed_by == staff.id
        self._add(session, attachment_id, case.conversation_id, Author.STAFF.value, clean, key, now)
        message_id, view = conversations.append(
            sql, case.conversation_id, Author.STAFF if to_customer else Author.NOTE, _caption(clean), now,
            case_id=case.id, seq=seq, client_id=external_id, author_id=staff.id, author_name=staff.name,
            agent_name=self.service.operator.agent_name)
        self._link(session, message_id, attachment_id)
        self.service.cases.queue_to_threads(session, case.id, "message", message_id, skip_channel=staff.channel)
        return _StaffStored(seq, _with(view, attachment_id, clean), to_customer, case.conversation_id)

    @staticmethod
    def _add(session: Session, attachment_id: str, conversation_id: str, author: str, clean: CleanFile, key: str,
             now) -> None:
        session.add(Attachment(id=attachment_id, conversation_id=conversation_id, author=author, kind=clean.kind,
                               content_type=clean.content_type, filename=clean.filename, size=len(clean.data),
                               width=clean.width, height=clean.height, sha256=clean.sha256, key=key,
                               has_thumbnail=bool(clean.thumbnail), created_at=now))
        session.flush()

    @staticmethod
    def _link(session: Session, message_id: int, attachment_id: str) -> None:
        session.execute(update(Message).where(Message.id == message_id).values(attachment_id=attachment_id))


@dataclass(frozen=True)
class _Stored:
    seq: int
    message: MessageView | None
    case_id: int | None = None
    with_people: bool = False
    posts_queued: bool = False
    reply: MessageView | None = None

    @property
    def duplicate(self) -> bool:
        return self.message is None


@dataclass(frozen=True)
class _StaffStored:
    seq: int
    message: MessageView
    to_customer: bool
    conversation_id: str
    duplicate: bool = False


def _caption(clean: CleanFile) -> str:
    """The message's text: what every text-only view (cards, Slack and Teams lines, search) shows."""
    what = "Photo" if clean.kind == "image" else "Document"
    return f"[{what}: {clean.filename}]"


def _with(view: MessageView, attachment_id: str, clean: CleanFile) -> MessageView:
    attachment = AttachmentView(attachment_id, clean.kind, clean.content_type, clean.filename, len(clean.data),
                                clean.width, clean.height, bool(clean.thumbnail))
    return replace(view, attachment_id=attachment_id, attachment=attachment)


__all__ = ["Attachments", "CaseNotFound", "Received", "StoredAttachment", "new_attachment_id"]
