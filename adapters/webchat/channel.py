"""The customer-facing channel: the widget, the demo page, and /chat/ws with its hello.

Protocol (docs/webchat-protocol.md): the client opens /chat/ws and says hello (with its session token
to resume, the last sequence number it has shown, and optionally a signed identity); every message
it sends carries its own id and is acknowledged with a sequence number only once it is stored;
everything the customer should see arrives as numbered `message` frames, re-sent from the client's
last number after a reconnect, so nothing is lost and nothing is shown twice.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

from aiohttp import WSCloseCode, WSMsgType, web

from adapters.attachments.links import Links
from adapters.identity import sign_identity, signed_subject, verify_identity
from adapters.webchat.conversation import Conversation
from adapters.webchat.frames import MAX_FRAME_BYTES, BadFrame, error_frame, parse
from adapters.webchat.limits import Buckets, Gate, RateLimit
from adapters.webchat.uploads import Uploads
from routing.config import Settings
from routing.demo_store import demo_accounts
from routing.feedback import MAX_COMMENT_CHARS
from routing.service import MAX_MESSAGE_CHARS, ChatSession, RoutingService

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent.parent / "static"
HELLO_TIMEOUT = 10.0
TRY_AGAIN_LATER = 1013   # WebSocket close code: the server is overloaded or refusing for now
REFUSAL_PAUSE = 1.0      # seconds a refused connection waits for its answer (a flood slows down to our pace)
MAX_PAUSING = 100        # refusals held in that pause at once; past that they are answered at once
PRESENCE_SECONDS = 60    # how often a worker tells routing which customers have the chat open
REFUSED = {"busy": "The chat is very busy; please try again in a moment.",
           "too_many_connections": "Too many chats are open from your network; please close some and try again.",
           "rate_limited": "Too many new chats from your network; please try again in a moment."}


@lru_cache(maxsize=1)
def widget_script() -> tuple[bytes, str]:
    """widget.js with its words in the other languages filled in from widget-strings.json (read once)."""
    strings = json.loads((STATIC / "widget-strings.json").read_text(encoding="utf-8"))
    script = (STATIC / "widget.js").read_text(encoding="utf-8")
    body = script.replace("{}/*LLAMITA_STRINGS*/", json.dumps(strings, ensure_ascii=True), 1).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class WebChat:
    """The customer-facing channel. Mounts the widget, the demo page and /chat/ws."""

    name = "webchat"

    def __init__(self, service: RoutingService, settings: Settings):
        self.service = service
        self.settings = settings
        self.gate = Gate(settings.chat_limits)
        self._pausing = 0
        self._background: set[asyncio.Task] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._message_rates = Buckets(capacity=5.0, per_second=1.0)   # per conversation, across reconnects
        self.links = Links(settings.identity_secret, settings.base_url, settings.attachments.link_seconds)
        self.uploads = Uploads(self)
        self._feedback_rates = Buckets(capacity=10.0, per_second=1.0)  # thumbs and ratings: apart from messages
        self._present: Counter[str] = Counter()   # conversation id -> its open sockets on this worker

    def jobs(self):
        """Work for the worker's ticker: say every minute who has the chat open (a customer who left for
        long enough has their case abandoned by the scheduler; one who is here never does)."""
        return [(PRESENCE_SECONDS, self.report_presence, "chat-presence")]

    async def report_presence(self) -> None:
        if self._present:
            await self.service.present(list(self._present))

    def arrived(self, conversation_id: str) -> None:
        self._present[conversation_id] += 1

    def left(self, conversation_id: str) -> None:
        self._present[conversation_id] -= 1
        if self._present[conversation_id] <= 0:
            del self._present[conversation_id]

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/", self.demo_page)
        app.router.add_get("/widget.js", self.widget)
        app.router.add_get("/static/widget.js", self.widget)   # the same words filled in, by either path
        app.router.add_get("/chat/ws", self.socket)
        self.uploads.mount(app)
        if self.settings.demo_sign_in:
            app.router.add_get("/chat/demo-identity/{customer}", self.demo_identity)
        # The pages' scripts, stylesheets and images (the CSP allows no inline script or style).
        app.router.add_static("/static/", STATIC)

    async def demo_page(self, _request: web.Request) -> web.StreamResponse:
        # The type is set here, not guessed later by FileResponse, so the security middleware sees
        # an HTML page and adds the Content-Security-Policy.
        return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})

    async def widget(self, request: web.Request) -> web.StreamResponse:
        body, etag = widget_script()
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
        return web.Response(body=body, content_type="application/javascript", charset="utf-8",
                            headers={"ETag": etag, "Cache-Control": "no-cache"})

    async def demo_identity(self, request: web.Request) -> web.Response:
        """Signs a demo customer in, as the Llama Travel website's server would (demo page only)."""
        customer = request.match_info["customer"]
        account = next((a for a in demo_accounts() if a["customer"] == customer), None)
        if account is None:
            raise web.HTTPNotFound(text="no such demo customer")
        claims = {"id": account["customer"], "name": account["name"], "email": account.get("email"),
                  "tier": account.get("tier"), "exp": int(time.time()) + 3600}
        return web.json_response({"identity": sign_identity(self.settings.identity_secret, claims)})

    def client_address(self, request: web.Request) -> str:
        if self.settings.chat_limits.trust_forwarded_for:
            forwarded = request.headers.get("X-Forwarded-For", "")
            if forwarded.strip():
                return forwarded.split(",")[-1].strip()[:64]
        return request.remote or "unknown"

    async def socket(self, request: web.Request) -> web.StreamResponse:
        address = self.client_address(request)
        refused = self.gate.admit(address)
        if refused:
            return await self._refuse_early(refused, 5.0)
        try:
            if self.gate.flooding(address) and request.query.get("resume") != "1":
                # An address that keeps opening chats after being refused: answer before the WebSocket
                # handshake, and only after a pause, so that the flood costs it more than it costs us.
                # A customer coming back to their chat says so (`?resume=1`) and is let through to the hello,
                # where an unknown token starting a new chat is refused as any other new chat would be.
                if self._pausing >= MAX_PAUSING:
                    return self._refusal("rate_limited", REFUSAL_PAUSE)   # enough held already: at once
                self._pausing += 1
                try:
                    return await self._refuse_early("rate_limited", REFUSAL_PAUSE)
                finally:
                    self._pausing -= 1
            return await self._converse(request, address)
        finally:
            self.gate.leave(address)

    async def _refuse_early(self, why: str, retry_after: float) -> web.Response:
        await asyncio.sleep(REFUSAL_PAUSE)
        return self._refusal(why, retry_after)

    @staticmethod
    def _refusal(why: str, retry_after: float) -> web.Response:
        return web.json_response(error_frame(why, REFUSED[why], retry_after=round(retry_after, 1)),
                                 status=503 if why == "busy" else 429,
                                 headers={"Retry-After": str(max(1, round(retry_after)))})

    async def _converse(self, request: web.Request, address: str) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_FRAME_BYTES)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            hello = await self._hello(ws, address)
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

    async def _hello(self, ws: web.WebSocketResponse, address: str) -> tuple[ChatSession, int] | None:
        """Read the client's hello and find (or start) its conversation."""
        try:
            frame = await ws.receive(timeout=HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            await ws.send_json(error_frame("hello_timeout", "Say hello first: {\"type\": \"hello\"}."))
            return None
        if frame.type != WSMsgType.TEXT:
            return None
        try:
            hello = parse(frame.data)
        except BadFrame:
            hello = {}
        if hello.get("type") != "hello":
            await ws.send_json(error_frame("bad_hello", "The first frame must be {\"type\": \"hello\"}."))
            return None

        identity_token = hello.get("identity")
        identity = verify_identity(self.settings.identity_secret, identity_token) if identity_token else None
        # Who the page says this is. An identity that has expired since the page was loaded still names its
        # customer: enough to come back to their own conversation, not to start a new one as them.
        subject = identity.external_id if identity else (
            signed_subject(self.settings.identity_secret, identity_token) if identity_token else None)
        chat = None
        token = hello.get("token")
        if isinstance(token, str) and token:
            # Tokens are URL-safe ASCII; anything else (say, an unpaired surrogate) is simply unknown.
            chat = await self.service.resume_conversation(token[:200]) if token.isascii() else None
            if chat is None:
                await ws.send_json(error_frame(
                    "session_expired", "That chat session is no longer known; starting a new conversation."))
            elif chat.customer_external_id != subject:
                # Someone else signed in (or out) in this browser: they must not see the previous chat.
                chat = None
        if chat is None:
            wait = self.gate.new_conversation(address)
            if wait is not None:
                await ws.send_json(error_frame("rate_limited", REFUSED["rate_limited"], retry_after=round(wait, 1)))
                await ws.close(code=TRY_AGAIN_LATER, message=b"rate_limited")
                return None
            chat = await self.service.start_conversation(identity)
        last_seq = hello.get("last_seq")
        delivered = last_seq if isinstance(last_seq, int) and 0 <= last_seq <= chat.last_seq else 0
        welcome = {
            "type": "welcome", "conversation": chat.conversation_id, "token": chat.token,
            "state": chat.state, "agent": chat.agent_name, "last_seq": chat.last_seq,
            "customer": chat.customer_name, "agent_name": self.service.operator.agent_name,
            "identity": "verified" if identity or (subject and chat.customer_external_id == subject) else (
                "rejected" if identity_token else "anonymous"),
            "identity_expired": bool(identity_token and subject and identity is None),
            "limits": {"max_chars": MAX_MESSAGE_CHARS, "max_comment_chars": MAX_COMMENT_CHARS,
                       "attachments": self.uploads.inspector.limits()},
            "language_offer": chat.language_offer, "language_choice": chat.language_choice,
            "queue": chat.queue,
        }
        if chat.rating_case is not None:
            welcome["rating"] = {"case": chat.rating_case}   # still waiting for the customer's rating
        await ws.send_json(welcome)
        return chat, delivered

    def rate_limit(self, conversation_id: str) -> RateLimit:
        """Per conversation, not per socket, so reconnecting does not reset it."""
        return self._message_rates.of(conversation_id)

    def feedback_rate_limit(self, conversation_id: str) -> RateLimit:
        """Feedback frames have their own bucket: a customer changing a thumb twice must not delay a message."""
        return self._feedback_rates.of(conversation_id)

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

    def open_sockets(self) -> int:
        return len(self._sockets)
