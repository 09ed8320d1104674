"""The desk as a workspace, in Chromium: room for the conversation at 1024×640 and on a phone, the history
found by search, a reply that waits out a server restart, and a customer's photo reaching the desk and
Slack without its location. Same set-up as test_browser_flow.py (Debian's Chromium, the real server)."""
from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from tests.adapters import attachment_samples as samples
from tests.adapters.test_browser_flow import PageProblems, browser  # noqa: F401  (the fixture)
from tests.chat_client import ChatClient
from tests.servers import STAFF_TOKEN, free_port, running_server

pytestmark = pytest.mark.browser
TIMEOUT_MS = 8_000
PHONE = {"viewport": {"width": 390, "height": 780}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
VISIBLE_MESSAGES = """() => {
  const box = document.querySelector('#conv-messages').getBoundingClientRect();
  return [...document.querySelectorAll('#conv-messages .message')].filter(m => {
    const r = m.getBoundingClientRect();
    return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.bottom <= innerHeight;
  }).length;
}"""


async def loaded(page, image) -> None:
    """Wait until the picture has really been fetched and decoded (a broken link would stay at width 0)."""
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await image.element_handle())


def staff(name: str = "Ana", token: str = STAFF_TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}", "X-Staff-Name": name}


async def a_long_case(http, url: str, ws_url: str, words: str = "my bag arrived broken") -> tuple[int, ChatClient]:
    """A customer handed over and a conversation of a dozen messages with Ana (who holds the case)."""
    customer = ChatClient(http, ws_url)
    await customer.connect()
    await customer.send(f"Hello, {words}")
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    await customer.message_from("bot")
    cases = await (await http.get(url + "/desk/api/cases", headers=staff())).json()
    case_id = cases[-1]["id"]
    await http.post(f"{url}/desk/api/cases/{case_id}/claim", headers=staff())
    for n in range(8):
        await http.post(f"{url}/desk/api/cases/{case_id}/messages", headers=staff(),
                        json={"id": f"r{n}", "text": f"Step {n + 1}: checking that for you."})
    return case_id, customer


async def desk_page(browser, site_url: str, context_options: dict | None = None, token: str = STAFF_TOKEN):  # noqa: F811
    from playwright.async_api import expect

    context = await browser.new_context(**(context_options or {"viewport": {"width": 1024, "height": 640}}))
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    problems = PageProblems(page, "desk")
    await page.goto(f"{site_url}/desk?token={token}")
    await page.locator("#staff-name").fill("Ana")
    await page.get_by_role("button", name="Start").click()
    await expect(page.locator("#live")).to_have_text("Live")
    return page, problems


async def test_an_open_case_gives_the_conversation_the_room_at_1024x640_and_on_a_phone(browser, tmp_path, http):  # noqa: F811
    from playwright.async_api import expect

    async with running_server(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}") as server:
        case_id, customer = await a_long_case(http, server.url, server.ws_url)

        desk, problems = await desk_page(browser, server.url)
        await desk.get_by_role("button", name=re.compile(rf"^Open case {case_id}\b")).click()
        await expect(desk.locator("#conv-messages .message-staff")).to_have_count(8)
        await expect(desk.locator("#conv-details-box")).not_to_have_attribute("open", "")
        await desk.screenshot(path="/tmp/desk-1024.png")
        assert await desk.evaluate(VISIBLE_MESSAGES) >= 8
        await desk.locator("#conv-details-box summary").click()      # the details are there when wanted
        await expect(desk.locator("#conv-details")).to_contain_text("Asked for a person")
        problems.check()

        phone, phone_problems = await desk_page(browser, server.url, PHONE)
        await expect(phone.locator("#conv")).to_be_hidden()
        await phone.get_by_role("button", name=re.compile(rf"^Open case {case_id}\b")).click()
        await expect(phone.locator("#conv")).to_be_visible()
        await expect(phone.locator("#waiting-list, #claimed-list").first).to_be_hidden()
        await expect(phone.locator("#conv-messages .message-staff")).to_have_count(8)
        await phone.screenshot(path="/tmp/desk-phone.png")
        assert await phone.evaluate(VISIBLE_MESSAGES) >= 8
        await phone.get_by_role("button", name="Back to the cases").click()
        await expect(phone.locator("#conv")).to_be_hidden()
        await expect(phone.locator("#claimed-list .card")).to_be_visible()
        # The phone's own back gesture closes the case too.
        await phone.get_by_role("button", name=re.compile(rf"^Open case {case_id}\b")).click()
        await expect(phone.locator("#conv")).to_be_visible()
        await phone.go_back()
        await expect(phone.locator("#conv")).to_be_hidden()
        phone_problems.check()
        await customer.close()


async def test_the_history_of_closed_cases_is_found_by_search(browser, tmp_path, http):  # noqa: F811
    from playwright.async_api import expect

    async with running_server(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}") as server:
        skis, first = await a_long_case(http, server.url, server.ws_url, "can I bring my skis to Bariloche")
        other, second = await a_long_case(http, server.url, server.ws_url, "my hotel in Lisbon was closed")
        for case_id in (skis, other):
            await http.post(f"{server.url}/desk/api/cases/{case_id}/resolve", headers=staff())

        desk, problems = await desk_page(browser, server.url)
        await expect(desk.locator("#claimed-list .card")).to_have_count(0)   # closed cases leave the queue...
        await desk.get_by_role("button", name="History").click()
        await expect(desk.locator("#history-list .card")).to_have_count(2)   # ... and are in the history
        await desk.locator("#history-q").fill("skis")
        await desk.locator("#history-q").press("Enter")
        await expect(desk.locator("#history-list .card")).to_have_count(1)
        await expect(desk.locator("#history-summary")).to_contain_text("1 closed case")
        await desk.get_by_role("button", name=re.compile(rf"^Open case {skis}\b")).click()
        await expect(desk.locator("#conv-messages")).to_contain_text("Bariloche")
        await expect(desk.locator("#conv-meta")).to_contain_text("resolved")
        problems.check()
        await first.close()
        await second.close()


