"""The scheduler's ladder as Slack shows it, over real sockets: the card edited in place as the wait grows,
a reminder in the thread that pings the channel (Llamita's words only), then the case in the fallback
team's channel with who was reminded. Time is moved, never slept; posts are counted at the stand-in."""
from __future__ import annotations

import pytest

from tests.adapters.slack.conftest import ANA, COMPLIANCE, running_llamita
from tests.adapters.slack.helpers import Customer, case_id_of, eventually, hand_over, in_thread, is_card
from tests.routing.scheduling import Clock

GENERAL = "C0GENERAL"
HOSTILE = "<!channel> <@UANA0001> I'm going to sue you, my lawyer will contact you about the EU261 compensation"


@pytest.fixture
async def ticking(store, tmp_path, database_url, stand_in, session):
    clock = Clock()
    async with running_llamita(tmp_path, database_url, stand_in, session, clock=clock,
                               LLAMITA_SCHEDULER_SECONDS="0") as server:
        yield server, clock


async def tick(server) -> None:
    await server.runtime.scheduler.tick()


async def test_an_unclaimed_case_walks_the_ladder_in_slack(ticking, stand_in, session):
    server, clock = ticking
    customer = Customer(session, server.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(server, customer, stand_in, COMPLIANCE, text=HOSTILE)
    status = await customer.expect(lambda f: f["type"] == "status" and f.get("queue"))
    assert status["queue"] == {"team": "Compliance", "position": 1, "open": True, "wait_minutes": 3}

    clock.advance(minutes=2)
    await tick(server)
    [edit] = await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts)
    assert "waiting 2 min · reminded once" in edit.text_everywhere()
    assert not stand_in.calls_to("chat.postMessage", in_thread(card_ts))      # quiet: the card only

    clock.advance(minutes=3)
    await tick(server)
    [loud] = await stand_in.wait_for("chat.postMessage", in_thread(card_ts))
    assert loud.args["text"].startswith("<!here> Reminder: case #")
    await stand_in.wait_for("chat.update", lambda c: "reminded twice" in c.text_everywhere())

    clock.advance(minutes=5)
    await tick(server)
    [moved] = await stand_in.wait_for("chat.postMessage", is_card(GENERAL))
    assert case_id_of(moved) == case_id
    [escalation] = await stand_in.wait_for("chat.postMessage", in_thread(moved.response["ts"]))
    said = escalation.args["text"]
    assert said.startswith("<!here> Escalated from Compliance") and "with @here at 5 min" in said
    await stand_in.wait_for("chat.update",
                            lambda c: c.args["ts"] == card_ts and "Transferred to" in c.text_everywhere())

    # Only Llamita's own words ping: the customer's text never does, on the cards or in the threads.
    for call in stand_in.calls_to("chat.postMessage") + stand_in.calls_to("chat.update"):
        shown = call.text_everywhere()
        assert "<!channel>" not in shown and "<@UANA0001>" not in shown
    pings = [c for c in stand_in.calls if "<!here>" in c.text_everywhere()]
    assert len(pings) == 2                                              # one reminder, one escalation

    for _ in range(3):                                                  # nothing is due twice
        await tick(server)
    await server.runtime.service.store.read(lambda s: None)
    assert len([c for c in stand_in.calls if "<!here>" in c.text_everywhere()]) == 2
    await customer.close()


async def test_a_stalled_claimer_is_mentioned_in_the_thread(ticking, stand_in, session):
    server, clock = ticking
    customer = Customer(session, server.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(server, customer, stand_in, COMPLIANCE)
    await server.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    await eventually(lambda: _state(server, case_id, "claimed"))
    clock.advance(minutes=4)
    await server.runtime.service.present([customer.welcome["conversation"]])
    await tick(server)
    [nudge] = await stand_in.wait_for("chat.postMessage", in_thread(card_ts))
    assert nudge.args["text"].startswith(f"<@{ANA}> The customer has waited 4 min")
    await customer.close()


async def _state(server, case_id: int, state: str) -> bool:
    return (await server.runtime.service.case(case_id)).state == state
