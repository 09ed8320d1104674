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
from typing import Any, Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.blocks import Team, staff_mention
from adapters.slack.buttons import SlackButtons
from adapters.slack.commands import SlackCommands
from adapters.slack.outbound import SlackPoster, error_code, marked_case, retry_after
from adapters.slack.people import SlackPeople
from adapters.slack.stats import SlackStats
from adapters.slack.text import mentioned_users, mrkdwn_literal, slack_to_plain
from routing.channels import Delivery
from routing.config import Settings, TeamConfig
from routing.lifecycle import IllegalMove
from routing.service import MAX_MESSAGE_CHARS, CaseNotFound, RoutingService
from routing.views import CaseView, StaffMember

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
LOOKUP_BUDGET = 1.0         # all of a thread message's name look-ups together, while Slack waits for our 200
PARENT_LOOKUP_TIMEOUT = 1.0 # reading the card a reply is under, when no case knows it yet
SEEN_EVENTS = 5000
CARD_RECORD_GRACE = 60.0    # seconds after a card's post during which a reply may beat its recording


Tell = Callable[[str], Awaitable[None]]   # says something only the person acting sees


class NoBodies(logging.Filter):
    """Bolt logs the whole body of a request it rejects (a bad signature): customer words, names. Not here."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "body:" in message:
            record.msg, record.args = message.split("body:", 1)[0] + "body: (not logged))", None
        return True


class CardNotRecordedYet(RuntimeError):
    """A thread reply arrived before the card it answers was recorded (Bolt answers 500: Slack retries)."""


class SlackUnavailable(RuntimeError):
    """Slack's Web API could not tell us who we are yet (auth.test failed)."""


