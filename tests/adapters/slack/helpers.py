"""A customer on the web chat socket, and short-cuts the Slack tests share."""
from __future__ import annotations

import asyncio
import itertools
import json
from typing import Callable

import aiohttp

from tests.adapters.slack.stand_in import Call, SlackStandIn

LEGAL = "I'm going to sue you, my lawyer will contact you about the EU261 compensation"


class Customer:
    """The customer's side of adapters/webchat.py's protocol, over a real WebSocket."""

    connected: list["Customer"] = []

    def __init__(self, session: aiohttp.ClientSession, ws_url: str):
        self.session, self.ws_url = session, ws_url
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: list[dict] = []
        self._ids = itertools.count(1)

    @classmethod
    async def close_all(cls) -> None:
        """Hang up every customer socket (before a server shuts down)."""
        while cls.connected:
            await cls.connected.pop().close()

    async def connect(self) -> dict:
        self.ws = await self.session.ws_connect(self.ws_url)
        Customer.connected.append(self)
        await self.ws.send_json({"type": "hello"})
        return await self.expect(lambda frame: frame["type"] == "welcome")

    async def say(self, text: str) -> dict:
        client_id = f"c{next(self._ids)}"
        await self.ws.send_json({"type": "message", "id": client_id, "text": text})
        ack = await self.expect(lambda frame: frame["type"] in ("ack", "error") and frame.get("id") == client_id)
        assert ack["type"] == "ack", ack
        return ack

    async def expect(self, wanted: Callable[[dict], bool], timeout: float = 5.0) -> dict:
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
                if wanted(frame):
                    return frame
                self.frames.append(frame)

        return await asyncio.wait_for(read(), timeout)

    def seen(self, wanted: Callable[[dict], bool]) -> list[dict]:
        return [frame for frame in self.frames if wanted(frame)]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def is_card(channel: str) -> Callable[[Call], bool]:
    return lambda call: call.args.get("channel") == channel and "thread_ts" not in call.args


def in_thread(card_ts: str) -> Callable[[Call], bool]:
    return lambda call: call.args.get("thread_ts") == card_ts


def case_id_of(card: Call) -> int:
    for block in card.args["blocks"]:
        if block.get("type") == "actions":
            return int(block["block_id"].split(":")[1])
    raise AssertionError("the card has no buttons")


def button(card: Call, action_id: str) -> dict | None:
    for block in card.args["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    return None


async def hand_over(server, customer: Customer, stand_in: SlackStandIn, channel: str,
                    text: str = LEGAL) -> tuple[int, str, Call]:
    """The customer writes something that goes to people; returns (case id, card ts, card call) once
    the server has recorded the card as the case's thread."""
    await customer.say(text)
    [card] = await stand_in.wait_for("chat.postMessage", is_card(channel))
    case_id, ts = case_id_of(card), card.response["ts"]
    assert await eventually(lambda: server.runtime.service.case_for_thread("slack", ts)) == case_id
    return case_id, ts, card


async def ephemeral_to(stand_in: SlackStandIn, user: str, containing: str, timeout: float = 5.0) -> Call:
    [call] = (await stand_in.wait_for("chat.postEphemeral",
                                      lambda c: c.args.get("user") == user and containing in c.args.get("text", ""),
                                      timeout=timeout))[:1]
    return call


async def eventually(check, timeout: float = 5.0):
    """Await `check()` until it returns something truthy (state written just after Slack was called)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)
