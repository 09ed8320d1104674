"""The widget's feedback in a real browser, by keyboard: "Did this help?" under an answer and the 1-5 rating
after a person resolved the case, both landing in the supervisors' figures."""
from __future__ import annotations

from datetime import timedelta

import pytest

from routing.report import Period
from routing.views import StaffMember
from tests.adapters.test_browser_flow import _new_page, _open_widget, _say, browser, live_server  # noqa: F401

pytestmark = pytest.mark.browser


async def test_thumbs_and_rating_by_keyboard_reach_the_report(browser, live_server):  # noqa: F811
    from playwright.async_api import expect

    service = live_server.running.runtime.service
    page, problems = await _new_page(browser, "customer")
    await _open_widget(page, live_server.base_url)
    await _say(page, "How many bags can I bring?")
    row = page.locator(".msg-bot .helpful").last
    await expect(row).to_contain_text("Did this help?")

    # From the message box, Shift+Tab goes back in the order the eye does: the attach button (left of the
    # box), then the answer's last button ("No"); Enter presses it.
    await page.locator("#llamita-input").focus()
    await page.keyboard.press("Shift+Tab")
    await expect(page.get_by_role("button", name="Send a photo or a PDF")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    no = row.get_by_role("button", name="No, this did not help")
    await expect(no).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(no).to_have_attribute("aria-pressed", "true")
    await expect(row.locator(".helpful-thanks")).to_contain_text("Thanks for telling us")

    await _say(page, "I want to talk to a person")
    await expect(page.locator("#llamita-panel")).to_have_attribute("data-state", "waiting")
    [case] = await service.open_cases()
    ana = StaffMember("desk:ana", "Ana", "desk")
    await service.claim(case.id, ana)
    await service.resolve(case.id, ana)

    form = page.locator("form.rating")
    await expect(form).to_contain_text("How did Ana do?")
    await form.get_by_role("radio").first.focus()
    for _ in range(3):
        await page.keyboard.press("ArrowRight")           # 1 -> 4
    await expect(form.get_by_role("radio", name="4 stars")).to_be_checked()
    await page.keyboard.press("Tab")
    await expect(page.locator("#llamita-rating-comment")).to_be_focused()
    await page.keyboard.type("Quick and kind.")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.locator(".rating-thanks")).to_have_text("Thank you for your rating!")

    now = service.clock()
    report = await service.learning.report(Period("now", now - timedelta(hours=1), now + timedelta(hours=1)))
    assert (report.helpful.n, report.helpful.of) == (0, 1)
    assert (report.ratings.n, report.rating_mean) == (1, 4.0)
    problems.check()
