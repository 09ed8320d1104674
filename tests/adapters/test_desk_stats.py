"""The desk's stats page and API, and the trainers' notes on a case, over real HTTP."""
from __future__ import annotations

from tests.chat_client import ChatClient
from tests.servers import STAFF_TOKEN

AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}


async def handed_over(server, http) -> int:
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    await customer.send("I want to talk to a person")
    await customer.next_frame(lambda f: f["type"] == "status" and f["state"] == "waiting")
    await customer.close()
    [case] = await server.runtime.service.open_cases()
    return case.id


async def test_the_desk_shows_the_report_and_its_chart(server, http):
    await handed_over(server, http)
    async with http.get(f"{server.url}/desk/api/stats?period=today") as refused:
        assert refused.status == 401
    async with http.get(f"{server.url}/desk/api/stats?period=today", headers=AUTH) as response:
        assert response.status == 200
        data = await response.json()
    assert data["report"]["conversations"] == 1 and data["report"]["handed_over"]["share"] == 1.0
    assert data["title"] == "Llamita stats · today" and not data["empty"]
    assert ["Conversations", "1"] in data["summary"]
    assert any(section["title"] == "Hand-overs by reason" for section in data["sections"])

    async with http.get(f"{server.url}/desk/api/stats/chart.png?period=7d&team=general", headers=AUTH) as chart:
        assert chart.status == 200 and chart.content_type == "image/png"
        assert (await chart.read()).startswith(b"\x89PNG")
    async with http.get(f"{server.url}/desk/api/stats/chart.png?since=2020-01-01&until=2020-01-02",
                        headers=AUTH) as nothing:
        assert nothing.status == 204
    for bad in ("period=17", "period=7d&team=bananas", "since=yesterday", "language=klingon"):
        async with http.get(f"{server.url}/desk/api/stats?{bad}", headers=AUTH) as response:
            assert response.status == 400, bad
            assert "error" in await response.json()

    async with http.get(f"{server.url}/desk/stats", headers=AUTH) as page:
        assert page.status == 200 and "desk-stats.js" in await page.text()
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_staff_add_notes_for_the_trainers_from_the_desk(server, http):
    case_id = await handed_over(server, http)
    url = f"{server.url}/desk/api/cases/{case_id}/notes"
    async with http.post(url, json={"text": "Card 4111 1111 1111 1111 came up; Llamita should stop earlier."},
                         headers={**AUTH, "X-Staff-Name": "Ana"}) as response:
        assert response.status == 201
        note = await response.json()
    assert note["by"] == "Ana" and note["channel"] == "desk" and "[card ending 1111]" in note["text"]
    async with http.get(url, headers=AUTH) as response:
        assert [n["text"] for n in await response.json()] == [note["text"]]
    async with http.post(url, json={"text": "  "}, headers={**AUTH, "X-Staff-Name": "Ana"}) as response:
        assert response.status == 400
    async with http.post(f"{server.url}/desk/api/cases/999999/notes", json={"text": "x"},
                         headers={**AUTH, "X-Staff-Name": "Ana"}) as response:
        assert response.status == 404
    async with http.post(url, json={"text": "x"}, headers={"X-Staff-Name": "Ana"}) as response:
        assert response.status == 401
