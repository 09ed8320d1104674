"""Every post to Slack has its effect once: when Slack answers late, fails ambiguously, or a worker dies.

Slack's chat.postMessage has no idempotency key. These tests make Slack answer after the client gave
up (the post landed, the answer was lost), and kill a delivery mid-post, then look at what Slack shows.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.slack import SlackChannel
from routing.config import load_settings
from routing.outbox import Outbox
from tests.adapters.slack.conftest import ANA, CARLA, COMPLIANCE, running_llamita
from tests.adapters.slack.helpers import LEGAL, Customer, case_id_of, eventually, hand_over, is_card

TECHNICAL = "C0TECHNICAL"
FRAUD = "Someone used my card for three purchases I never made, I think my account was hacked"

SLOW = {"SLACK_API_TIMEOUT": "0.4"}   # the client gives up after 0.4 s; the slow stand-in answers after 0.8 s


@pytest.fixture
async def slow_slack_llamita(store, tmp_path, database_url, stand_in, session):
    async with running_llamita(tmp_path, database_url, stand_in, session, **SLOW) as server:
        yield server


def texts(messages: list[dict]) -> list[str]:
    return [message["text"] for message in messages]


async def test_with_slack_answering_every_post_too_late_each_card_and_message_shows_once_in_order(
        slow_slack_llamita, stand_in, session):
    llamita = slow_slack_llamita
    stand_in.late["chat.postMessage"] = 0.8
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say(LEGAL)
    [card] = await stand_in.wait_for("chat.postMessage", is_card(COMPLIANCE))
    card_ts = card.response["ts"]
    case_id = await eventually(lambda: llamita.runtime.service.case_for_thread("slack", card_ts), timeout=15)
    for words in ("first", "second"):
        await customer.say(f"my {words} message")
    await eventually(lambda: _relayed(stand_in, card_ts, 2), timeout=20)

    assert len(stand_in.posted(COMPLIANCE, top_level=True)) == 1                  # one card
    relayed = texts(stand_in.posted(COMPLIANCE, thread_ts=card_ts))
    assert [t.split(": ", 1)[1] for t in relayed] == ["my first message", "my second message"]
    assert stand_in.calls_to("conversations.history") or stand_in.calls_to("conversations.replies")  # it looked

    # Every reply still reaches the customer: the claimer's, under the one card.
    await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system", timeout=10)
    await llamita.slack.reply_in_thread(ANA, COMPLIANCE, card_ts, "Hello, I'm on it")
    reply = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff", timeout=10)
    assert reply["text"] == "Hello, I'm on it"


async def test_a_post_that_hangs_in_one_teams_channel_never_holds_up_another_teams_card(
        llamita, stand_in, session):
    stand_in.channel_holds[COMPLIANCE] = hung = asyncio.Event()    # Slack takes the card, never answers
    lawyer = Customer(session, llamita.ws_url)
    await lawyer.connect()
    await lawyer.say(LEGAL)
    await stand_in.wait_for("chat.postMessage", is_card(COMPLIANCE), timeout=10)

    victim = Customer(session, llamita.ws_url)
    await victim.connect()
    await victim.say(FRAUD)
    [card] = await stand_in.wait_for("chat.postMessage", is_card(TECHNICAL), timeout=3)   # not after the hang

    assert not hung.is_set() and card.args["channel"] == TECHNICAL
    hung.set()
    await eventually(lambda: _bound(llamita, stand_in, COMPLIANCE), timeout=15)
    assert len(stand_in.posted(COMPLIANCE, top_level=True)) == 1    # and the hung card still shows once


async def _bound(llamita, stand_in, channel: str) -> bool:
    [card] = stand_in.posted(channel, top_level=True)
    return await llamita.runtime.service.case_for_thread("slack", card["ts"]) is not None


async def _relayed(stand_in, card_ts: str, count: int) -> bool:
    return len(stand_in.posted(COMPLIANCE, thread_ts=card_ts)) >= count


async def test_a_worker_killed_in_the_middle_of_a_post_leaves_it_to_another_worker_who_posts_nothing_twice(
        service, stand_in, tmp_path):
    now = [service.clock()]
    service.clock = lambda: now[0]
    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-test-token",
                              "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": stand_in.api_url})
    slack = SlackChannel(service, settings)
    service.staff_channels = [slack]
    chat = await service.start_conversation()
    receipt = await service.receive(chat.conversation_id, LEGAL)
    await service.respond(chat.conversation_id, receipt.pending)

    first_worker = Outbox(service, [slack])
    stand_in.holds["chat.postMessage"] = asyncio.Event()        # Slack takes the card, and never answers
    dying = asyncio.create_task(first_worker.deliver_due())
    await stand_in.wait_for("chat.postMessage", is_card(COMPLIANCE))
    dying.cancel()                                               # the worker dies mid-post
    stand_in.holds.pop("chat.postMessage").set()

    second_worker = Outbox(service, [slack])
    assert await second_worker.deliver_due() == 0                 # the post is leased to the dead worker
    now[0] += timedelta(seconds=61)                              # ... until the lease runs out
    assert await second_worker.deliver_due() == 1
    [card] = stand_in.posted(COMPLIANCE, top_level=True)          # the one the dead worker posted
    assert await service.case_for_thread("slack", card["ts"]) == case_id_of(
        stand_in.calls_to("chat.postMessage", is_card(COMPLIANCE))[0])


async def test_a_reply_under_a_card_still_being_recorded_reaches_the_case(llamita, stand_in, session):
    stand_in.holds["chat.postMessage"] = asyncio.Event()        # the card is in the channel; its answer is not
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say(LEGAL)
    [card] = await stand_in.wait_for("chat.postMessage", is_card(COMPLIANCE), answered=None)
    await asyncio.sleep(0)
    [shown] = stand_in.posted(COMPLIANCE, top_level=True)
    answer = await llamita.slack.reply_in_thread(ANA, COMPLIANCE, shown["ts"], "Looking into it")
    assert answer.status == 200
    case_id = case_id_of(card)
    service = llamita.runtime.service
    notes = await service.messages_after((await service.case(case_id)).conversation_id, 0, for_staff=True)
    assert [m.text for m in notes if m.author == "note"] == ["Looking into it"]
    stand_in.holds.pop("chat.postMessage").set()
    assert await eventually(lambda: llamita.runtime.service.case_for_thread("slack", shown["ts"])) == case_id
    assert len(stand_in.posted(COMPLIANCE, top_level=True)) == 1


async def test_a_second_copy_of_a_card_loses_its_buttons_and_replies_under_it_still_reach_the_case(
        llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, card = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    # A copy that landed with a marker of the same case (as a lost answer, found by nothing, would leave).
    copy = stand_in._chat_postMessage({"channel": COMPLIANCE, "text": card.args["text"],
                                       "blocks": card.args["blocks"], "metadata": card.args["metadata"]})
    await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    answer = await llamita.slack.reply_in_thread(ANA, COMPLIANCE, copy["ts"], "Replying under the copy")
    assert answer.status == 200
    reply = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert reply["text"] == "Replying under the copy"
    [retired] = await stand_in.wait_for("chat.update", lambda c: c.args.get("ts") == copy["ts"])
    assert "second copy" in retired.text_everywhere()
    assert not [b for b in retired.args["blocks"] if b.get("type") == "actions"]
    assert await llamita.runtime.service.case_for_thread("slack", card_ts) == case_id   # still bound to the first


async def test_mentions_slack_cannot_name_in_time_do_not_hold_the_answer_and_read_a_colleague(
        llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    stand_in.holds["users.info"] = asyncio.Event()              # Slack does not say who anyone is
    answer = await llamita.slack.reply_in_thread(
        ANA, COMPLIANCE, card_ts, "<@U0CAT001>, <@U0CAT002> and <@U0CAT003> will help you")
    assert answer.status == 200                                 # answered while the look-ups still hang:
    assert len(stand_in.calls_to("users.info", answered=None)) >= 3
    assert not stand_in.holds["users.info"].is_set()
    reply = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert reply["text"] == "a colleague, a colleague and a colleague will help you"
    stand_in.holds.pop("users.info").set()


async def test_someone_outside_the_channel_who_clicks_claim_is_told_why_where_they_will_see_it(
        llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    await llamita.slack.click(CARLA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    [refusal] = await stand_in.wait_for("response_url", lambda c: c.args.get("user") == CARLA)
    assert "Only members of" in refusal.args["text"] and refusal.args["response_type"] == "ephemeral"
    assert not stand_in.calls_to("chat.postEphemeral", lambda c: c.args.get("user") == CARLA, answered=None)
