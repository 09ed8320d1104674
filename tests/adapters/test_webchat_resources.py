"""What one worker holds for its customers, and what nobody can make it hold: sockets end, limits hold.

Load and speed are measured by bench/ (never timed here); these check behaviour a customer or an
attacker can see: every handler ends with its socket, one address cannot fill the worker or the
database, and a malformed frame is answered rather than logged as a crash.
"""
from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from adapters.logs import RepeatFilter
from tests.chat_client import ChatClient
from tests.servers import running_server

CHAT_WORK = ("Conversation.", "WebChat.", "RequestHandler.")


def chat_tasks() -> list[asyncio.Task]:
    """Tasks that belong to chat sockets: the server's connection handlers, the sockets' own work."""
    return [task for task in asyncio.all_tasks()
            if not task.done() and getattr(task.get_coro(), "__qualname__", "").startswith(CHAT_WORK)]


async def eventually(check, timeout: float = 10.0):
    async with asyncio.timeout(timeout):
        while not (result := check()):
            await asyncio.sleep(0.02)
    return result


@pytest.fixture
async def unlimited_server(tmp_path, store, database_url):
    """Hundreds of customers from this one test address: the per-address limits are off."""
    async with running_server(tmp_path, database_url, LLAMITA_NEW_CONVERSATIONS_PER_MINUTE="0",
                              LLAMITA_MAX_CONNECTIONS_PER_ADDRESS="0") as running:
        yield running


async def test_every_chat_handler_ends_when_its_customer_closes_right_after_the_reply(unlimited_server, http):
    server = unlimited_server
    webchat = server.runtime.edges[0]
    hub = server.runtime.hub

    async def customer(index: int) -> None:
        client = ChatClient(http, server.ws_url)
        await client.connect()
        await client.send("How many bags can I bring?", client_id=f"q{index}")
        await client.message_from("bot", timeout=30)
        await client.close()   # right after the reply, while the server may still be pushing

    for wave in range(3):   # 300 customers, a hundred at a time
        await asyncio.gather(*(customer(wave * 100 + i) for i in range(100)))
    await eventually(lambda: webchat.open_sockets() == 0 and hub.listeners() == 0)
    await webchat.drain()
    await eventually(lambda: not chat_tasks())


async def test_a_customer_who_closes_before_the_reply_still_gets_it_on_return(server, http):
    client = ChatClient(http, server.ws_url)
    await client.connect()
    await client.send("Can I bring my dog on the plane?")
    await client.close()
    await server.runtime.edges[0].drain()
    again = ChatClient(http, server.ws_url)
    await again.connect(token=client.token, last_seq=1)
    assert (await again.message_from("bot"))["seq"] == 2
    await again.close()


@pytest.mark.parametrize("frame", ["[" * 30_000 + "]" * 30_000, "{\"a\":" * 10_000 + "1" + "}" * 10_000])
async def test_deeply_nested_json_is_a_bad_frame_not_a_crash(customer_of, frame, caplog):
    client = await customer_of()
    await client.ws.send_str(frame)
    refusal = await client.next_frame(lambda f: f["type"] == "error")
    assert refusal["code"] == "bad_frame"
    assert (await client.send("still here?"))["type"] == "ack"   # the socket lives on
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


async def test_a_hello_of_nested_json_is_refused_clearly(server, http):
    async with http.ws_connect(server.ws_url + "/chat/ws") as ws:
        await ws.send_str("[" * 30_000 + "]" * 30_000)
        assert json.loads((await ws.receive()).data)["code"] == "bad_hello"


@pytest.fixture
async def customer_of(server, http):
    clients: list[ChatClient] = []

    async def connect(**headers) -> ChatClient:
        client = ChatClient(http, server.ws_url)
        await client.connect()
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.close()


@pytest.fixture
async def limited_server(tmp_path, store, database_url):
    """A server that trusts X-Forwarded-For (as behind a proxy), with small per-address limits."""
    async with running_server(tmp_path, database_url, LLAMITA_TRUST_FORWARDED_FOR="1",
                              LLAMITA_NEW_CONVERSATIONS_PER_MINUTE="3",
                              LLAMITA_MAX_CONNECTIONS_PER_ADDRESS="4") as running:
        yield running


async def hello_from(http, server, address: str, **hello) -> tuple[aiohttp.ClientWebSocketResponse, dict]:
    ws = await http.ws_connect(server.ws_url + "/chat/ws", headers={"X-Forwarded-For": address})
    await ws.send_json({"type": "hello", **hello})
    while True:
        frame = json.loads((await ws.receive()).data)
        if frame["type"] == "welcome":
            return ws, frame
        if frame["type"] == "error" and frame.get("code") != "session_expired":
            await ws.close()   # as the widget does when refused: its place is free again
            return ws, frame


