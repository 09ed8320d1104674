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


async def test_a_stalled_claimed_case_nudges_its_claimer_then_goes_back_to_the_team(one, clock, hub):
    service, channel = one.service, one.channel
    conversation_id, case_id = await hand_over(service)
    await service.claim(case_id, ANA)
    await service.staff_message(case_id, ANA, "Hello, Ana here. Let me look.")
    await service.receive(conversation_id, "Thanks, it's about my flight to Lima")    # now they wait for Ana
    await one.tick()

    clock.advance(minutes=3, seconds=59)
    await one.tick()
    assert "nudge" not in channel.kinds(case_id)
    clock.advance(seconds=1)                                       # 4 minutes without a reply: Ana is nudged
    await one.tick()
    [nudge] = [s for s in channel.shown if s.kind == "nudge"]
    assert "waited 4 min for a reply from Ana" in nudge.text

    clock.advance(minutes=4)                                       # 8 minutes: the case goes back to the team
    await one.tick()
    case = await service.case(case_id)
    assert (case.state, case.claimed_by) == ("waiting", None)
    offered = [s for s in channel.shown if s.kind == "reminder"]
    assert offered and "back in the queue" in offered[-1].text
    assert [s.state for s in channel.shown if s.kind == "card_update"][-1] == "waiting"   # Claim button again
    seen = await service.messages_after(conversation_id, 0)
    assert seen[-1].author == "system" and "Ana had to step away" in seen[-1].text

    clock.advance(minutes=2)                                       # a new round: the unclaimed ladder again
    await service.present([conversation_id])
    await one.tick()
    assert (await service.case(case_id)).reminders_sent == 1


async def test_a_customer_who_writes_while_waiting_hears_where_they_stand_at_most_once_a_minute(one, clock):
    service = one.service
    conversation_id, case_id = await hand_over(service, "I want to talk to a person")
    handed = (await service.messages_after(conversation_id, 0))[-1]
    assert "You're next in line for our Customer Engagement team" in handed.text

    async def write(text: str) -> list[str]:
        receipt = await service.receive(conversation_id, text)
        await service.reassure(conversation_id, receipt, text)
        return [m.text for m in await service.messages_after(conversation_id, receipt.seq) if m.author == "bot"]

    assert await write("Hello? Is anyone there?") == ["I've passed this on. You're next in line, about 3 minutes."]
    clock.advance(seconds=30)
    assert await write("hello??") == []
    clock.advance(seconds=31)
    assert await write("anyone?") == ["I've passed this on. You're next in line, about 2 minutes."]
    await service.claim(case_id, ANA)
    clock.advance(minutes=5)
    assert await write("oh hi Ana") == []                    # never once a person has it


async def test_the_widget_hears_its_place_move_and_the_customer_is_told_at_the_cadence(one, clock, hub):
    service = one.service
    first_conversation, first = await hand_over(service, "I want to talk to a person")
    clock.advance(seconds=10)
    second_conversation, second = await hand_over(service, "Can I speak to a human please")
    last = (await service.messages_after(second_conversation, 0))[-1]
    assert "number 2 in line" in last.text

    frames: list[dict] = []
    with hub.listen(f"conversation:{second_conversation}", frames.append):
        await service.claim(first, ANA)
        await one.tick()
    [status] = [f for f in frames if f["type"] == "status"]
    assert status["queue"]["position"] == 1 and status["queue"]["team"] == "Customer Engagement"
    lines = [m.text for m in await service.messages_after(second_conversation, last.seq) if m.author == "bot"]
    assert lines == ["You're next in line now, about 1 minute."]   # the team just took a case after 10 s
    await one.tick()                                             # told once
    assert len(await service.messages_after(second_conversation, last.seq)) == 1


AFTER_HOURS = """    working_hours:
      time_zone: Europe/Madrid
      mon: "09:00-17:00"
      tue: "09:00-17:00"
      wed: "09:00-17:00"
      thu: "09:00-17:00"
      fri: "09:00-17:00"
"""


async def test_after_hours_the_case_waits_quietly_and_the_customer_hears_when_the_team_is_back(store, hub):
    from datetime import datetime, timezone

    from tests.routing.scheduling import operator_with

    operator = operator_with(lambda text: text.replace(
        '    channels: {slack: C0GENERAL, teams: "19:llama-general@thread.tacv2"}\n',
        '    channels: {slack: C0GENERAL, teams: "19:llama-general@thread.tacv2"}\n' + AFTER_HOURS))
    clock = Clock(datetime(2026, 12, 5, 18, 0, tzinfo=timezone.utc))      # Saturday evening in Madrid
    night = worker(store, hub, operator, clock)
    service, channel = night.service, night.channel
    conversation_id, case_id = await hand_over(service, "I want to talk to a person")
    reply = (await service.messages_after(conversation_id, 0))[-1].text
    assert "Our Customer Engagement team is away right now; they're back on Monday at 09:00 CET." in reply
    assert "e-mail address" in reply

    receipt = await service.receive(conversation_id, "Sure, write to me at ana.souza@example.com")
    await service.reassure(conversation_id, receipt, "Sure, write to me at ana.souza@example.com")
    seen = await service.messages_after(conversation_id, receipt.seq)
    assert "I've added ana.souza@example.com to your case" in seen[-1].text
    assert (await service.case(case_id)).follow_up_email == "ana.souza@example.com"

    for _ in range(8):                                   # the whole weekend: nobody is woken, nothing abandoned
        clock.advance(hours=4)
        await night.tick()
    assert await steps_of(service, case_id) == [] and (await service.case(case_id)).state == "waiting"
    assert set(channel.kinds(case_id)) == {"card", "message", "card_update"}   # their words, the card with the
    assert [s for s in channel.shown if s.kind == "card_update"][-1].state == "waiting"  # e-mail; no reminder

    clock.now = datetime(2026, 12, 7, 8, 2, tzinfo=timezone.utc)          # Monday 09:02 in Madrid
    await night.tick()
    assert await steps_of(service, case_id) == ["remind"]                 # two minutes of working time


async def test_a_customer_who_left_has_their_case_abandoned_and_reopens_it_by_coming_back(one, clock):
    service, channel = one.service, one.channel
    conversation_id, case_id = await hand_over(service)
    clock.advance(minutes=29)
    await one.tick()
    assert (await service.case(case_id)).state != "abandoned"
    clock.advance(minutes=1)                                       # 30 minutes without a chat open or a word
    await one.tick()
    case = await service.case(case_id)
    assert case.state == "abandoned" and case.closed_at == clock.now
    assert [s.state for s in channel.shown if s.kind == "card_update"][-1] == "abandoned"

    clock.advance(hours=2)
    receipt = await service.receive(conversation_id, "Sorry, I had to go. Still need help with the lawsuit")
    assert receipt.with_people and receipt.waiting_case == case_id        # the same case, the same team
    case = await service.case(case_id)
    assert (case.state, case.team, case.closed_at) == ("waiting", "general", None)
    seen = await service.messages_after(conversation_id, receipt.seq)
    assert "Welcome back" in seen[-1].text and "Customer Engagement" in seen[-1].text
    await one.tick()
    # The card says so (reopened), the words reach the thread, and the card's summary follows them.
    assert channel.kinds(case_id)[-3:] == ["card_update", "message", "card_update"]
