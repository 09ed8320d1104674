"""Slack's side of the protocol over real HTTP: signatures, limits, retries, safety, buttons and /llamita."""
from __future__ import annotations

import asyncio
import json
import logging
import time

from sqlmodel import select

from routing.models import StaffPost
from tests.adapters.slack.conftest import ANA, BRUNO, CARLA, COMPLIANCE, SIGNING_SECRET, running_llamita
from tests.adapters.slack.helpers import (
    Customer,
    case_id_of,
    ephemeral_to,
    eventually,
    hand_over,
    in_thread,
    is_card,
)
from tests.adapters.slack.stand_in import BOT_ID, BOT_USER_ID, sign

HOSTILE = "<!channel> *bold* <@U123> <http://evil|click>"


async def claimed_case(llamita, stand_in, session, user: str = ANA):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    await llamita.slack.click(user, COMPLIANCE, card_ts, "llamita_claim", case_id)
    await stand_in.wait_for("chat.update", lambda c: f"Claimed by <@{user}>" in c.text_everywhere())
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    return customer, case_id, card_ts


async def stored(llamita, case_id: int) -> list:
    service = llamita.runtime.service
    case = await service.case(case_id, recent=0)
    return await service.messages_after(case.conversation_id, 0, for_staff=True)


# ------------------------------------------------------------------ signatures


async def test_requests_with_a_bad_missing_or_stale_signature_are_rejected(llamita, stand_in, session, caplog):
    caplog.set_level(logging.INFO)
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    body = llamita.slack.action_body(ANA, COMPLIANCE, card_ts, {"action_id": "llamita_claim", "type": "button",
                                                                "block_id": f"llamita_case:{case_id}",
                                                                "value": str(case_id)})
    form = "application/x-www-form-urlencoded"
    now = int(time.time())
    bad = await llamita.slack.send(body, form, signature=sign("not-the-secret", now, body))
    stale = await llamita.slack.send(body, form, timestamp=now - 6 * 60)    # correctly signed, 6 minutes old
    tampered = await llamita.slack.send(body + "&x=1", form, signature=sign(SIGNING_SECRET, now, body))
    missing = await session.post(llamita.slack.url, data=body, headers={"Content-Type": form})
    assert [bad.status, stale.status, tampered.status, missing.status] == [401, 401, 401, 401]
    await asyncio.sleep(0.2)
    assert (await llamita.runtime.service.case(case_id)).state == "waiting"
    assert not stand_in.calls_to("chat.postEphemeral")
    rejections = [r.getMessage() for r in caplog.records if "Invalid request signature" in r.getMessage()]
    assert rejections and not any("llamita_claim" in line for line in rejections)   # logged, never the body

    challenge = await llamita.slack.send(json.dumps({"type": "url_verification", "challenge": "c-123",
                                                     "token": "legacy"}), "application/json")
    assert challenge.status == 200 and "c-123" in challenge.text


# ------------------------------------------------------------------ Slack's limits and failures


async def test_a_rate_limited_card_is_posted_after_retry_after_and_not_lost(llamita, stand_in, session):
    stand_in.fail("chat.postMessage", status=429, retry_after=1)
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say("I'm going to sue you, my lawyer will contact you")
    [refused] = await stand_in.wait_for("chat.postMessage", answered=429)
    await asyncio.sleep(1.05)                       # Retry-After: 1; then a round (not the 2 s poll)
    await llamita.runtime.outbox.deliver_due()
    [card] = await stand_in.wait_for("chat.postMessage", is_card(COMPLIANCE), timeout=6)
    assert card.at - refused.at >= 0.9
    await asyncio.sleep(0.3)
    assert len(stand_in.calls_to("chat.postMessage", is_card(COMPLIANCE))) == 1


async def test_a_card_whose_post_failed_with_a_server_error_is_posted_again(llamita, stand_in, session):
    stand_in.fail("chat.postMessage", status=500)
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say("I'm going to sue you, my lawyer will contact you")
    await stand_in.wait_for("chat.postMessage", answered=500)
    await asyncio.sleep(1.25)                       # the outbox backs off 1 s (±20%); then a round
    await llamita.runtime.outbox.deliver_due()
    [card] = await stand_in.wait_for("chat.postMessage", is_card(COMPLIANCE))
    case_id, card_ts = case_id_of(card), card.response["ts"]
    assert len(stand_in.calls_to("chat.postMessage", answered=500)) == 1
    assert await eventually(lambda: llamita.runtime.service.case_for_thread("slack", card_ts)) == case_id