async def test_one_address_cannot_start_conversations_without_end(limited_server, http):
    sockets = []
    answers = []
    for _ in range(4):
        ws, frame = await hello_from(http, limited_server, "203.0.113.7")
        sockets.append(ws)
        answers.append(frame)
    assert [frame["type"] for frame in answers] == ["welcome", "welcome", "welcome", "error"]
    assert answers[-1]["code"] == "rate_limited" and answers[-1]["retry_after"] > 0
    # Someone else is not held up by it, and the first customer can still come back to their chat.
    _, other = await hello_from(http, limited_server, "198.51.100.2")
    assert other["type"] == "welcome"
    _, back = await hello_from(http, limited_server, "203.0.113.7", token=answers[0]["token"])
    assert back["type"] == "welcome" and back["conversation"] == answers[0]["conversation"], back
    for ws in sockets:
        await ws.close()


async def test_an_address_that_keeps_opening_chats_after_refusals_is_refused_before_the_handshake(
        limited_server, http):
    for _ in range(3):
        await hello_from(http, limited_server, "203.0.113.8")
    refusals = [(await hello_from(http, limited_server, "203.0.113.8"))[1]["code"] for _ in range(10)]
    assert refusals == ["rate_limited"] * 10
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(limited_server.ws_url + "/chat/ws", headers={"X-Forwarded-For": "203.0.113.8"})
    assert refused.value.status == 429 and int(refused.value.headers["Retry-After"]) >= 1
    _, other = await hello_from(http, limited_server, "198.51.100.3")
    assert other["type"] == "welcome"


async def test_one_address_cannot_hold_every_socket(limited_server, http):
    opened = [await http.ws_connect(limited_server.ws_url + "/chat/ws", headers={"X-Forwarded-For": "203.0.113.9"})
              for _ in range(4)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(limited_server.ws_url + "/chat/ws", headers={"X-Forwarded-For": "203.0.113.9"})
    assert refused.value.status == 429
    for socket in opened:
        await socket.close()
    # Closed sockets give their places back.
    ws, frame = await hello_from(http, limited_server, "203.0.113.9")
    assert frame["type"] == "welcome"
    await ws.close()


def test_a_repeated_error_is_logged_a_few_times_then_counted_not_repeated():
    clock = [0.0]
    repeat = RepeatFilter(burst=3, window=10.0, clock=lambda: clock[0])
    logger = logging.getLogger("tests.repeat")
    records = [logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "could not store a message in %s",
                                 (f"c{i}",), None) for i in range(1000)]
    kept = [record for record in records if repeat.filter(record)]
    assert len(kept) == 3
    clock[0] = 11.0
    later = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "could not store a message in %s", ("x",),
                              None)
    assert repeat.filter(later) and "997 more like this" in later.getMessage()
    other = logger.makeRecord(logger.name, logging.WARNING, __file__, 2, "another problem", (), None)
    assert repeat.filter(other)
    routine = [logger.makeRecord(logger.name, logging.INFO, __file__, 3, "answered %s", (i,), None) for i in range(50)]
    assert all(repeat.filter(record) for record in routine)   # only trouble is counted instead of written


async def test_the_handler_count_sees_a_socket_that_is_still_open(unlimited_server, http):
    """The count the test above relies on can fail: an open chat socket shows in it."""
    client = ChatClient(http, unlimited_server.ws_url)
    await client.connect()
    await eventually(lambda: chat_tasks())
    await client.close()
    await eventually(lambda: not chat_tasks())


async def test_a_customer_coming_back_is_let_in_while_their_network_floods_new_chats(limited_server, http):
    ws, first = await hello_from(http, limited_server, "203.0.113.10")
    await ws.close()
    for _ in range(2):
        await hello_from(http, limited_server, "203.0.113.10")
    for _ in range(10):
        await hello_from(http, limited_server, "203.0.113.10")       # refused: the network now floods
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await http.ws_connect(limited_server.ws_url + "/chat/ws", headers={"X-Forwarded-For": "203.0.113.10"})
    back = await http.ws_connect(limited_server.ws_url + "/chat/ws?resume=1",
                                 headers={"X-Forwarded-For": "203.0.113.10"})
    await back.send_json({"type": "hello", "token": first["token"]})
    welcome = json.loads((await back.receive()).data)
    assert welcome["type"] == "welcome" and welcome["conversation"] == first["conversation"]
    await back.close()
