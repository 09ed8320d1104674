"""The customer's photos and documents: POST /chat/attachments with the chat's session token.

    POST /chat/attachments            Authorization: Bearer <session token>; multipart: id, file
    POST /chat/attachments/links      Authorization: Bearer <session token>; {"ids": [...]}: fresh links

The session token is the key to the conversation, as in the hello. The widget runs on other sites, so
these answer CORS requests from any origin; no cookie is involved, only the bearer token. A stored file
becomes a message of the conversation (its echo arrives on the socket like any message) and the answer
is the same `ack` the socket gives for text. Uploads have their own token bucket per conversation.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.attachments.web import Inspector, read_upload, refusal
from adapters.webchat.limits import Buckets
from routing.service import token_hash, unstorable

if TYPE_CHECKING:
    from adapters.webchat.channel import WebChat

log = logging.getLogger(__name__)

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Max-Age": "600"}
MAX_LINKS = 200


class Uploads:
    def __init__(self, chat: "WebChat"):
        self.chat = chat
        self.service = chat.service
        settings = chat.settings.attachments
        self.settings = settings
        self.inspector = Inspector(settings)
        self.rates = Buckets(capacity=float(settings.uploads_burst or 1_000_000),
                             per_second=(settings.uploads_per_minute / 60.0) if settings.uploads_per_minute else 1e6)

    def mount(self, app: web.Application) -> None:
        app.router.add_route("OPTIONS", "/chat/attachments", self.preflight)
        app.router.add_route("OPTIONS", "/chat/attachments/links", self.preflight)
        app.router.add_post("/chat/attachments", self.upload)
        app.router.add_post("/chat/attachments/links", self.fresh_links)

    async def preflight(self, _request: web.Request) -> web.Response:
        return web.Response(status=204, headers=CORS)

    async def _conversation(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else ""
        conversation_id = None
        if token and token.isascii() and len(token) <= 200:
            conversation_id = await self.service.attachments.conversation_for_token(token_hash(token))
        if conversation_id is None:
            raise refusal(401, "session_expired", "That chat session is no longer known; please reload the chat.")
        return conversation_id

    async def upload(self, request: web.Request) -> web.Response:
        try:
            return await self._upload(request)
        except web.HTTPException as answer:
            answer.headers.update(CORS)
            raise

    async def _upload(self, request: web.Request) -> web.Response:
        conversation_id = await self._conversation(request)
        # Before the body is read: a flood costs the sender the upload, not us the processing.
        allowed, wait = self.rates.of(conversation_id).allow()
        if not allowed:
            raise refusal(429, "rate_limited", "You're sending files very quickly; please wait a moment.",
                          retry_after=round(wait, 1))
        upload = await read_upload(request, self.settings.max_bytes)
        client_id = upload.client_id
        if client_id is not None and (not 0 < len(client_id) <= 100 or ":" in client_id or unstorable(client_id)):
            raise refusal(400, "bad_id", "A message id is a string of at most 100 characters, without ':'.")
        if client_id is not None:
            seen = await self.service.attachments.seen(conversation_id, client_id, ("customer",))
            if seen is not None:
                return web.json_response({"type": "ack", "id": client_id, "seq": seen.seq, "duplicate": True},
                                         headers=CORS)
        clean = await self.inspector.clean(upload, client_id)
        try:
            received = await self.service.attachments.from_customer(conversation_id, clean, client_id)
        except Exception:
            log.exception("could not store an attachment in conversation %s", conversation_id)
            raise refusal(503, "not_stored", "We could not save that file; please try again.", retry_after=2) \
                from None
        return web.json_response({"type": "ack", "id": client_id, "seq": received.seq,
                                  "duplicate": received.duplicate}, headers=CORS)

    async def fresh_links(self, request: web.Request) -> web.Response:
        """New links for attachments of the caller's conversation (the old ones expired)."""
        try:
            conversation_id = await self._conversation(request)
            try:
                body = await request.json()
            except (ValueError, RecursionError):   # RecursionError: deeply nested JSON
                body = None
            ids = body.get("ids") if isinstance(body, dict) else None
            if not isinstance(ids, list) or len(ids) > MAX_LINKS or not all(isinstance(i, str) for i in ids):
                raise refusal(400, "bad_request", f"Send {{\"ids\": [...]}} with at most {MAX_LINKS} ids.")
        except web.HTTPException as answer:
            answer.headers.update(CORS)
            raise
        links = {}
        for attachment_id in dict.fromkeys(ids):
            found = await self.service.attachments.find(attachment_id[:64])
            if found is not None and found.conversation_id == conversation_id:
                links[attachment_id] = self.chat.links.describe(found.view)
        return web.Response(text=json.dumps({"attachments": links}), content_type="application/json", headers=CORS)
