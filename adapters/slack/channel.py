"""Slack as a staff channel: case cards in each team's channel, claim buttons, a thread per conversation.

Outbound (routing's outbox calls `deliver`): a "card" is posted into the team's channel and its ts
becomes the case's card reference; "card_update" edits that card in place; a "message" (the customer's
words, or a colleague's from the desk) is posted in the card's thread. Slack's limits are kept here:
posts are paced to about one per second per channel, a 429 becomes RetryLater(Retry-After) so the
outbox tries again, 5xx and network errors are ordinary failures the outbox backs off from, and
refusals that retrying cannot fix (channel_not_found, not_in_channel, invalid_auth, ...) are
PermanentFailure.

Inbound (Bolt, HTTP mode on POST /slack/events or Socket Mode with SLACK_APP_TOKEN):
  * a reply in a case thread goes through RoutingService.staff_message: to the customer when its
    author holds the case, an internal note otherwise. It is stored BEFORE Slack gets its 200
    (process_before_response): if storing fails Slack gets a 500 and sends the event again, and the
    message's Slack ts is its external id, so retries (X-Slack-Retry-Num) are stored once.
  * buttons (Claim, Take over, Resolve, Transfer) and /llamita are acknowledged at once and handled
    in the background; answers to the clicker are ephemeral.
  * the bot's own messages, other bots, and message subtypes that are not new replies are ignored;
    edits and deletions are not relayed (the customer already has the message), and the author is
    told so in an ephemeral note.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from typing import Any, Awaitable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.blocks import CLAIM, RESOLVE, TAKE_OVER, TRANSFER, Team, staff_mention
from adapters.slack.stats import SlackStats
from adapters.slack.text import mentioned_users, mrkdwn_literal, slack_to_plain
from routing.channels import Delivery, PermanentFailure, RetryLater
from routing.config import Settings, TeamConfig
from routing.lifecycle import IllegalMove
from routing.service import MAX_MESSAGE_CHARS, CaseNotFound, RoutingService
from routing.views import CaseView, StaffMember, format_wait

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Refusals that no retry will change; the post is marked failed (the case stays on the local desk).
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "no_permission", "missing_scope", "restricted_action",
    "team_access_not_granted", "ekm_access_denied", "message_not_found", "cant_update_message",
    "edit_window_closed", "invalid_arguments",
})
LAYOUT_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long"})
NAME_TTL = 3600.0
MEMBERS_TTL = 60.0
NAME_TIMEOUT = 1.5          # a name lookup while Slack waits for our 200 must stay well inside 3 s
SEEN_EVENTS = 5000
CARD_RECORD_GRACE = 60.0    # seconds after a card's post during which a reply may beat its recording
HELP = (
    "*Llamita* hands web-chat customers over to you here. Each hand-over is a card in its team's channel:\n"
    "• *Claim* takes the case; then everything you write in the card's thread goes to the customer "
    "under your display name. Colleagues' replies in the thread stay internal notes unless they *Take over*.\n"
    "• *Transfer* sends it to another team; *Resolve* closes it.\n"
    "Commands:\n"
    "• `/llamita queue`: open cases per team\n"
    "• `/llamita resolve [case id]`: resolve a case you hold (the id is on the card)\n"
    "• `/llamita note <case id> <text>`: a note for the people who train Llamita (or the *Note for trainers* "
    "shortcut on a message in the case's thread)\n"
    "• `/llamita stats [today|7d|30d] [team]`: how Llamita and the teams are doing (supervisors)\n"
    "• `/llamita help`: this help"
)


class ChannelPacer:
    """About one post per second per Slack channel, shared by every delivery in this process.

    A post reserves the channel's next free slot and sleeps until then; when the wait would be long
    it is not reserved and the outbox is asked to come back later instead (the outbox lease stays short).
    """

    def __init__(self, interval: float = 1.0, max_wait: float = 3.0):
        self.interval, self.max_wait = interval, max_wait
        self._next_free: dict[str, float] = {}

    async def slot(self, channel: str) -> None:
        now = time.monotonic()
        start = max(now, self._next_free.get(channel, 0.0))
        wait = start - now
        if wait > self.max_wait:
            raise RetryLater(wait, f"pacing posts to {channel}")
        self._next_free[channel] = start + self.interval
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, channel: str, seconds: float) -> None:
        """Slack said 429 for this channel: nothing goes there for `seconds`."""
        self._next_free[channel] = max(self._next_free.get(channel, 0.0), time.monotonic() + seconds)


def _header(error: SlackApiError, name: str) -> str | None:
    headers = getattr(error.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (a 429 with Retry-After), or None when it is not a rate limit."""
    status = getattr(error.response, "status_code", None)
    code = error.response.get("error") if isinstance(getattr(error.response, "data", None), dict) else None
    if status != 429 and code != "ratelimited":
        return None
    try:
        return max(0.0, float(_header(error, "Retry-After") or 1))
    except ValueError:
        return 1.0


