"""One open chat socket: reads the customer's frames and pushes what they should see.

The socket's handler is its only long-lived task. Live events arrive through a hub callback; a short
task is started to send them when there is something to send and ends when there is not, so an idle
customer costs no waiting coroutine, and when the socket ends nothing of it is left running.
A new message usually arrives with the event itself and goes out without a database read; a gap in
the numbers (a missed event, a resync) is filled from the database.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, WSMsgType, web

from adapters.webchat.frames import BadFrame, error_frame, message_frame, parse
from routing.feedback import FeedbackRefused
from routing.hub import Event, conversation_topic
from routing.service import MAX_MESSAGE_CHARS, ChatSession, text_refusal, unstorable
from routing.views import MessageView

if TYPE_CHECKING:
    from adapters.webchat.channel import WebChat

log = logging.getLogger(__name__)

MAX_CLIENT_ID = 100
TYPING_EVERY_SECONDS = 2.0
MAX_WAITING_EVENTS = 200     # a socket this far behind re-reads from the database instead
_UNREAD = object()


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
# What the customer is told when a message cannot be stored (routing.service.text_refusal).
REFUSALS = {"empty": "That message is empty.",
            "too_long": f"Messages are limited to {MAX_MESSAGE_CHARS} characters; please split it in parts.",
            "bad_text": "That message has characters we can't accept (such as NUL); please type it again."}


class Conversation:
    def __init__(self, chat: "WebChat", ws: web.WebSocketResponse, session: ChatSession, delivered: int):
        self.chat, self.ws, self.session = chat, ws, session
        self.service = chat.service
        self.delivered = delivered
        self.rate = chat.rate_limit(session.conversation_id)
        self.feedback_rate = chat.feedback_rate_limit(session.conversation_id)
        self.last_typing = 0.0
        self.send_lock = asyncio.Lock()
        self._events: deque[Event] = deque()
        self._reread = False               # a gap or a resync: read from the database before more events
        self._pusher: asyncio.Task | None = None
        self._closing = False
        self._answers_asked_at: datetime | None | object = _UNREAD   # the customer's "Did this help?" cool-down

    async def run(self) -> None:
        self.chat.arrived(self.session.conversation_id)
        try:
            with self.service.hub.listen(conversation_topic(self.session.conversation_id), self.on_event):
                try:
                    self._reread = True
                    await self._push()
                    await self.read_loop()
                finally:
                    await self._stop_pushing()
        finally:
            self.chat.left(self.session.conversation_id)

    # ------------------------------------------------------------------ outgoing

    def on_event(self, event: Event) -> None:
        """Called by the hub (never blocks): queue the event and make sure someone sends it."""
        if self._closing:
            return
        if len(self._events) >= MAX_WAITING_EVENTS:
            self._events.clear()
            self._reread = True
        else:
            self._events.append(event)
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push())

    async def _push(self) -> None:
        try:
            async with self.send_lock:
                while not self.ws.closed:
                    if self._reread:
                        self._reread = False
                        await self._send_stored()
                        continue
                    if not self._events:
                        return
                    await self._send_event(self._events.popleft())
        except ConnectionResetError:
            pass
        except Exception:
            # Without pushes the customer would get acks but no replies: make the client reconnect.
            log.exception("stopped pushing to conversation %s; closing the socket", self.session.conversation_id)
            await self.ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"please reconnect")

    async def _send_event(self, event: Event) -> None:
        kind = event.get("type")
        if kind == "message":
            carried = event.get("message")
            seq = event.get("seq")
            if isinstance(seq, int) and seq <= self.delivered and event.get("revision") and carried:
                # Shown already, and changed since (its translation came): show it again, revised.
                await self.ws.send_json(message_frame(MessageView.from_event(carried), self.chat.links, revised=True))
                return
            if not isinstance(seq, int) or seq <= self.delivered:
                return                                  # already shown (or not for us)
            if carried and seq == self.delivered + 1:
                await self.ws.send_json(await self._frame(MessageView.from_event(carried)))
                self.delivered = seq
            else:
                await self._send_stored()               # a gap: a message we have no event for
        elif kind == "resync":
            await self._send_stored()
        elif kind in ("status", "typing", "language_offer", "language"):
            await self.ws.send_json(event)

    async def _send_stored(self) -> None:
        for message in await self.service.messages_after(self.session.conversation_id, self.delivered):
            if self.ws.closed:
                return
            await self.ws.send_json(await self._frame(message))
            self.delivered = message.seq

    async def _frame(self, message: MessageView) -> dict:
        """A message frame; under Llamita's answers, maybe the "Did this help?" question (routing/feedback.py)."""
        frame = message_frame(message, self.chat.links)
        if message.author == "bot" and message.topic and await self._ask_about(message.seq):
            frame["feedback"] = True
        return frame

    async def _ask_about(self, seq: int) -> bool:
        learning, conversation_id = self.service.learning, self.session.conversation_id
        if not learning.answers_cooldown:
            return learning.ask_about_answer(conversation_id, seq, None)   # sampling alone: nothing to read
        if self._answers_asked_at is _UNREAD:   # once per socket, and only with a cool-down
            self._answers_asked_at = await learning.answers_asked_at(conversation_id)
        if not learning.ask_about_answer(conversation_id, seq, self._answers_asked_at):
            return False
        self._answers_asked_at = await learning.mark_answers_asked(conversation_id)
        return True

    async def send(self, frame: dict) -> None:
        async with self.send_lock:
            if not self.ws.closed:
                await self.ws.send_json(frame)

    async def _stop_pushing(self) -> None:
        self._closing = True
        pusher, self._pusher = self._pusher, None
        if pusher is not None and not pusher.done():
            pusher.cancel()
            with suppress(asyncio.CancelledError, ConnectionResetError):
                await pusher

    # ------------------------------------------------------------------ incoming

    async def read_loop(self) -> None:
        async for frame in self.ws:
            if frame.type == WSMsgType.TEXT:
                await self.on_text(frame.data)
            elif frame.type == WSMsgType.BINARY:
                await self.send(error_frame("text_only", "Send JSON text frames, not binary data."))
            elif frame.type == WSMsgType.ERROR:
                break

    async def on_text(self, raw: str) -> None:
        try:
            frame = parse(raw)
        except BadFrame as bad:
            await self.send(error_frame("bad_frame", str(bad)))
            return
        kind = frame.get("type")
        if kind == "message":
            await self.on_message(frame)
        elif kind == "typing":
            now = time.monotonic()
            if now - self.last_typing >= TYPING_EVERY_SECONDS:   # every one costs a query and a fan-out
                self.last_typing = now
                await self.service.typing(self.session.conversation_id, "customer")
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "language":
            await self.on_language(frame)
        elif kind == "feedback":
            await self.on_feedback(frame)
        elif kind == "rating":
            await self.on_rating(frame)
        else:
            await self.send(error_frame("unknown_type", f"Unknown frame type {str(kind)[:40]!r}."))

    async def on_language(self, frame: dict) -> None:
        """The customer's answer to the language offer: a staff language, or "translate"."""
        try:
            await self.service.choose_language(self.session.conversation_id, frame.get("choice"))
        except ValueError:
            await self.send(error_frame("bad_choice", "That language choice is not on offer."))

    async def on_feedback(self, frame: dict) -> None:
        """ "Did this help?" on one of Llamita's answers: {"type": "feedback", "seq": n, "helpful": true}."""
        seq, helpful = frame.get("seq"), frame.get("helpful")
        if not _whole(seq) or not isinstance(helpful, bool):
            await self.send(error_frame("bad_feedback", 'Feedback is {"type": "feedback", "seq": <the answer\'s '
                                        'seq>, "helpful": true or false}.', seq=seq if _whole(seq) else None))
            return
        await self._store_feedback(self.service.learning.answer_feedback(self.session.conversation_id, seq, helpful),
                                   {"type": "feedback_saved", "seq": seq, "helpful": helpful}, seq=seq)

    async def on_rating(self, frame: dict) -> None:
        """A 1-5 rating of a case people resolved: {"type": "rating", "case": n, "score": 4, "comment": "..."};
        "score": null says no thanks."""
        case, score, comment = frame.get("case"), frame.get("score"), frame.get("comment")
        well_formed = _whole(case) and (score is None or _whole(score)) and \
            (comment is None or isinstance(comment, str))
        if not well_formed:
            await self.send(error_frame("bad_rating", 'A rating is {"type": "rating", "case": <case>, "score": 1-5 '
                                        'or null, "comment": optional text}.', case=case if _whole(case) else None))
            return
        if comment is not None and unstorable(comment):
            await self.send(error_frame("bad_text", "That comment has characters we can't accept.", case=case))
            return
        await self._store_feedback(self.service.learning.rate(self.session.conversation_id, case, score, comment),
                                   {"type": "rating_saved", "case": case, "score": score}, case=case)

    async def _store_feedback(self, storing, saved: dict, **about) -> None:
        allowed, wait = self.feedback_rate.allow()
        if not allowed:
            storing.close()
            await self.send(error_frame("rate_limited", "That was quick; please try again in a moment.",
                                        retry_after=round(wait, 1), **about))
            return
        try:
            await storing
        except FeedbackRefused as refused:
            await self.send(error_frame("bad_rating" if "case" in about else "bad_feedback", f"{refused}.", **about))
            return
        except Exception:
            log.exception("could not store feedback in conversation %s", self.session.conversation_id)
            await self.send(error_frame("not_stored", "We could not save that just now; please try again.",
                                        retry_after=2, **about))
            return
        await self.send(saved)

    async def on_message(self, frame: dict) -> None:
        client_id, text = frame.get("id"), frame.get("text")
        # Ids with ':' are the staff channels' ("desk:ana:…", "slack:<ts>"): a customer's id never collides with them.
        if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID
                                      or ":" in client_id or unstorable(client_id)):
            await self.send(error_frame("bad_id", f"A message id is a string of at most {MAX_CLIENT_ID} characters, "
                                        "without ':' (a UUID)."))
            return
        refusal = text_refusal(text) if isinstance(text, str) else "empty"
        if refusal:
            await self.send(error_frame(refusal, REFUSALS[refusal], id=client_id))
            return
        allowed, wait = self.rate.allow()
        if not allowed:
            await self.send(error_frame("rate_limited", "You're sending messages very quickly; "
                                        "please wait a moment.", id=client_id, retry_after=round(wait, 1)))
            return
        try:
            receipt = await self.service.receive(self.session.conversation_id, text, client_id)
        except ValueError:
            # The text itself was refused (storable_text): sending it again would be refused again.
            log.warning("refused a message in conversation %s", self.session.conversation_id)
            await self.send(error_frame("bad_text", "We can't accept that message; please rephrase it.",
                                        id=client_id))
            return
        except Exception:
            # Not stored, so not acknowledged: the client keeps the message and sends it again.
            log.exception("could not store a message in conversation %s", self.session.conversation_id)
            await self.send(error_frame("not_stored", "We could not save that message; it will be sent again.",
                                        id=client_id, retry_after=2))
            return
        await self.send({"type": "ack", "id": client_id, "seq": receipt.seq, "duplicate": receipt.duplicate})
        if not receipt.duplicate and not receipt.with_people:
            await self.send({"type": "typing", "who": self.service.operator.agent_name})
        # Also for a resend: if the first attempt was stored but not answered, this answers it (idempotent).
        self.chat.run_in_background(self.service.respond(self.session.conversation_id, receipt.pending))
        if receipt.waiting_case is not None:
            # Nobody has the case yet: Llamita says where the customer stands (at most once a minute).
            self.chat.run_in_background(self.service.reassure(self.session.conversation_id, receipt, text))
