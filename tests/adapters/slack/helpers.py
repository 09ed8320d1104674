"""A customer on the web chat socket, and short-cuts the Slack tests share."""
from __future__ import annotations

import asyncio
from typing import Callable

import aiohttp

from tests.adapters.slack.stand_in import Call, SlackStandIn
from tests.chat_client import ChatClient

LEGAL = "I'm going to sue you, my lawyer will contact you about the EU261 compensation"


class Customer(ChatClient):
    """The customer's side of the web chat (tests/chat_client.py), remembered so a test can hang up."""

    connected: list["Customer"] = []

    def __init__(self, session: aiohttp.ClientSession, ws_url: str):
        super().__init__(session, ws_url.removesuffix("/chat/ws"))

    @classmethod
    async def close_all(cls) -> None:
        """Hang up every customer socket (before a server shuts down)."""
        while cls.connected:
            await cls.connected.pop().close()

    async def connect(self, **hello) -> dict:
        welcome = await super().connect(**hello)
        Customer.connected.append(self)
        return welcome

    async def say(self, text: str) -> dict:
        ack = await self.send(text)
        assert ack["type"] == "ack", ack
        return ack

    async def expect(self, wanted: Callable[[dict], bool], timeout: float = 5.0) -> dict:
        return await self.next_frame(wanted, timeout)

    def seen(self, wanted: Callable[[dict], bool]) -> list[dict]:
        return [frame for frame in self.frames if wanted(frame)]


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
    """A note only `user` sees: an ephemeral message, or the answer to their click or command (response_url)."""
    [call] = (await stand_in.wait_for(("chat.postEphemeral", "response_url"),
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
