"""A local stand-in for Microsoft's side of Teams, for protocol-level tests (no machine here reaches Microsoft).

`BotConnectorStandIn` serves the Bot Connector REST API Llamita calls (the Agents SDK's real
ConnectorClient is pointed at it as the `serviceUrl`): POST /v3/conversations (a new thread in a
channel), POST /v3/conversations/{id}/activities[/{activityId}], PUT .../activities/{activityId}, and the
roster GET /v3/conversations/{id}/members. It checks the bearer token, records every call, and can be
told to answer 429 with Retry-After, 500, a refusal, or slowly (a timeout), including "slowly after
doing it" (the post landed, the answer is lost). It also publishes the token signing keys (JWKS).

`StandInTokens` is what Entra ID would hand the bot: an Agents SDK token provider, plugged in through
the SDK's own connection seam (the factory `ConnectionManager` builds providers with).

`TeamsSide` is Teams calling Llamita: Activities POSTed to /api/messages as Teams sends them, each
with a Bot Framework JWT signed by the stand-in's key.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

from tests.sockets import free_port, wait_for_calls

APP_ID = "6d0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
TENANT = "0b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081"
BOT_ID = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"
KEY_ID = "stand-in-key-1"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def token_for(client_id: str | None) -> str:
    return f"stand-in-access-token-for-{client_id}"


class StandInTokens(AccessTokenProviderBase):
    """An access-token provider for the SDK's ConnectionManager, as MSAL would be, without Entra ID."""

    def __init__(self, configuration: AgentAuthConfiguration):
        self._configuration = configuration
        self.requests: list[tuple[str, list[str]]] = []

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        self.requests.append((resource_url, scopes))
        return token_for(self._configuration.CLIENT_ID)

    def get_token_credential(self):
        raise NotImplementedError("Llamita never asks for a credential object")


def sign(claims: dict, *, key=_KEY, kid: str | None = KEY_ID, algorithm: str = "RS256") -> str:
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def bot_framework_claims(service_url: str, **overrides) -> dict:
    now = int(time.time())
    return {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 5, "iat": now - 5,
            "exp": now + 3600, **overrides}