async def test_a_reply_written_while_the_server_is_down_is_sent_once_when_it_is_back(browser, tmp_path, http):  # noqa: F811
    from playwright.async_api import expect

    database = f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}"
    port = free_port()
    async with running_server(tmp_path, database, port=port) as server:
        case_id, customer = await a_long_case(http, server.url, server.ws_url)
        desk, _problems = await desk_page(browser, server.url)
        await desk.get_by_role("button", name=re.compile(rf"^Open case {case_id}\b")).click()
        await expect(desk.locator("#reply-label")).to_contain_text("Reply to")
        await customer.close()
    # The server is gone: the reply waits in the desk's outbox, shown as waiting.
    await expect(desk.locator("#live")).to_have_text("Reconnecting…")
    await desk.locator("#reply-text").fill("Your new bag is on its way.")
    await desk.locator("#reply-text").press("Enter")
    waiting = desk.locator("#conv-messages [data-pending]")
    await expect(waiting).to_have_count(1)
    await expect(waiting.locator(".message-status")).to_have_text(re.compile("Waiting for connection"))
    kept = await desk.evaluate("JSON.parse(localStorage.getItem('llamita-desk:outbox'))")
    assert [entry["text"] for entry in kept] == ["Your new bag is on its way."]   # survives a reload too
    async with running_server(tmp_path, database, port=port) as server:
        await expect(desk.locator("#live")).to_have_text("Live", timeout=20_000)
        await expect(desk.locator("#conv-messages .message-staff").filter(
            has_text="Your new bag is on its way.")).to_have_count(1, timeout=15_000)
        await expect(desk.locator("#conv-messages [data-pending]")).to_have_count(0)
        await asyncio.sleep(0.5)   # a second sending, if there were one, would land now
        shown = await (await http.get(f"{server.url}/desk/api/cases/{case_id}", headers=staff())).json()
        sent = [m for m in shown["messages"] if m["text"] == "Your new bag is on its way."]
        assert len(sent) == 1 and sent[0]["author"] == "staff"


async def test_a_customers_photo_reaches_the_desk_and_slack_without_its_location(browser, tmp_path, http):  # noqa: F811
    from playwright.async_api import expect

    from tests.adapters.slack.conftest import COMPLIANCE, running_llamita
    from tests.adapters.slack.helpers import LEGAL, Customer
    from tests.adapters.slack.stand_in import SlackStandIn

    slack = SlackStandIn()
    await slack.start()
    try:
        database = f"sqlite+aiosqlite:///{tmp_path / 'l.sqlite3'}"
        async with aiohttp.ClientSession() as session, \
                running_llamita(tmp_path, database, slack, session) as llamita:
            context = await browser.new_context(viewport={"width": 1280, "height": 860})
            context.set_default_timeout(TIMEOUT_MS)
            customer = await context.new_page()
            customer_problems = PageProblems(customer, "customer")
            await customer.goto(llamita.url + "/")
            await customer.locator("#llamita-chat .launcher").click()
            await customer.locator("#llamita-input").fill(LEGAL)
            await customer.locator("#llamita-input").press("Enter")
            await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "waiting")
            await slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == COMPLIANCE)

            # A bad file first: refused in the widget, with the reason, and never sent on.
            chooser = customer.locator("#llamita-chat input[type=file]")
            await chooser.set_input_files(files=[{"name": "holiday.jpg", "mimeType": "image/jpeg",
                                                  "buffer": samples.executable()}])
            await expect(customer.locator(".attach-warning")).to_contain_text("cover the card number")
            await customer.get_by_role("button", name="Send file").click()
            await expect(customer.locator(".notice")).to_contain_text("Only photos")

            await chooser.set_input_files(files=[{"name": "damaged-bag.jpg", "mimeType": "image/jpeg",
                                                  "buffer": samples.photo_with_location()}])
            await customer.get_by_role("button", name="Send file").click()
            mine = customer.locator(".msg-customer .attachment img")
            await expect(mine).to_have_count(1)
            await loaded(customer, mine)

            desk, desk_problems = await desk_page(browser, llamita.url, token="staff-token")
            await desk.get_by_role("button", name=re.compile(r"^Open case \d")).first.click()
            photo = desk.locator("#conv-messages .message-customer .attachment img")
            await expect(photo).to_have_count(1)
            await loaded(desk, photo)
            full = await desk.locator("#conv-messages .message-customer .attachment").get_attribute("href")
            async with session.get(full) as served:
                assert served.status == 200 and not samples.has_location(await served.read())

            await slack.wait_for("files.completeUploadExternal")
            [shared] = slack.shared_files
            assert shared["title"] == "damaged-bag.jpg" and not samples.has_location(shared["data"])
            assert slack.calls_to("files.getUploadURLExternal", lambda c: "holiday" in str(c.args)) == []
            # The refused upload's 415 is logged by the browser as a failed load: that one was meant.
            customer_problems.problems = [p for p in customer_problems.problems if "status of 415" not in p]
            customer_problems.check()
            desk_problems.check()
            await Customer.close_all()
    finally:
        await slack.stop()
