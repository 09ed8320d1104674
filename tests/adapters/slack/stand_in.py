"""A local stand-in for Slack, for protocol-level tests (no machine here reaches Slack).

`SlackStandIn` serves the Web API methods Llamita calls (the real AsyncWebClient is pointed at it with
SLACK_API_URL), including the external file upload (files.getUploadURLExternal gives an upload URL here,
the bytes are POSTed to it, files.completeUploadExternal finishes it) and views.open, records every call,
and can be told to answer 429 with Retry-After, 500, or an `ok: false` error for the next N calls of a
method, or to be slow. It also takes the posts Bolt makes
to a `response_url`, and plays Slack's side of Socket Mode (apps.connections.open and the WebSocket).
Modelled on bolt-python's tests/mock_web_api_server, but asyncio and on a free port.

`SlackSide` is Slack calling Llamita: Events API, interactivity and slash-command requests over real
HTTP, signed exactly as Slack signs them (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

from tests.sockets import free_port, wait_for_calls

BOT_USER_ID, BOT_ID, TEAM_ID = "UBOTLLAMA", "BBOTLLAMA", "TLLAMA"


@dataclass
class Call:
    method: str
    args: dict
    status: int                  # what the stand-in answered
    token: str | None
    response: dict = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    def text_everywhere(self) -> str:
        """Every string in the call (text, blocks...), for asserting on what Slack would show."""
        return json.dumps(self.args, ensure_ascii=False)


@dataclass
class Failure:
    status: int
    error: str
    retry_after: float | None


class SlackStandIn:
    def __init__(self):
        self.calls: list[Call] = []
        self.users: dict[str, dict] = {}
        self.members: dict[str, list[str]] = {}
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        self.delays: dict[str, float] = {}
        self.late: dict[str, float] = {}          # answer only after this long, though the call took effect
        self.holds: dict[str, asyncio.Event] = {}  # calls take effect, then wait for the event to answer
        self.channel_holds: dict[str, asyncio.Event] = {}  # the same, for any call into one channel
        self.messages: dict[str, list[dict]] = defaultdict(list)   # channel -> what was posted there
        self.hooks: dict[str, str] = {}           # response_url hook -> the user whose click or command made it
        self.socket_frames: asyncio.Queue = asyncio.Queue()   # what Llamita sent over Socket Mode
        self._socket: web.WebSocketResponse | None = None
        self._socket_ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.files: dict[str, dict] = {}             # file id -> {"filename", "length", "data", "completed"}
        self._runner: web.AppRunner | None = None
        self.uploads: dict[str, bytes] = {}                     # file id -> the bytes POSTed to its upload URL
        self.shared_files: list[dict] = []                      # completed uploads: file, channel, thread
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = self.url + "/api/"

    # ------------------------------------------------------------------ set-up by the test

    def add_user(self, user_id: str, display_name: str, real_name: str = "") -> None:
        self.users[user_id] = {"id": user_id, "name": display_name.lower(), "real_name": real_name or display_name,
                               "profile": {"display_name": display_name, "real_name": real_name or display_name}}

    def fail(self, method: str, status: int = 429, times: int = 1, retry_after: float | None = None,
             error: str | None = None) -> None:
        """The next `times` calls of `method` answer `status` (429 carries Retry-After)."""
        error = error or {429: "ratelimited", 200: "channel_not_found"}.get(status, "internal_error")
        for _ in range(times):
            self.failures[method].append(Failure(status, error, retry_after))

    # ------------------------------------------------------------------ looking at what happened

    def calls_to(self, method: str | tuple[str, ...], where: Callable[[Call], bool] = lambda call: True, *,
                 answered: int | None = 200) -> list[Call]:
        methods = (method,) if isinstance(method, str) else method
        return [call for call in self.calls if call.method in methods and where(call)
                and (answered is None or call.status == answered)]

    async def wait_for(self, method: str | tuple[str, ...], where: Callable[[Call], bool] = lambda call: True, *,
                       count: int = 1, timeout: float = 5.0, answered: int | None = 200) -> list[Call]:
        """Wait until `count` matching calls were answered; returns them all."""
        def describe(found: int) -> str:
            seen = [(c.method, c.status, c.args.get("channel"), str(c.args.get("text"))[:60]) for c in self.calls]
            return f"expected {count} {method} call(s), saw {found}; all calls: {seen}"

        return await wait_for_calls(self._changed, lambda: self.calls_to(method, where, answered=answered), count,
                                    timeout, describe)

    # ------------------------------------------------------------------ server

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket-mode", self._socket_mode)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.set()

    async def _arguments(self, request: web.Request) -> dict:
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(parse_qsl(raw.decode()))
        for key in ("blocks", "attachments"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._arguments(request)
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") or args.get("token")
        if delay := self.delays.get(method):
            await asyncio.sleep(delay)

        if self.failures.get(method):
            failure = self.failures[method].pop(0)
            self._record(Call(method, args, failure.status, token))
            headers = {"Retry-After": str(int(failure.retry_after or 1))} if failure.status == 429 else {}
            if failure.status >= 500:
                return web.Response(status=failure.status, text="<html>upstream trouble</html>",
                                    content_type="text/html")
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        expected = "xapp-" if method == "apps.connections.open" else "xoxb-"
        if not token or not token.startswith(expected):
            self._record(Call(method, args, 200, token))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body = handler(args) if handler else {"ok": True}
        self._record(Call(method, args, 200, token, body))
        if late := self.late.get(method):
            await asyncio.sleep(late)   # Slack took it; the answer comes too late for the client
        if hold := self.holds.get(method) or self.channel_holds.get(str(args.get("channel"))):
            await hold.wait()           # Slack took it; no answer until the test lets it go
        return web.json_response(body, headers={"x-oauth-scopes": "chat:write,commands"}
                                 if method == "auth.test" else None)

    def next_ts(self) -> str:
        """Message timestamps as Slack makes them: unix seconds, a dot, a unique suffix."""
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _auth_test(self, _args: dict) -> dict:
        return {"ok": True, "url": "https://llama.slack.com/", "team": "Llama Travel", "user": "llamita",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}

    def _chat_postMessage(self, args: dict) -> dict:
        ts = self.next_ts()
        message = {"type": "message", "text": args.get("text"), "ts": ts, "bot_id": BOT_ID, "user": BOT_USER_ID}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        self.messages[args.get("channel", "")].append(message)
        return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}

    def posted(self, channel: str, *, thread_ts: str | None = None, top_level: bool = False) -> list[dict]:
        """What is visible in a channel (or one thread), oldest first: the effect of every post that landed."""
        found = self.messages.get(channel, [])
        if thread_ts:
            return [m for m in found if m.get("thread_ts") == thread_ts]
        if top_level:
            return [m for m in found if not m.get("thread_ts")]
        return list(found)

    def _conversations_history(self, args: dict) -> dict:
        """Top-level messages, newest first; metadata only with include_all_metadata, as Slack does."""
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 1e12)
        inclusive = str(args.get("inclusive")).lower() in ("1", "true")
        found = [m for m in self.posted(args.get("channel", ""), top_level=True)
                 if oldest <= float(m["ts"]) and (float(m["ts"]) < latest or inclusive and float(m["ts"]) == latest)]
        return {"ok": True, "messages": self._shown(list(reversed(found))[:int(args.get("limit") or 100)], args),
                "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _conversations_replies(self, args: dict) -> dict:
        thread = args.get("ts", "")
        parent = [m for m in self.posted(args.get("channel", ""), top_level=True) if m["ts"] == thread]
        replies = self.posted(args.get("channel", ""), thread_ts=thread)
        return {"ok": True, "messages": self._shown(parent + replies, args), "has_more": False,
                "response_metadata": {"next_cursor": ""}}

    @staticmethod
    def _shown(messages: list[dict], args: dict) -> list[dict]:
        if str(args.get("include_all_metadata")).lower() in ("1", "true"):
            return messages
        return [{key: value for key, value in m.items() if key != "metadata"} for m in messages]

    def _chat_update(self, args: dict) -> dict:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}

    def _chat_postEphemeral(self, args: dict) -> dict:
        # As Slack: an ephemeral note reaches only someone in the channel.
        if args.get("channel") in self.members and args.get("user") not in self.members[args["channel"]]:
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self.next_ts()}

    def _users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_members(self, args: dict) -> dict:
        return {"ok": True, "members": self.members.get(args.get("channel", ""), []),
                "response_metadata": {"next_cursor": ""}}

    # ---- Slack's external file upload: get a URL, POST the bytes there, complete it into a channel/thread

    def _files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):08d}"
        self.files[file_id] = {"filename": args["filename"], "length": int(args["length"]), "data": None,
                               "completed": False, "alt_txt": args.get("alt_txt")}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        known = self.files.get(file_id)
        self._record(Call("upload", {"file_id": file_id, "bytes": len(data)}, 200 if known else 404, None))
        if known is None:
            return web.Response(status=404, text="no such upload")
        known["data"] = self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    def _files_completeUploadExternal(self, args: dict) -> dict:
        files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files") or []
        done = []
        for item in files:
            known = self.files.get(item.get("id"))
            if known is None or known["data"] is None or len(known["data"]) != known["length"]:
                return {"ok": False, "error": "file_upload_incomplete"}   # the bytes never arrived as announced
            known["completed"] = True
            known["shared_to"] = args.get("channel_id") or args.get("channels")
            self.shared_files.append({"id": item["id"], "title": item.get("title"), "channel": args.get("channel_id"),
                                      "thread_ts": args.get("thread_ts"),
                                      "initial_comment": args.get("initial_comment"), "data": known["data"]})
            done.append({"id": item["id"], "title": item.get("title"), "name": known["filename"],
                         "mimetype": "image/png", "is_public": bool(known["shared_to"])})
        return {"ok": True, "files": done}

    def _views_open(self, args: dict) -> dict:
        view = json.loads(args["view"]) if isinstance(args.get("view"), str) else args.get("view")
        if not args.get("trigger_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {"id": f"V{next(self._file_ids):08d}", **view}}

    def _apps_connections_open(self, _args: dict) -> dict:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket-mode"}

    async def _respond(self, request: web.Request) -> web.Response:
        args = {**await request.json(), "user": self.hooks.get(request.match_info["hook"])}
        self._record(Call("response_url", args, 200, None))
        return web.Response(text="ok")

    # ------------------------------------------------------------------ Socket Mode (Slack's side)

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "stand-in", "approximate_connection_time": 3600}})
        self._socket_ready.set()
        async for frame in ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                await self.socket_frames.put(json.loads(frame.data))
        return ws

    async def socket_send(self, envelope: dict, timeout: float = 5.0) -> dict:
        """Send an envelope to the connected app and return its acknowledgement."""
        await asyncio.wait_for(self._socket_ready.wait(), timeout)
        await self._socket.send_json(envelope)
        while True:
            frame = await asyncio.wait_for(self.socket_frames.get(), timeout)
            if frame.get("envelope_id") == envelope["envelope_id"]:
                return frame


def sign(secret: str, timestamp: int | str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class Answer:
    status: int
    text: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackSide:
    """Slack calling Llamita over real HTTP, with Slack's signatures."""

    def __init__(self, session: aiohttp.ClientSession, url: str, secret: str, stand_in: SlackStandIn):
        self.session, self.url, self.secret, self.stand_in = session, url + "/slack/events", secret, stand_in
        self._ids = itertools.count(1)

    async def send(self, body: str, content_type: str, *, timestamp: int | None = None,
                   signature: str | None = None, headers: dict | None = None) -> Answer:
        timestamp = int(time.time()) if timestamp is None else timestamp
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                       "X-Slack-Signature": signature or sign(self.secret, timestamp, body), **(headers or {})}
        started = time.monotonic()
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            return Answer(response.status, await response.text(), time.monotonic() - started)

    def _hook(self, user: str) -> str:
        """A response_url for one click or command of `user` (the stand-in remembers whose it is)."""
        hook = f"{id(self):x}-{next(self._ids)}"   # unique across the SlackSides of several workers
        self.stand_in.hooks[hook] = user
        return f"{self.stand_in.url}/respond/{hook}"

    def event_body(self, event: dict, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "legacy-unused", "team_id": TEAM_ID, "api_app_id": "ALLAMITA", "type": "event_callback",
            "event": event, "event_id": event_id or f"Ev{next(self._ids):08d}", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        })

    async def event(self, event: dict, *, event_id: str | None = None, retry_num: int | None = None) -> Answer:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else None
        return await self.send(self.event_body(event, event_id), "application/json", headers=headers)

    async def reply_in_thread(self, user: str, channel: str, thread_ts: str, text: str, **extra) -> Answer:
        ts = extra.pop("ts", None) or self.stand_in.next_ts()
        event_id = extra.pop("event_id", None)
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                 "thread_ts": thread_ts, "parent_user_id": BOT_USER_ID, "channel_type": "channel", "event_ts": ts,
                 **extra}
        return await self.event(event, event_id=event_id)

    def action_body(self, user: str, channel: str, message_ts: str, action: dict) -> str:
        return urlencode({"payload": json.dumps(self.action_payload(user, channel, message_ts, action))})

    def action_payload(self, user: str, channel: str, message_ts: str, action: dict) -> dict:
        return {
            "type": "block_actions", "api_app_id": "ALLAMITA", "token": "legacy-unused", "trigger_id": "1.2.3",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
            "team": {"id": TEAM_ID, "domain": "llama"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "team-channel"},
            "message": {"type": "message", "ts": message_ts, "bot_id": BOT_ID, "text": "case card"},
            "response_url": self._hook(user),
            "actions": [{"action_ts": str(time.time()), **action}],
        }

    async def click(self, user: str, channel: str, message_ts: str, action_id: str, case_id: int) -> Answer:
        action = {"action_id": action_id, "block_id": f"llamita_case:{case_id}", "value": str(case_id),
                  "type": "button"}
        return await self.send(self.action_body(user, channel, message_ts, action),
                               "application/x-www-form-urlencoded")

    async def choose_team(self, user: str, channel: str, message_ts: str, case_id: int, team: str) -> Answer:
        action = {"action_id": "llamita_transfer", "block_id": f"llamita_case:{case_id}", "type": "static_select",
                  "selected_option": {"text": {"type": "plain_text", "text": team}, "value": team}}
        return await self.send(self.action_body(user, channel, message_ts, action),
                               "application/x-www-form-urlencoded")

    async def interact(self, payload: dict) -> Answer:
        """An interactivity request (a shortcut, a modal's submission) as Slack sends it: a form with `payload`."""
        return await self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def shortcut_payload(self, user: str, channel: str, callback_id: str, message: dict) -> dict:
        """A message shortcut used on `message` (its ts, and thread_ts for a reply)."""
        return {"type": "message_action", "callback_id": callback_id, "trigger_id": f"{next(self._ids)}.trigger",
                "user": {"id": user, "name": user.lower(), "team_id": TEAM_ID}, "team": {"id": TEAM_ID},
                "channel": {"id": channel, "name": "team-channel"}, "message_ts": message.get("ts"),
                "message": {"type": "message", **message}, "api_app_id": "ALLAMITA", "token": "legacy-unused",
                "response_url": f"{self.stand_in.url}/respond/{next(self._ids)}"}

    def submission_payload(self, user: str, view: dict, values: dict) -> dict:
        """The submission of a modal Llamita opened (`view` as views.open got it), with the inputs' values."""
        return {"type": "view_submission", "team": {"id": TEAM_ID}, "api_app_id": "ALLAMITA",
                "user": {"id": user, "name": user.lower(), "team_id": TEAM_ID}, "token": "legacy-unused",
                "trigger_id": f"{next(self._ids)}.trigger",
                "view": {**view, "id": "V1", "team_id": TEAM_ID, "state": {"values": values}}}

    async def command(self, user: str, text: str, channel: str = "C0COMPLIANCE") -> Answer:
        body = urlencode({
            "token": "legacy-unused", "team_id": TEAM_ID, "team_domain": "llama", "channel_id": channel,
            "channel_name": "compliance", "user_id": user, "user_name": user.lower(), "command": "/llamita",
            "text": text, "api_app_id": "ALLAMITA", "trigger_id": "1.2.3",
            "response_url": self._hook(user),
        })
        return await self.send(body, "application/x-www-form-urlencoded")
