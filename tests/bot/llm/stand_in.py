"""A local stand-in for an OpenAI-compatible chat completions endpoint, over real HTTP.

No machine here reaches a model. The real openai SDK client is pointed at this server (its base URL)
and gets what a test scripts, one reply per request, in order: a JSON judgement, any raw text, a
refusal, a tool call, an HTTP error, or a request that hangs until the stand-in closes. With nothing
scripted it answers like a well-behaved model (`grounded`): the policy's hand-over, else the first
sentence of the best knowledge passage. Every request body is recorded for assertions.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections import deque
from typing import Any, Awaitable, Callable

from aiohttp import web

from tests.sockets import free_port

Script = Callable[[dict], Awaitable[web.StreamResponse]]


def judgement(action: str = "answer", *, topic: str | None = None, reason: str | None = None,
              hot_topic_id: str | None = None, reply: str = "", summary: str = "", why: str = "scripted") -> dict:
    return {"action": action, "topic": topic, "handover_reason": reason, "hot_topic_id": hot_topic_id,
            "reply": reply, "staff_summary": summary, "why": why}


class ModelStandIn:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: deque[Script] = deque()
        self.released = asyncio.Event()
        self.port = free_port()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> "ModelStandIn":
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def close(self) -> None:
        self.released.set()   # hanging requests return now, so the server can stop
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what to answer next -----------------------------------------------------------------

    def answers(self, *bodies: dict | str) -> None:
        """Reply with these, one per request: a dict is sent as JSON content, a str as raw content."""
        for body in bodies:
            content = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
            self.script.append(lambda request, content=content: self._ok(request, {"content": content}))

    def refuses(self, text: str = "I can't help with that.") -> None:
        self.script.append(lambda request: self._ok(request, {"content": None, "refusal": text}))

    def calls_tool(self, name: str, arguments: dict) -> None:
        call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        self.script.append(lambda request: self._ok(request, {"content": None, "tool_calls": [call]},
                                                    finish_reason="tool_calls"))

    def fails(self, status: int = 500, times: int = 1) -> None:
        for _ in range(times):
            self.script.append(lambda request, status=status: self._error(status))

    def hangs(self, times: int = 1) -> None:
        for _ in range(times):
            self.script.append(self._hang)

    # -- reading what was asked -------------------------------------------------------------

    @staticmethod
    def system_of(request: dict) -> str:
        return next(m["content"] for m in request["messages"] if m["role"] == "system")

    @staticmethod
    def data_of(request: dict) -> dict:
        """The JSON document between <data> and </data> of the first user message."""
        user = next(m["content"] for m in request["messages"] if m["role"] == "user")
        return json.loads(re.search(r"<data>\n(.*)\n</data>", user, re.S).group(1))

    # -- the endpoint ---------------------------------------------------------------------------

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        script = self.script.popleft() if self.script else (lambda b: self._ok(b, {"content": json.dumps(grounded(b))}))
        return await script(body)

    async def _ok(self, request: dict, message: dict, finish_reason: str = "stop") -> web.Response:
        prompt = sum(len(m.get("content") or "") for m in request["messages"]) // 4
        completion = len(message.get("content") or "") // 4 + 1
        return web.json_response({
            "id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "created": 1_800_000_000,
            "model": request.get("model", "stand-in"),
            "choices": [{"index": 0, "finish_reason": finish_reason,
                         "message": {"role": "assistant", "refusal": None, **message}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        })

    async def _error(self, status: int) -> web.Response:
        return web.json_response({"error": {"message": "stand-in failure", "type": "server_error", "code": None}},
                                 status=status)

    async def _hang(self, request: dict) -> web.Response:
        await self.released.wait()
        return await self._error(503)


def grounded(request: dict) -> dict:
    """What a well-behaved model would answer, from the data document alone."""
    data = ModelStandIn.data_of(request)
    policy = data["policy"]
    if policy["action"] == "handover":
        reason = policy["reason"] if policy["reason"] != "edge_case" else "human_request"
        return judgement("handover", reason=reason, summary=f"Stand-in summary: {data['facts']['latest_message'][:60]}")
    customer_passages = [p for p in data["knowledge"] if p["audience"] == "customer"]
    if policy["action"] == "answer" and policy["topic"] is None:
        return judgement("answer", reply="👋")
    chosen = next((p for p in customer_passages if p["topic"] == policy["topic"]), None)
    if chosen is None:
        return judgement("ask", reply="…?", summary="Stand-in: the knowledge given does not answer this.")
    first = re.split(r"(?<=[.!?])\s", chosen["text"].strip(), maxsplit=1)[0]
    return judgement("answer", topic=chosen["topic"], reply=first)


async def started() -> ModelStandIn:
    return await ModelStandIn().start()


def any_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
