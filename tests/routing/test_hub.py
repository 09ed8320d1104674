"""The live hub across workers: a Redis that stops answering must not hold anybody up."""
from __future__ import annotations

import asyncio

import pytest

from routing import hub as hub_module
from routing.hub import RedisHub


@pytest.fixture
async def silent_redis():
    """A server that accepts connections and never answers: a Redis that hangs rather than refuses."""
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(1024):
            pass
    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    yield f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()


async def test_publishing_to_a_redis_that_does_not_answer_gives_up_instead_of_waiting(silent_redis, monkeypatch):
    # The web chat publishes a nudge after a commit and before its ack: a hang here would hold the ack.
    monkeypatch.setattr(hub_module, "PUBLISH_TIMEOUT", 0.2)
    hub = RedisHub(silent_redis)
    try:
        async with asyncio.timeout(10) as outer:
            with pytest.raises(TimeoutError):
                await hub.publish("conversation:1", {"type": "new"})
        assert not outer.expired()
    finally:
        await hub.close()
