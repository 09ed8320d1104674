"""Receiving a file over HTTP (multipart), checking it off the event loop, and serving signed links.

Uploads are ordinary multipart POSTs, not WebSocket frames: a 10 MB photo must not sit in front of the
chat's small frames. The body is read in pieces and given up on as soon as it is larger than allowed;
nothing of a refused file is stored or relayed.
"""
from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from adapters.attachments import checks
from adapters.attachments.links import Links
from routing.attachments import Attachments
from routing.config import AttachmentSettings

MULTIPART_OVERHEAD = 64 * 1024      # headers and boundaries around the file
CHECKS_AT_ONCE = 2                  # images are decoded in worker threads; the machine has few cores


def refusal(status: int, code: str, message: str, **extra) -> web.HTTPException:
    kind = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 404: web.HTTPNotFound,
            413: web.HTTPRequestEntityTooLarge, 415: web.HTTPUnsupportedMediaType,
            429: web.HTTPTooManyRequests, 503: web.HTTPServiceUnavailable}[status]
    body = json.dumps({"type": "error", "code": code, "message": message, **extra})
    headers = {"Retry-After": str(max(1, round(extra["retry_after"])))} if "retry_after" in extra else None
    if kind is web.HTTPRequestEntityTooLarge:
        return kind(max_size=0, actual_size=0, text=body, content_type="application/json", headers=headers)
    return kind(text=body, content_type="application/json", headers=headers)


STATUS = {"empty": 400, "too_large": 413, "unsupported_type": 415, "corrupt": 400, "too_many_pixels": 413,
          "active_content": 415, "encrypted": 415, "too_many_pages": 413}


class Upload:
    def __init__(self, client_id: str | None, filename: str, data: bytes):
        self.client_id, self.filename, self.data = client_id, filename, data


class Inspector:
    """Runs the content checks in worker threads, a few at a time."""

    def __init__(self, settings: AttachmentSettings):
        self.settings = settings
        self._slots = asyncio.Semaphore(CHECKS_AT_ONCE)

    async def clean(self, upload: Upload, client_id: str | None = None) -> checks.Cleaned:
        async with self._slots:
            try:
                return await asyncio.to_thread(checks.inspect, upload.data, upload.filename,
                                               max_bytes=self.settings.max_bytes, max_pixels=self.settings.max_pixels)
            except checks.Refused as refused:
                raise refusal(STATUS.get(refused.code, 400), refused.code, str(refused),
                              **({"id": client_id} if client_id else {})) from None

    def limits(self) -> dict:
        return {"max_bytes": self.settings.max_bytes, "types": checks.accepted_types()}


async def read_upload(request: web.Request, max_bytes: int) -> Upload:
    """The `file` part (and the optional `id` field) of a multipart POST, refused as soon as it is too large."""
    too_large = refusal(413, "too_large", f"That file is larger than {checks.megabytes(max_bytes)} MB.")
    if request.content_length is not None and request.content_length > max_bytes + MULTIPART_OVERHEAD:
        raise too_large
    if not request.content_type.startswith("multipart/form-data"):
        raise refusal(400, "bad_upload", "Send the file as multipart/form-data with a part named \"file\".")
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError):
        raise refusal(400, "bad_upload", "That upload could not be read.") from None
    client_id, filename, data = None, "", None
    while True:
        try:
            part = await reader.next()
        except (ValueError, AssertionError):
            raise refusal(400, "bad_upload", "That upload could not be read.") from None
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "id":
            client_id = (await part.read_chunk(512)).decode("utf-8", "replace")
        elif part.name == "file" and data is None:
            filename = part.filename or ""
            chunks, size = [], 0
            while chunk := await part.read_chunk(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise too_large
                chunks.append(chunk)
            data = b"".join(chunks)
    if data is None:
        raise refusal(400, "bad_upload", "The upload has no part named \"file\".")
    return Upload(client_id, filename, data)


class AttachmentFiles:
    """GET /attachments/<id>/<file|thumb>?exp=…&sig=…: the bytes, for whoever holds a valid link."""

    def __init__(self, attachments: Attachments, links: Links):
        self.attachments, self.links = attachments, links

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/attachments/{attachment_id:[A-Za-z0-9_-]{10,64}}/{variant:file|thumb}", self.serve)

    async def serve(self, request: web.Request) -> web.Response:
        attachment_id, variant = request.match_info["attachment_id"], request.match_info["variant"]
        if not self.links.valid(attachment_id, variant, request.query.get("exp", ""), request.query.get("sig", "")):
            raise web.HTTPForbidden(text='{"error": "this link is not valid or has expired"}',
                                    content_type="application/json")
        found = await self.attachments.data(attachment_id, thumbnail=variant == "thumb")
        if found is None:
            raise web.HTTPNotFound(text='{"error": "no such attachment"}', content_type="application/json")
        stored, data = found
        content_type = "image/jpeg" if variant == "thumb" else stored.view.content_type
        disposition = "inline" if stored.view.kind == "image" else "attachment"
        headers = {
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.view.filename)}",
            "Cache-Control": "private, max-age=3600",
            # Served bytes never run as a page: no scripts, no plugins, even if opened directly.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
            "Cross-Origin-Resource-Policy": "cross-origin",   # the widget shows them on the customer's site
            "Referrer-Policy": "no-referrer",
        }
        return web.Response(body=data, content_type=content_type, headers=headers)
