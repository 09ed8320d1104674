"""The whole story with Teams as the staff side, over real sockets: web chat -> an Adaptive Card in the
Technical team's channel -> Claim -> the card updated -> replies in the card's chain <-> the customer -> resolved.

Microsoft's side is the local stand-in: the Agents SDK's real ConnectorClient talks to it as the
serviceUrl, and Teams' Activities reach Llamita's /api/messages over HTTP with signed Bot Framework tokens.
"""
from __future__ import annotations

import asyncio

from tests.adapters.slack.helpers import Customer
from tests.adapters.teams.conftest import ANA, TECHNICAL
from tests.adapters.teams.helpers import actions, hand_over, in_thread


async def test_a_security_hand_over_is_claimed_answered_and_resolved_from_teams(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()

    # A security hand-over: a new thread in Technical's channel, rooted in the case card.
    case_id, thread, created = await hand_over(llamita, customer, connector, TECHNICAL)
    card = created.card
    shown = created.shown()
    assert "Security" in shown and "Technical & Security" in shown and "Waiting for a person" in shown
    assert "booked a flight with my credit card" in shown
    assert {"claim", "transfer", "resolve"} <= set(actions(card))
    assert created.body["activity"]["summary"].startswith(f"Case #{case_id} for Technical & Security")

    # Ana claims it: the invoke is answered with the card's new state, and the card changes in place.
    answer = await llamita.teams.invoke(ANA, thread, "claim", {"case": case_id})
    assert answer.status == 200
    response = answer.json()
    assert response["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Claimed by Ana Lima" in str(response["value"])
    [update] = await connector.wait_for("update", lambda c: "Claimed by Ana Lima" in c.shown())
    assert update.conversation == thread and update.activity_id == thread.split(";messageid=")[1]
    assert "claim" not in actions(update.card) and "take_over" in actions(update.card)
    joined = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    assert "Ana Lima" in joined["text"] and "Technical" in joined["text"]

    # Ana writes in the card's chain (mentioning the bot): the customer reads it, mention stripped.
    answer = await llamita.teams.message(ANA, thread, "Hello, I'm Ana &amp; I'm on it", mention=True)
    assert answer.status == 202                     # the SDK's "accepted", once the reply is stored
    reply = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert reply["name"] == "Ana Lima" and reply["text"] == "Hello, I'm Ana & I'm on it"
    await asyncio.sleep(0.3)
    assert not connector.calls_to("send", lambda c: "I'm on it" in c.shown())   # no echo into Teams

    # The customer answers: it arrives in the chain as a proactive message, card number masked.
    await customer.say("Thanks! I paid with 4111 1111 1111 1111, booking LT-4821")
    [relayed] = await connector.wait_for("send", in_thread(thread))
    assert "Thanks! I paid with [card ending 1111], booking LT-4821" in relayed.shown()
    assert "4111 1111" not in relayed.shown()
    assert relayed.token and "(customer): Thanks! I paid" in relayed.body["summary"]

    # Ana resolves from the card: the card says so, the customer is told, the case is closed.
    answer = await llamita.teams.invoke(ANA, thread, "resolve", {"case": case_id})
    assert answer.status == 200 and "Resolved" in str(answer.json()["value"])
    await connector.wait_for("update", lambda c: "Resolved" in c.shown())
    closing = await customer.expect(lambda f: f["type"] == "message" and "resolved" in f["text"])
    assert closing["author"] == "system"
    assert (await llamita.runtime.service.case(case_id)).state == "resolved"
    await customer.close()
