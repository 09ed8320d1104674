"""A customer's photo in a Teams case: Teams takes no file from a bot in a channel, so the chain gets a link."""
from __future__ import annotations

import aiohttp

from tests.adapters import attachment_samples as samples
from tests.adapters.slack.helpers import Customer
from tests.adapters.teams.conftest import TECHNICAL
from tests.adapters.teams.helpers import hand_over, in_thread


async def test_a_customers_photo_is_a_signed_link_in_the_reply_chain(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    _case_id, thread, _created = await hand_over(llamita, customer, connector, TECHNICAL)
    form = aiohttp.FormData()
    form.add_field("id", "p1")
    form.add_field("file", samples.photo_with_location(), filename="card-statement.jpg")
    async with session.post(llamita.url + "/chat/attachments", data=form,
                            headers={"Authorization": f"Bearer {customer.token}"}) as response:
        assert response.status == 200

    [relayed] = await connector.wait_for("send", lambda c: in_thread(thread)(c) and "card-statement" in c.shown())
    [link] = relayed.card["actions"]
    assert link["type"] == "Action.OpenUrl" and "link" in relayed.shown()
    async with session.get(link["url"]) as served:
        assert served.status == 200 and not samples.has_location(await served.read())