async def test_a_refusal_retrying_cannot_fix_is_not_retried(llamita, stand_in, session):
    stand_in.fail("chat.postMessage", status=200, error="channel_not_found")
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say("I'm going to sue you, my lawyer will contact you")
    await stand_in.wait_for("chat.postMessage", answered=None)

    async def slack_post():
        [post] = await llamita.runtime.store.read(
            lambda db: db.exec(select(StaffPost).where(StaffPost.channel == "slack")).all())
        return post if post.status != "pending" else None

    post = await eventually(slack_post)
    assert post.status == "failed" and "channel_not_found" in post.last_error   # the outbox won't pick it again
    assert len(stand_in.calls_to("chat.postMessage", answered=None)) == 1


async def test_acknowledged_within_slacks_three_seconds_even_when_slack_is_slow(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    stand_in.delays.update({"conversations.members": 0.7, "users.info": 0.7})
    answer = await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    assert answer.status == 200 and answer.seconds < 0.5
    command = await llamita.slack.command(ANA, "queue")
    assert command.status == 200 and command.seconds < 0.5
    await stand_in.wait_for("chat.update", lambda c: f"Claimed by <@{ANA}>" in c.text_everywhere(), timeout=6)


# ------------------------------------------------------------------ safety


async def test_customer_text_never_pings_or_formats_in_slack(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, card = await hand_over(llamita, customer, stand_in, "C0GENERAL",
                                             f"{HOSTILE} I want to speak to a human agent now")
    await llamita.slack.click(ANA, "C0GENERAL", card_ts, "llamita_claim", case_id)
    await stand_in.wait_for("chat.update")
    await customer.say(f"{HOSTILE} again, card 4111 1111 1111 1111")
    [relayed] = await stand_in.wait_for("chat.postMessage", in_thread(card_ts))
    for call in (card, relayed):
        payload = call.text_everywhere()
        for raw in ("<!channel>", "<@U123>", "<http://evil", "4111 1111"):
            assert raw not in payload
        assert "&lt;!channel&gt; *bold* &lt;@U123&gt; &lt;http://evil|click&gt;" in payload
        assert "*bold*" not in call.args["text"]     # the notification text is mrkdwn: markers swapped
        assert call.args["unfurl_links"] is False and call.args["unfurl_media"] is False


async def test_only_members_of_the_teams_channel_can_claim(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    answer = await llamita.slack.click(CARLA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    assert answer.status == 200
    refusal = await ephemeral_to(stand_in, CARLA, "Only members of")
    assert f"<#{COMPLIANCE}>" in refusal.args["text"]
    await llamita.channel.drain()
    assert (await llamita.runtime.service.case(case_id)).state == "waiting"


async def test_when_slack_cannot_name_the_claimer_the_customer_sees_their_handle(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    stand_in.fail("users.info", status=500)
    await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_claim", case_id)
    joined = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    assert joined["text"].startswith(ANA.lower() + " from our Compliance team")


# ------------------------------------------------------------------ events: retries, our own messages, edits


async def test_an_events_api_retry_is_stored_once(llamita, stand_in, session):
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    event = {"type": "message", "channel": COMPLIANCE, "user": ANA, "text": "Checking your claim now",
             "ts": "1700000100.000001", "thread_ts": card_ts}
    first = await llamita.slack.event(event, event_id="Ev0RETRY")
    again = await llamita.slack.event(event, event_id="Ev0RETRY", retry_num=1)
    redelivered = await llamita.slack.event(event, event_id="Ev0OTHER")   # same message, another envelope
    assert [first.status, again.status, redelivered.status] == [200, 200, 200]
    await customer.expect(lambda f: f.get("text") == "Checking your claim now")
    assert [m.text for m in await stored(llamita, case_id)].count("Checking your claim now") == 1
    await asyncio.sleep(0.3)
    assert not customer.seen(lambda f: f.get("text") == "Checking your claim now")


async def test_a_staff_message_that_could_not_be_stored_gets_a_500_so_slack_sends_it_again(
        llamita, stand_in, session, monkeypatch):
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    service = llamita.runtime.service
    real = service.staff_message
    calls = []

    async def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(service, "staff_message", flaky)
    event = {"type": "message", "channel": COMPLIANCE, "user": ANA, "text": "Still here",
             "ts": "1700000100.000002", "thread_ts": card_ts}
    failed = await llamita.slack.event(event, event_id="Ev0FLAKY")
    assert failed.status == 500
    retried = await llamita.slack.event(event, event_id="Ev0FLAKY", retry_num=1)
    assert retried.status == 200
    await customer.expect(lambda f: f.get("text") == "Still here")


async def test_a_reply_within_the_limit_reaches_the_customer_even_if_masking_its_card_number_lengthens_it(
        llamita, stand_in, session):
    # Refused after the length check, it got a 500 on every retry: lost, and its author never told.
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    typed = "y" * 3983 + " 4111111111111111"
    answer = await llamita.slack.reply_in_thread(ANA, COMPLIANCE, card_ts, typed)
    assert answer.status == 200
    reply = await customer.expect(lambda f: f.get("author") == "staff")
    assert reply["text"] == "y" * 3983 + " [card ending 1111]"


async def test_while_slack_cannot_say_who_we_are_events_get_a_500_not_a_silent_200(store, tmp_path, database_url,
                                                                                   stand_in, session):
    stand_in.fail("auth.test", status=500, times=1000)       # Slack's Web API is down as Llamita starts
    async with running_llamita(tmp_path, database_url, stand_in, session) as app:
        customer = Customer(session, app.ws_url)
        await customer.connect()
        case_id, card_ts, _ = await hand_over(app, customer, stand_in, COMPLIANCE)   # posting still works
        event = {"type": "message", "channel": COMPLIANCE, "user": BRUNO, "text": "Keep the receipts",
                 "ts": stand_in.next_ts(), "thread_ts": card_ts}
        refused = await app.slack.event(event, event_id="Ev0AUTH")
        assert refused.status == 500                          # so Slack sends it again
        stand_in.failures["auth.test"].clear()
        retried = await app.slack.event(event, event_id="Ev0AUTH", retry_num=1)
        assert retried.status == 200
        assert [m.author for m in await stored(app, case_id) if m.text == "Keep the receipts"] == ["note"]


async def test_a_reply_that_beats_the_recording_of_its_card_is_asked_for_again(llamita, stand_in):
    # Slack has the card (posted by the bot a moment ago) but Llamita has not recorded it yet.
    fresh, old = stand_in.next_ts(), f"{int(time.time()) - 3600}.000001"
    early = await llamita.slack.reply_in_thread(ANA, COMPLIANCE, fresh, "Hello?")
    assert early.status == 500                                   # Slack will deliver it again
    stale = await llamita.slack.reply_in_thread(ANA, COMPLIANCE, old, "Hello?")
    not_ours = await llamita.slack.reply_in_thread(ANA, COMPLIANCE, stand_in.next_ts(), "Hi", parent_user_id=BRUNO)
    assert [stale.status, not_ours.status] == [200, 200]         # just not a case's thread


async def test_the_bots_own_and_other_bots_messages_are_ignored(llamita, stand_in, session):
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    before = len(await stored(llamita, case_id))
    base = {"type": "message", "channel": COMPLIANCE, "thread_ts": card_ts, "text": "echo"}
    for extra in ({"user": BOT_USER_ID, "bot_id": BOT_ID}, {"user": BOT_USER_ID},
                  {"bot_id": "BOTHER01", "subtype": "bot_message"}, {"user": ANA, "bot_id": "BOTHER01"},
                  {"user": ANA, "subtype": "channel_join"}):
        ts = stand_in.next_ts()
        answer = await llamita.slack.event({**base, **extra, "ts": ts})
        assert answer.status == 200
    # a top-level message in the channel (not in a case thread) is not a reply either
    await llamita.slack.event({"type": "message", "channel": COMPLIANCE, "user": ANA, "text": "lunch?",
                               "ts": stand_in.next_ts()})
    await llamita.channel.drain()
    assert len(await stored(llamita, case_id)) == before
    assert not stand_in.calls_to("chat.postEphemeral", lambda c: c.args["user"] != ANA)


async def test_edits_and_deletions_are_not_relayed_and_the_author_is_told(llamita, stand_in, session):
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    ts = stand_in.next_ts()
    await llamita.slack.reply_in_thread(ANA, COMPLIANCE, card_ts, "Your refund is 250 EUR", ts=ts)
    await customer.expect(lambda f: f.get("text") == "Your refund is 250 EUR")
    original = {"type": "message", "user": ANA, "text": "Your refund is 250 EUR", "ts": ts, "thread_ts": card_ts}
    edit = await llamita.slack.event({
        "type": "message", "subtype": "message_changed", "channel": COMPLIANCE, "ts": stand_in.next_ts(),
        "message": {**original, "text": "Your refund is 260 EUR", "edited": {"user": ANA, "ts": "1"}},
        "previous_message": original})
    unfurl = await llamita.slack.event({       # Slack edits a message to add a link preview: same words
        "type": "message", "subtype": "message_changed", "channel": COMPLIANCE, "ts": stand_in.next_ts(),
        "message": {**original, "attachments": [{"title": "x"}]}, "previous_message": original})
    card_edit = await llamita.slack.event({     # our own card being updated
        "type": "message", "subtype": "message_changed", "channel": COMPLIANCE, "ts": stand_in.next_ts(),
        "message": {"type": "message", "bot_id": BOT_ID, "text": "new", "ts": card_ts},
        "previous_message": {"type": "message", "bot_id": BOT_ID, "text": "old", "ts": card_ts}})
    deletion = await llamita.slack.event({
        "type": "message", "subtype": "message_deleted", "channel": COMPLIANCE, "ts": stand_in.next_ts(),
        "deleted_ts": ts, "previous_message": original})
    assert [edit.status, unfurl.status, card_edit.status, deletion.status] == [200, 200, 200, 200]
    await ephemeral_to(stand_in, ANA, "Your edit stays in Slack only")
    await ephemeral_to(stand_in, ANA, "Your deletion stays in Slack only")
    await llamita.channel.drain()
    assert len(stand_in.calls_to("chat.postEphemeral", lambda c: "stays in Slack only" in c.args["text"])) == 2
    texts = [m.text for m in await stored(llamita, case_id)]
    assert "Your refund is 260 EUR" not in texts and texts.count("Your refund is 250 EUR") == 1


# ------------------------------------------------------------------ notes, take over, transfer


async def test_a_colleagues_reply_is_a_note_until_they_take_over(llamita, stand_in, session):
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    await llamita.slack.reply_in_thread(BRUNO, COMPLIANCE, card_ts, "She wrote to us last week too")
    explanation = await ephemeral_to(stand_in, BRUNO, "internal note")
    assert f"<@{ANA}>" in explanation.args["text"] and explanation.args["thread_ts"] == card_ts
    notes = [m for m in await stored(llamita, case_id) if m.text == "She wrote to us last week too"]
    assert [(m.author, m.name) for m in notes] == [("note", "Bruno")]

    await llamita.slack.click(BRUNO, COMPLIANCE, card_ts, "llamita_take_over", case_id)
    await stand_in.wait_for("chat.update", lambda c: f"Claimed by <@{BRUNO}>" in c.text_everywhere())
    await llamita.slack.reply_in_thread(BRUNO, COMPLIANCE, card_ts, "Hi, Bruno here, I'll finish this.")
    reply = await customer.expect(lambda f: f.get("author") == "staff")
    assert (reply["name"], reply["text"]) == ("Bruno", "Hi, Bruno here, I'll finish this.")
    assert not customer.seen(lambda f: f.get("text") == "She wrote to us last week too")

    # Ana no longer holds it: she cannot resolve it, and what she writes is a note.
    await llamita.slack.click(ANA, COMPLIANCE, card_ts, "llamita_resolve", case_id)
    await ephemeral_to(stand_in, ANA, "only they can resolve it")
    assert (await llamita.runtime.service.case(case_id)).state == "claimed"


async def test_transfer_moves_the_card_and_the_thread_to_the_other_teams_channel(llamita, stand_in, session):
    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    answer = await llamita.slack.choose_team(ANA, COMPLIANCE, card_ts, case_id, "accounts")
    assert answer.status == 200
    await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts
                            and "Transferred to Accounts" in c.text_everywhere())
    [new_card] = await stand_in.wait_for("chat.postMessage", is_card("C0ACCOUNTS"))
    await customer.say("Hello? Anyone?")
    [relayed] = await stand_in.wait_for("chat.postMessage", in_thread(new_card.response["ts"]))
    assert relayed.args["channel"] == "C0ACCOUNTS"
    assert (await llamita.runtime.service.case(case_id)).team == "accounts"


# ------------------------------------------------------------------ /llamita


async def test_llamita_help_queue_and_resolve(llamita, stand_in, session):
    help_answer = await llamita.slack.command(ANA, "help")
    assert help_answer.status == 200 and help_answer.json()["response_type"] == "ephemeral"
    assert "/llamita queue" in help_answer.json()["text"]
    unknown = await llamita.slack.command(ANA, "<!channel> *x*")
    assert "I don't know" in unknown.json()["text"] and "<!channel>" not in unknown.json()["text"]

    customer, case_id, card_ts = await claimed_case(llamita, stand_in, session)
    queue = await llamita.slack.command(BRUNO, "queue")
    assert queue.status == 200 and queue.text == ""
    [listing] = await stand_in.wait_for("response_url", lambda c: "open" in c.args["text"])
    assert listing.args["response_type"] == "ephemeral"
    assert f"#{case_id} Legal: claimed by <@{ANA}>" in listing.args["text"]
    assert f"*Compliance* in <#{COMPLIANCE}>: 1 open" in listing.args["text"]

    await llamita.slack.command(BRUNO, "resolve")
    await stand_in.wait_for("response_url", lambda c: "You hold no case" in c.args["text"])
    await llamita.slack.command(ANA, "resolve 999")
    await stand_in.wait_for("response_url", lambda c: "There is no case 999" in c.args["text"])
    await llamita.slack.command(ANA, "resolve")            # typed in the thread: Slack doesn't say which
    await stand_in.wait_for("response_url", lambda c: f"Resolved case #{case_id}" in c.args["text"])
    await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts and "Resolved" in c.text_everywhere())
    await customer.expect(lambda f: f["type"] == "message" and "resolved" in f["text"])


# ------------------------------------------------------------------ Socket Mode


async def test_socket_mode_takes_events_over_slacks_websocket_instead_of_http(store, tmp_path, database_url,
                                                                             stand_in, session):
    async with running_llamita(tmp_path, database_url, stand_in, session, SLACK_APP_TOKEN="xapp-1-test") as app:
        [opened] = await stand_in.wait_for("apps.connections.open")
        assert opened.token == "xapp-1-test"
        assert (await session.post(app.url + "/slack/events", data="{}")).status in (404, 405)
        customer = Customer(session, app.ws_url)
        await customer.connect()
        case_id, card_ts, _ = await hand_over(app, customer, stand_in, COMPLIANCE)
        click = app.slack.action_payload(ANA, COMPLIANCE, card_ts, {
            "action_id": "llamita_claim", "block_id": f"llamita_case:{case_id}", "value": str(case_id),
            "type": "button"})
        ack = await stand_in.socket_send({"envelope_id": "env-0", "type": "interactive", "payload": click,
                                          "accepts_response_payload": True})
        assert ack["envelope_id"] == "env-0"
        await stand_in.wait_for("chat.update", lambda c: f"Claimed by <@{ANA}>" in c.text_everywhere())
        body = json.loads(app.slack.event_body({"type": "message", "channel": COMPLIANCE, "user": ANA,
                                                "text": "Hi from Socket Mode", "ts": stand_in.next_ts(),
                                                "thread_ts": card_ts}))
        ack = await stand_in.socket_send({"envelope_id": "env-1", "type": "events_api", "payload": body,
                                          "accepts_response_payload": False, "retry_attempt": 0})
        assert ack == {"envelope_id": "env-1"}
        reply = await customer.expect(lambda f: f.get("author") == "staff")
        assert reply["text"] == "Hi from Socket Mode"


async def test_a_layout_slack_refuses_is_sent_simpler_with_its_claim_button_rather_than_lost(
        llamita, stand_in, session):
    stand_in.fail("chat.postMessage", status=200, error="invalid_blocks")
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say("I'm going to sue you, my lawyer will contact you")
    await stand_in.wait_for("chat.postMessage", lambda c: not c.response.get("ok"))   # refused
    [card] = await stand_in.wait_for("chat.postMessage", lambda c: c.response.get("ok"))
    assert [block["type"] for block in card.args["blocks"]] == ["section", "actions"]
    assert "Case #" in card.args["blocks"][0]["text"]["text"]
    assert "llamita_claim" in [element.get("action_id") for element in card.args["blocks"][1]["elements"]]
    ts = card.response["ts"]
    case_id = await eventually(lambda: llamita.runtime.service.case_for_thread("slack", ts))
    await llamita.slack.click(ANA, COMPLIANCE, ts, "llamita_claim", case_id)   # still claimable from Slack
    await stand_in.wait_for("chat.update", lambda c: f"Claimed by <@{ANA}>" in c.text_everywhere())


async def test_a_layout_refused_even_with_only_its_buttons_is_sent_as_plain_text(llamita, stand_in, session):
    stand_in.fail("chat.postMessage", status=200, error="invalid_blocks", times=2)
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await customer.say("I'm going to sue you, my lawyer will contact you")
    [card] = await stand_in.wait_for("chat.postMessage", lambda c: c.response.get("ok"))
    assert [block["type"] for block in card.args["blocks"]] == ["section"]


async def test_events_the_app_does_not_handle_are_acknowledged(llamita):
    answer = await llamita.slack.event({"type": "app_home_opened", "user": ANA, "channel": "D1", "tab": "home"})
    assert answer.status == 200