class SlackChannel:
    name = "slack"
    pace_seconds = 1.0   # Slack takes about one message a second per channel (the outbox paces)

    def __init__(self, service: RoutingService, settings: Settings):
        if settings.slack is None:
            raise ValueError("SlackChannel needs Slack credentials (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
        self.service = service
        self.settings = settings
        self.credentials = settings.slack
        base_url = self.credentials.api_url or DEFAULT_API_URL
        base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.client = AsyncWebClient(token=self.credentials.bot_token, base_url=base_url,
                                     timeout=self.credentials.timeout)
        # process_before_response: Bolt answers Slack when the listener returns, so an event is stored
        # before Slack hears "200" (a failure answers 500 and Slack retries). Buttons and commands
        # call ack() first thing and hand their work to background tasks.
        # authorize: our own cached auth.test. Bolt's built-in one answers 200 (and so drops the event)
        # when auth.test fails with a Slack error such as a 429 just after start; ours makes it a 500.
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self._authorize(enterprise_id, team_id)   # Bolt wants a function, not a method

        bolt_log = logging.getLogger("adapters.slack.bolt")
        if not any(isinstance(existing, NoBodies) for existing in bolt_log.filters):
            bolt_log.addFilter(NoBodies())   # Bolt copies its base logger's filters to every logger it makes
        self.app = AsyncApp(client=AsyncWebClient(base_url=base_url, timeout=self.credentials.timeout),
                            authorize=authorize,
                            signing_secret=self.credentials.signing_secret, process_before_response=True,
                            name="llamita", logger=bolt_log)
        self.poster = SlackPoster(self.client, self._teams, service.operator.staff_languages, self._current_target,
                                  attachments=lambda: service.attachments)
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self.team_id: str | None = None
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        self._events_in_flight: dict[str, asyncio.Future] = {}
        self._told: set[tuple[str, int, str]] = set()   # (user, case, what) explained once per process
        self._tasks: set[asyncio.Task] = set()
        self.people = SlackPeople(self.client, self._tasks)
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
        return await self.poster.deliver(delivery)

    # ================================================================== edge: HTTP and Socket Mode

    def mount(self, app: web.Application) -> None:
        if not self.credentials.socket_mode:
            app.router.add_post("/slack/events", self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def start(self) -> None:
        self._lifecycle.add(self.spawn(self._identify()))
        if self.credentials.socket_mode:
            self._lifecycle.add(self.spawn(self._connect_socket_mode()))

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

    def spawn(self, coroutine: Awaitable) -> asyncio.Task:
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
        SlackButtons(self).register(app)   # Claim, Take over, Resolve, Transfer, Unfreeze
        # `/llamita stats` and `note`, and the "Note for trainers" shortcut (adapters/slack/stats.py): registered
        # first, so that its matcher takes those and leaves every other /llamita to SlackCommands.
        SlackStats(self).register(app)
        SlackCommands(self).register(app)   # queue, resolve, help: every other /llamita
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
            case_id = await self._case_of_card(channel, thread_ts, event, context)
        if case_id is None:
            if self._card_maybe_in_flight(event, context):
                raise CardNotRecordedYet(f"no case for thread {thread_ts} yet; Slack will send the reply again")
            return   # a thread that is not a case's
        raw = event.get("text") or ""
        # Looked up together, within a budget: Slack must have our answer within 3 s. A name that does not
        # come in time is "a colleague", never a made-up one.
        names = await self.people.names_within({user, *mentioned_users(raw)}, LOOKUP_BUDGET)
        text = slack_to_plain(raw, names.get).strip()
        has_files = bool(event.get("files")) or subtype == "file_share"
        if not text:
            if has_files:
                self.spawn(self.ephemeral(channel, user, "Files aren't sent to the customer; only text is. "
                                            "Describe what they need to know in words.", thread_ts))
            return
        if len(text) > MAX_MESSAGE_CHARS:
            self.spawn(self.ephemeral(channel, user, f"That message is longer than {MAX_MESSAGE_CHARS} "
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
            name = names.get(user) or "Support"
        outcome = await self.service.staff_message(case_id, StaffMember(staff_id, name, self.name), text,
                                                   external_id=f"slack:{ts}")
        if outcome.duplicate:
            return
        if has_files:
            self.spawn(self.ephemeral(channel, user, "The text went to the customer; files aren't sent.",
                                        thread_ts))
        if not outcome.to_customer:
            self.spawn(self._explain_note(case, channel, user, thread_ts))

    async def _case_of_card(self, channel: str, card_ts: str, event: dict, context: dict) -> int | None:
        """The case of a card of ours no case is bound to yet, read from its marker: the card whose post is
        still being recorded (it becomes the case's card now), or a second copy of one (it stays a copy:
        the reply reaches the case, and the copy loses its buttons)."""
        own_user = context.get("bot_user_id") or self.bot_user_id
        if not own_user or event.get("parent_user_id") != own_user:
            return None
        try:
            response = await asyncio.wait_for(self.client.conversations_history(
                channel=channel, latest=card_ts, inclusive=True, limit=1, include_all_metadata=True),
                PARENT_LOOKUP_TIMEOUT)
        except Exception as error:
            log.warning("could not read the card %s in %s: %s", card_ts, channel, type(error).__name__)
            return None
        messages = [m for m in response.get("messages") or [] if m.get("ts") == card_ts]
        case_id = marked_case(messages[0]) if messages else None
        if case_id is None:
            return None
        if not await self.service.settle_card_post(case_id, self.name, channel, card_ts):
            # Read again now (the outbox may have recorded the card meanwhile), and in this channel only: the
            # case's card in a channel it was transferred out of is not this one's twin.
            here = [ref for target, ref in await self.service.staff_threads(case_id, self.name) if target == channel]
            if here and card_ts not in here:
                self.spawn(self._retire_copy(channel, card_ts, case_id))
        return case_id

    async def _retire_copy(self, channel: str, card_ts: str, case_id: int) -> None:
        """A second copy of a case's card: show it as a copy, without buttons (the bound card has them)."""
        try:
            case = await self.service.case(case_id)
            text, layout = blocks.card(case, self._teams(), self.service.operator.staff_languages, copy=True)
            await self.client.chat_update(channel=channel, ts=card_ts, text=text, blocks=layout)
        except Exception as error:
            log.warning("could not mark a copy of case %s's card: %s", case_id, type(error).__name__)

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
        await self.ephemeral(channel, user, why, thread_ts)

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
        self.spawn(self.ephemeral(
            channel, user,
            f"Your {what} stays in Slack only: Llamita does not relay edits or deletions. The customer (or "
            "the case notes, for an internal note) keeps the message as first sent. To correct it, write a "
            "new message in the thread.", thread_ts))

    # ================================================================== shared by buttons and commands

    async def resolve_case(self, case: CaseView, user: str) -> str | None:
        """Resolve for a Slack user; returns what to tell them when it did not happen (or None)."""
        staff_id = f"slack:{user}"
        if case.state == "claimed" and case.claimed_by != staff_id:
            return (f"{staff_mention(case.claimed_by, case.claimed_by_name)} has case #{case.id}; only they can "
                    "resolve it. Use *Take over* first if you need to.")
        if not await self.allowed(case, user, "resolve"):
            team = mrkdwn_literal(case.team_name or "its")
            return f"Only members of {self.channel_mention(case)} can resolve {team} cases."
        name = case.claimed_by_name if case.claimed_by == staff_id and case.claimed_by_name else \
            await self.people.display_name(user)
        try:
            await self.service.resolve(case.id, StaffMember(staff_id, name, self.name))
        except IllegalMove:
            return f"Case #{case.id} is already {case.state}."
        return None

    # ================================================================== Slack look-ups and replies

    def channel_mention(self, case: CaseView) -> str:
        channel = self._current_target(case)
        return f"<#{channel}>" if channel else "the team's channel"

    async def allowed(self, case: CaseView, user: str, verb: str, tell: Tell | None = None) -> bool:
        """Only members of the case's team channel act on its cases; `tell` says why not to the person."""
        team_channel = self._current_target(case)
        try:
            allowed = bool(team_channel) and user in await self.people.channel_members(team_channel)
        except Exception as error:
            log.warning("could not check the members of %s: %s", team_channel, error)
            if tell:
                await tell("I couldn't check the channel's members with Slack just now; please try again in a moment.")
            return False
        if not allowed and tell:
            await tell(f"Only members of {self.channel_mention(case)} can {verb} "
                       f"{mrkdwn_literal(case.team_name or 'its')} cases.")
        return allowed

    async def ephemeral(self, channel: str | None, user: str, text: str, thread_ts: str | None = None) -> None:
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
