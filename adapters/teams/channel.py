"""Teams as a staff channel, through the Microsoft 365 Agents SDK: case cards in each team's channel,
Claim/Transfer/Resolve on the card, and the card's reply chain as the conversation.

Outbound (routing's outbox calls `deliver`), each a proactive turn of the SDK's CloudAdapter for a
ConversationReference made of the stored thread id (staffthread.card_ref) and the configured service
URL, tenant and bot id; inside it the SDK's ConnectorClient makes one Bot Connector call:
  * "card": POST /v3/conversations into the team's channel, a new thread whose root is the Adaptive
    Card; its reference `<channel id>;messageid=<card's activity id>` is the case's thread;
  * "card_update": PUT /v3/conversations/{thread}/activities/{card} (the card in place);
  * "message": POST /v3/conversations/{thread}/activities (a customer message, a status line, a
    colleague's words from the desk or Slack) into the reply chain.
Nothing is paced here (the outbox paces); a 429 is RetryLater(Retry-After), refusals no retry fixes
(400, 401, 403, 404, 413) are PermanentFailure, 5xx, timeouts and network errors are ordinary errors
the outbox backs off from.

Inbound: POST /api/messages, verified (auth.py) and handed to the SDK's CloudAdapter, which runs
`TeamsBot` (bot.py) for the activity.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import warnings
from typing import Awaitable, Callable, TypeVar

from aiohttp import ClientResponseError, web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ClaimsIdentity,
    ConnectionManager,
    ConnectorClientBase,
)
from microsoft_agents.hosting.core.authorization import AuthenticationConstants
from pydantic import ValidationError

from adapters.attachments.links import Links
from adapters.teams import cards
from adapters.teams.auth import InboundAuth
from routing.channels import Delivery, PermanentFailure, RetryLater
from routing.config import Settings, TeamConfig, TeamsSettings
from routing.service import RoutingService
from routing.views import CaseView

log = logging.getLogger(__name__)

T = TypeVar("T")
TokenProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]
MEMBERS_TTL = 60.0
ATTACHMENT_LINK_SECONDS = 7 * 24 * 3600
THREAD_MARK = ";messageid="
TEAMS = "msteams"
HINTS = {
    401: " (check the app id, secret and tenant)",
    403: " (is the Llamita app installed in that team?)",
    404: " (check the channel id under channels: {teams: ...} in the operator file)",
}


def thread_id(channel_id: str, activity_id: str) -> str:
    """A channel thread's conversation id, as Teams names it in every activity of the thread."""
    return channel_id if THREAD_MARK in channel_id else f"{channel_id}{THREAD_MARK}{activity_id}"


def split_thread(conversation_id: str) -> tuple[str, str | None]:
    """(channel id, root activity id) of a thread's conversation id; (id, None) for anything else."""
    channel, mark, root = conversation_id.partition(THREAD_MARK)
    return channel, (root or None) if mark else None


def retry_after(error: ClientResponseError) -> float:
    """Seconds Teams asked us to wait; without a Retry-After, a short wait with jitter (Teams' advice)."""
    raw = (error.headers or {}).get("Retry-After") if error.headers is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else random.uniform(1.0, 3.0)
    except ValueError:
        return random.uniform(1.0, 3.0)


def classify(error: ClientResponseError) -> Exception:
    if error.status == 429:
        return RetryLater(retry_after(error), "Teams rate limit (429)")
    if error.status in (400, 401, 403, 404, 405, 413):
        return PermanentFailure(f"Teams refused: HTTP {error.status}{HINTS.get(error.status, '')}")
    return error   # 5xx and the rest: the outbox backs off and tries again


def _anonymous(_config: AgentAuthConfiguration) -> AccessTokenProviderBase:
    return AnonymousTokenProvider()


