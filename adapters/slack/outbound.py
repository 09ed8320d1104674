"""What the outbox asks of Slack: post a case card, update it, relay a message into its thread — once each.

`chat.postMessage` has no idempotency key, so every post carries its own marker (message metadata:
the outbox post's id and the case's). When an earlier attempt's outcome is unknown (Delivery.attempt
> 1: it timed out after Slack took it, Slack answered 5xx, or the worker died mid-post), the channel
or thread is searched for that marker first; a copy found is the post, and nothing is sent again.
If the search itself fails, the delivery fails too and is retried: never a blind second post.

Slack's other limits are kept by the outbox (pacing: `pace_seconds`) and here: a 429 becomes
RetryLater(Retry-After), refusals no retry can fix are PermanentFailure, a layout Slack refuses is
sent again simpler — with the card's buttons kept, so the case can still be claimed from Slack.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.blocks import Team
from adapters.slack.files import upload_to_thread
from routing.attachments import Attachments
from routing.channels import Delivery, PermanentFailure, RetryLater
from routing.views import CaseView

log = logging.getLogger(__name__)

MARKER = "llamita_post"              # metadata event_type on everything Llamita posts
SEARCH_MARGIN = 120.0                # seconds before the post was queued that the search starts (clock skew)
SEARCH_PAGES = 5                     # of up to 200 messages each
# Refusals that no retry will change; the post is marked failed (the case stays on the local desk).
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "no_permission", "missing_scope", "restricted_action",
    "team_access_not_granted", "ekm_access_denied", "message_not_found", "cant_update_message",
    "edit_window_closed", "invalid_arguments",
})
LAYOUT_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long"})


def error_code(error: SlackApiError) -> str | None:
    data = getattr(error.response, "data", None)
    return data.get("error") if isinstance(data, dict) else None


def _header(error: SlackApiError, name: str) -> str | None:
    headers = getattr(error.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (a 429 with Retry-After), or None when it is not a rate limit."""
    status = getattr(error.response, "status_code", None)
    if status != 429 and error_code(error) != "ratelimited":
        return None
    try:
        return max(0.0, float(_header(error, "Retry-After") or 1))
    except ValueError:
        return 1.0


def marker(delivery: Delivery) -> dict:
    return {"event_type": MARKER, "event_payload": {"post_id": str(delivery.post_id),
                                                     "case_id": str(delivery.case.id)}}


def marked_case(message: dict) -> int | None:
    """The case a message of ours belongs to, from its marker (None for anything else)."""
    metadata = message.get("metadata") or {}
    case_id = (metadata.get("event_payload") or {}).get("case_id") if metadata.get("event_type") == MARKER else None
    return int(case_id) if isinstance(case_id, str) and case_id.isdigit() else None


