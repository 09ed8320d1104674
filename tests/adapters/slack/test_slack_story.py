"""The whole story over real sockets: web chat -> card in Compliance -> claim -> thread <-> customer -> resolved.

Slack is the local stand-in (the real AsyncWebClient talks to it); Slack's requests to Llamita are
sent over HTTP and signed as Slack signs them.
"""
from __future__ import annotations

import asyncio

from sqlmodel import select

from routing.models import Claim
from tests.adapters.slack.conftest import ANA, BRUNO, COMPLIANCE, running_llamita
from tests.adapters.slack.helpers import Customer, button, ephemeral_to, hand_over, in_thread


async def test_a_legal_hand_over_is_claimed_answered_and_resolved_from_slack(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()

    # A legal threat: the card lands in Compliance's channel, with the case and the buttons.
    case_id, card_ts, card = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    shown = card.text_everywhere()
    assert "Legal" in shown and "Compliance" in shown and "EU261" in shown
    assert button(card, "llamita_claim") and button(card, "llamita_resolve")
    assert card.args["unfurl_links"] is False

    # Ana claims it: Slack gets its answer at once, the card changes in place.
    answer = await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    assert answer.status == 200 and answer.seconds < 3
    [update] = await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts)
    assert f"Claimed by <@{ANA}>, <!date^" in update.text_everywhere()
    assert button(update, "llamita_claim") is None and button(update, "llamita_take_over")
    joined = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    assert "ana" in joined["text"] and "Compliance" in joined["text"]
    await ephemeral_to(stand_in, ANA, "is yours")

    # Ana writes in the thread: the customer reads it, under her display name, as plain text.
    answer = await llamita.slack.reply_in_thread(
        ANA, COMPLIANCE, card_ts, "Hello, I'm Ana &amp; I'm on it. See <https://llama.travel/eu261|our EU261 page>")
    assert answer.status == 200
    reply = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert reply["name"] == "ana"
    assert reply["text"] == "Hello, I'm Ana & I'm on it. See our EU261 page (https://llama.travel/eu261)"
    await asyncio.sleep(0.3)
    assert not stand_in.calls_to("chat.postMessage", lambda c: "Hello, I'm Ana" in c.text_everywhere())  # no echo

    # The customer answers: it appears in the thread, card number masked.
    await customer.say("Thanks! I paid with 4111 1111 1111 1111, booking LT-4821")
    [relayed] = await stand_in.wait_for("chat.postMessage", in_thread(card_ts))
    assert relayed.args["channel"] == COMPLIANCE
    assert "Thanks! I paid with [card ending 1111], booking LT-4821" in relayed.text_everywhere()
    assert "4111 1111" not in relayed.text_everywhere()

    # Ana resolves from the card: the card says so, the customer is told, the case is closed.
    answer = await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_resolve", case_id)
    assert answer.status == 200
    await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts and "Resolved" in c.text_everywhere())
    closing = await customer.expect(lambda f: f["type"] == "message" and "resolved" in f["text"])
    assert closing["author"] == "system"
    assert (await llamita.runtime.service.case(case_id)).state == "resolved"
    await customer.close()


async def test_two_simultaneous_claims_on_two_workers_exactly_one_wins(llamita, stand_in, session, tmp_path,
                                                                      database_url):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)

    # A second worker on the same database takes half of Slack's requests.
    async with running_llamita(tmp_path / "worker2", database_url, stand_in, session) as other:
        answers = await asyncio.gather(
            llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id),
            other.slack.click(BRUNO, COMPLIANCE, card_ts, "llamita_claim", case_id))
        assert [a.status for a in answers] == [200, 200]
        await asyncio.gather(llamita.channel.drain(), other.channel.drain())

        claims = await llamita.runtime.store.read(
            lambda db: db.exec(select(Claim).where(Claim.case_id == case_id)).all())
        assert len(claims) == 1
        winner = claims[0].staff_id.removeprefix("slack:")
        loser = BRUNO if winner == ANA else ANA
        note = await ephemeral_to(stand_in, loser, "already claimed by")
        assert f"<@{winner}>" in note.args["text"]
        await ephemeral_to(stand_in, winner, "is yours")
        await stand_in.wait_for("chat.update", lambda c: f"Claimed by <@{winner}>" in c.text_everywhere())
        assert not stand_in.calls_to("chat.update", lambda c: f"Claimed by <@{loser}>" in c.text_everywhere())
    await customer.close()


async def test_a_frozen_account_is_unfrozen_from_the_card_by_a_member_of_the_teams_channel(llamita, stand_in, session):
    import time

    from adapters.identity import sign_identity
    from tests.adapters.slack.conftest import CARLA

    technical = "C0TECHNICAL"
    customer = Customer(session, llamita.ws_url)
    await customer.connect(identity=sign_identity("identity-secret", {"id": "ana.souza", "exp": time.time() + 60}))

    # Ana Souza's card was used: Llamita freezes her account, and the card offers to unfreeze it.
    case_id, card_ts, card = await hand_over(llamita, customer, stand_in, technical,
                                             "Someone used my credit card for charges I don't recognise")
    assert "Account: frozen" in card.text_everywhere()
    unfreeze = button(card, "llamita_unfreeze")
    assert unfreeze and unfreeze["confirm"]

    # Someone who is not in the team's channel cannot.
    await llamita.slack.click(CARLA, technical, card_ts, "llamita_unfreeze", case_id)
    await ephemeral_to(stand_in, CARLA, "Only members of")
    await llamita.channel.drain()
    assert (await llamita.runtime.service.case(case_id)).customer.account_frozen

    # A member can: recorded on the case, the card loses the button, the customer is told.
    answer = await llamita.slack.click(ANA, technical, card_ts, "llamita_unfreeze", case_id)
    assert answer.status == 200 and answer.seconds < 3
    await ephemeral_to(stand_in, ANA, "is unfrozen")
    [update] = await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts)
    assert button(update, "llamita_unfreeze") is None and "Account: frozen" not in update.text_everywhere()
    told = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    assert "unfrozen" in told["text"]
    case = await llamita.runtime.service.case(case_id)
    assert not case.customer.account_frozen and case.actions[-1]["action"] == "unfreeze_account"
