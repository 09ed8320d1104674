"""The scheduler chases cases on time, each step once, in the team's working hours (time moved, never slept)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from routing.models import Reminder
from routing.views import StaffMember
from tests.routing.scheduling import Clock, hand_over, worker

ANA = StaffMember("slack:UANA", "Ana", "slack")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def one(store, hub, operator, clock):
    return worker(store, hub, operator, clock)


async def steps_of(service, case_id: int) -> list[str]:
    rows = await service.store.read(lambda s: s.exec(select(Reminder).where(Reminder.case_id == case_id)
                                                     .order_by(Reminder.id)).all())
    return [row.step for row in rows]


async def test_an_unclaimed_case_walks_the_whole_ladder_on_time_and_each_step_once(one, clock):
    service, channel = one.service, one.channel
    conversation_id, case_id = await hand_over(service)
    await one.tick()
    assert channel.kinds(case_id) == ["card"] and channel.shown[0].target == "C0COMPLIANCE"

    clock.advance(minutes=1, seconds=59)
    await one.tick()
    assert await steps_of(service, case_id) == []

    clock.advance(seconds=1)                      # 2 minutes: the card says it is overdue, in place
    await one.tick()
    assert await steps_of(service, case_id) == ["remind"]
    assert channel.kinds(case_id)[1:] == ["card_update"] and channel.shown[-1].reminders == 1

    clock.advance(minutes=3)                      # 5 minutes: a reminder in the thread, and the card again
    await one.tick()
    assert channel.kinds(case_id)[2:] == ["card_update", "reminder"]
    assert "nobody has claimed it" in channel.shown[-1].text and channel.shown[-2].reminders == 2

    clock.advance(minutes=5)                      # 10 minutes: to the fallback team, with who was reminded
    await one.tick()
    assert await steps_of(service, case_id) == ["remind", "remind_loudly", "escalate"]
    case = await service.case(case_id)
    assert (case.state, case.team) == ("waiting", "general")
    new = channel.shown[4:]
    assert [s.kind for s in new] == ["card_update", "card", "reminder"]
    assert new[0].target == "C0COMPLIANCE" and new[1].target == "C0GENERAL"
    assert "Escalated from Compliance" in new[2].text and "with @here at 5 min" in new[2].text
    told = [m for m in await service.messages_after(conversation_id, 0) if m.author == "system"]
    assert "Customer Engagement" in told[-1].text

    shown = len(channel.shown)
    await one.tick()                              # nothing is due twice
    clock.advance(minutes=-8)                     # and a clock going backwards sends nothing again
    await one.tick()
    assert len(channel.shown) == shown
    assert await steps_of(service, case_id) == ["remind", "remind_loudly", "escalate"]


async def test_a_claimed_and_answered_case_is_not_chased(one, clock):
    service = one.service
    conversation_id, case_id = await hand_over(service)
    clock.advance(minutes=1)
    await service.claim(case_id, ANA)
    await service.staff_message(case_id, ANA, "Hello, Ana here")
    for _ in range(3):
        clock.advance(minutes=20)
        await service.present([conversation_id])    # the customer still has the chat open
        await one.tick()
    assert await steps_of(service, case_id) == []
