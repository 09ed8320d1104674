"""Finding a case from its card on a staff platform (a reply in a Slack thread names only the card)."""
from __future__ import annotations

from routing.channels import Delivery
from routing.outbox import Outbox
from tests.routing.cases import handed_over


class RecordingChannel:
    name = "chat"

    def __init__(self):
        self.posted = 0

    def target_for(self, team) -> str | None:
        return f"room-{team.id}"

    async def deliver(self, delivery: Delivery) -> str | None:
        self.posted += 1
        return f"card-{delivery.case.id}" if delivery.kind == "card" else None


async def test_the_case_is_found_from_its_card_reference_and_channel(service):
    channel = RecordingChannel()
    service.staff_channels = [channel]
    _, case_id = await handed_over(service)
    assert await service.case_for_thread("chat", f"card-{case_id}") is None   # not posted yet
    await Outbox(service, [channel]).deliver_due()

    assert await service.case_for_thread("chat", f"card-{case_id}") == case_id
    assert await service.case_for_thread("chat", f"card-{case_id}", target="room-general") == case_id
    assert await service.case_for_thread("chat", f"card-{case_id}", target="room-accounts") is None
    assert await service.case_for_thread("other", f"card-{case_id}") is None
    assert await service.case_for_thread("chat", "card-999") is None
