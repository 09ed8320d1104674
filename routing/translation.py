"""Machine translation in the life of a case: what is translated, when, and keeping both versions.

Never on the customer's message path (receive and Llamita's answer stay two trips to the database):
* a customer's message to people is translated into the staff's language on the relay: the outbox asks
  for it just before it delivers the message (or the case's card) to a staff channel, and the translation
  is stored on the message, so every channel and the desk share one (the translator's cache and a
  per-message single flight make sure it is asked once);
* a staff reply to a customer whose language the staff do not speak is stored with its translation
  'pending' and translated right after, in the background; the customer is shown it once it is
  translated (the original stays stored and one click away in the widget);
* a translation that fails never holds a message back: the original goes, marked "translation failed",
  and `retry_due` tries again later (RETRY_AFTER); staff channels then get the translation in the
  thread (a "translation" post), the customer the translated reply (a revision of the message).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Awaitable, Callable

from sqlmodel import Session

from bot.translation import Translation, Translator
from routing import conversations
from routing.hub import STAFF_TOPIC
from routing.redact import mask_card_numbers
from routing.store import Raw
from routing.views import CaseView, MessageView

if TYPE_CHECKING:
    from routing.service import RoutingService

log = logging.getLogger(__name__)

RETRY_AFTER = (15.0, 60.0, 300.0, 900.0, 3600.0)   # seconds after the 1st, 2nd... failure; then given up
RETRY_POLL_SECONDS = 5.0
RETRY_BATCH = 20
CARD_MESSAGES = 6            # a card shows the first customer message and the latest ones: translated first


class Translations:
    def __init__(self, service: "RoutingService", translator: Translator | None):
        self.service = service
        self.translator = translator
        self.staff_language = service.operator.staff_languages[0]
        self._running: dict[int, asyncio.Future] = {}
        self._tasks: set[asyncio.Task] = set()
        self._stopping = asyncio.Event()

    @property
    def available(self) -> bool:
        return self.translator is not None

    # ------------------------------------------------------------------ the relay (called by the outbox)

    async def on_relay(self, kind: str, case: CaseView, message_id: int | None,
                       message: MessageView | None, channel: str, target: str) -> tuple[CaseView, MessageView | None]:
        """What a staff post shows, translated where the case needs it: a customer's message, or a card's
        messages. A customer's new message also queues the card's update (once, however many arrive before
        it goes). Bounded by the translator's deadline; never raises."""
        if kind == "message" and message is not None and message.author == "customer" and case.handover:
            await self._card_follows(case.id, channel, target)   # its summary counts the new message
        if self.translator is None or not case.translating:
            return case, message
        try:
            if kind == "message" and message is not None and message_id is not None \
                    and message.author == "customer":
                if message.translation_state != "done":
                    message = await self._once(message_id, message.text, case.language, self.staff_language,
                                               message)
            elif kind in ("card", "card_update") and await self.for_card(case):
                case = await self.service.case(case.id)
        except Exception:   # a translation must never stop a delivery: the original goes
            log.exception("translating for case %s failed; delivering the original", case.id)
        return case, message

    async def _card_follows(self, case_id: int, channel: str, target: str) -> None:
        try:
            await self.service.store.write(_queue_card_update_once, case_id, channel, target, self.service.clock())
        except Exception:   # the card is refreshed by the next move instead
            log.exception("could not queue the card update of case %s", case_id)

    async def for_card(self, case: CaseView) -> bool:
        """Translate the customer's messages a card quotes (its first and its latest); True if any were."""
        rows = await self.service.store.read_raw(_untranslated, case.conversation_id, CARD_MESSAGES)
        for message_id, text in rows:
            await self._once(message_id, text, case.language, self.staff_language)
        return bool(rows)

    # ------------------------------------------------------------------ staff replies

    def reply(self, conversation_id: str, case_id: int, message_id: int, message: MessageView) -> None:
        """Translate a staff reply for the customer in the background, then show it to them."""
        self._spawn(self._reply(conversation_id, case_id, message_id, message))

    async def _reply(self, conversation_id: str, case_id: int, message_id: int, message: MessageView) -> None:
        await self._once(message_id, message.text, self.staff_language, message.translation_language or "en")
        await self.service.announce_revision(conversation_id, message_id, case_id)

    # ------------------------------------------------------------------ failures, tried again

    async def retry_due(self) -> int:
        """Try the failed translations whose time has come; how many succeeded."""
        if self.translator is None:
            return 0
        due = await self.service.store.read_raw(_due, self.service.clock(), RETRY_BATCH)
        succeeded = 0
        for message_id, conversation_id, case_id, author, text, source, target in due:
            source = source if author == "customer" else self.staff_language
            result = await self._once(message_id, text, source, target)
            if result.translation_state != "done":
                continue
            succeeded += 1
            if author == "customer" and case_id is not None:
                if await self.service.store.write_raw(_queue_translation_posts, case_id, message_id,
                                                      self.service.clock()):
                    self.service.outbox_ready.set()
                await self.service.nudge(STAFF_TOPIC, {"type": "message", "case_id": case_id, "seq": result.seq})
            elif author == "staff":
                await self.service.announce_revision(conversation_id, message_id, case_id)
        return succeeded

    async def run(self) -> None:
        """Try failed translations again until stopped."""
        while not self._stopping.is_set():
            try:
                await self.retry_due()
            except Exception:
                log.exception("retrying translations failed; trying again later")
            try:
                await asyncio.wait_for(self._stopping.wait(), RETRY_POLL_SECONDS)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        self._stopping.set()
        await self.drain()
        if self.translator is not None and (close := getattr(self.translator, "close", None)):
            await close()

    async def drain(self) -> None:
        """Wait for the translations under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ------------------------------------------------------------------ one translation, kept

    async def _once(self, message_id: int, text: str, source: str | None, target: str,
                    message: MessageView | None = None) -> MessageView | None:
        """Translate a stored message and keep the outcome; concurrent callers share one translation."""
        running = self._running.get(message_id)
        if running is None:
            running = asyncio.ensure_future(self._translate(message_id, text, source or "en", target))
            self._running[message_id] = running
            running.add_done_callback(lambda _done: self._running.pop(message_id, None))
        state, translation = await asyncio.shield(running)
        if message is None:
            return MessageView(0, "", None, text, self.service.clock(), translation, None,
                               translation_state=state, translation_language=target)
        return replace(message, translation=translation, translation_state=state, translation_language=target)

    async def _translate(self, message_id: int, text: str, source: str, target: str) -> tuple[str, str | None]:
        assert self.translator is not None
        result: Translation = await self.translator.translate(text, source, target)
        now = self.service.clock()
        if result.ok:
            translated = mask_card_numbers(result.text or "")   # a translator may rewrite how a number looks
            await self.service.store.write_raw(_keep, message_id, translated, target)
            return "done", translated
        log.info("translation of message %s (%s->%s) failed: %s; the original goes, marked", message_id, source,
                 target, result.failed)
        await self.service.store.write_raw(_failed, message_id, target, now)
        return "failed", None

    def _spawn(self, coroutine: Awaitable) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a translation failed unexpectedly", exc_info=task.exception())


# ---------------------------------------------------------------------- transaction bodies

def _keep(sql: Raw, message_id: int, translation: str, language: str) -> None:
    sql.run("UPDATE message SET translation = :translation, translation_language = :language, "
            "translation_state = 'done', translation_retry_at = NULL WHERE id = :id",
            translation=translation, language=language, id=message_id)


def _failed(sql: Raw, message_id: int, language: str, now: datetime) -> None:
    attempts = sql.value("SELECT translation_attempts FROM message WHERE id = :id", id=message_id) or 0
    retry_at = now + timedelta(seconds=RETRY_AFTER[attempts]) if attempts < len(RETRY_AFTER) else None
    sql.run("UPDATE message SET translation_state = 'failed', translation_language = :language, "
            "translation_attempts = translation_attempts + 1, translation_retry_at = :retry_at "
            "WHERE id = :id AND (translation_state IS NULL OR translation_state != 'done')",
            language=language, retry_at=sql.stamp(retry_at) if retry_at else None, id=message_id)


def _untranslated(sql: Raw, conversation_id: str, latest: int) -> list[tuple[int, str]]:
    """The conversation's first customer message and its latest ones, without a translation yet."""
    rows = sql.all("SELECT id, seq, text, translation_state FROM message WHERE conversation_id = :id "
                   "AND author = 'customer' ORDER BY seq", id=conversation_id)
    chosen = rows[:1] + rows[1:][-latest:]
    return [(row[0], row[2]) for row in chosen if row[3] not in ("done", "failed")]


