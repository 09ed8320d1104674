"""The website chat: the embeddable widget, the demo page, and the customer's WebSocket.

Protocol (docs/webchat-protocol.md): the client opens /chat/ws and says hello (with its session token
to resume, the last sequence number it has shown, and optionally a signed identity); every message
it sends carries its own id and is acknowledged with a sequence number only once it is stored;
everything the customer should see arrives as numbered `message` frames, re-sent from the client's
last number after a reconnect, so nothing is lost and nothing is shown twice.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import WSCloseCode, WSMsgType, web

from adapters.identity import sign_identity, verify_identity
from routing.config import Settings
from routing.demo_store import demo_accounts
from routing.hub import conversation_topic
from routing.service import MAX_MESSAGE_CHARS, ChatSession, RoutingService, text_refusal, unstorable
from routing.views import MessageView

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_FRAME_BYTES = 64 * 1024
HELLO_TIMEOUT = 10.0
MAX_CLIENT_ID = 100
CATCH_UP_SECONDS = 30.0
# What the customer is told when a message cannot be stored (routing.service.text_refusal).
REFUSALS = {"empty": "That message is empty.",
            "too_long": f"Messages are limited to {MAX_MESSAGE_CHARS} characters; please split it in parts.",
            "bad_text": "That message has characters we can't accept (such as NUL); please type it again."}
TYPING_EVERY_SECONDS = 2.0


@dataclass
class RateLimit:
    """Token bucket: a burst of `capacity` messages, then `per_second` on average."""
    capacity: float = 5.0
    per_second: float = 1.0
    tokens: float = 5.0
    updated: float = field(default_factory=time.monotonic)

    def allow(self) -> tuple[bool, float]:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, 0.0
        return False, (1 - self.tokens) / self.per_second


def message_frame(message: MessageView) -> dict:
    frame = {"type": "message", "seq": message.seq, "author": message.author, "name": message.name,
             "text": message.text, "at": message.at.isoformat()}
    if message.client_id:
        frame["id"] = message.client_id
    return frame


def error_frame(code: str, message: str, **extra) -> dict:
    return {"type": "error", "code": code, "message": message, **extra}


class WebChat:
    """The customer-facing channel. Mounts the widget, the demo page and /chat/ws."""

    name = "webchat"

    def __init__(self, service: RoutingService, settings: Settings):
        self.service = service
        self.settings = settings
        self._background: set[asyncio.Task] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._rates: dict[str, RateLimit] = {}

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/", self.demo_page)
        app.router.add_get("/widget.js", self.widget)
        app.router.add_get("/chat/ws", self.socket)
        if self.settings.demo_sign_in:
            app.router.add_get("/chat/demo-identity/{customer}", self.demo_identity)
        # The pages' scripts, stylesheets and images (the CSP allows no inline script or style).
        app.router.add_static("/static/", STATIC)

    async def demo_page(self, _request: web.Request) -> web.StreamResponse:
        # The type is set here, not guessed later by FileResponse, so the security middleware sees
        # an HTML page and adds the Content-Security-Policy.
        return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})

    async def widget(self, _request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "widget.js", headers={"Cache-Control": "no-cache"})

    async def demo_identity(self, request: web.Request) -> web.Response:
        """Signs a demo customer in, as the Llama Travel website's server would (demo page only)."""
        customer = request.match_info["customer"]
        account = next((a for a in demo_accounts() if a["customer"] == customer), None)
        if account is None:
            raise web.HTTPNotFound(text="no such demo customer")
        claims = {"id": account["customer"], "name": account["name"], "email": account.get("email"),
                  "tier": account.get("tier"), "exp": int(time.time()) + 3600}
        return web.json_response({"identity": sign_identity(self.settings.identity_secret, claims)})

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_FRAME_BYTES)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            hello = await self._hello(ws)
            if hello is not None:
                chat, delivered = hello
                await Conversation(self, ws, chat, delivered).run()
        except ConnectionResetError:
            pass
        finally:
            self._sockets.discard(ws)
            await ws.close()
        return ws

    async def close_connections(self) -> None:
        """On shutdown: tell every client to reconnect (to this server restarted, or another worker)."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")

    async def _hello(self, ws: web.WebSocketResponse) -> tuple[ChatSession, int] | None:
        """Read the client's hello and find (or start) its conversation."""
        try:
            frame = await ws.receive(timeout=HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            await ws.send_json(error_frame("hello_timeout", "Say hello first: {\"type\": \"hello\"}."))
            return None
        if frame.type != WSMsgType.TEXT:
            return None
        try:
            hello = json.loads(frame.data)
        except ValueError:
            hello = None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await ws.send_json(error_frame("bad_hello", "The first frame must be {\"type\": \"hello\"}."))
            return None

        identity_token = hello.get("identity")
        identity = verify_identity(self.settings.identity_secret, identity_token) if identity_token else None
        chat = None
        token = hello.get("token")
        if isinstance(token, str) and token:
            # Tokens are URL-safe ASCII; anything else (say, an unpaired surrogate) is simply unknown.
            chat = await self.service.resume_conversation(token[:200]) if token.isascii() else None
            if chat is None:
                await ws.send_json(error_frame(
                    "session_expired", "That chat session is no longer known; starting a new conversation."))
            elif chat.customer_external_id != (identity.external_id if identity else None):
                # Someone else signed in (or out) in this browser: they must not see the previous chat.
                chat = None
        if chat is None:
            chat = await self.service.start_conversation(identity)
        last_seq = hello.get("last_seq")
        delivered = last_seq if isinstance(last_seq, int) and 0 <= last_seq <= chat.last_seq else 0
        await ws.send_json({
            "type": "welcome", "conversation": chat.conversation_id, "token": chat.token,
            "state": chat.state, "agent": chat.agent_name, "last_seq": chat.last_seq,
            "customer": chat.customer_name, "agent_name": self.service.operator.agent_name,
            "identity": "verified" if identity else ("rejected" if identity_token else "anonymous"),
            "limits": {"max_chars": MAX_MESSAGE_CHARS},
        })
        return chat, delivered

    def rate_limit(self, conversation_id: str) -> RateLimit:
        """Per conversation, not per socket, so reconnecting does not reset it."""
        if len(self._rates) > 10_000:  # forget idle conversations: their buckets have refilled anyway
            now = time.monotonic()
            self._rates = {key: bucket for key, bucket in self._rates.items()
                           if now - bucket.updated < bucket.capacity / bucket.per_second}
        return self._rates.setdefault(conversation_id, RateLimit())

    def run_in_background(self, coroutine) -> None:
        # Llamita's reply must not die with the socket: the message is stored and must be answered.
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The message stays unhandled in the database: the next message, a resend or a restart answers it.
            log.error("Llamita could not answer a stored message", exc_info=task.exception())

    async def drain(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


class Conversation:
    """One open socket: reads the customer's frames and pushes what they should see."""

    def __init__(self, chat: WebChat, ws: web.WebSocketResponse, session: ChatSession, delivered: int):
        self.chat, self.ws, self.session = chat, ws, session
        self.service = chat.service
        self.delivered = delivered
        self.rate = chat.rate_limit(session.conversation_id)
        self.last_typing = 0.0
        self.send_lock = asyncio.Lock()

    async def run(self) -> None:
        topic = conversation_topic(self.session.conversation_id)
        async with self.service.hub.subscribe(topic) as events:
            await self.push_new()
            pusher = asyncio.create_task(self.push_loop(events))
            try:
                await self.read_loop()
            finally:
                pusher.cancel()
                with suppress(asyncio.CancelledError, ConnectionResetError):
                    await pusher

    async def send(self, frame: dict) -> None:
        async with self.send_lock:
            if not self.ws.closed:
                await self.ws.send_json(frame)

    async def push_new(self) -> None:
        async with self.send_lock:
            for message in await self.service.messages_after(self.session.conversation_id, self.delivered):
                if self.ws.closed:
                    return
                await self.ws.send_json(message_frame(message))
                self.delivered = message.seq

    async def push_loop(self, events: asyncio.Queue) -> None:
        try:
            while True:
                try:
                    event = await asyncio.wait_for(events.get(), CATCH_UP_SECONDS)
                except TimeoutError:
                    event = {"type": "message"}  # a nudge may have been lost (hub down): look anyway
                if event.get("type") == "message":
                    await self.push_new()
                elif event.get("type") in ("status", "typing"):
                    await self.send(event)
        except (asyncio.CancelledError, ConnectionResetError):
            raise
        except Exception:
            # Without this task the customer would get acks but no replies: make the client reconnect.
            log.exception("stopped pushing to conversation %s; closing the socket", self.session.conversation_id)
            await self.ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"please reconnect")

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
            frame = json.loads(raw)
        except ValueError:
            await self.send(error_frame("bad_frame", "That frame is not valid JSON."))
            return
        if not isinstance(frame, dict):
            await self.send(error_frame("bad_frame", "A frame is a JSON object with a \"type\"."))
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
        else:
            await self.send(error_frame("unknown_type", f"Unknown frame type {str(kind)[:40]!r}."))

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
            log.warning("refused a message in conversation %s", self.session.conversation_id, exc_info=True)
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
        self.chat.run_in_background(self.service.respond(self.session.conversation_id))
