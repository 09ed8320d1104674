"""Two workers behind one database and one Redis: a customer on one sees what staff do on the other."""
from __future__ import annotations

import asyncio
import os
import uuid

import aiohttp
import pytest

from routing.hub import RedisHub
from tests.chat_client import ChatClient
from tests.servers import STAFF_TOKEN, running_server

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DESK = {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": "Ana"}


@pytest.fixture
async def redis_url():
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        message = f"Redis not reachable at {REDIS_URL}: {error}"
        if os.environ.get("LLAMITA_REQUIRE_REDIS") == "1":
            pytest.fail(message + " (LLAMITA_REQUIRE_REDIS=1)")
        pytest.skip(message)
    finally:
        await client.aclose()
    return REDIS_URL


async def test_an_event_published_by_one_worker_reaches_a_subscriber_on_another(redis_url):
    topic = f"test:{uuid.uuid4().hex}"
    sender, receiver = RedisHub(redis_url), RedisHub(redis_url)
    await sender.start()
    await receiver.start()
    try:
        async with receiver.subscribe(topic) as events:
            await asyncio.sleep(0.1)  # let the pattern subscription settle
            await sender.publish(topic, {"type": "message", "seq": 7})
            assert await asyncio.wait_for(events.get(), 5) == {"type": "message", "seq": 7}
    finally:
        await sender.close()
        await receiver.close()


@pytest.mark.postgres
async def test_a_claim_on_one_worker_shows_live_to_the_customer_on_another(
        redis_url, postgres_store, postgres_database, tmp_path):
    database_url = postgres_database
    async with running_server(tmp_path / "a", database_url, REDIS_URL=redis_url) as worker_a, \
            running_server(tmp_path / "b", database_url, REDIS_URL=redis_url) as worker_b, \
            aiohttp.ClientSession() as http:
        customer = ChatClient(http, worker_a.ws_url)
        await customer.connect()
        await customer.send("I want to talk to a person")
        await customer.message_from("bot")
        [case] = await (await http.get(worker_b.url + "/desk/api/cases", headers=DESK)).json()
        await http.post(f"{worker_b.url}/desk/api/cases/{case['id']}/claim", headers=DESK)
        await http.post(f"{worker_b.url}/desk/api/cases/{case['id']}/messages", headers=DESK,
                        json={"text": "Ana here, from the other worker", "id": "x1"})
        reply = await customer.message_from("staff")
        assert reply["text"] == "Ana here, from the other worker"
        await customer.close()
