"""Teams' `stats` (supervisors only) and `note` commands, over real HTTP with Bot Framework tokens."""
from __future__ import annotations

import pytest

from tests.adapters.slack.helpers import Customer
from tests.adapters.teams.conftest import ANA, BRUNO, TECHNICAL
from tests.adapters.teams.helpers import hand_over
from tests.adapters.teams.test_teams_protocol import targeted_to

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
MARTA = {"id": "29:1marta-ruiz", "name": "Marta Ruiz", "aadObjectId": "6f1c2b0a-0000-4000-8000-00000000a11a"}


async def test_a_supervisor_asks_for_the_stats_and_only_they_see_them(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    await hand_over(llamita, customer, connector, TECHNICAL)

    assert (await llamita.teams.message(MARTA, TECHNICAL, "stats 7d", mention=True)).status == 202
    [report] = await connector.wait_for("send", targeted_to(MARTA, "Llamita stats · the last 7 days"))
    text = report.body["text"]
    assert "Handed to people" in text and "1 of 1 (100%)" in text and "Hand-overs by reason" in text

    await llamita.teams.message(BRUNO, TECHNICAL, "stats", mention=True)
    await connector.wait_for("send", targeted_to(BRUNO, "only supervisors"))
    await llamita.teams.message(MARTA, TECHNICAL, "stats 17 bananas", mention=True)
    await connector.wait_for("send", targeted_to(MARTA, "Usage: `stats"))


async def test_a_note_under_the_card_goes_to_the_trainers_and_not_to_the_customer(llamita, connector, session):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, _ = await hand_over(llamita, customer, connector, TECHNICAL)
    assert (await llamita.teams.message(ANA, thread, "note the freeze worked; the reply was too long",
                                        mention=True)).status == 202
    await connector.wait_for("send", targeted_to(ANA, f"your note on case #{case_id}"))
    [note] = await llamita.runtime.service.learning.notes(case_id)
    assert (note.text, note.author_name, note.channel) == ("the freeze worked; the reply was too long", "Ana Lima",
                                                           "teams")
    await llamita.teams.message(ANA, TECHNICAL, "note", mention=True)
    await connector.wait_for("send", targeted_to(ANA, "Usage: `note"))
    assert not customer.seen(lambda f: f["type"] == "message" and "freeze worked" in f.get("text", ""))
