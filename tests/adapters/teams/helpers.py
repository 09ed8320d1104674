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


class ManualOutbox:
    """The test drives the outbox: the server's own delivery loop is stopped and the service's clock is
    the test's, so a minute of retries takes no minute (deliver_due() is called with the clock moved)."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.now = runtime.service.clock()
        runtime.service.clock = lambda: self.now

    @classmethod
    async def take(cls, runtime) -> "ManualOutbox":
        import asyncio

        runtime.outbox.stop()
        await asyncio.wait([task for task in runtime.tasks if task.get_name() == "outbox"])
        return cls(runtime)

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)

    async def pending(self, channel: str = "teams") -> list:
        from sqlmodel import select

        from routing.models import StaffPost

        return list(await self.runtime.store.read(lambda db: db.exec(select(StaffPost).where(
            StaffPost.status == "pending", StaffPost.channel == channel)).all()))

    async def round(self) -> int:
        return await self.runtime.outbox.deliver_due()

    async def until_delivered(self, channel: str = "teams", rounds: int = 200) -> int:
        """Deliver round after round, jumping the clock to the next post that falls due; returns the rounds."""
        for done in range(1, rounds + 1):
            await self.round()
            waiting = await self.pending(channel)
            if not waiting:
                return done
            heads = {}   # posts of one case wait behind its oldest pending one: only heads can fall due
            for post in sorted(waiting, key=lambda post: post.id):
                heads.setdefault(post.case_id, post)
            due = min(post.next_attempt_at for post in heads.values())
            if due > self.now:
                self.now = due
        raise AssertionError(f"still {len(await self.pending(channel))} posts pending after {rounds} rounds")