@dataclass
class Call:
    operation: str              # "create", "send", "reply", "update", "members"
    conversation: str | None
    activity_id: str | None
    body: Any
    status: int                 # what the stand-in answered
    token: str | None
    query: dict = field(default_factory=dict)
    response: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def card(self) -> dict | None:
        """The Adaptive Card the call carries (create: the thread's root activity)."""
        activity = self.body.get("activity") if self.operation == "create" else self.body
        for attachment in (activity or {}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None

    def shown(self) -> str:
        """Every string in the call, for asserting on what Teams would show."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Failure:
    status: int
    retry_after: float | None = None
    delay: float = 0.0
    after_effect: bool = False  # do it, then answer slowly: the post lands but the answer is lost


class BotConnectorStandIn:
    def __init__(self):
        self.calls: list[Call] = []
        self.members: dict[str, list[dict]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.outage: Callable[[str], Failure | None] | None = None   # consulted before every call
        self.delays: dict[str, float] = {}
        self.expected_token: str | None = token_for(APP_ID)   # None: the emulator's anonymous calls
        self._changed = asyncio.Event()
        self._ids = itertools.count(int(time.time() * 1000))
        self._runner: web.AppRunner | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.service_url = self.url + "/teams/"
        self.keys_url = self.url + "/keys"

    # ------------------------------------------------------------------ set-up by the test

    def add_member(self, channel: str, user: dict) -> None:
        self.members.setdefault(channel, []).append(
            {"id": user["id"], "name": user["name"], "aadObjectId": user.get("aadObjectId"),
             "userPrincipalName": f"{user['name'].split()[0].lower()}@llama.example", "tenantId": TENANT})

    def fail(self, operation: str, status: int = 429, times: int = 1, retry_after: float | None = None,
             delay: float = 0.0, after_effect: bool = False) -> None:
        for _ in range(times):
            self.failures.setdefault(operation, []).append(Failure(status, retry_after, delay, after_effect))

    def next_id(self) -> str:
        """Message ids as Teams makes them: milliseconds since the epoch, unique."""
        return str(next(self._ids))

    # ------------------------------------------------------------------ looking at what happened

    def calls_to(self, operation: str, where: Callable[[Call], bool] = lambda call: True, *,
                 answered: int | None = 200) -> list[Call]:
        return [call for call in self.calls if call.operation == operation and where(call)
                and (answered is None or call.status == answered)]

    async def wait_for(self, operation: str, where: Callable[[Call], bool] = lambda call: True, *, count: int = 1,
                       timeout: float = 5.0, answered: int | None = 200) -> list[Call]:
        def describe(found: int) -> str:
            seen = [(c.operation, c.status, c.conversation, c.shown()[:80]) for c in self.calls]
            return f"expected {count} {operation} call(s), saw {found}; all calls: {seen}"

        return await wait_for_calls(self._changed, lambda: self.calls_to(operation, where, answered=answered), count,
                                    timeout, describe)

    # ------------------------------------------------------------------ server

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/teams/v3/conversations", self._create)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_put("/teams/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/teams/v3/conversations/{conversation}/members", self._members)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(_KEY.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]})

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    async def _handle(self, request: web.Request, operation: str, answer: Callable[[Any], Any]) -> web.Response:
        body = await request.json() if request.can_read_body else None
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        conversation = request.match_info.get("conversation")
        activity_id = request.match_info.get("activity")

        def call(status: int, response: Any = None) -> Call:
            return Call(operation, conversation, activity_id, body, status, token, dict(request.query), response)

        if token != self.expected_token:
            self._record(call(401))
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        failure = (self.outage(operation) if self.outage else None) or (
            self.failures[operation].pop(0) if self.failures.get(operation) else None)
        if delay := self.delays.get(operation):
            await asyncio.sleep(delay)
        if failure and failure.after_effect:
            response = answer(body)
            self._record(call(200, response))
            await asyncio.sleep(failure.delay)
            return web.json_response(response)
        if failure:
            await asyncio.sleep(failure.delay)
            self._record(call(failure.status))
            headers = {"Retry-After": str(int(failure.retry_after))} if failure.retry_after is not None else {}
            return web.json_response({"error": {"code": "ServiceError", "message": "stand-in trouble"}},
                                     status=failure.status, headers=headers)
        response = answer(body)
        self._record(call(200, response))
        return web.json_response(response, status=201 if operation in ("create", "send", "reply") else 200)

    async def _create(self, request: web.Request) -> web.Response:
        def answer(body: dict) -> dict:
            channel = ((body or {}).get("channelData") or {}).get("channel", {}).get("id")
            message_id = self.next_id()
            return {"id": f"{channel};messageid={message_id}", "activityId": message_id}
        return await self._handle(request, "create", answer)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._handle(request, "send", lambda _body: {"id": self.next_id()})

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._handle(request, "reply", lambda _body: {"id": self.next_id()})

    async def _update(self, request: web.Request) -> web.Response:
        return await self._handle(request, "update", lambda _body: {"id": request.match_info["activity"]})

    async def _members(self, request: web.Request) -> web.Response:
        channel = request.match_info["conversation"]
        return await self._handle(request, "members", lambda _body: self.members.get(channel, []))


@dataclass
class Answer:
    status: int
    text: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class TeamsSide:
    """Teams calling Llamita over real HTTP, with Bot Framework tokens."""

    def __init__(self, session: aiohttp.ClientSession, url: str, connector: BotConnectorStandIn, tenant: str = TENANT):
        self.session, self.url, self.connector, self.tenant = session, url + "/api/messages", connector, tenant

    async def post(self, activity: dict | str, *, token: str | None = None, authorization: str | None = None) -> Answer:
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        else:
            headers["Authorization"] = "Bearer " + (token or sign(bot_framework_claims(self.connector.service_url)))
        body = activity if isinstance(activity, str) else json.dumps(activity)
        started = time.monotonic()
        async with self.session.post(self.url, data=body.encode(), headers=headers) as response:
            return Answer(response.status, await response.text(), time.monotonic() - started)

    def activity(self, kind: str, user: dict, conversation: str, **extra) -> dict:
        channel = conversation.split(";")[0]
        return {
            "type": kind, "id": self.connector.next_id(), "timestamp": "2026-03-02T10:29:00.000Z",
            "localTimestamp": "2026-03-02T11:29:00.000+01:00", "serviceUrl": self.connector.service_url,
            "channelId": "msteams", "from": user, "recipient": {"id": BOT_ID, "name": "Llamita"},
            "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": self.tenant,
                             "id": conversation},
            "channelData": {"teamsChannelId": channel, "teamsTeamId": "19:llama-team@thread.tacv2",
                            "channel": {"id": channel}, "team": {"id": "19:llama-team@thread.tacv2"},
                            "tenant": {"id": self.tenant}},
            "locale": "en-US", **extra}

    async def message(self, user: dict, conversation: str, text: str, *, mention: bool = False, **extra) -> Answer:
        """A message in a channel or a thread; `mention` puts '@Llamita' in front, as Teams writes it."""
        entities = [{"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}]
        if mention:
            text = f"<at>Llamita</at> {text}"
            entities.append({"type": "mention", "text": "<at>Llamita</at>",
                             "mentioned": {"id": BOT_ID, "name": "Llamita"}})
        extra.setdefault("textFormat", "plain")
        activity = self.activity("message", user, conversation, text=text, entities=entities, **extra)
        if ";messageid=" in conversation:
            activity["replyToId"] = conversation.split(";messageid=")[1]
        return await self.post(activity)

    async def invoke(self, user: dict, thread: str, verb: str, data: dict, **extra) -> Answer:
        """An Action.Execute click on the card at the root of `thread`."""
        activity = self.activity("invoke", user, thread, name="adaptiveCard/action",
                                 replyToId=thread.split(";messageid=")[1],
                                 value={"action": {"type": "Action.Execute", "id": str(uuid.uuid4()), "verb": verb,
                                                   "data": data}, "trigger": "manual"}, **extra)
        return await self.post(activity)

    async def edited(self, user: dict, thread: str, message_id: str, text: str) -> Answer:
        activity = self.activity("messageUpdate", user, thread, text=text, replyToId=thread.split(";messageid=")[1])
        activity["id"] = message_id
        activity["channelData"]["eventType"] = "editMessage"
        return await self.post(activity)

    async def deleted(self, user: dict, thread: str, message_id: str) -> Answer:
        activity = self.activity("messageDelete", user, thread, replyToId=thread.split(";messageid=")[1])
        activity["id"] = message_id
        activity["channelData"]["eventType"] = "softDeleteMessage"
        return await self.post(activity)
