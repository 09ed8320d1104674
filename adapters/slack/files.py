"""A customer's (or the desk's) photo or document, uploaded into the case's Slack thread.

Slack's external upload, through slack_sdk's `files_upload_v2`, which makes its three calls:
files.getUploadURLExternal (an upload URL and a file id), a POST of the bytes to that URL, then
files.completeUploadExternal with the channel and the thread (thread_ts = the card), which shares the
file there with a one-line comment saying who sent it. The bytes are what Llamita kept (an image
re-encoded without its metadata), never what was uploaded. Errors are the caller's to classify.

Exactly once: like a relayed message, an upload whose answer was lost is retried by the outbox; if the
first attempt did land, the thread shows the file twice (never none). The bot needs the `files:write`
scope (manifest.yml).
"""
from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from adapters.labels import author_label
from adapters.slack.text import mrkdwn_literal
from routing.attachments import Attachments
from routing.channels import Delivery, PermanentFailure


async def upload_to_thread(client: AsyncWebClient, attachments: Attachments, delivery: Delivery) -> str | None:
    """Share the delivery's attachment in its case's thread; returns the Slack file id."""
    message = delivery.message
    found = await attachments.data(message.attachment_id) if message and message.attachment_id else None
    if found is None:
        raise PermanentFailure(f"attachment {message.attachment_id if message else '?'} is no longer stored")
    stored, data = found
    label = author_label(message, delivery.case)
    if message.author == "customer":
        label = f"{label} (customer)"
    kind = "a photo" if stored.view.kind == "image" else "a document"
    response = await client.files_upload_v2(
        channel=delivery.target, thread_ts=delivery.card_ref, content=data, filename=stored.view.filename,
        title=stored.view.filename, alt_txt=f"{kind} sent by {label}"[:1000],
        initial_comment=f"{mrkdwn_literal(label)} sent {kind}: {mrkdwn_literal(stored.view.filename)}")
    file = response.get("file") or {}
    return file.get("id")
