"""A signed-in customer asks about their trip in the web chat and is told their own booking's facts.

Spoken over the real WebSocket to the real server, with the demo store (routing/demo/store.yml) seeded.
"""
from __future__ import annotations

import time

from adapters.identity import sign_identity
from tests.chat_client import ChatClient
from tests.servers import IDENTITY_SECRET


async def chat(server, http, text: str, identity: str | None = None) -> dict:
    client = ChatClient(http, server.ws_url)
    await client.connect(identity=identity)
    try:
        await client.send(text)
        return await client.message_from("bot")
    finally:
        await client.close()


def signed_in_as(customer_id: str) -> str:
    return sign_identity(IDENTITY_SECRET, {"id": customer_id, "exp": time.time() + 60})


async def test_a_signed_in_demo_customer_is_told_the_facts_of_their_booking(server, http):
    reply = await chat(server, http, "Is my flight on time?", identity=signed_in_as("ana.souza"))

    assert "Your booking LT-4821 (Lisbon → Toronto, 2 adults) departs 14 Dec 2026 and is confirmed." in reply["text"]


async def test_the_booking_a_signed_in_customer_names_is_the_one_they_are_told_about(server, http):
    reply = await chat(server, http, "What's the status of my flight LT-40388?",
                       identity=signed_in_as("carlos.mendez"))

    assert "LT-40388 (Bogotá → Cusco, 1 adult) departs 20 Feb 2027" in reply["text"]
    assert "Palma" not in reply["text"]


async def test_an_anonymous_visitor_typing_the_same_reference_learns_nothing_about_it(server, http):
    reply = await chat(server, http, "What's the status of my flight LT-4821?")

    for fact in ("Lisbon", "Toronto", "2 adults", "14 Dec 2026", "confirmed", "LT-4821"):
        assert fact not in reply["text"], fact
    assert "signed in" in reply["text"]


async def test_a_signed_in_customer_naming_someone_elses_booking_learns_nothing_about_it(server, http):
    reply = await chat(server, http, "What's the status of my flight LT-4821?", identity=signed_in_as("carlos.mendez"))

    for fact in ("Lisbon", "Toronto", "2 adults", "14 Dec 2026", "LT-4821"):
        assert fact not in reply["text"], fact