def _due(sql: Raw, now: datetime, limit: int) -> list[tuple]:
    return sql.all(
        'SELECT message.id, message.conversation_id, message.case_id, message.author, message.text, "case".language, '
        "message.translation_language FROM message LEFT JOIN \"case\" ON \"case\".id = message.case_id "
        "WHERE message.translation_state = 'failed' AND message.translation_retry_at <= :now "
        "ORDER BY message.translation_retry_at LIMIT :limit", now=sql.stamp(now), limit=limit)


def _queue_translation_posts(sql: Raw, case_id: int, message_id: int, now: datetime) -> bool:
    return conversations.queue_to_threads(sql, case_id, "translation", message_id, now)


def _queue_card_update_once(session: Session, case_id: int, channel: str, target: str, now: datetime) -> None:
    """A customer's new message changes the card (its count, its mood, its facts): update it, once for
    however many messages arrive before the update goes out."""
    sql = Raw.of(session)
    if sql.value("SELECT 1 FROM staffpost WHERE case_id = :case AND channel = :channel AND kind = 'card_update' "
                 "AND status = 'pending' LIMIT 1", case=case_id, channel=channel):
        return
    sql.run("INSERT INTO staffpost (case_id, message_id, channel, target, kind, status, attempts, next_attempt_at, "
            "created_at) VALUES (:case, NULL, :channel, :target, 'card_update', 'pending', 0, :now, :now)",
            case=case_id, channel=channel, target=target, now=sql.stamp(now))


Relay = Callable[[str, CaseView, int | None, MessageView | None, str, str],
                 Awaitable[tuple[CaseView, MessageView | None]]]
