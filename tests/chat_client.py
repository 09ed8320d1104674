"""A customer's side of the web chat protocol, as a test speaks it (docs/webchat-protocol.md)."""
from __future__ import annotations

import asyncio
import json
from typing import Callable

import aiohttp


class ChatClient:
    def __init__(self, session: aiohttp.ClientSession, ws_url: str):
        self.session, self.ws_url = session, ws_url
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: list[dict] = []
        self.welcome: dict = {}
        self.token: str | None = None
        self.last_seq = 0
        self._counter = 0

    async def connect(self, *, token: str | None = None, last_seq: int | None = None,
                      identity: str | None = None) -> dict:
        self.ws = await self.session.ws_connect(self.ws_url + "/chat/ws")
        hello = {"type": "hello", "token": token if token is not None else self.token,
                 "last_seq": self.last_seq if last_seq is None else last_seq}
        if identity:
            hello["identity"] = identity
        await self.ws.send_json(hello)
        self.welcome = await self.next_frame(lambda f: f["type"] == "welcome")
        self.token = self.welcome["token"] or self.token
        return self.welcome

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def send(self, text: str, client_id: str | None = None) -> dict:
        """Send a message and return its acknowledgement."""
        self._counter += 1
        client_id = client_id or f"m{self._counter}"
        await self.ws.send_json({"type": "message", "id": client_id, "text": text})
        return await self.next_frame(lambda f: f["type"] in ("ack", "error") and f.get("id") == client_id)

    async def next_frame(self, wanted: Callable[[dict], bool], timeout: float = 5.0) -> dict:
        for frame in self.frames:
            if wanted(frame):
                self.frames.remove(frame)
                return frame
        async def read() -> dict:
            while True:
                message = await self.ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"socket closed: {message.type}")
                frame = json.loads(message.data)
                if frame.get("type") == "message":
                    self.last_seq = max(self.last_seq, frame["seq"])
                if wanted(frame):
                    return frame
                self.frames.append(frame)
        return await asyncio.wait_for(read(), timeout)

    async def message_from(self, author: str, timeout: float = 5.0) -> dict:
        return await self.next_frame(lambda f: f["type"] == "message" and f["author"] == author, timeout)

    def seen_messages(self) -> list[dict]:
        return [f for f in self.frames if f["type"] == "message"]
