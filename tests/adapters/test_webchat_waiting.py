"""The waiting customer over the real web chat socket: where they stand on hand-over and on reconnecting,
an answer when they write while waiting, and "Ana is typing…" once a person has them."""
from __future__ import annotations

from tests.chat_client import ChatClient
from tests.servers import STAFF_TOKEN

DESK = {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": "Ana"}
BRUNO = {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": "Bruno"}


async def test_a_waiting_customer_sees_their_place_gets_an_answer_and_sees_a_person_typing(server, http):
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    await customer.send("I want to talk to a person")
    handed = await customer.message_from("bot")
    assert "next in line for our Customer Engagement team" in handed["text"]
    status = await customer.next_frame(lambda f: f["type"] == "status")
    assert status["state"] == "waiting" and status["queue"]["position"] == 1 and status["queue"]["wait_minutes"] >= 1

    await customer.send("Hello? Is anyone there?")
    answer = await customer.message_from("bot")
    assert answer["text"].startswith("I've passed this on. You're next in line")

    await customer.close()
    back = ChatClient(http, server.ws_url)
    back.token, back.last_seq = customer.token, customer.last_seq
    welcome = await back.connect()
    assert welcome["state"] == "waiting" and welcome["queue"]["position"] == 1

    case = (await (await http.get(server.url + "/desk/api/cases", headers=DESK)).json())[0]
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/claim", headers=DESK)
    await back.next_frame(lambda f: f["type"] == "status" and f["state"] == "claimed")
    note_typing = await http.post(f"{server.url}/desk/api/cases/{case['id']}/typing", headers=BRUNO)
    assert note_typing.status == 200                     # a colleague's note: the customer is not told
    typing = await http.post(f"{server.url}/desk/api/cases/{case['id']}/typing", headers=DESK)
    assert typing.status == 200
    frame = await back.next_frame(lambda f: f["type"] == "typing")
    assert frame["who"] == "Ana"
    await back.close()
