"""Claims at the same moment, across workers and across platforms: exactly one wins, the other is told who."""
from __future__ import annotations

import asyncio

from sqlmodel import select

from routing.models import Claim
from tests.adapters.slack.helpers import Customer, ephemeral_to, is_card
from tests.adapters.slack.stand_in import SlackSide, SlackStandIn
from tests.adapters.teams.conftest import ANA, BRUNO, TECHNICAL, running_llamita
from tests.adapters.teams.helpers import hand_over

SLACK_SECRET = "0123456789abcdef0123456789abcdef"
SLACK_ANA = "UANA0001"


async def claims_of(server, case_id: int) -> list[Claim]:
    return list(await server.runtime.store.read(
        lambda db: db.exec(select(Claim).where(Claim.case_id == case_id)).all()))


async def test_two_teams_claims_on_two_workers_exactly_one_wins(llamita, connector, session, tmp_path, database_url):
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, thread, _ = await hand_over(llamita, customer, connector, TECHNICAL)

    async with running_llamita(tmp_path / "worker2", database_url, connector, session) as other:
        answers = await asyncio.gather(llamita.teams.invoke(ANA, thread, "claim", {"case": case_id}),
                                       other.teams.invoke(BRUNO, thread, "claim", {"case": case_id}))
        assert [answer.status for answer in answers] == [200, 200]
        [claim] = await claims_of(llamita, case_id)
        winner, loser = (ANA, BRUNO) if claim.staff_id == f"teams:{ANA['aadObjectId']}" else (BRUNO, ANA)
        by_person = {ANA["name"]: answers[0].json(), BRUNO["name"]: answers[1].json()}
        assert f"Claimed by {winner['name']}" in str(by_person[winner["name"]]["value"])
        told = by_person[loser["name"]]
        assert told["type"] == "application/vnd.microsoft.activity.message"
        assert told["value"].startswith(f"Case #{case_id} is already claimed by {winner['name']}")
        await connector.wait_for("update", lambda c: f"Claimed by {winner['name']}" in c.shown())
        assert not connector.calls_to("update", lambda c: f"Claimed by {loser['name']}" in c.shown())


async def test_a_slack_claim_and_a_teams_claim_at_once_exactly_one_wins(store, tmp_path, database_url, connector,
                                                                       session):
    slack = SlackStandIn()
    slack.add_user(SLACK_ANA, "ana", "Ana Lima")
    slack.members["C0TECHNICAL"] = [SLACK_ANA, "UBOTLLAMA"]
    await slack.start()
    try:
        async with running_llamita(tmp_path, database_url, connector, session, SLACK_BOT_TOKEN="xoxb-test",
                                   SLACK_SIGNING_SECRET=SLACK_SECRET, SLACK_API_URL=slack.api_url) as llamita:
            slack_side = SlackSide(session, llamita.url, SLACK_SECRET, slack)
            customer = Customer(session, llamita.ws_url)
            await customer.connect()
            case_id, thread, _ = await hand_over(llamita, customer, connector, TECHNICAL)
            [slack_card] = await slack.wait_for("chat.postMessage", is_card("C0TECHNICAL"))
            card_ts = slack_card.response["ts"]

            slack_answer, teams_answer = await asyncio.gather(
                slack_side.click(SLACK_ANA, "C0TECHNICAL", card_ts, "llamita_claim", case_id),
                llamita.teams.invoke(BRUNO, thread, "claim", {"case": case_id}))
            assert slack_answer.status == 200 and teams_answer.status == 200
            for edge in llamita.runtime.edges:
                if drain := getattr(edge, "drain", None):
                    await drain()
            [claim] = await claims_of(llamita, case_id)
            if claim.channel == "slack":
                told = teams_answer.json()
                assert told["value"].startswith(f"Case #{case_id} is already claimed by ana")
                await connector.wait_for("update", lambda c: "Claimed by ana" in c.shown())
            else:
                assert "Claimed by Bruno Costa" in str(teams_answer.json()["value"])
                note = await ephemeral_to(slack, SLACK_ANA, "already claimed by")
                assert "Bruno Costa" in note.args["text"]
                await slack.wait_for("chat.update", lambda c: "Claimed by Bruno Costa" in c.text_everywhere())
    finally:
        await slack.stop()
