"""Signed, expiring links to attachments: the only way their bytes are served.

A link is `/attachments/<id>/<variant>?exp=<unix seconds>&sig=<hex>`, the signature an HMAC-SHA256 over the
id, the variant and the expiry with a key derived from the server's identity secret (every worker has it).
Links are handed only to the conversation's customer (in its message frames) and to staff (the desk's API,
Teams); the id alone is 144 random bits, and without a valid signature nothing is served.
"""
from __future__ import annotations

import hashlib
import hmac
import time

from routing.views import AttachmentView

VARIANTS = ("file", "thumb")


class Links:
    def __init__(self, secret: str, base_url: str, seconds: int, clock=time.time):
        self._key = hmac.new(secret.encode(), b"llamita attachment links v1", hashlib.sha256).digest()
        self.base_url = base_url.rstrip("/")
        self.seconds = seconds
        self.clock = clock

    def _signature(self, attachment_id: str, variant: str, expires: int) -> str:
        return hmac.new(self._key, f"{attachment_id}\n{variant}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, attachment_id: str, variant: str, expires: int) -> str:
        return (f"{self.base_url}/attachments/{attachment_id}/{variant}"
                f"?exp={expires}&sig={self._signature(attachment_id, variant, expires)}")

    def valid(self, attachment_id: str, variant: str, expires: str, signature: str) -> bool:
        if variant not in VARIANTS or not expires.isdigit() or len(expires) > 12:
            return False
        if int(expires) < self.clock():
            return False
        return hmac.compare_digest(self._signature(attachment_id, variant, int(expires)), signature)

    def describe(self, attachment: AttachmentView, seconds: int | None = None) -> dict:
        """The attachment as a client gets it: what it is, and links that work for `seconds`."""
        expires = int(self.clock()) + (seconds or self.seconds)
        return {"id": attachment.id, "kind": attachment.kind, "content_type": attachment.content_type,
                "name": attachment.filename, "size": attachment.size, "width": attachment.width,
                "height": attachment.height, "url": self.url(attachment.id, "file", expires),
                "thumb_url": self.url(attachment.id, "thumb", expires) if attachment.has_thumbnail else None,
                "expires": expires}
