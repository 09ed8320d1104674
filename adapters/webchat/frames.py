"""The frames of the web chat protocol (docs/webchat-protocol.md): parsing what arrives, building what leaves."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from routing.views import MessageView

if TYPE_CHECKING:
    from adapters.attachments.links import Links

MAX_FRAME_BYTES = 64 * 1024


class BadFrame(ValueError):
    """A frame that is not a JSON object: answered with `bad_frame`, never a traceback."""


def parse(raw: str) -> dict:
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: deeply nested JSON ("[[[[...") fits in a small frame and exhausts the parser.
        raise BadFrame("That frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise BadFrame("A frame is a JSON object with a \"type\".")
    return frame


def message_frame(message: MessageView, links: "Links | None" = None, *, revised: bool = False) -> dict:
    """A message as the customer sees it. A staff reply machine-translated for them shows the translation,
    with what the person wrote as `original`; `translation` says where it stands ("pending": being
    translated, "failed": shown as written; tried again, and sent again `revised` when it works). A photo
    or document it carries comes as a signed link (`attachment`)."""
    frame = {"type": "message", "seq": message.seq, "author": message.author, "name": message.name,
             "text": message.text, "at": message.at.isoformat()}
    if message.client_id:
        frame["id"] = message.client_id
    if message.attachment is not None and links is not None:
        frame["attachment"] = links.describe(message.attachment)
    if message.author == "staff" and message.translation_state:
        frame["translation"] = message.translation_state
        if message.translation_state == "done" and message.translation:
            frame["text"], frame["original"] = message.translation, message.text
    if revised:
        frame["revised"] = True
    return frame


def error_frame(code: str, message: str, **extra) -> dict:
    return {"type": "error", "code": code, "message": message, **extra}