class SlackPoster:
    def __init__(self, client: AsyncWebClient, teams: Callable[[], list[Team]], staff_languages: tuple[str, ...],
                 current_target: Callable[[CaseView], str | None],
                 attachments: Callable[[], Attachments | None] = lambda: None):
        self.client = client
        self.teams = teams
        self.staff_languages = staff_languages
        self.current_target = current_target
        self.attachments = attachments   # where a relayed photo or document is read from (when there are any)

    async def deliver(self, delivery: Delivery) -> str | None:
        try:
            # A card in a channel the case has since been transferred out of shows where it went.
            moved = delivery.target != self.current_target(delivery.case)
            if delivery.kind == "card":
                text, layout = blocks.card(delivery.case, self.teams(), self.staff_languages, moved_away=moved)
                return await self._post_once(delivery, text, layout)
            if delivery.kind == "card_update":
                if not delivery.card_ref:
                    raise PermanentFailure(f"case {delivery.case.id} has no card in Slack to update")
                text, layout = blocks.card(delivery.case, self.teams(), self.staff_languages, moved_away=moved)
                # An update is the same whatever happened to the last attempt: no need to look first.
                await self._with_fallback(self.client.chat_update, text, layout, channel=delivery.target,
                                          ts=delivery.card_ref)
                return delivery.card_ref
            if delivery.kind == "message":
                if delivery.message is None:
                    return None
                if not delivery.card_ref:
                    raise PermanentFailure(f"case {delivery.case.id} has no card in Slack to reply under")
                if delivery.message.attachment_id and (attachments := self.attachments()) is not None:
                    return await upload_to_thread(self.client, attachments, delivery)   # adapters/slack/files.py
                text, layout = blocks.thread_message(delivery.message, delivery.case)
                return await self._post_once(delivery, text, layout, thread_ts=delivery.card_ref)
            if delivery.kind == "translation":   # a translation that had failed, now done (routing/translation.py)
                if delivery.message is None or not delivery.card_ref:
                    return None
                text, layout = blocks.late_translation_message(delivery.message, delivery.case)
                return await self._post_once(delivery, text, layout, thread_ts=delivery.card_ref)
            if delivery.kind in ("reminder", "nudge"):   # the scheduler's, in the thread (docs/scheduler.md)
                if delivery.message is None:
                    return None
                if not delivery.card_ref:
                    raise PermanentFailure(f"case {delivery.case.id} has no card in Slack to remind under")
                text, layout = blocks.reminder(delivery.message, delivery.case, loud=delivery.kind == "reminder")
                return await self._post_once(delivery, text, layout, thread_ts=delivery.card_ref)
            log.warning("unknown delivery kind %r", delivery.kind)
            return None
        except SlackApiError as error:
            raise classify(error) from error

    async def _post_once(self, delivery: Delivery, text: str, layout: list[dict], *,
                         thread_ts: str | None = None) -> str:
        if delivery.attempt > 1 and (found := await self.find_earlier(delivery, thread_ts)):
            log.info("staff post %s was already in Slack (%s); not posting it again", delivery.post_id, found)
            return found
        response = await self._with_fallback(
            self.client.chat_postMessage, text, layout, channel=delivery.target, unfurl_links=False,
            unfurl_media=False, metadata=marker(delivery), **({"thread_ts": thread_ts} if thread_ts else {}))
        return response["ts"]

    async def find_earlier(self, delivery: Delivery, thread_ts: str | None) -> str | None:
        """The ts of a copy of this post an earlier attempt left in the channel (or thread), if any."""
        oldest = f"{delivery.queued_at.timestamp() - SEARCH_MARGIN:.6f}" if delivery.queued_at else "0"
        wanted = str(delivery.post_id)
        cursor = None
        for _ in range(SEARCH_PAGES):
            arguments: dict[str, Any] = {"channel": delivery.target, "oldest": oldest, "limit": 200,
                                         "include_all_metadata": True}
            if cursor:
                arguments["cursor"] = cursor
            if thread_ts:
                response = await self.client.conversations_replies(ts=thread_ts, **arguments)
            else:
                response = await self.client.conversations_history(**arguments)
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == MARKER and \
                        (metadata.get("event_payload") or {}).get("post_id") == wanted:
                    return message.get("ts")
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        # Not found in the pages read, and more remain: not proof that it is not there. Never post blind;
        # this attempt fails and the outbox tries again later.
        raise RuntimeError(f"could not tell whether staff post {delivery.post_id} is already in Slack")

    @staticmethod
    async def _with_fallback(method, text: str, layout: list[dict], **arguments: Any):
        """Call with the rich layout; if Slack refuses the layout itself, simpler ones instead of losing the post."""
        try:
            return await method(text=text, blocks=layout, **arguments)
        except SlackApiError as error:
            if error_code(error) not in LAYOUT_ERRORS:
                raise
            refused = error
        for simpler in blocks.fallbacks(layout):
            log.error("Slack refused a layout (%s); sending a simpler one", error_code(refused))
            try:
                return await method(text=text, blocks=simpler, **arguments)
            except SlackApiError as error:
                if error_code(error) not in LAYOUT_ERRORS:
                    raise
                refused = error
        raise refused


def classify(error: SlackApiError) -> Exception:
    seconds = retry_after(error)
    if seconds is not None:
        return RetryLater(seconds, "Slack rate limit (429)")
    code = error_code(error)
    if code in PERMANENT_ERRORS or code in LAYOUT_ERRORS:
        hint = " (invite the Llamita app to the channel)" if code == "not_in_channel" else ""
        return PermanentFailure(f"Slack refused: {code}{hint}")
    return error   # 5xx, internal_error, unknown: the outbox backs off and tries again
