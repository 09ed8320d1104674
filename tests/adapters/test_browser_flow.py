"""The whole story in a real browser: a customer on the website, Llamita, a hand-over, Ana on the desk.

Drives Debian's Chromium (/usr/bin/chromium) headless through Playwright against the real server
(tests/servers.py: the whole application in-process on a free port, here on SQLite). No browser is
ever downloaded: where Chromium is missing the tests skip, unless LLAMITA_REQUIRE_BROWSER=1.

Assertions stay on robust facts, since Llamita's wording changes: an answer arrives and mentions
"8 kg" for the baggage question, a hand-over puts a card on the desk, status lines name Ana.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from routing.views import StaffMember
from tests.servers import STAFF_TOKEN, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 8_000
XSS = '<img src=x onerror="window.pwned=1">'

pytestmark = pytest.mark.browser


def _missing_browser() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium); browser tests need Debian's browser"
    return None


class Site:
    """The running server, as the browser sees it."""

    def __init__(self, running):
        self.running = running
        self.base_url = running.url
        self.desk_url = f"{running.url}/desk?token={STAFF_TOKEN}"


@pytest.fixture
async def live_server(tmp_path: Path):
    async with running_server(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'llamita.sqlite3'}") as running:
        yield Site(running)


@pytest.fixture
async def browser():
    problem = _missing_browser()
    if problem:
        if os.environ.get("LLAMITA_REQUIRE_BROWSER") == "1":
            pytest.fail(problem + " (LLAMITA_REQUIRE_BROWSER=1)")
        pytest.skip(problem)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class PageProblems:
    """Collects what must never happen on a page: script errors, CSP violations, failed loads."""

    def __init__(self, page, name: str):
        self.name = name
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("requestfailed", lambda request: self.problems.append(
            f"request failed: {request.url} {request.failure}"))

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and "401" not in text and "Unauthorized" not in text:
            self.problems.append(f"console error: {text}")
        elif "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"CSP: {text}")

    def check(self) -> None:
        # The deliberately broken <img src=x> is never created, so nothing may fail to load either.
        assert not self.problems, f"{self.name} page had problems: {self.problems}"


def _assert_strict_policy(response) -> None:
    """The pages run under a CSP without inline script or style; the checks above rely on it."""
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, f"{response.url}: CSP is {policy!r}"


async def _new_page(browser, name: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    return page, PageProblems(page, name)


async def _open_widget(page, base_url: str, navigate: bool = True):
    from playwright.async_api import expect

    if navigate:
        _assert_strict_policy(await page.goto(base_url + "/"))
    await page.locator("#llamita-chat .launcher").click()
    await expect(page.locator("#llamita-panel")).to_be_visible()
    await expect(page.locator("#llamita-input")).to_be_focused()


async def _say(page, text: str) -> None:
    from playwright.async_api import expect

    mine = page.locator(".msg-customer")
    before = await mine.count()
    await page.locator("#llamita-input").fill(text)
    await page.locator("#llamita-input").press("Enter")
    await expect(mine).to_have_count(before + 1)
    # Shown at once, then acknowledged by the server ("Sent").
    await expect(mine.last.locator(".status")).to_have_text("Sent")
    await expect(mine.last.locator(".bubble")).to_have_text(text)


async def _chat_as_carlos(browser, server):
    """A page on the demo site, signed in as the demo customer Carlos, with the chat open."""
    from playwright.async_api import expect

    customer, problems = await _new_page(browser, "customer")
    await customer.goto(server.base_url + "/")
    await customer.locator("#persona").select_option("carlos.mendez")
    await expect(customer.locator("#persona-status")).to_contain_text("Signed in as Carlos")
    await _open_widget(customer, server.base_url, navigate=False)
    return customer, problems


async def _open_desk(browser, server, name: str = "Ana"):
    from playwright.async_api import expect

    desk, problems = await _new_page(browser, "desk")
    _assert_strict_policy(await desk.goto(server.desk_url))
    assert desk.url == server.base_url + "/desk", "the token link should land on /desk without the token"
    await desk.locator("#staff-name").fill(name)
    await desk.get_by_role("button", name="Start").click()
    await expect(desk.locator("#me-name")).to_have_text(name)
    await expect(desk.locator("#live")).to_have_text("Live")
    return desk, problems


async def test_customer_llamita_handover_claim_reply_resolve(browser, live_server):
    from playwright.async_api import expect

    customer, customer_problems = await _new_page(browser, "customer")
    await _open_widget(customer, live_server.base_url)

    # Llamita answers from the knowledge base.
    await _say(customer, "How many bags can I bring?")
    answer = customer.locator(".msg-bot .bubble").last
    await expect(answer).to_contain_text("8 kg")

    # The customer asks for a person: Llamita says so, and the widget shows their place and the wait.
    await _say(customer, "I want to talk to a person")
    await expect(customer.locator(".msg-bot")).to_have_count(2)
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "waiting")
    await expect(customer.locator(".subtitle")).to_contain_text("You’re next in line · about")

    # Ana opens the desk: the hand-over is a waiting card; she claims it.
    desk, desk_problems = await _open_desk(browser, live_server, "Ana")
    card = desk.locator("#waiting-list .card")
    await expect(card).to_have_count(1)
    await expect(card).to_contain_text("I want to talk to a person")
    await expect(card).to_contain_text("Anonymous visitor")
    await card.get_by_role("button", name=re.compile(r"^Claim case")).click()
    await expect(desk.locator("#claimed-list .card")).to_have_count(1)
    await expect(desk.locator("#claimed-list .card")).to_contain_text("yours")
    await expect(desk.locator("#reply-label")).to_contain_text("Reply to")

    # The customer is told Ana joined.
    await expect(customer.locator(".msg-system").filter(has_text=re.compile(r"Ana\b.*joined"))).to_have_count(1)
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "claimed")
    await expect(customer.locator(".title")).to_contain_text("Ana")

    # Ana replies; the customer sees it.
    await desk.locator("#reply-text").fill("Hi, I'm Ana. Happy to help with your bags!")
    await desk.locator("#reply-text").press("Enter")
    await expect(desk.locator("#conv-messages .message-staff")).to_contain_text("Happy to help")
    staff_bubble = customer.locator(".msg-staff")
    await expect(staff_bubble.locator(".bubble")).to_have_text("Hi, I'm Ana. Happy to help with your bags!")
    await expect(staff_bubble.locator(".who")).to_have_text("Ana")

    # The customer answers; Ana sees it live, without reloading.
    await _say(customer, "Thanks Ana! Can I bring skis as well?")
    await expect(desk.locator("#conv-messages .message-customer").last).to_have_text(
        re.compile(r"Can I bring skis as well\?"))

    # Ana resolves; the customer sees it.
    await desk.locator("#conv-resolve").click()
    await expect(desk.locator("#claimed-list .card")).to_have_count(0)
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "resolved")
    await expect(customer.locator(".msg-system").last).to_contain_text("resolved")

    # Nothing was shown twice, and the messages are in order.
    seqs = [int(s) for s in await customer.locator(".log [data-seq]").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('data-seq'))")]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), seqs
    customer_problems.check()
    desk_problems.check()


async def test_markup_in_messages_shows_literally_and_never_runs(browser, live_server):
    from playwright.async_api import expect

    # Signed in as a demo customer (the site's backend signs the identity): the card shows who it is.
    customer, customer_problems = await _chat_as_carlos(browser, live_server)
    await _say(customer, XSS)
    await expect(customer.locator(".msg-bot")).to_have_count(1)
    await _say(customer, "I want to talk to a person")
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "waiting")

    desk, desk_problems = await _open_desk(browser, live_server, "Ana")
    card = desk.locator("#waiting-list .card")
    await expect(card.locator(".card-customer")).to_contain_text("Carlos Méndez")
    await expect(card.locator(".card-customer")).to_contain_text("verified")
    await expect(card).to_contain_text("LT-40127")
    await card.get_by_role("button", name=re.compile(r"^Open case")).click()
    await expect(desk.locator("#conv-messages .message-customer .message-text").first).to_have_text(XSS)
    await expect(desk.locator("#reply-label")).to_contain_text("Internal note")
    await desk.locator("#conv-claim").click()
    await expect(desk.locator("#reply-label")).to_contain_text("Reply to")

    staff_markup = '<b>bold?</b><img src=x onerror="window.pwned=2">'
    await desk.locator("#reply-text").fill(staff_markup)
    await desk.locator("#reply-text").press("Enter")
    await expect(customer.locator(".msg-staff .bubble")).to_have_text(staff_markup)

    # Give a would-be <img src=x> time to fail and fire its handler, then look for any trace of it.
    await customer.wait_for_timeout(300)
    for page in (customer, desk):
        assert await page.evaluate("window.pwned") is None
        injected = await page.evaluate("""() => {
            const roots = [document];
            const host = document.querySelector('#llamita-chat');
            if (host && host.shadowRoot) roots.push(host.shadowRoot);
            return roots.reduce((n, root) => n + root.querySelectorAll('img[src="x"], b').length, 0);
        }""")
        assert injected == 0, "customer or staff text was parsed as HTML"
    customer_problems.check()
    desk_problems.check()


async def test_lost_ack_and_reconnect_deliver_once_and_reload_shows_each_message_once(browser, live_server):
    """The socket dies after the server stored a message but before the widget heard back: the
    widget re-sends it on reconnect (same id), the server stores it once, and nothing shows twice,
    not even after a reload (the transcript is kept locally, resumed from the last seq)."""
    from playwright.async_api import expect

    customer, problems = await _new_page(browser, "customer")
    deaf = {"on": False}     # while on, the page hears nothing from the server
    sockets = []

    async def relay(page_side):
        server_side = page_side.connect_to_server()
        sockets.append(page_side)
        page_side.on_message(lambda message: server_side.send(message))
        server_side.on_message(lambda message: None if deaf["on"] else page_side.send(message))

    await customer.route_web_socket(re.compile(r"/chat/ws(\?resume=1)?$"), relay)
    await _open_widget(customer, live_server.base_url)
    await _say(customer, "How many bags can I bring?")
    await expect(customer.locator(".msg-bot .bubble").last).to_contain_text("8 kg")

    deaf["on"] = True
    await customer.locator("#llamita-input").fill("Do you sell travel insurance?")
    await customer.locator("#llamita-input").press("Enter")
    pending = customer.locator(".msg-customer").last
    await expect(pending.locator(".status")).to_have_text("Sending…")
    outbox = await customer.evaluate(
        "Object.keys(localStorage).filter(k => k.endsWith(':outbox')).map(k => JSON.parse(localStorage[k]))[0]")
    assert [item["text"] for item in outbox] == ["Do you sell travel insurance?"]
    await customer.wait_for_timeout(300)   # the server stores it and answers, unheard

    deaf["on"] = False
    await sockets[-1].close()              # the connection drops; the widget reconnects by itself
    await expect(pending.locator(".status")).to_have_text("Sent")
    await expect(customer.locator(".msg-bot")).to_have_count(2)
    await expect(customer.locator(".msg-customer")).to_have_count(2)
    assert len(sockets) >= 2, "the widget should have reconnected"

    # The server kept one copy of the re-sent message.
    runtime = live_server.running.runtime
    conversation = await customer.evaluate(
        "Object.keys(localStorage).filter(k => k.endsWith(':conversation')).map(k => JSON.parse(localStorage[k]))[0]")
    stored = await runtime.service.messages_after(conversation, 0)
    assert [m.text for m in stored if m.author == "customer"] == [
        "How many bags can I bring?", "Do you sell travel insurance?"]

    await customer.reload()
    await expect(customer.locator("#llamita-panel")).to_be_visible()
    await expect(customer.locator(".msg-customer")).to_have_count(2)
    await expect(customer.locator(".msg-bot")).to_have_count(2)
    await customer.wait_for_timeout(300)   # let the resumed socket deliver anything it would
    seqs = await customer.locator(".log [data-seq]").evaluate_all("ns => ns.map(n => +n.dataset.seq)")
    assert seqs == list(range(1, len(stored) + 1)), seqs
    problems.check()


async def test_a_signed_in_customers_chat_is_never_shown_to_the_next_anonymous_visitor(browser, live_server):
    from playwright.async_api import expect

    customer, _ = await _chat_as_carlos(browser, live_server)
    await _say(customer, "Is my flight on time?")
    await expect(customer.locator(".msg-bot")).to_have_count(1)

    # The next page load carries no identity (the site did not sign the widget out), and the server
    # cannot be reached, so nothing will come to clear the screen: the old chat must not be drawn.
    await customer.route_web_socket(re.compile(r".*/chat/ws.*"), lambda ws: None)
    await customer.reload()
    await expect(customer.locator("#llamita-panel")).to_be_visible()  # it stays open across reloads
    await expect(customer.locator(".msg-customer")).to_have_count(0)
    await expect(customer.locator(".msg-bot")).to_have_count(0)


async def test_a_frozen_customer_is_told_so_and_staff_unfreeze_the_account(browser, live_server):
    """Carlos's card was used: Llamita freezes his account. Later Llamita knows it (no payments) and
    says what happens next; Ana, on the desk, unfreezes it from his case and he is told."""
    import asyncio

    from playwright.async_api import expect

    customer, customer_problems = await _chat_as_carlos(browser, live_server)
    await _say(customer, "Someone used my card for charges I don't recognise")
    await expect(customer.locator(".msg-bot .bubble").last).to_contain_text("frozen")

    desk, desk_problems = await _open_desk(browser, live_server, "Ana")
    card = desk.locator("#waiting-list .card")
    await expect(card.locator(".card-customer")).to_contain_text("account frozen")
    await expect(card).to_contain_text("Llamita froze account ACC-1002")
    await card.get_by_role("button", name=re.compile(r"^Claim case")).click()
    await expect(desk.locator("#conv-unfreeze")).to_be_visible()
    warnings: list[str] = []

    def accept(dialog) -> None:      # resolving with the account still frozen is asked about first
        warnings.append(dialog.message)
        asyncio.ensure_future(dialog.accept())

    desk.once("dialog", accept)
    await desk.locator("#conv-resolve").click()
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "resolved")
    assert warnings and "still frozen" in warnings[0]

    # Back with Llamita: it knows the account is frozen, says so and what happens next, takes no payment,
    # and the security team gets a case for it (the promise is kept though the first case was resolved).
    await _say(customer, "I'd like to pay the rest of my trip")
    frozen_reply = customer.locator(".msg-bot .bubble").last
    await expect(frozen_reply).to_contain_text("frozen at the moment")
    await expect(frozen_reply).to_contain_text("security team will contact you")
    await expect(frozen_reply).not_to_contain_text("Visa")
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "waiting")

    # Ana claims the new case and unfreezes the account.
    card = desk.locator("#waiting-list .card")
    await expect(card.locator(".card-customer")).to_contain_text("account frozen")
    await card.get_by_role("button", name=re.compile(r"^Claim case")).click()
    await expect(desk.locator("#conv-resolve")).to_be_visible()     # the new case is the one open
    desk.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await desk.locator("#conv-unfreeze").click()
    await expect(desk.locator("#conv-unfreeze")).to_be_hidden()
    await expect(desk.locator("#conv-details")).to_contain_text("Ana unfroze account ACC-1002")
    await expect(desk.locator("#claimed-list .card .card-customer")).not_to_contain_text("account frozen")
    await expect(customer.locator(".msg-system").last).to_contain_text("unfrozen")

    # Resolved; he can pay again.
    await desk.locator("#conv-resolve").click()
    await expect(customer.locator("#llamita-panel")).to_have_attribute("data-state", "resolved")
    await _say(customer, "Which payment methods do you accept?")
    await expect(customer.locator(".msg-bot .bubble").last).to_contain_text("Visa")
    customer_problems.check()
    desk_problems.check()


async def test_a_german_customer_chooses_machine_translation_and_reads_a_translated_reply(browser, tmp_path):
    """The language choice as buttons in the widget (keyboard reachable), and a staff reply that arrives
    translated, with the original one click away (LibreTranslate stand-in, through deep-translator)."""
    from playwright.async_api import expect

    from tests.translation_stand_ins import LibreTranslateStandIn

    libre = LibreTranslateStandIn()
    libre.teach("en", "de", "Hello! I will help you right away.", "Hallo! Ich helfe Ihnen sofort.")
    await libre.start()
    try:
        async with running_server(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'llamita.sqlite3'}",
                                  LIBRETRANSLATE_URL=libre.url) as running:
            site = Site(running)
            customer, problems = await _new_page(browser, "customer")
            await _open_widget(customer, site.base_url)
            await _say(customer, "Ich möchte bitte mit einem Mitarbeiter sprechen.")
            offer = customer.locator(".language-offer")
            await expect(offer).to_be_visible()
            keep = offer.get_by_role("button", name="Weiter auf Deutsch (maschinelle Übersetzung)")
            await expect(offer.get_by_role("button", name="Weiter auf Englisch")).to_be_visible()
            await keep.focus()
            await customer.keyboard.press("Enter")                     # reachable and usable by keyboard
            await expect(offer).to_be_hidden()
            await expect(customer.locator(".msg-system").last).to_contain_text("maschinell übersetzt")

            desk, desk_problems = await _open_desk(browser, site, "Ana")
            card = desk.locator("#waiting-list .card")
            await expect(card).to_contain_text("machine translation")
            await card.get_by_role("button", name=re.compile(r"^Claim case")).click()
            await expect(desk.locator("#conv-details")).to_contain_text("Wants to talk to a person")
            await desk.locator("#reply-text").fill("Hello! I will help you right away.")
            await desk.locator("#reply-text").press("Enter")

            reply = customer.locator(".msg-staff")
            await expect(reply.locator(".bubble")).to_have_text("Hallo! Ich helfe Ihnen sofort.")
            toggle = reply.locator(".original-toggle")
            await expect(toggle).to_have_text("Show original")
            await toggle.click()
            await expect(reply.locator(".original")).to_have_text("Hello! I will help you right away.")
            await expect(toggle).to_have_attribute("aria-expanded", "true")
            problems.check()
            desk_problems.check()
    finally:
        await libre.stop()
async def test_a_waiting_customer_sees_their_place_gets_an_answer_and_moves_up(browser, live_server):
    from playwright.async_api import expect

    # Someone else asked for a person first.
    service = live_server.running.runtime.service
    earlier = await service.start_conversation()
    await service.receive(earlier.conversation_id, "I want to talk to a person")
    await service.respond(earlier.conversation_id)
    [first_case] = await service.open_cases()

    customer, problems = await _new_page(browser, "customer")
    await _open_widget(customer, live_server.base_url)
    await _say(customer, "Can I speak to a human please")
    panel = customer.locator("#llamita-panel")
    await expect(panel).to_have_attribute("data-state", "waiting")
    await expect(panel).to_have_attribute("data-position", "2")
    await expect(customer.locator(".subtitle")).to_have_text(re.compile(r"number 2 in line · about \d+ minutes?"))
    await expect(customer.locator(".msg-bot .bubble").last).to_contain_text("number 2 in line")

    # Writing while waiting gets an answer at once.
    await _say(customer, "Hello? Is anyone there?")
    await expect(customer.locator(".msg-bot")).to_have_count(2)
    await expect(customer.locator(".msg-bot .bubble").last).to_contain_text("I've passed this on")

    # The earlier case is claimed: the customer moves up in the header at once (a line follows at the
    # team's cadence, update_customer_every_minutes, after the answer just given: tests/routing covers it).
    await service.claim(first_case.id, StaffMember("desk:ana", "Ana", "desk"))
    await live_server.running.runtime.scheduler.tick()
    await expect(panel).to_have_attribute("data-position", "1")
    await expect(customer.locator(".subtitle")).to_contain_text("You’re next in line")
    problems.check()
