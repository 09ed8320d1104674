"""Teams' limits and failures on the way out: 429 and 500 for a minute, timeouts whose post landed anyway,
refusals no retry can fix. The outbox is driven by the test (its clock moved, deliver_due() called)."""
from __future__ import annotations

from sqlmodel import select

from routing.models import StaffPost
from tests.adapters.slack.helpers import Customer
from tests.adapters.teams.conftest import ANA, TECHNICAL, running_llamita
from tests.adapters.teams.helpers import SECURITY, ManualOutbox, actions, card_in, case_id_of, in_thread
from tests.adapters.teams.stand_in import Failure


async def test_teams_answering_429_then_500_for_a_minute_gets_everything_delivered_once_in_order(
        llamita, connector, session):
    outbox = await ManualOutbox.take(llamita.runtime)
    start = outbox.now
    first = []

    def outage(operation: str) -> Failure | None:
        if (outbox.now - start).total_seconds() >= 60:
            return None
        if not first:
            first.append(operation)
            return Failure(429, retry_after=20)
        return Failure(500)

    connector.outage = outage
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say(SECURITY)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "bot")
    said = ["Are you still there?", "It was two payments, yesterday evening", "Please hurry"]
    for text in said:
        await customer.say(text)

    rounds = await outbox.until_delivered()
    assert (outbox.now - start).total_seconds() >= 60 and rounds > 3

    refused = [call for call in connector.calls if call.status != 200]
    assert refused[0].status == 429 and {call.status for call in refused[1:]} == {500}
    [created] = connector.calls_to("create", card_in(TECHNICAL))            # one card, not one per attempt
    thread = created.response["id"]
    relayed = connector.calls_to("send", in_thread(thread))
    assert [next(text for text in said if text in call.shown()) for call in relayed] == said   # once each, in order
    assert await llamita.runtime.service.case_for_thread("teams", thread) == case_id_of(created.card)


async def test_a_card_whose_answer_timed_out_but_that_landed_is_kept_and_not_posted_again(
        store, tmp_path, database_url, connector, session):
    async with running_llamita(tmp_path, database_url, connector, session, request_timeout=0.4) as llamita:
        outbox = await ManualOutbox.take(llamita.runtime)
        connector.fail("create", after_effect=True, delay=1.0)   # Teams posts it; its answer never arrives
        customer = Customer(session, llamita.ws_url)
        await customer.connect()
        await customer.say(SECURITY)
        await customer.expect(lambda f: f["type"] == "message" and f["author"] == "bot")
        await outbox.round()
        [landed] = connector.calls_to("create")
        thread, case_id = landed.response["id"], case_id_of(landed.card)
        [post] = await outbox.pending()
        assert post.kind == "card" and post.attempts == 1 and "Timeout" in post.last_error

        # Someone opens the channel: Teams asks for the card's current state (its refresh action).
        answer = await llamita.teams.invoke(ANA, thread, "refresh", {"case": case_id})
        assert answer.status == 200 and "claim" in actions(answer.json()["value"])
        outbox.advance(30)
        await outbox.until_delivered()
        assert len(connector.calls_to("create", answered=None)) == 1           # no second card
        assert await llamita.runtime.service.case_for_thread("teams", thread) == case_id

        await customer.say("Hello? Anyone?")
        await outbox.until_delivered()
        assert connector.calls_to("send", in_thread(thread))


async def test_a_second_copy_of_a_card_loses_its_actions_and_claims_nothing(
        store, tmp_path, database_url, connector, session):
    async with running_llamita(tmp_path, database_url, connector, session, request_timeout=0.4) as llamita:
        outbox = await ManualOutbox.take(llamita.runtime)
        connector.fail("create", after_effect=True, delay=1.0)
        customer = Customer(session, llamita.ws_url)
        await customer.connect()
        await customer.say(SECURITY)
        await customer.expect(lambda f: f["type"] == "message" and f["author"] == "bot")
        await outbox.round()
        outbox.advance(30)
        await outbox.until_delivered()                   # nobody saw the first copy: the card is posted again
        first, second = connector.calls_to("create")
        stray, bound, case_id = first.response["id"], second.response["id"], case_id_of(first.card)
        assert await llamita.runtime.service.case_for_thread("teams", bound) == case_id

        answer = await llamita.teams.invoke(ANA, stray, "claim", {"case": case_id})
        card = answer.json()["value"]
        assert "duplicate" in str(card) and not card.get("actions")
        assert (await llamita.runtime.service.case(case_id)).state == "waiting"
        answer = await llamita.teams.invoke(ANA, bound, "claim", {"case": case_id})
        assert "Claimed by Ana Lima" in str(answer.json()["value"])


async def test_a_refusal_retrying_cannot_fix_is_parked_with_the_reason(llamita, connector, session):
    outbox = await ManualOutbox.take(llamita.runtime)
    connector.fail("create", status=404)
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say(SECURITY)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "bot")
    await outbox.round()
    outbox.advance(600)
    await outbox.round()
    [post] = await llamita.runtime.store.read(
        lambda db: db.exec(select(StaffPost).where(StaffPost.channel == "teams")).all())
    assert post.status == "failed" and "404" in post.last_error and "channel id" in post.last_error
    assert len(connector.calls_to("create", answered=None)) == 1


async def test_a_rate_limit_without_retry_after_is_retried_after_a_short_jittered_wait(llamita, connector, session):
    outbox = await ManualOutbox.take(llamita.runtime)
    connector.fail("create", status=429)
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say(SECURITY)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "bot")
    await outbox.round()
    [post] = await outbox.pending()
    wait = (post.next_attempt_at - outbox.now).total_seconds()
    assert 1.0 <= wait <= 3.0 and post.attempts == 0        # a rate limit is not a failed attempt
    await outbox.until_delivered()
    assert len(connector.calls_to("create")) == 1 and len(connector.calls_to("create", answered=429)) == 1