class CardNotRecordedYet(RuntimeError):
    """A thread reply arrived before the card it answers was recorded (Bolt answers 500: Slack retries)."""


class SlackUnavailable(RuntimeError):
    """Slack's Web API could not tell us who we are yet (auth.test failed)."""


def error_code(error: SlackApiError) -> str | None:
    data = getattr(error.response, "data", None)
    return data.get("error") if isinstance(data, dict) else None


class SlackChannel:
    name = "slack"

    def __init__(self, service: RoutingService, settings: Settings):
        if settings.slack is None:
            raise ValueError("SlackChannel needs Slack credentials (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
        self.service = service
        self.settings = settings
        self.credentials = settings.slack
        base_url = self.credentials.api_url or DEFAULT_API_URL
        base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.client = AsyncWebClient(token=self.credentials.bot_token, base_url=base_url, timeout=10)
        # process_before_response: Bolt answers Slack when the listener returns, so an event is stored
        # before Slack hears "200" (a failure answers 500 and Slack retries). Buttons and commands
        # call ack() first thing and hand their work to background tasks.
        # authorize: our own cached auth.test. Bolt's built-in one answers 200 (and so drops the event)
        # when auth.test fails with a Slack error such as a 429 just after start; ours makes it a 500.
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self._authorize(enterprise_id, team_id)   # Bolt wants a function, not a method

        self.app = AsyncApp(client=AsyncWebClient(base_url=base_url, timeout=10), authorize=authorize,
                            signing_secret=self.credentials.signing_secret, process_before_response=True,
                            name="llamita", logger=logging.getLogger("adapters.slack.bolt"))
        self.pacer = ChannelPacer()
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self.team_id: str | None = None
        self._names: dict[str, tuple[float, str]] = {}
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        self._events_in_flight: dict[str, asyncio.Future] = {}
        self._told: set[tuple[str, int, str]] = set()   # (user, case, what) explained once per process
        self._tasks: set[asyncio.Task] = set()
        self._lifecycle: set[asyncio.Task] = set()      # connecting and identifying: not "work" to drain
        self._socket_mode_handler = None
        self._register_listeners()

    # ================================================================== StaffChannel (outbound)

    def target_for(self, team: TeamConfig) -> str | None:
        return team.channels.get("slack")

    def _teams(self) -> list[Team]:
        return [Team(team.id, team.name) for team in self.service.operator.teams]

    def _current_target(self, case: CaseView) -> str | None:
        operator = self.service.operator
        return self.target_for(operator.team(case.team or operator.fallback_team))

    async def deliver(self, delivery: Delivery) -> str | None:
        try:
            # A card in a channel the case has since been transferred out of shows where it went.
            moved = delivery.target != self._current_target(delivery.case)
            if delivery.kind == "card":
                text, layout = blocks.card(delivery.case, self._teams(), self.service.operator.staff_languages,
                                           moved_away=moved)
                return await self._post(delivery.target, text, layout)
            if delivery.kind == "card_update":
                if not delivery.card_ref:
                    raise PermanentFailure(f"case {delivery.case.id} has no card in Slack to update")
                text, layout = blocks.card(delivery.case, self._teams(), self.service.operator.staff_languages,
                                           moved_away=moved)
                await self._call_with_fallback(self.client.chat_update, text, layout,
                                               channel=delivery.target, ts=delivery.card_ref)
                return delivery.card_ref
            if delivery.kind == "message":
                if delivery.message is None:
                    return None
                if not delivery.card_ref:
                    raise PermanentFailure(f"case {delivery.case.id} has no card in Slack to reply under")
                text, layout = blocks.thread_message(delivery.message, delivery.case)
                return await self._post(delivery.target, text, layout, thread_ts=delivery.card_ref)
            log.warning("unknown delivery kind %r", delivery.kind)
            return None
        except SlackApiError as error:
            raise self._classify(error, delivery.target) from error

    async def _post(self, channel: str, text: str, layout: list[dict], **extra: Any) -> str:
        await self.pacer.slot(channel)
        response = await self._call_with_fallback(
            self.client.chat_postMessage, text, layout, channel=channel, unfurl_links=False, unfurl_media=False,
            **extra)
        return response["ts"]

    @staticmethod
    async def _call_with_fallback(method, text: str, layout: list[dict], **arguments: Any):
        """Call with the rich layout; if Slack refuses the layout itself, send a plain one instead of
        losing the post."""
        try:
            return await method(text=text, blocks=layout, **arguments)
        except SlackApiError as error:
            if error_code(error) not in LAYOUT_ERRORS:
                raise
            log.error("Slack refused a layout (%s); sending it as plain text", error_code(error))
            return await method(text=text, blocks=blocks.text_only(layout), **arguments)

    def _classify(self, error: SlackApiError, channel: str) -> Exception:
        seconds = retry_after(error)
        if seconds is not None:
            self.pacer.pause(channel, seconds)
            return RetryLater(seconds, "Slack rate limit (429)")
        code = error_code(error)
        if code in PERMANENT_ERRORS or code in LAYOUT_ERRORS:
            hint = " (invite the Llamita app to the channel)" if code == "not_in_channel" else ""
            return PermanentFailure(f"Slack refused: {code}{hint}")
        return error   # 5xx, internal_error, unknown: the outbox backs off and tries again

    # ================================================================== edge: HTTP and Socket Mode

    def mount(self, app: web.Application) -> None:
        if not self.credentials.socket_mode:
            app.router.add_post("/slack/events", self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def start(self) -> None:
        self._lifecycle.add(self._spawn(self._identify()))
        if self.credentials.socket_mode:
            self._lifecycle.add(self._spawn(self._connect_socket_mode()))

    async def stop(self) -> None:
        if self._socket_mode_handler is not None:
            try:
                await self._socket_mode_handler.close_async()
            except Exception:
                log.exception("closing the Slack Socket Mode connection failed")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Wait for the background work started by clicks, commands and events (tests use it)."""
        while work := [task for task in self._tasks if task not in self._lifecycle]:
            await asyncio.gather(*work, return_exceptions=True)

    async def _identify(self) -> None:
        """Learn our own user and bot ids (to ignore our own messages); retried until Slack answers."""
        delay = 1.0
        while self.bot_user_id is None:
            try:
                await self._auth_test()
            except Exception as error:
                log.warning("Slack auth.test failed (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _auth_test(self) -> None:
        response = await self.client.auth_test()
        self.team_id, self.bot_id = response.get("team_id"), response.get("bot_id")
        self.bot_user_id = response.get("user_id")

    async def _authorize(self, enterprise_id: str | None = None, team_id: str | None = None) -> AuthorizeResult:
        """Bolt's authorize step for our single workspace, from the cached auth.test."""
        if self.bot_user_id is None:
            try:
                await self._auth_test()
            except SlackApiError as error:
                # Any other exception type makes Bolt answer 500, so Slack sends the request again.
                raise SlackUnavailable(f"Slack auth.test failed: {error_code(error) or error}") from error
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id or self.team_id,
                               bot_user_id=self.bot_user_id, bot_id=self.bot_id,
                               bot_token=self.credentials.bot_token)

    async def _connect_socket_mode(self) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        delay = 1.0
        while True:
            handler = AsyncSocketModeHandler(self.app, self.credentials.app_token, web_client=self.client)
            try:
                await handler.connect_async()
                self._socket_mode_handler = handler
                log.info("Slack Socket Mode connected")
                return
            except Exception as error:
                log.warning("Slack Socket Mode connection failed (%s); retrying in %.0fs", error, delay)
                try:
                    await handler.close_async()
                except Exception:
                    pass
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    def _spawn(self, coroutine: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self._lifecycle.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack background work failed", exc_info=task.exception())

    # ================================================================== listeners

    def _register_listeners(self) -> None:
        app = self.app
        app.event("message")(self._on_message_event)
        app.action(CLAIM)(self._on_claim)
        app.action(TAKE_OVER)(self._on_take_over)
        app.action(RESOLVE)(self._on_resolve)
        app.action(TRANSFER)(self._on_transfer)
        # `/llamita stats` and `note`, and the "Note for trainers" shortcut (adapters/slack/stats.py): registered
        # first, so that its matcher takes those and leaves every other /llamita to _on_command.
        SlackStats(self).register(app)
        app.command("/llamita")(self._on_command)
        # Last: any other event (if someone subscribes the app to more) is acknowledged, not answered
        # 404, which Slack would retry and, repeated, answer by switching the event subscription off.
        app.event(re.compile(".*"))(self._on_other_event)

    async def _on_other_event(self, event: dict) -> None:
        log.debug("ignoring Slack event %s", event.get("type"))

    # ---------------------------------------------------------------- thread messages

    async def _on_message_event(self, body: dict, event: dict, context: dict) -> None:
        """Runs before Slack gets its answer: returns once the message is stored (or ignored)."""
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}:{event.get('subtype')}"
        if event_id in self._seen_events:
            return
        running = self._events_in_flight.get(event_id)
        if running is None:
            running = asyncio.ensure_future(self._handle_message(event, context))
            self._events_in_flight[event_id] = running
            self._tasks.add(running)                    # stop() cancels it; its errors go to Bolt (a 500)
            running.add_done_callback(self._tasks.discard)
            running.add_done_callback(lambda _f: self._events_in_flight.pop(event_id, None))
        await asyncio.shield(running)   # a retry arriving meanwhile waits for the same work
        self._seen_events[event_id] = None
        while len(self._seen_events) > SEEN_EVENTS:
            self._seen_events.popitem(last=False)

    def _card_maybe_in_flight(self, event: dict, context: dict) -> bool:
        """A reply under one of our messages posted seconds ago may beat the outbox recording that message
        as the case's card: then answer 500 so Slack redelivers it, rather than drop it."""
        own_user = context.get("bot_user_id") or self.bot_user_id
        try:
            age = time.time() - float(event.get("thread_ts") or 0)
        except ValueError:
            return False
        return bool(own_user) and event.get("parent_user_id") == own_user and age < CARD_RECORD_GRACE

    def _is_ours(self, message: dict, context: dict) -> bool:
        own_user = context.get("bot_user_id") or self.bot_user_id
        own_bot = context.get("bot_id") or self.bot_id
        return bool(message.get("bot_id") or message.get("subtype") == "bot_message"
                    or (own_user and message.get("user") == own_user)
                    or (own_bot and message.get("bot_id") == own_bot))

    async def _handle_message(self, event: dict, context: dict) -> None:
        subtype = event.get("subtype")
        if subtype in ("message_changed", "message_deleted"):
            await self._on_edit(event, context)
            return
        if subtype not in (None, "thread_broadcast", "file_share") or self._is_ours(event, context):
            return
        user, ts, thread_ts, channel = event.get("user"), event.get("ts"), event.get("thread_ts"), event.get("channel")
        if not user or not ts or not thread_ts or thread_ts == ts:
            return   # not a reply in a thread
        case_id = await self.service.case_for_thread(self.name, thread_ts, target=channel)
        if case_id is None:
            if self._card_maybe_in_flight(event, context):
                raise CardNotRecordedYet(f"no case for thread {thread_ts} yet; Slack will send the reply again")
            return   # a thread that is not a case's
        raw = event.get("text") or ""
        names = {uid: await self._display_name(uid, timeout=NAME_TIMEOUT) for uid in set(mentioned_users(raw))}
        text = slack_to_plain(raw, names.get).strip()
        has_files = bool(event.get("files")) or subtype == "file_share"
        if not text:
            if has_files:
                self._spawn(self._ephemeral(channel, user, "Files aren't sent to the customer; only text is. "
                                            "Describe what they need to know in words.", thread_ts))
            return
        if len(text) > MAX_MESSAGE_CHARS:
            self._spawn(self._ephemeral(channel, user, f"That message is longer than {MAX_MESSAGE_CHARS} "
                                        "characters, so it was not sent. Please split it.", thread_ts))
            return
        try:
            case = await self.service.case(case_id, recent=0)
        except CaseNotFound:
            return
        staff_id = f"slack:{user}"
        if case.claimed_by == staff_id and case.claimed_by_name:
            name = case.claimed_by_name
        else:
            name = await self._display_name(user, timeout=NAME_TIMEOUT)
        outcome = await self.service.staff_message(case_id, StaffMember(staff_id, name, self.name), text,
                                                   external_id=f"slack:{ts}")
        if outcome.duplicate:
            return
        if has_files:
            self._spawn(self._ephemeral(channel, user, "The text went to the customer; files aren't sent.",
                                        thread_ts))
        if not outcome.to_customer:
            self._spawn(self._explain_note(case, channel, user, thread_ts))

    async def _explain_note(self, case: CaseView, channel: str, user: str, thread_ts: str) -> None:
        key = (user, case.id, "note")
        if key in self._told:
            return
        self._told.add(key)
        if case.state == "claimed":
            why = (f"{staff_mention(case.claimed_by, case.claimed_by_name)} has this case, so your message is "
                   "kept as an internal note; the customer does not see it. Use *Take over* on the card to "
                   "talk to the customer yourself.")
        elif case.state == "waiting":
            why = ("Nobody has claimed this case yet, so your message is kept as an internal note. "
                   "*Claim* it on the card to talk to the customer.")
        else:
            why = (f"This case is {case.state}; your message is kept as an internal note and the customer "
                   "does not see it.")
        await self._ephemeral(channel, user, why, thread_ts)

    async def _on_edit(self, event: dict, context: dict) -> None:
        """Edits and deletions are not relayed: the customer already has the message as first sent."""
        changed = event.get("message") or {}
        before = event.get("previous_message") or {}
        subject = changed if event.get("subtype") == "message_changed" else before
        if self._is_ours(subject, context) or self._is_ours(before, context):
            return
        user, thread_ts = subject.get("user"), subject.get("thread_ts")
        if not user or not thread_ts or thread_ts == subject.get("ts"):
            return
        if event.get("subtype") == "message_changed" and changed.get("text") == before.get("text"):
            return   # an unfurl or a reply count changed, not the words
        channel = event.get("channel")
        case_id = await self.service.case_for_thread(self.name, thread_ts, target=channel)
        if case_id is None:
            return
        what = "edit" if event.get("subtype") == "message_changed" else "deletion"
        self._spawn(self._ephemeral(
            channel, user,
            f"Your {what} stays in Slack only: Llamita does not relay edits or deletions. The customer (or "
            "the case notes, for an internal note) keeps the message as first sent. To correct it, write a "
            "new message in the thread.", thread_ts))

    # ---------------------------------------------------------------- buttons

    async def _on_claim(self, ack, body: dict, action: dict) -> None:
        await ack()
        self._spawn(self._claim(body, action, take_over=False))

    async def _on_take_over(self, ack, body: dict, action: dict) -> None:
        await ack()
        self._spawn(self._claim(body, action, take_over=True))

    async def _on_resolve(self, ack, body: dict, action: dict) -> None:
        await ack()
        self._spawn(self._resolve_click(body, action))

    async def _on_transfer(self, ack, body: dict, action: dict) -> None:
        await ack()
        self._spawn(self._transfer(body, action))

    @staticmethod
    def _where(body: dict) -> tuple[str, str | None]:
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        return body["user"]["id"], channel

    async def _case_from(self, value: str | None, channel: str | None, user: str) -> CaseView | None:
        try:
            return await self.service.case(int(value or ""), recent=0)
        except (ValueError, CaseNotFound):
            if channel:
                await self._ephemeral(channel, user, "That case no longer exists.")
            return None

    async def _claim(self, body: dict, action: dict, *, take_over: bool) -> None:
        user, channel = self._where(body)
        case = await self._case_from(action.get("value"), channel, user)
        if case is None or not await self._allowed(case, user, channel, "claim"):
            return
        handle = (body.get("user") or {}).get("name") or "Support"
        staff = StaffMember(f"slack:{user}", await self._display_name(user, fallback=handle), self.name)
        outcome = await self.service.claim(case.id, staff, take_over=take_over)
        if outcome.won:
            await self._ephemeral(channel, user, f"Case #{case.id} is yours. Reply in the card's thread: your "
                                  "messages go to the customer under your display name.")
            return
        now = outcome.case
        if now.state == "claimed" and now.claimed_by == staff.id:
            text = f"You already have case #{case.id}."
        elif now.state == "claimed":
            text = f"Case #{case.id} is already claimed by {staff_mention(now.claimed_by, now.claimed_by_name)}."
            if not take_over:
                text += " Use *Take over* if you need to continue it yourself."
        else:
            text = f"Case #{case.id} is {now.state}; it can't be claimed now."
        await self._ephemeral(channel, user, text)

    async def _resolve_click(self, body: dict, action: dict) -> None:
        user, channel = self._where(body)
        case = await self._case_from(action.get("value"), channel, user)
        if case is not None:
            answer = await self._resolve(case, user, channel)
            if answer:
                await self._ephemeral(channel, user, answer)

    async def _resolve(self, case: CaseView, user: str, channel: str | None) -> str | None:
        """Resolve for a Slack user; returns what to tell them when it did not happen (or None)."""
        staff_id = f"slack:{user}"
        if case.state == "claimed" and case.claimed_by != staff_id:
            return (f"{staff_mention(case.claimed_by, case.claimed_by_name)} has case #{case.id}; only they can "
                    "resolve it. Use *Take over* first if you need to.")
        if not await self._allowed(case, user, channel, "resolve", quiet=True):
            team = mrkdwn_literal(case.team_name or "its")
            return f"Only members of {self._channel_mention(case)} can resolve {team} cases."
        name = case.claimed_by_name if case.claimed_by == staff_id and case.claimed_by_name else \
            await self._display_name(user)
        try:
            await self.service.resolve(case.id, StaffMember(staff_id, name, self.name))
        except IllegalMove:
            return f"Case #{case.id} is already {case.state}."
        return None

    async def _transfer(self, body: dict, action: dict) -> None:
        user, channel = self._where(body)
        case_id = blocks.case_id_of_block(action.get("block_id"))
        case = await self._case_from(str(case_id) if case_id else None, channel, user)
        if case is None or not await self._allowed(case, user, channel, "transfer"):
            return
        team_id = (action.get("selected_option") or {}).get("value", "")
        name = case.claimed_by_name if case.claimed_by == f"slack:{user}" and case.claimed_by_name else \
            await self._display_name(user)
        try:
            moved = await self.service.transfer(case.id, team_id, StaffMember(f"slack:{user}", name, self.name))
        except (IllegalMove, ValueError) as refused:
            await self._ephemeral(channel, user,
                                  f"Case #{case.id} was not transferred: {mrkdwn_literal(str(refused))}.")
            return
        await self._ephemeral(channel, user, f"Case #{case.id} went to {mrkdwn_literal(moved.team_name or team_id)}.")

    # ---------------------------------------------------------------- /llamita

    async def _on_command(self, ack, command: dict, respond) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if sub == "queue":
            await ack()
            self._spawn(self._queue(respond))
        elif sub == "resolve":
            await ack()
            self._spawn(self._resolve_command(command, words[1:], respond))
        elif sub == "help":
            await ack(response_type="ephemeral", text=HELP)
        else:
            await ack(response_type="ephemeral",
                      text=f"I don't know `{mrkdwn_literal(sub[:40])}`.\n\n{HELP}")

    async def _queue(self, respond) -> None:
        cases = await self.service.open_cases()
        lines = []
        for team in self.service.operator.teams:
            mine = [case for case in cases if case.team == team.id]
            channel = self.target_for(team)
            where = f" in <#{channel}>" if channel else ""
            lines.append(f"*{mrkdwn_literal(team.name)}*{where}: " + (f"{len(mine)} open" if mine else "nothing open"))
            for case in mine:
                if case.state == "claimed":
                    state = f"claimed by {staff_mention(case.claimed_by, case.claimed_by_name)}"
                else:
                    state = f"waiting {format_wait(case.waited_seconds)}"
                lines.append(f"• #{case.id} {mrkdwn_literal(blocks.reason_label(case))}: {state}")
        await respond(response_type="ephemeral", replace_original=False, text="\n".join(lines) or "No teams.")

    async def _resolve_command(self, command: dict, arguments: list[str], respond) -> None:
        user, channel = command.get("user_id", ""), command.get("channel_id")
        staff_id = f"slack:{user}"
        if arguments:
            number = arguments[0].lstrip("#")
            try:
                case = await self.service.case(int(number), recent=0)
            except (ValueError, CaseNotFound):
                await respond(response_type="ephemeral", text=f"There is no case {mrkdwn_literal(number[:20])}.")
                return
        else:
            # Slack does not say which thread a command was typed in: take the one case this person holds.
            held = [case for case in await self.service.open_cases() if case.claimed_by == staff_id]
            if len(held) != 1:
                listing = ", ".join(f"#{case.id}" for case in held)
                text = (f"You hold {len(held)} cases ({listing}); say which: `/llamita resolve <case id>`."
                        if held else "You hold no case. Say which one: `/llamita resolve <case id>` "
                                     "(the id is on the card).")
                await respond(response_type="ephemeral", text=text)
                return
            case = held[0]
        answer = await self._resolve(case, user, channel)
        await respond(response_type="ephemeral", text=answer or f"Resolved case #{case.id}.")

    # ================================================================== Slack look-ups and replies

    def _channel_mention(self, case: CaseView) -> str:
        channel = self._current_target(case)
        return f"<#{channel}>" if channel else "the team's channel"

    async def _allowed(self, case: CaseView, user: str, channel: str | None, verb: str, *, quiet: bool = False) -> bool:
        """Only members of the case's team channel act on its cases."""
        team_channel = self._current_target(case)
        try:
            allowed = bool(team_channel) and user in await self._channel_members(team_channel)
        except Exception as error:
            log.warning("could not check the members of %s: %s", team_channel, error)
            if not quiet and channel:
                await self._ephemeral(channel, user, "I couldn't check the channel's members with Slack just "
                                      "now; please try again in a moment.")
            return False
        if not allowed and not quiet and channel:
            await self._ephemeral(channel, user, f"Only members of {self._channel_mention(case)} can {verb} "
                                  f"{mrkdwn_literal(case.team_name or 'its')} cases.")
        return allowed

    async def _channel_members(self, channel: str) -> frozenset[str]:
        cached = self._members.get(channel)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        members: set[str] = set()
        cursor = None
        while True:
            response = await self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            members.update(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        result = frozenset(members)
        self._members[channel] = (time.monotonic() + MEMBERS_TTL, result)
        return result

    async def _display_name(self, user: str, timeout: float | None = None, fallback: str = "Support") -> str:
        """The name the customer sees for a Slack user (display name, else real name); cached. If Slack
        can't say, `fallback` (a click carries the user's handle)."""
        cached = self._names.get(user)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await asyncio.wait_for(self.client.users_info(user=user), timeout)
            person = response.get("user") or {}
            profile = person.get("profile") or {}
            name = (profile.get("display_name") or profile.get("real_name") or person.get("real_name")
                    or person.get("name") or "").strip()
        except Exception as error:
            log.warning("could not look up Slack user %s: %s", user, error)
            return cached[1] if cached else fallback
        name = re.sub(r"\s+", " ", name)[:80] or "Support"
        self._names[user] = (time.monotonic() + NAME_TTL, name)
        return name

    async def _ephemeral(self, channel: str | None, user: str, text: str, thread_ts: str | None = None) -> None:
        """A note only `user` sees; best effort, with one retry after a 429."""
        if not channel:
            return
        arguments: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if thread_ts:
            arguments["thread_ts"] = thread_ts
        for attempt in range(2):
            try:
                await self.client.chat_postEphemeral(**arguments)
                return
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None or attempt or wait > 10:
                    log.warning("ephemeral note to %s failed: %s", user, error_code(error) or error)
                    return
                await asyncio.sleep(wait)
            except Exception as error:
                log.warning("ephemeral note to %s failed: %s", user, error)
                return
