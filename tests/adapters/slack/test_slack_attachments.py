"""A customer's photo reaches the case's Slack thread through Slack's external upload, without its location."""
from __future__ import annotations

import aiohttp

from tests.adapters import attachment_samples as samples
from tests.adapters.slack.conftest import COMPLIANCE
from tests.adapters.slack.helpers import Customer, eventually, hand_over


async def _upload(session, llamita, customer: Customer, data: bytes, filename: str, client_id: str) -> dict:
    form = aiohttp.FormData()
    form.add_field("id", client_id)
    form.add_field("file", data, filename=filename)
    async with session.post(llamita.url + "/chat/attachments", data=form,
                            headers={"Authorization": f"Bearer {customer.token}"}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_a_customers_photo_is_uploaded_into_the_cases_thread_without_its_location(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _card = await hand_over(llamita, customer, stand_in, COMPLIANCE)

    await _upload(session, llamita, customer, samples.photo_with_location(), "damaged-bag.jpg", "p1")
    await stand_in.wait_for("files.completeUploadExternal")
    [shared] = stand_in.shared_files
    assert shared["channel"] == COMPLIANCE and shared["thread_ts"] == card_ts
    assert shared["title"] == "damaged-bag.jpg" and "(customer) sent a photo" in shared["initial_comment"]
    assert shared["data"][:3] == b"\xff\xd8\xff" and not samples.has_location(shared["data"])
    [asked] = stand_in.calls_to("files.getUploadURLExternal")
    assert int(asked.args["length"]) == len(shared["data"])

    # The upload is the case's message like any other: sent once, and the thread's text posts go on.
    await customer.say("It is the blue one")
    await stand_in.wait_for("chat.postMessage", lambda c: c.args.get("thread_ts") == card_ts
                            and "blue one" in c.text_everywhere())
    assert len(stand_in.calls_to("files.completeUploadExternal")) == 1


async def test_a_refused_file_never_reaches_slack(llamita, stand_in, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await hand_over(llamita, customer, stand_in, COMPLIANCE)
    form = aiohttp.FormData()
    form.add_field("file", samples.pdf_with_javascript(), filename="receipt.pdf")
    async with session.post(llamita.url + "/chat/attachments", data=form,
                            headers={"Authorization": f"Bearer {customer.token}"}) as response:
        assert response.status == 415 and (await response.json())["code"] == "active_content"
    await customer.say("did you get it?")
    assert await eventually(lambda: _posted(stand_in, "did you get it?"))
    assert stand_in.calls_to("files.getUploadURLExternal") == [] and stand_in.uploads == {}


async def _posted(stand_in, text: str) -> bool:
    return bool(stand_in.calls_to("chat.postMessage", lambda c: text in c.text_everywhere()))
