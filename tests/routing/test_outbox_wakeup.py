"""The outbox worker is woken when queued posts are committed, not before (or it sleeps a poll interval)."""
from __future__ import annotations

import asyncio
import contextlib
import time

from routing.channels import Delivery
from routing.outbox import POLL_SECONDS, Outbox
from routing.views import StaffMember


class RecordingChannel:
    name = "chat"

    def __init__(self):
        self.delivered = asyncio.Event()

    def target_for(self, team) -> str | None:
        return f"room-{team.id}"

    async def deliver(self, delivery: Delivery) -> str | None:
        self.delivered.set()
        return f"card-{delivery.case.id}"


async def test_a_hand_over_reaches_the_staff_channel_without_waiting_for_the_poll(service):
    channel = RecordingChannel()
    service.staff_channels = [channel]
    worker = asyncio.create_task(Outbox(service, [channel]).run())
    try:
        await asyncio.sleep(0.05)   # the worker is idle, waiting to be woken
        chat = await service.start_conversation()
        started = time.monotonic()
        await service.receive(chat.conversation_id, "I want to talk to a person")
        await service.respond(chat.conversation_id)
        await asyncio.wait_for(channel.delivered.wait(), POLL_SECONDS * 2)
        assert time.monotonic() - started < POLL_SECONDS / 2
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker


async def test_a_post_queued_behind_another_of_the_same_case_follows_it_without_waiting_for_the_poll(service):
    channel = RecordingChannel()
    kinds: list[tuple[str, float]] = []
    deliver = channel.deliver

    async def recording(delivery: Delivery) -> str | None:
        kinds.append((delivery.kind, time.monotonic()))
        return await deliver(delivery)

    channel.deliver = recording
    service.staff_channels = [channel]
    outbox = Outbox(service, [channel])
    chat = await service.start_conversation()
    await service.receive(chat.conversation_id, "I want to talk to a person")
    await service.respond(chat.conversation_id)
    await outbox.deliver_due()
    [case] = await service.open_cases()
    worker = asyncio.create_task(outbox.run())
    try:
        await asyncio.sleep(0.05)
        started = time.monotonic()
        # One transaction queues two posts for the case: the old card's update, then the new team's card.
        await service.transfer(case.id, "accounts", StaffMember("desk:ana", "Ana", "desk"))
        for _ in range(100):
            if [kind for kind, _ in kinds].count("card") == 2:
                break
            await asyncio.sleep(0.02)
        assert [kind for kind, _ in kinds] == ["card", "card_update", "card"]
        assert kinds[-1][1] - started < POLL_SECONDS / 2
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
