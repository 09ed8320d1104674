"""The local staff desk's API: who may use it, and how claims and replies behave for its users."""
from __future__ import annotations

import asyncio

import pytest

from tests.chat_client import ChatClient
from tests.servers import STAFF_TOKEN


def staff(name: str) -> dict:
    return {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": name}


@pytest.fixture
async def waiting_case(server, http):
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    [case] = await (await http.get(server.url + "/desk/api/cases", headers=staff("Ana"))).json()
    yield case
    await customer.close()


async def test_the_desk_api_refuses_requests_without_the_staff_token(server, http):
    response = await http.get(server.url + "/desk/api/cases")
    assert response.status == 401
    response = await http.get(server.url + "/desk/api/cases", headers={"Authorization": "Bearer wrong"})
    assert response.status == 401


async def test_the_desk_page_asks_for_the_token_and_sets_a_lax_httponly_cookie_when_given(server, http):
    assert (await http.get(server.url + "/desk", allow_redirects=False)).status == 401
    response = await http.get(f"{server.url}/desk?token={STAFF_TOKEN}", allow_redirects=False)
    assert response.status == 302
    cookie = response.cookies["llamita_staff"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_a_waiting_case_shows_as_a_card_with_what_the_person_needs(waiting_case):
    assert waiting_case["state"] == "waiting" and waiting_case["reason"] == "human_request"
    assert waiting_case["team_name"] == "Customer Engagement"
    assert [m["author"] for m in waiting_case["recent"]][-2:] == ["customer", "bot"]


async def test_the_second_of_two_simultaneous_claims_is_told_who_has_it(server, http, waiting_case):
    url = f"{server.url}/desk/api/cases/{waiting_case['id']}/claim"
    first, second = await asyncio.gather(http.post(url, headers=staff("Ana")), http.post(url, headers=staff("Bruno")))
    assert sorted([first.status, second.status]) == [200, 409]
    loser = first if first.status == 409 else second
    winner_name = (await (second if loser is first else first).json())["holder"]
    assert (await loser.json())["holder"] == winner_name


async def test_replying_before_claiming_keeps_the_words_as_an_internal_note(server, http, waiting_case):
    response = await http.post(f"{server.url}/desk/api/cases/{waiting_case['id']}/messages",
                               headers=staff("Bruno"), json={"text": "looks like a refund case"})
    assert (await response.json())["to_customer"] is False


async def test_a_staff_member_must_say_who_they_are(server, http, waiting_case):
    response = await http.post(f"{server.url}/desk/api/cases/{waiting_case['id']}/claim",
                               headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert response.status == 400


async def test_resolving_a_resolved_case_is_a_clear_conflict_not_a_crash(server, http, waiting_case):
    url = f"{server.url}/desk/api/cases/{waiting_case['id']}/resolve"
    assert (await http.post(url, headers=staff("Ana"))).status == 200
    again = await http.post(url, headers=staff("Ana"))
    assert again.status == 409 and "resolved" in (await again.json())["error"]


async def test_an_unknown_case_is_a_404(server, http):
    assert (await http.post(server.url + "/desk/api/cases/999/claim", headers=staff("Ana"))).status == 404


async def test_a_case_id_beyond_the_databases_integers_is_a_404_not_a_500(server, http):
    response = await http.get(server.url + "/desk/api/cases/99999999999999999999", headers=staff("Ana"))
    assert response.status == 404


async def test_a_reply_no_database_can_keep_is_a_400_not_a_500(server, http, waiting_case):
    url = f"{server.url}/desk/api/cases/{waiting_case['id']}/messages"
    assert (await http.post(url, headers=staff("Ana"), json={"text": "hi\x00there", "id": "r1"})).status == 400
    assert (await http.post(url, headers=staff("Ana"), json={"text": "hi", "id": "r\x00"})).status == 400
    ok = await http.post(url, headers=staff("Ana"), json={"text": "x" * 3983 + " 4111111111111111", "id": "r2"})
    assert ok.status == 200 and (await ok.json())["message"]["text"].endswith("[card ending 1111]")


async def test_claiming_a_case_you_already_hold_is_a_success_not_a_conflict(server, http, waiting_case):
    url = f"{server.url}/desk/api/cases/{waiting_case['id']}/claim"
    assert (await http.post(url, headers=staff("Ana"))).status == 200
    again = await http.post(url, headers=staff("Ana"))
    assert again.status == 200 and (await again.json())["holder"] == "Ana"


async def test_a_colleague_is_told_to_take_over_before_resolving_someone_elses_case(server, http, waiting_case):
    base = f"{server.url}/desk/api/cases/{waiting_case['id']}"
    await http.post(base + "/claim", headers=staff("Ana"))
    refused = await http.post(base + "/resolve", headers=staff("Bruno"))
    assert refused.status == 403 and "take it over" in (await refused.json())["error"]


async def test_another_site_cannot_listen_on_the_desk_socket(server, http):
    import aiohttp

    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(server.ws_url + "/desk/ws", headers={
            "Authorization": f"Bearer {STAFF_TOKEN}", "Origin": "https://evil.example"})
    assert refused.value.status == 403


async def test_two_colleagues_replies_with_the_same_id_are_two_messages(server, http, waiting_case):
    url = f"{server.url}/desk/api/cases/{waiting_case['id']}/messages"
    first = await (await http.post(url, headers=staff("Ana"), json={"id": "1", "text": "checking the refund"})).json()
    second = await (await http.post(url, headers=staff("Bruno"), json={"id": "1", "text": "I'll call them"})).json()
    assert (first["duplicate"], second["duplicate"]) == (False, False)
    assert second["message"]["text"] == "I'll call them"


async def test_staff_unfreeze_the_account_llamita_froze_and_the_customer_is_told(server, http):
    import time

    from adapters.identity import sign_identity
    from tests.servers import IDENTITY_SECRET

    customer = ChatClient(http, server.ws_url)
    await customer.connect(identity=sign_identity(IDENTITY_SECRET, {"id": "ana.souza", "exp": time.time() + 60}))
    await customer.send("Someone used my credit card for charges I don't recognise")
    assert "frozen" in (await customer.message_from("bot"))["text"]
    [case] = await (await http.get(server.url + "/desk/api/cases", headers=staff("Ana"))).json()
    assert case["customer"]["account_frozen"] is True
    url = f"{server.url}/desk/api/cases/{case['id']}/unfreeze"

    done = await http.post(url, headers=staff("Ana"))

    assert done.status == 200
    after = (await done.json())["case"]
    assert after["customer"]["account_frozen"] is False
    assert after["actions"][-1] == {"action": "unfreeze_account", "done": True, "account": "ACC-1001", "by": "Ana"}
    assert "unfrozen" in (await customer.message_from("system"))["text"]
    again = await http.post(url, headers=staff("Ana"))
    assert again.status == 409 and "not frozen" in (await again.json())["error"]
    await customer.close()


async def test_a_case_without_an_account_has_nothing_to_unfreeze(server, http, waiting_case):
    refused = await http.post(f"{server.url}/desk/api/cases/{waiting_case['id']}/unfreeze", headers=staff("Ana"))
    assert refused.status == 409 and "no account" in (await refused.json())["error"]
async def test_the_sign_in_page_shows_the_public_address_and_a_session_lasts_a_working_day(tmp_path, http):
    from tests.servers import running_server

    url = f"sqlite+aiosqlite:///{tmp_path / 'llamita.sqlite3'}"
    async with running_server(tmp_path, url, LLAMITA_PUBLIC_URL="https://help.llama.example/",
                              LLAMITA_DESK_SESSION_HOURS="9") as server:
        page = await http.get(server.url + "/desk")
        assert page.status == 401 and "https://help.llama.example/desk?token=" in await page.text()
        assert "127.0.0.1" not in await page.text()
        signed_in = await http.get(f"{server.url}/desk?token={STAFF_TOKEN}", allow_redirects=False)
        cookie = signed_in.cookies["llamita_staff"]
        assert int(cookie["max-age"]) == 9 * 3600 and STAFF_TOKEN not in cookie.value
        assert (await http.get(server.url + "/desk/api/teams", cookies={"llamita_staff": cookie.value})).status == 200
        forged = cookie.value.split(".")[0] + ".0000"
        assert (await http.get(server.url + "/desk/api/teams", cookies={"llamita_staff": forged})).status == 401
        signed_out = await http.post(server.url + "/desk/signout", cookies={"llamita_staff": cookie.value},
                                     allow_redirects=False)
        assert signed_out.status == 303 and signed_out.cookies["llamita_staff"].value == ""


async def _closed_case(server, http, words: str, identity: str | None = None) -> int:
    customer = ChatClient(http, server.ws_url)
    await customer.connect(identity=identity)
    await customer.send(words)
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    await customer.message_from("bot")
    [case] = [c for c in await (await http.get(server.url + "/desk/api/cases", headers=staff("Ana"))).json()]
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/resolve", headers=staff("Ana"))
    await customer.close()
    return case["id"]


async def test_the_history_finds_closed_cases_by_words_customer_reference_number_and_date(server, http):
    from adapters.identity import sign_identity
    from tests.servers import IDENTITY_SECRET

    carlos = sign_identity(IDENTITY_SECRET, {"id": "carlos.mendez", "name": "Carlos Méndez"})
    skis = await _closed_case(server, http, "Can I bring my skis?")
    hotel = await _closed_case(server, http, "My hotel booking is wrong", identity=carlos)

    async def search(**query) -> list[int]:
        answer = await http.get(server.url + "/desk/api/history", params=query, headers=staff("Ana"))
        assert answer.status == 200 and int(answer.headers["X-Total-Count"]) == len(await answer.json())
        return [case["id"] for case in await answer.json()]

    assert await search() == [hotel, skis]                 # newest first
    assert await search(q="skis") == [skis]               # words from the conversation
    assert await search(q="méndez") == [hotel]            # the customer
    assert await search(q="LT-40127") == [hotel]          # a booking of the customer's account
    assert await search(q=f"#{skis}") == [skis]           # the case number
    assert await search(q="100%_") == []                  # LIKE's wildcards are literal
    assert await search(**{"from": "2000-01-01", "to": "2000-12-31"}) == []
    assert (await http.get(server.url + "/desk/api/history?from=yesterday", headers=staff("Ana"))).status == 400


async def test_a_returning_customers_earlier_cases_are_on_the_card(server, http):
    from adapters.identity import sign_identity
    from tests.servers import IDENTITY_SECRET

    carlos = sign_identity(IDENTITY_SECRET, {"id": "carlos.mendez", "name": "Carlos Méndez"})
    first = await _closed_case(server, http, "My hotel booking is wrong", identity=carlos)
    customer = ChatClient(http, server.ws_url)
    await customer.connect(identity=carlos)
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    [case] = await (await http.get(server.url + "/desk/api/cases", headers=staff("Ana"))).json()
    assert [earlier["id"] for earlier in case["earlier"]] == [first]
    assert case["earlier"][0]["state"] == "resolved"
    await customer.close()
