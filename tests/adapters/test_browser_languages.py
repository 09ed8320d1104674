"""The widget's own words (placeholder, delivery states, "Did this help?") in the customer's language, as a
browser set to that language shows them; English where the browser asks for a language we do not write."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.adapters.test_browser_flow import TIMEOUT_MS, PageProblems, browser, live_server  # noqa: F401

pytestmark = pytest.mark.browser

STRINGS = json.loads((Path(__file__).resolve().parents[2] / "adapters/static/widget-strings.json").read_text())


async def _widget_in(browser, base_url: str, locale: str):  # noqa: F811
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    problems = PageProblems(page, f"customer ({locale})")
    await page.goto(base_url + "/")
    await page.locator("#llamita-chat .launcher").click()
    await expect(page.locator("#llamita-panel")).to_be_visible()
    return page, problems


async def test_a_spanish_browser_gets_the_widget_in_spanish(browser, live_server):  # noqa: F811
    from playwright.async_api import expect

    es = STRINGS["es"]
    page, problems = await _widget_in(browser, live_server.base_url, "es-ES")
    assert await page.locator("#llamita-input").get_attribute("placeholder") == es["placeholder"]
    await page.locator("#llamita-input").fill("¿Cuántas maletas puedo llevar en el vuelo?")
    await page.locator("#llamita-input").press("Enter")
    mine = page.locator(".msg-customer").last
    await expect(mine.locator(".status")).to_have_text(es["sent"])
    answer = page.locator(".msg-bot").last
    await expect(answer.locator(".helpful")).to_contain_text(es["did_this_help"])
    await expect(answer.locator(".bubble")).to_contain_text("maleta")     # and Llamita answers in Spanish
    problems.check()


async def test_a_browser_in_a_language_we_do_not_write_gets_english(browser, live_server):  # noqa: F811
    page, problems = await _widget_in(browser, live_server.base_url, "ja-JP")
    assert await page.locator("#llamita-input").get_attribute("placeholder") == "Type your message…"
    problems.check()
