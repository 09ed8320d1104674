"""Posts a platform refuses for good are parked, and tried again once the operator restarts."""
from __future__ import annotations

from routing.channels import Delivery, PermanentFailure
from routing.outbox import Outbox
from routing.views import StaffMember
from tests.routing.cases import handed_over


class RefusingThenAcceptingChannel:
    """A platform where the bot was not in the channel, until the operator invited it."""
    name = "chat"

    def __init__(self):
        self.invited = False
        self.cards: list[int] = []
        self.attempts = 0

    def target_for(self, team) -> str | None:
        return f"room-{team.id}"

    async def deliver(self, delivery: Delivery) -> str | None:
        self.attempts += 1
        if not self.invited:
            raise PermanentFailure("not_in_channel")
        self.cards.append(delivery.case.id)
        return f"card-{delivery.case.id}"


async def test_a_refused_card_is_parked_and_posted_after_a_restart_once_the_channel_accepts(service):
    channel = RefusingThenAcceptingChannel()
    service.staff_channels = [channel]
    _, case_id = await handed_over(service)
    outbox = Outbox(service, [channel])
    await outbox.deliver_due()
    await outbox.deliver_due()
    assert channel.attempts == 1 and channel.cards == []   # parked, not retried in a loop

    channel.invited = True
    restarted = Outbox(service, [channel])
    assert await restarted.requeue_refused() == 1
    await restarted.deliver_due()
    assert channel.cards == [case_id]


async def test_refused_posts_of_closed_cases_stay_parked(service):
    channel = RefusingThenAcceptingChannel()
    service.staff_channels = [channel]
    _, case_id = await handed_over(service)
    await Outbox(service, [channel]).deliver_due()
    await service.resolve(case_id, StaffMember("desk:ana", "Ana", "desk"))
    assert await Outbox(service, [channel]).requeue_refused() == 0
