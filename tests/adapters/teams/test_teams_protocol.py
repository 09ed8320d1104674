"""Teams' side of the protocol over real HTTP: tokens, the roster, the reply chain, edits, commands, safety."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.adapters.slack.helpers import Customer, eventually
from tests.adapters.teams.conftest import ANA, BRUNO, CARLA, TECHNICAL
from tests.adapters.teams.helpers import actions, hand_over, in_thread
from tests.adapters.teams.stand_in import bot_framework_claims, sign

# Teams' side of the protocol does not depend on the database: SQLite only (the story, the claims and the
# delivery tests run on PostgreSQL too).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

HOSTILE = "*bold* _it_ [click here](https://evil.example) <at>Ana Lima</at> # Heading &amp;"


async def claimed_case(llamita, connector, session, user: dict = ANA):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, _ = await hand_over(llamita, customer, connector, TECHNICAL)
    answer = await llamita.teams.invoke(user, thread, "claim", {"case": case_id})
    assert f"Claimed by {user['name']}" in str(answer.json()["value"])
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    return customer, case_id, thread


def targeted_to(user: dict, containing: str):
    return lambda call: (call.query.get("isTargetedActivity") == "true" and call.body["recipient"]["id"] == user["id"]
                         and containing in call.body.get("text", ""))


async def stored(llamita, case_id: int) -> list:
    service = llamita.runtime.service
    case = await service.case(case_id, recent=0)
    return await service.messages_after(case.conversation_id, 0, for_staff=True)


# ------------------------------------------------------------------ who may post to /api/messages


async def test_requests_without_a_valid_bot_framework_token_are_401_never_500(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, _ = await hand_over(llamita, customer, connector, TECHNICAL)
    click = llamita.teams.activity("invoke", ANA, thread, name="adaptiveCard/action", replyToId=thread.split("=")[-1],
                                   value={"action": {"type": "Action.Execute", "verb": "claim",
                                                     "data": {"case": case_id}}})
    url = connector.service_url
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    tokens = {
        "no header": None,
        "not bearer": "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "bearer alone": "Bearer",
        "two tokens": "Bearer a b",
        "not a jwt": "Bearer not-a-jwt",
        "no key id": "Bearer " + sign(bot_framework_claims(url), kid=None),
        "unknown key id": "Bearer " + sign(bot_framework_claims(url), kid="someone-elses"),
        "another key": "Bearer " + sign(bot_framework_claims(url), key=other_key),
        "expired": "Bearer " + sign(bot_framework_claims(url, exp=now - 3600, nbf=now - 7200, iat=now - 7200)),
        "another bot": "Bearer " + sign(bot_framework_claims(url, aud="11111111-2222-4333-8444-555555555555")),
        "another issuer": "Bearer " + sign(bot_framework_claims(url, iss="https://evil.example")),
        "shared secret": "Bearer " + sign(bot_framework_claims(url), key="x" * 32, algorithm="HS256"),
        "another service url": "Bearer " + sign(bot_framework_claims("https://evil.example/teams/")),
    }
    for why, authorization in tokens.items():
        if authorization is None:
            async with session.post(llamita.teams.url, json=click) as response:
                status = response.status
        else:
            status = (await llamita.teams.post(click, authorization=authorization)).status
        assert status == 401, why
    assert (await llamita.runtime.service.case(case_id)).state == "waiting"

    assert (await llamita.teams.post("{not json")).status == 400
    assert (await llamita.teams.post(json.dumps({"type": "message"}))).status == 400
    assert (await llamita.teams.post(click)).status == 200                   # the same click, properly signed


# ------------------------------------------------------------------ the roster and the chain


async def test_only_members_of_the_teams_channel_can_claim(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, _ = await hand_over(llamita, customer, connector, TECHNICAL)
    answer = await llamita.teams.invoke(CARLA, thread, "claim", {"case": case_id})
    told = answer.json()
    assert told["type"] == "application/vnd.microsoft.activity.message"
    assert "Only members of Technical & Security's channel" in told["value"]
    assert (await llamita.runtime.service.case(case_id)).state == "waiting"
    [roster] = connector.calls_to("members")
    assert roster.conversation == TECHNICAL


async def test_a_colleagues_reply_is_an_internal_note_and_they_are_told_privately(llamita, connector, session):
    customer, case_id, thread = await claimed_case(llamita, connector, session)
    answer = await llamita.teams.message(BRUNO, thread, "I think this is the same fraud ring as last week")
    assert answer.status == 202
    await connector.wait_for("send", targeted_to(BRUNO, "internal note"))
    [*_, note] = await stored(llamita, case_id)
    assert note.author == "note" and note.name == "Bruno Costa"
    await asyncio.sleep(0.2)
    assert not customer.seen(lambda f: f["type"] == "message" and "fraud ring" in f.get("text", ""))


async def test_a_redelivered_message_is_stored_once_and_the_bots_own_messages_are_ignored(llamita, connector, session):
    customer, case_id, thread = await claimed_case(llamita, connector, session)
    activity = llamita.teams.activity("message", ANA, thread, text="Could you confirm the last four digits?",
                                      textFormat="plain", replyToId=thread.split("=")[-1])
    assert (await llamita.teams.post(activity)).status == 202
    assert (await llamita.teams.post(activity)).status == 202     # Teams sends it again
    own = llamita.teams.activity("message", {"id": "28:" + "6d0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "name": "Llamita"},
                                 thread, text="Customer (customer): echo of a relayed message")
    assert (await llamita.teams.post(own)).status == 202
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    await asyncio.sleep(0.2)
    texts = [m.text for m in await stored(llamita, case_id)]
    assert texts.count("Could you confirm the last four digits?") == 1
    assert not any("echo of a relayed message" in text for text in texts)


async def test_edits_and_deletions_are_not_relayed_and_the_author_is_told(llamita, connector, session):
    customer, case_id, thread = await claimed_case(llamita, connector, session)
    await llamita.teams.message(ANA, thread, "Your refund is on its way")
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert (await llamita.teams.edited(ANA, thread, "1700000000001", "Your refund is NOT on its way")).status == 202
    await connector.wait_for("send", targeted_to(ANA, "Your edit stays in Teams only"))
    assert (await llamita.teams.deleted(ANA, thread, "1700000000001")).status == 202
    await connector.wait_for("send", targeted_to(ANA, "Your deletion stays in Teams only"))
    assert not customer.seen(lambda f: f["type"] == "message" and "NOT" in f.get("text", ""))


# ------------------------------------------------------------------ commands


async def test_commands_to_the_bot_answer_only_the_asker(llamita, connector, session):
    customer, case_id, thread = await claimed_case(llamita, connector, session)
    assert (await llamita.teams.message(BRUNO, TECHNICAL, "queue", mention=True)).status == 202
    [queue] = await connector.wait_for("send", targeted_to(BRUNO, "Technical & Security"))
    assert f"#{case_id} Security: claimed by Ana Lima" in queue.body["text"]
    assert queue.conversation == TECHNICAL

    await llamita.teams.message(BRUNO, TECHNICAL, "help", mention=True)
    await connector.wait_for("send", targeted_to(BRUNO, "`resolve [case id]`"))

    # "@Llamita resolve" under the card resolves that case: no id needed, and it is not relayed.
    assert (await llamita.teams.message(ANA, thread, "resolve", mention=True)).status == 202
    await connector.wait_for("send", targeted_to(ANA, f"Resolved case #{case_id}."))
    assert (await llamita.runtime.service.case(case_id)).state == "resolved"
    assert not customer.seen(lambda f: f["type"] == "message" and f["author"] == "staff")


# ------------------------------------------------------------------ safety


async def test_customer_text_never_formats_links_or_mentions_in_a_card(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, created = await hand_over(llamita, customer, connector, TECHNICAL)
    await customer.say(HOSTILE)
    [relayed] = await connector.wait_for("send", in_thread(thread))
    await llamita.teams.invoke(ANA, thread, "claim", {"case": case_id})
    [update] = await connector.wait_for("update", lambda c: "click here" in c.shown())   # the card's last messages
    # Cards are markdown; the notification summary is plain text Teams never formats.
    for shown in (json.dumps(relayed.card, ensure_ascii=False), json.dumps(update.card, ensure_ascii=False)):
        assert "*bold*" not in shown and "_it_" not in shown and "](" not in shown
        assert "<at>" not in shown and "&amp;" not in shown and "\n# " not in shown
        assert "msteams" not in shown or '"entities"' not in shown    # no mention entity, ever
    assert "∗bold∗" in json.dumps(relayed.card, ensure_ascii=False) and "click here" in relayed.shown()
    assert HOSTILE in [m.text for m in await stored(llamita, case_id)]   # the desk and the record keep it as typed


async def test_the_transfer_choice_moves_the_case_and_the_old_card_says_where(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, created = await hand_over(llamita, customer, connector, TECHNICAL)
    assert "transfer" in actions(created.card)
    answer = await llamita.teams.invoke(ANA, thread, "transfer", {"case": case_id, "team": "compliance"})
    card = answer.json()["value"]
    assert "Transferred to Compliance" in str(card) and not card.get("actions")
    await connector.wait_for("create", lambda c: "19:llama-compliance@thread.tacv2" in c.shown())
    assert await eventually(lambda: llamita.runtime.service.case(case_id)) and \
        (await llamita.runtime.service.case(case_id)).team == "compliance"