class TeamsChannel:
    name = "teams"

    def __init__(self, service: RoutingService, settings: Settings,
                 token_provider: TokenProviderFactory | None = None):
        if settings.teams is None:
            raise ValueError("TeamsChannel needs Teams settings (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__...)")
        from adapters.teams.bot import TeamsBot  # the inbound half; it needs this channel

        self.service = service
        self.settings = settings
        self.teams: TeamsSettings = settings.teams
        self.auth = InboundAuth(self.teams)
        # The SDK's connection seam: one connection, SERVICE_CONNECTION, whose token provider is MSAL (the
        # app's client secret) in production, anonymous in the emulator mode, or what a test passes in.
        connection = AgentAuthConfiguration(client_id=self.teams.app_id or None,
                                            tenant_id=self.teams.tenant_id or None,
                                            client_secret=self.teams.client_secret or None,
                                            anonymous_allowed=self.teams.emulator)
        factory = token_provider or (_anonymous if self.teams.emulator else MsalAuth)
        self.adapter = CloudAdapter(connection_manager=ConnectionManager(factory, {"SERVICE_CONNECTION": connection}))
        # The SDK's default answers a failed turn by posting the exception's text into the conversation
        # and then reports success. Llamita lets the error through: Teams gets a 500, nobody sees internals.
        self.adapter.on_turn_error = None
        self.bot_id = f"28:{self.teams.app_id}" if self.teams.app_id else "28:llamita-emulator"
        self.bot = TeamsBot(self)
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._tasks: set[asyncio.Task] = set()

    # ================================================================== StaffChannel (outbound)

    def target_for(self, team: TeamConfig) -> str | None:
        return team.channels.get("teams")

    def current_target(self, case: CaseView) -> str | None:
        operator = self.service.operator
        return self.target_for(operator.team(case.team or operator.fallback_team))

    def teams_list(self) -> list[cards.Team]:
        return [cards.Team(team.id, team.name) for team in self.service.operator.teams]

    def render(self, case: CaseView, channel_id: str | None) -> dict:
        """The case card as it should look in `channel_id` (moved away if the case left that channel)."""
        return cards.case_card(case, self.teams_list(), self.service.operator.staff_languages,
                               moved_away=channel_id != self.current_target(case))

    async def deliver(self, delivery: Delivery) -> str | None:
        try:
            if delivery.kind == "card":
                return await self._post_card(delivery)
            if delivery.kind == "card_update":
                return await self._update_card(delivery)
            if delivery.kind in ("message", "translation", "reminder", "nudge"):   # reminders: the scheduler's
                return await self._relay(delivery)
            log.warning("unknown delivery kind %r", delivery.kind)
            return None
        except ClientResponseError as error:
            raise classify(error) from error

    async def _post_card(self, delivery: Delivery) -> str:
        # Teams cannot be asked whether an earlier attempt landed (the Bot Connector has no way to read a
        # channel's messages). A card that did land comes back to us when someone opens it (its refresh) or
        # clicks it; bot.py then records it as this post's result (RoutingService.settle_card_post).
        channel_id = delivery.target
        moved_away = channel_id != self.current_target(delivery.case)
        activity = self._card_activity(self.render(delivery.case, channel_id),
                                       cards.card_summary(delivery.case, moved_away=moved_away))
        tenant = self.teams.tenant_id
        parameters = ConversationParameters(
            is_group=True, agent=ChannelAccount(id=self.bot_id), activity=activity,
            channel_data={"channel": {"id": channel_id}, **({"tenant": {"id": tenant}} if tenant else {})},
            **({"tenant_id": tenant} if tenant else {}))
        created = await self.call(channel_id, lambda connector: connector.conversations.create_conversation(parameters))
        if not (created.activity_id or THREAD_MARK in (created.id or "")):
            raise RuntimeError("Teams created the thread but named no activity id")
        return thread_id(created.id if created.id and THREAD_MARK in created.id else channel_id,
                         created.activity_id or "")

    async def _update_card(self, delivery: Delivery) -> str:
        channel_id, root = split_thread(delivery.card_ref or "")
        if not root:
            raise PermanentFailure(f"case {delivery.case.id} has no card in Teams to update")
        card = self.render(delivery.case, channel_id)
        activity = self._card_activity(card, cards.card_summary(
            delivery.case, moved_away=channel_id != self.current_target(delivery.case)))
        activity.id = root
        await self.call(delivery.card_ref, lambda connector: connector.conversations.update_activity(
            delivery.card_ref, root, activity))   # PUT is idempotent: a retry of an unknown outcome is harmless
        return delivery.card_ref

    async def _relay(self, delivery: Delivery) -> str | None:
        if delivery.message is None:
            return None
        if not delivery.card_ref or not split_thread(delivery.card_ref)[1]:
            raise PermanentFailure(f"case {delivery.case.id} has no card in Teams to reply under")
        # An earlier attempt that timed out may have landed: the Bot Connector cannot be asked, so such a
        # message can appear twice in the chain (never lost). See docs/teams.md.
        if delivery.kind == "translation":
            summary, card = cards.late_translation_message(delivery.message, delivery.case)
        elif delivery.kind in ("reminder", "nudge"):
            summary, card = cards.reminder(delivery.message, delivery.case)
        else:
            summary, card = cards.thread_message(delivery.message, delivery.case,
                                                 await self._attachment_link(delivery))
        activity = self._card_activity(card, summary)
        sent = await self.call(delivery.card_ref, lambda connector: connector.conversations.send_to_conversation(
            delivery.card_ref, activity))
        return sent.id if sent else None

    async def _attachment_link(self, delivery: Delivery) -> dict | None:
        """A bot cannot upload a file into a Teams channel conversation (Teams' file consent flow is for
        personal chats only), so a photo or document is a signed link in the reply chain, valid for a week."""
        attachment_id = delivery.message.attachment_id if delivery.message else None
        if not attachment_id or self.service.attachments is None:
            return None
        found = await self.service.attachments.find(attachment_id)
        if found is None:
            return None
        links = Links(self.settings.identity_secret, self.settings.base_url, self.settings.attachments.link_seconds)
        return links.describe(found.view, seconds=ATTACHMENT_LINK_SECONDS)

    @staticmethod
    def _card_activity(card: dict, summary: str) -> Activity:
        return Activity(type=ActivityTypes.message, channel_id=TEAMS, summary=summary,
                        attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=card)])

    def reference(self, conversation_id: str) -> ConversationReference:
        """The ConversationReference of a channel or a thread: its id is stored, the rest is configuration."""
        tenant = self.teams.tenant_id or None
        return ConversationReference(
            channel_id=TEAMS, service_url=self.teams.service_url, agent=ChannelAccount(id=self.bot_id),
            conversation=ConversationAccount(id=conversation_id, is_group=True, conversation_type="channel",
                                             tenant_id=tenant),
            activity_id=split_thread(conversation_id)[1])

    async def call(self, conversation_id: str, work: Callable[[ConnectorClientBase], Awaitable[T]],
                   timeout: float | None = None) -> T:
        """Run `work` with the SDK's ConnectorClient in a proactive turn of the conversation (botbuilder's
        continue_conversation), within the request timeout."""
        result: list[T] = []

        async def turn(context) -> None:
            result.append(await work(context.services.get(ConnectorClientBase)))

        claims = ClaimsIdentity() if self.teams.emulator else self.adapter.create_claims_identity(self.teams.app_id)
        async with asyncio.timeout(timeout or self.teams.request_timeout):
            await self.adapter.continue_conversation_with_claims(
                claims, self.reference(conversation_id).get_continuation_activity(), turn,
                AuthenticationConstants.AGENTS_SDK_SCOPE)
        return result[0]

    async def tell(self, conversation_id: str, user: ChannelAccount | None, text: str) -> None:
        """A note for one person (a Teams targeted message, which only they see); best effort."""
        activity = Activity(type=ActivityTypes.message, channel_id=TEAMS, text=text, text_format="markdown")
        if user is not None and user.id:
            activity.with_targeted_recipient(ChannelAccount(id=user.id, name=user.name))
        try:
            await self.call(conversation_id, lambda connector: connector.conversations.send_to_conversation(
                conversation_id, activity))
        except Exception as error:
            log.warning("a note to %s in Teams failed: %s", user.id if user else "the conversation", error)

    async def members(self, channel_id: str) -> frozenset[str]:
        """Who is in a team's channel (Teams user ids and Entra object ids), from the roster; cached."""
        cached = self._members.get(channel_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        accounts = await self.call(channel_id, lambda connector: connector.conversations.get_conversation_members(
            channel_id), timeout=min(3.0, self.teams.request_timeout))
        ids = frozenset({a.id for a in accounts if a.id} | {a.aad_object_id for a in accounts if a.aad_object_id})
        self._members[channel_id] = (time.monotonic() + MEMBERS_TTL, ids)
        return ids

    # ================================================================== edge: /api/messages

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/api/messages", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        claims = await self.auth.identify(request)    # 401 before the body is even parsed
        try:
            activity = Activity.model_validate(await request.json())
        except (ValueError, ValidationError, RecursionError):   # RecursionError: deeply nested JSON
            raise web.HTTPBadRequest(text='{"error": "not an Activity"}', content_type="application/json") from None
        if not activity.type or not activity.conversation or not activity.conversation.id:
            raise web.HTTPBadRequest(text='{"error": "an Activity needs a type and a conversation"}',
                                     content_type="application/json")
        if not self.auth.service_url_matches(claims, activity):
            raise web.HTTPUnauthorized(text='{"error": "the token was issued for another service URL"}',
                                       content_type="application/json")
        with warnings.catch_warnings():   # the SDK reads the claims under this plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = claims
        return await self.adapter.process(request, self.bot)

    # ================================================================== background work

    def spawn(self, coroutine: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Teams background work failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the work started by messages and commands (answers, notes)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
