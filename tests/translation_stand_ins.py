"""Local stand-ins of translation services over real sockets (no machine here reaches one).

`LibreTranslateStandIn` speaks LibreTranslate's HTTP API (POST /translate with q, source, target, format,
api_key as form fields or query parameters, answering {"translatedText": ...}); deep-translator's
LibreTranslator is pointed at it with `custom_url`. `DeepLStandIn` speaks the DeepL API's
POST /v2/translate (JSON body, `Authorization: DeepL-Auth-Key ...`) for the official `deepl` client.

Both translate from a small phrase book the test gives them (and otherwise mark the text, "[en] ..."),
record every request, and can be `slow` (answer after a delay), `erroring` (HTTP 500) or `down`
(the listening socket closed: connections are refused).
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from aiohttp import web

from tests.sockets import free_port


@dataclass
class Request:
    text: str
    source: str
    target: str
    key: str | None


@dataclass
class _StandIn:
    phrases: dict[tuple[str, str, str], str] = field(default_factory=dict)   # (source, target, text) -> text
    delay: float = 0.0
    erroring: bool = False
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None

    def teach(self, source: str, target: str, text: str, translation: str) -> None:
        self.phrases[(source, target, text)] = translation

    def translation(self, text: str, source: str, target: str) -> str:
        return self.phrases.get((source.lower(), target.lower()[:2], text), f"[{target.lower()[:2]}] {text}")

    async def start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Down: nothing listens on the port any more (connections are refused)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _wait(self) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError


class LibreTranslateStandIn(_StandIn):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/translate", self._translate)
        app.router.add_get("/languages", self._languages)

    async def _languages(self, _request: web.Request) -> web.Response:
        return web.json_response([{"code": code, "name": code, "targets": []}
                                  for code in ("en", "es", "pt", "de", "fr", "it", "nl")])

    async def _translate(self, request: web.Request) -> web.Response:
        fields = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                fields.update(await request.json())
            else:
                fields.update(await request.post())
        self.requests.append(Request(fields.get("q", ""), fields.get("source", ""), fields.get("target", ""),
                                     fields.get("api_key")))
        await self._wait()
        if self.erroring:
            return web.json_response({"error": "Translation engine failed"}, status=500)
        if not fields.get("q") or not fields.get("target"):
            return web.json_response({"error": "Invalid request: missing q or target"}, status=400)
        return web.json_response({"translatedText": self.translation(fields["q"], fields.get("source", "auto"),
                                                                     fields["target"])})


class DeepLStandIn(_StandIn):
    def __init__(self, auth_key: str = "test-key:fx", **kwargs):
        super().__init__(**kwargs)
        self.auth_key = auth_key

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/translate", self._translate)

    async def _translate(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"DeepL-Auth-Key {self.auth_key}":
            return web.json_response({"message": "Wrong endpoint or authorization"}, status=403)
        body = json.loads(await request.text() or "{}")
        texts = body.get("text") or []
        source, target = body.get("source_lang") or "", body.get("target_lang") or ""
        for text in texts:
            self.requests.append(Request(text, source, target, self.auth_key))
        await self._wait()
        if self.erroring:
            return web.json_response({"message": "Internal error"}, status=500)
        if target.upper() in ("EN", "PT"):
            return web.json_response({"message": f"Value for 'target_lang' not supported: {target}"}, status=400)
        return web.json_response({"translations": [
            {"detected_source_language": source or "DE", "text": self.translation(text, source, target),
             "billed_characters": len(text)}
            for text in texts]})
