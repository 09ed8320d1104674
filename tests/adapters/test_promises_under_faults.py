"""The promises the docs make, kept where they used to break: numbering, identities that expire, odd
input from outside, and what reaches the logs."""
from __future__ import annotations

import asyncio
import time

import pytest

from adapters.identity import sign_identity
from adapters.server import startup_report
from routing.config import load_settings
from routing.views import StaffMember
from tests.chat_client import ChatClient
from tests.servers import IDENTITY_SECRET, STAFF_TOKEN

DESK = {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": "Ana"}


async def test_an_internal_note_leaves_no_gap_in_the_customers_numbering(server, http):
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    service = server.runtime.service
    [case] = await service.open_cases()
    await service.claim(case.id, StaffMember("desk:ana", "Ana", "desk"))
    await service.staff_message(case.id, StaffMember("desk:bruno", "Bruno", "desk"), "Ana, it's a VIP")   # a note
    await service.staff_message(case.id, StaffMember("desk:ana", "Ana", "desk"), "Hello, I'm Ana")
    await customer.send("thanks!")
    await customer.message_from("staff")
    numbers = [message.seq for message in await service.messages_after(case.conversation_id, 0)]
    assert numbers == list(range(1, len(numbers) + 1))            # 1, 2, 3, ... as the protocol promises
    staff_sees = await service.messages_after(case.conversation_id, 0, for_staff=True)
    assert [m.text for m in staff_sees if m.author in ("note", "staff")] == ["Ana, it's a VIP", "Hello, I'm Ana"]


async def test_a_customer_whose_identity_expired_meanwhile_comes_back_to_their_live_case(server, http):
    signed_in = sign_identity(IDENTITY_SECRET, {"id": "ana.souza", "name": "Ana Souza", "exp": time.time() + 60})
    expired = sign_identity(IDENTITY_SECRET, {"id": "ana.souza", "name": "Ana Souza", "exp": time.time() - 5})
    customer = ChatClient(http, server.ws_url)
    await customer.connect(identity=signed_in)
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    await customer.close()
    service = server.runtime.service
    [case] = await service.open_cases()
    await service.claim(case.id, StaffMember("desk:ana", "Ana", "desk"))
    await service.staff_message(case.id, StaffMember("desk:ana", "Ana", "desk"), "I found your booking")

    # An hour later the page still holds the token it was given: it has expired.
    back = ChatClient(http, server.ws_url)
    welcome = await back.connect(token=customer.token, last_seq=2, identity=expired)
    assert welcome["conversation"] == customer.welcome["conversation"] and welcome["identity_expired"]
    assert (await back.message_from("staff"))["text"] == "I found your booking"
    await back.close()

    # An expired identity is no key to someone else's chat, nor to a new one in their name.
    other = ChatClient(http, server.ws_url)
    stranger = await other.connect(identity=expired)
    assert stranger["identity"] == "rejected" and stranger["conversation"] != welcome["conversation"]
    await other.close()


async def test_two_first_hellos_of_a_new_signed_in_customer_at_once_are_both_welcomed(server, http):
    identity = sign_identity(IDENTITY_SECRET, {"id": "new.customer", "name": "Nova", "exp": time.time() + 60})
    clients = [ChatClient(http, server.ws_url) for _ in range(4)]
    welcomes = await asyncio.gather(*(client.connect(identity=identity) for client in clients))
    assert [w["identity"] for w in welcomes] == ["verified"] * 4
    assert len({w["conversation"] for w in welcomes}) == 4
    for client in clients:
        await client.close()


async def test_an_identity_with_characters_no_database_keeps_is_rejected_not_a_dead_hello(server, http):
    identity = sign_identity(IDENTITY_SECRET, {"id": "ana\u0000souza", "name": "Ana\u0000", "exp": time.time() + 60})
    client = ChatClient(http, server.ws_url)
    welcome = await client.connect(identity=identity)
    assert welcome["identity"] == "rejected"
    assert (await client.send("hello"))["type"] == "ack"
    await client.close()


@pytest.mark.parametrize("header", ["Authorization", "Cookie"])
async def test_a_desk_request_with_invalid_utf8_in_its_credentials_is_refused_not_a_crash(server, header):
    raw = b"Bearer \xff\xfe" if header == "Authorization" else b"llamita_staff=\xff\xfe"
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /desk/api/cases HTTP/1.1\r\nHost: x\r\n" + header.encode() + b": " + raw
                 + b"\r\nConnection: close\r\n\r\n")
    await writer.drain()
    status = (await reader.readline()).split()[1]
    writer.close()
    assert status == b"401"


async def test_a_team_filter_of_nonsense_is_a_clear_refusal(server, http):
    async with http.get(f"{server.url}/desk/api/cases", params={"team": "general\u0000"}, headers=DESK) as response:
        assert response.status == 400 and "no such team" in (await response.json())["error"]


def test_the_staff_token_is_printed_only_when_llamita_made_it_up(tmp_path):
    chosen = load_settings({"LLAMITA_DATA_DIR": str(tmp_path / "a"), "LLAMITA_STAFF_TOKEN": "operators-own"})
    made_up = load_settings({"LLAMITA_DATA_DIR": str(tmp_path / "b")})
    assert "operators-own" not in startup_report(chosen)
    assert "sign in with LLAMITA_STAFF_TOKEN" in startup_report(chosen)
    assert f"token={made_up.staff_token}" in startup_report(made_up)

    restarted = load_settings({"LLAMITA_DATA_DIR": str(tmp_path / "b")})   # the kept token: where it is, not what
    report = startup_report(restarted)
    assert made_up.staff_token not in report and f"{tmp_path / 'b'}/staff-token" in report
    assert "LLAMITA_STAFF_TOKEN" not in report.split("Staff desk:")[1].splitlines()[0]


async def test_database_errors_name_no_customer_words(service):
    from routing.models import Message

    chat = await service.start_conversation()
    await service.receive(chat.conversation_id, "my secret words", client_id="one")

    def store_it_again(session) -> None:   # the same number twice: the database refuses it
        session.add(Message(conversation_id=chat.conversation_id, seq=1, author="customer", text="my secret words",
                            created_at=service.clock()))
        session.flush()

    with pytest.raises(Exception) as failed:
        await service.store.write(store_it_again)
    assert "secret" not in str(failed.value) and "parameters hidden" in str(failed.value)


async def test_a_desk_body_of_nested_json_is_a_clear_refusal(server, http):
    body = "[" * 30_000 + "]" * 30_000
    async with http.post(f"{server.url}/desk/api/cases/1/claim", data=body,
                         headers={**DESK, "Content-Type": "application/json"}) as response:
        assert response.status == 400


async def test_an_acknowledged_message_whose_answer_failed_is_answered_by_the_sweep(service):
    from datetime import timedelta

    now = [service.clock()]
    service.clock = lambda: now[0]
    chat = await service.start_conversation()
    await service.receive(chat.conversation_id, "How many bags can I bring?")   # acked; the answer never ran
    assert await service.answer_leftovers(older_than_seconds=30) == 0              # too fresh: maybe in flight
    now[0] += timedelta(seconds=31)
    assert await service.answer_leftovers(older_than_seconds=30) == 1
    assert [m.author for m in await service.messages_after(chat.conversation_id, 0)] == ["customer", "bot"]
