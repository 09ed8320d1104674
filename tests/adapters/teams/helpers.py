"""Short-cuts the Teams tests share."""
from __future__ import annotations

from typing import Callable

from tests.adapters.slack.helpers import Customer, eventually
from tests.adapters.teams.stand_in import BotConnectorStandIn, Call

SECURITY = "Someone logged into my account and booked a flight with my credit card, it was not me"


def card_in(channel: str) -> Callable[[Call], bool]:
    return lambda call: ((call.body or {}).get("channelData") or {}).get("channel", {}).get("id") == channel


def in_thread(thread: str) -> Callable[[Call], bool]:
    return lambda call: call.conversation == thread


def actions(card: dict) -> dict[str, dict]:
    """The card's actions by verb, including those one step down (Action.ShowCard confirmations)."""
    found = {}
    for action in card.get("actions") or []:
        if action["type"] == "Action.Execute":
            found[action["verb"]] = action
        for inner in (action.get("card") or {}).get("actions") or []:
            found[inner["verb"]] = inner
    return found


def case_id_of(card: dict) -> int:
    return card["refresh"]["action"]["data"]["case"]


async def hand_over(server, customer: Customer, connector: BotConnectorStandIn, channel: str,
                    text: str = SECURITY) -> tuple[int, str, Call]:
    """The customer writes something that goes to people; returns (case id, the card's thread, the call)
    once the server has recorded the card as the case's thread."""
    await customer.say(text)
    [created] = await connector.wait_for("create", card_in(channel))
    thread = created.response["id"]
    case_id = case_id_of(created.card)
    assert await eventually(lambda: server.runtime.service.case_for_thread("teams", thread)) == case_id
    return case_id, thread, created
