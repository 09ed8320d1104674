"""The web chat protocol, spoken over a real WebSocket to the real server (docs/webchat-protocol.md)."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from adapters.identity import sign_identity
from tests.chat_client import ChatClient
from tests.servers import IDENTITY_SECRET, STAFF_TOKEN, running_server

DESK = {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": "Ana"}


@pytest.fixture
async def customer(server, http):
    client = ChatClient(http, server.ws_url)
    await client.connect()
    yield client
    await client.close()


async def test_a_new_visitor_is_welcomed_with_a_session_token(customer):
    assert customer.welcome["token"] and customer.welcome["state"] == "bot"
    assert customer.welcome["identity"] == "anonymous"


async def test_a_message_is_acknowledged_with_its_number_and_answered_by_llamita(customer):
    ack = await customer.send("How many bags can I bring?")
    assert ack["type"] == "ack" and ack["seq"] == 1
    answer = await customer.message_from("bot")
    assert answer["name"] == "Llamita" and "8 kg" in answer["text"]


async def test_a_message_is_stored_before_it_is_acknowledged(customer, server):
    ack = await customer.send("Can I bring my dog?")
    stored = await server.runtime.service.messages_after(customer.welcome["conversation"], 0)
    assert any(m.seq == ack["seq"] and m.text == "Can I bring my dog?" for m in stored)


async def test_a_resent_message_is_acknowledged_again_but_stored_once(customer, server):
    first = await customer.send("hello", client_id="same-id")
    again = await customer.send("hello", client_id="same-id")
    assert (again["seq"], again["duplicate"]) == (first["seq"], True)
    stored = await server.runtime.service.messages_after(customer.welcome["conversation"], 0)
    assert [m.text for m in stored if m.author == "customer"] == ["hello"]


async def test_reconnecting_with_the_token_delivers_what_was_missed_and_nothing_twice(server, http):
    first = ChatClient(http, server.ws_url)
    await first.connect()
    await first.send("I want to talk to a person")
    await first.message_from("bot")
    seen = first.last_seq
    await first.close()

    # While the customer is away, a person claims the case and writes.
    case = (await (await http.get(server.url + "/desk/api/cases", headers=DESK)).json())[0]
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/claim", headers=DESK)
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/messages", headers=DESK,
                    json={"text": "Hi, Ana here", "id": "r1"})

    back = ChatClient(http, server.ws_url)
    back.token, back.last_seq = first.token, seen
    welcome = await back.connect()
    assert welcome["conversation"] == first.welcome["conversation"] and welcome["state"] == "claimed"
    joined = await back.message_from("system")
    reply = await back.message_from("staff")
    assert "Ana" in joined["text"] and reply["text"] == "Hi, Ana here" and reply["name"] == "Ana"
    assert joined["seq"] == seen + 1 and reply["seq"] == seen + 2
    await back.close()


async def test_the_customer_sees_a_person_join_live(customer, server, http):
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    case = (await (await http.get(server.url + "/desk/api/cases", headers=DESK)).json())[0]
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/claim", headers=DESK)
    status = await customer.next_frame(lambda f: f["type"] == "status" and f["state"] == "claimed")
    assert status["agent"] == "Ana"


async def test_an_unknown_session_token_starts_a_new_conversation_and_says_so(server, http):
    client = ChatClient(http, server.ws_url)
    welcome = await client.connect(token="not-a-real-token")
    error = await client.next_frame(lambda f: f["type"] == "error")
    assert error["code"] == "session_expired" and welcome["token"]
    await client.close()


async def test_a_validly_signed_identity_is_trusted(server, http):
    client = ChatClient(http, server.ws_url)
    token = sign_identity(IDENTITY_SECRET, {"id": "ana.souza", "name": "Ana Souza", "exp": time.time() + 60})
    welcome = await client.connect(identity=token)
    assert (welcome["identity"], welcome["customer"]) == ("verified", "Ana Souza")
    await client.close()


@pytest.mark.parametrize("identity", [
    sign_identity("someone-elses-secret", {"id": "ana.souza", "name": "Ana Souza"}),
    sign_identity(IDENTITY_SECRET, {"id": "ana.souza", "exp": 1}),
    '{"id": "ana.souza"}',
])
async def test_a_badly_signed_or_expired_identity_is_never_trusted(server, http, identity):
    client = ChatClient(http, server.ws_url)
    welcome = await client.connect(identity=identity)
    assert (welcome["identity"], welcome["customer"]) == ("rejected", None)
    await client.close()


async def test_an_oversized_message_gets_a_clear_error_and_the_connection_survives(customer):
    error = await customer.send("x" * 4001)
    assert error["code"] == "too_long"
    assert (await customer.send("How many bags can I bring?"))["type"] == "ack"


async def test_an_empty_message_is_refused(customer):
    assert (await customer.send("   "))["code"] == "empty"


@pytest.mark.parametrize("frame,code", [("{not json", "bad_frame"), ("[1, 2]", "bad_frame"),
                                        ('{"type": "dance"}', "unknown_type")])
async def test_malformed_frames_get_an_error_frame_and_the_connection_survives(customer, frame, code):
    await customer.ws.send_str(frame)
    assert (await customer.next_frame(lambda f: f["type"] == "error"))["code"] == code
    assert (await customer.send("hello"))["type"] == "ack"


async def test_a_message_within_the_limit_is_stored_even_if_masking_its_card_number_lengthens_it(customer, server):
    # Refused as not_stored, the widget would send it again for ever, with every later message queued behind it.
    typed = "x" * 3983 + " 4111111111111111"
    ack = await customer.send(typed)
    assert ack["type"] == "ack", ack
    stored = await server.runtime.service.messages_after(customer.welcome["conversation"], 0)
    assert [m.text for m in stored if m.author == "customer"] == ["x" * 3983 + " [card ending 1111]"]


@pytest.mark.parametrize("text", ["hello\\u0000world", "hi \\ud800 there"])
async def test_text_no_database_can_keep_is_refused_for_good_not_asked_for_again(customer, server, text):
    # NUL (PostgreSQL refuses it) and an unpaired surrogate (not UTF-8) will never be stored: a resend
    # cannot help, so the error must not be not_stored (which tells the client to send it again).
    await customer.ws.send_str('{"type": "message", "id": "odd", "text": "%s"}' % text)
    error = await customer.next_frame(lambda f: f["type"] in ("ack", "error") and f.get("id") == "odd")
    assert (error["type"], error["code"]) == ("error", "bad_text")
    await customer.ws.send_str('{"type": "message", "id": "odd\\u0000id", "text": "hello"}')
    assert (await customer.next_frame(lambda f: f["type"] == "error"))["code"] == "bad_id"
    assert (await customer.send("hello"))["type"] == "ack"
    stored = await server.runtime.service.messages_after(customer.welcome["conversation"], 0)
    assert [m.text for m in stored if m.author == "customer"] == ["hello"]


async def test_a_hello_with_a_token_or_identity_that_is_not_text_is_answered_not_dropped(server, http):
    async with http.ws_connect(server.ws_url + "/chat/ws") as ws:
        await ws.send_str('{"type": "hello", "token": "\\ud800", "identity": "\\ud800.\\ud800"}')
        frames = [json.loads((await ws.receive(timeout=5)).data) for _ in range(2)]
    assert frames[0]["code"] == "session_expired"
    assert (frames[1]["type"], frames[1]["identity"]) == ("welcome", "rejected")


async def test_binary_junk_is_refused_politely(customer):
    await customer.ws.send_bytes(b"\x00\xff\xfe junk")
    assert (await customer.next_frame(lambda f: f["type"] == "error"))["code"] == "text_only"
    assert (await customer.send("hello"))["type"] == "ack"


async def test_too_many_messages_a_second_are_slowed_down_not_stored(customer, server):
    replies = [await customer.send(f"message {n}") for n in range(8)]
    limited = [r for r in replies if r["type"] == "error"]
    assert limited and all(r["code"] == "rate_limited" and r["retry_after"] > 0 for r in limited)
    stored = await server.runtime.service.messages_after(customer.welcome["conversation"], 0)
    assert len([m for m in stored if m.author == "customer"]) == len(replies) - len(limited)


async def test_a_client_that_never_says_hello_is_told_so(server, http):
    async with http.ws_connect(server.ws_url + "/chat/ws") as ws:
        await ws.send_str(json.dumps({"type": "message", "text": "hi"}))
        assert json.loads((await ws.receive()).data)["code"] == "bad_hello"


async def test_a_server_restart_mid_conversation_loses_nothing(store, database_url, tmp_path, http):
    async with running_server(tmp_path, database_url) as first:
        client = ChatClient(http, first.ws_url)
        await client.connect()
        await client.send("I want to talk to a person")
        await client.message_from("bot")
        port = first.port
    # The server is gone; the customer reconnects to the restarted one.
    async with running_server(tmp_path, database_url, port=port) as second:
        back = ChatClient(http, second.ws_url)
        await back.connect(token=client.token, last_seq=0)
        texts = [(await back.next_frame(lambda f: f["type"] == "message"))["author"] for _ in range(2)]
        assert texts == ["customer", "bot"]
        [case] = await second.runtime.service.open_cases()
        assert case.state == "waiting"
        assert (await back.send("still there?"))["type"] == "ack"
        await back.close()


async def test_a_message_stored_just_before_a_crash_is_answered_after_the_restart(store, database_url, tmp_path):
    from adapters.server import build_runtime
    from routing.config import load_settings

    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url})
    crashed = build_runtime(settings)
    chat = await crashed.service.start_conversation()
    await crashed.service.receive(chat.conversation_id, "How many bags can I bring?", "c1")
    await crashed.store.close()  # the process dies before Llamita answered

    async with running_server(tmp_path, database_url) as restarted:
        for _ in range(50):
            messages = await restarted.runtime.service.messages_after(chat.conversation_id, 0)
            if len(messages) == 2:
                break
            await asyncio.sleep(0.05)
        assert [m.author for m in messages] == ["customer", "bot"]


async def test_a_signed_in_conversation_is_not_resumed_for_someone_else_or_after_sign_out(server, http):
    ana = sign_identity(IDENTITY_SECRET, {"id": "ana.souza", "name": "Ana Souza"})
    carlos = sign_identity(IDENTITY_SECRET, {"id": "carlos.mendez", "name": "Carlos Méndez"})
    first = ChatClient(http, server.ws_url)
    await first.connect(identity=ana)
    await first.close()
    for identity in (carlos, None):
        other = ChatClient(http, server.ws_url)
        welcome = await other.connect(token=first.token, identity=identity)
        assert welcome["conversation"] != first.welcome["conversation"]
        await other.close()
    again = ChatClient(http, server.ws_url)
    assert (await again.connect(token=first.token, identity=ana))["conversation"] == first.welcome["conversation"]
    await again.close()


async def test_reconnecting_does_not_reset_the_rate_limit(server, http):
    client = ChatClient(http, server.ws_url)
    await client.connect()
    for n in range(5):
        await client.send(f"quick {n}")
    await client.close()
    back = ChatClient(http, server.ws_url)
    await back.connect(token=client.token)
    assert (await back.send("one more"))["code"] == "rate_limited"
    await back.close()


async def test_coming_back_after_a_resolved_case_shows_it_resolved(server, http):
    client = ChatClient(http, server.ws_url)
    await client.connect()
    await client.send("I want to talk to a person")
    await client.message_from("bot")
    [case] = await (await http.get(server.url + "/desk/api/cases", headers=DESK)).json()
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/claim", headers=DESK)
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/resolve", headers=DESK)
    await client.close()
    back = ChatClient(http, server.ws_url)
    assert (await back.connect(token=client.token))["state"] == "resolved"
    await back.close()


async def test_pages_are_served_with_a_content_security_policy(server, http):
    for path in ("/", "/desk"):
        response = await http.get(server.url + path)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], path


async def test_a_forged_identity_with_strange_characters_is_refused_not_a_crash(server, http):
    client = ChatClient(http, server.ws_url)
    welcome = await client.connect(identity="eyJpZCI6ImFuYSJ9.ünïcödé")
    assert welcome["identity"] == "rejected"
    assert (await client.send("hello"))["type"] == "ack"
    await client.close()


async def test_demo_sign_in_is_only_offered_with_the_demo_configuration(store, database_url, tmp_path, http):
    from routing.config import DEMO_CONFIG

    own = tmp_path / "own.yml"
    own.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace("company: Llama Travel", "company: Own Co"))
    async with running_server(tmp_path, database_url, LLAMITA_CONFIG=str(own)) as own_server:
        assert (await http.get(own_server.url + "/chat/demo-identity/ana.souza")).status == 404
    async with running_server(tmp_path, database_url) as demo_server:
        assert (await http.get(demo_server.url + "/chat/demo-identity/ana.souza")).status == 200


async def test_a_message_id_shaped_like_a_staff_channels_is_refused_so_it_never_collides(customer):
    # Staff messages are stored under "desk:…" and "slack:<ts>" ids, which customers can see in frames.
    await customer.ws.send_str('{"type": "message", "id": "slack:1700000000.000100", "text": "hello"}')
    assert (await customer.next_frame(lambda f: f["type"] == "error"))["code"] == "bad_id"
    assert (await customer.send("hello"))["type"] == "ack"
