"""What happens when things happen at once: two workers, two clicks, two copies of one message.

Each test runs two RoutingService instances over one database, as two server processes would.
"""
from __future__ import annotations

import asyncio

import pytest

from bot.offline import OfflineBrain
from routing.lifecycle import IllegalMove
from routing.service import RoutingService
from routing.views import StaffMember
from tests.routing.cases import handed_over

ANA = StaffMember("desk:ana", "Ana", "desk")
BRUNO = StaffMember("desk:bruno", "Bruno", "desk")


@pytest.fixture
def second_worker(store, hub, operator):
    return RoutingService(store, hub, operator, OfflineBrain(operator.policy()))


async def test_two_workers_answering_the_same_message_reply_once(service, second_worker):
    chat = await service.start_conversation()
    await service.receive(chat.conversation_id, "How many bags can I bring?")
    await asyncio.gather(service.respond(chat.conversation_id), second_worker.respond(chat.conversation_id))
    authors = [m.author for m in await service.messages_after(chat.conversation_id, 0)]
    assert authors == ["customer", "bot"]


async def test_two_first_messages_at_once_open_one_case(service, second_worker):
    chat = await service.start_conversation()
    await asyncio.gather(service.receive(chat.conversation_id, "hello"),
                         second_worker.receive(chat.conversation_id, "anyone there?"))
    messages = await service.messages_after(chat.conversation_id, 0)
    from sqlmodel import select

    from routing.models import Case
    cases = await service.store.read(lambda session: session.exec(
        select(Case).where(Case.conversation_id == chat.conversation_id)).all())
    assert len(cases) == 1 and [m.seq for m in messages] == [1, 2]


async def test_two_copies_of_one_message_at_once_are_stored_once(service, second_worker):
    chat = await service.start_conversation()
    receipts = await asyncio.gather(service.receive(chat.conversation_id, "hi", "same"),
                                    second_worker.receive(chat.conversation_id, "hi", "same"))
    assert {r.seq for r in receipts} == {1} and sorted(r.duplicate for r in receipts) == [False, True]
    assert len(await service.messages_after(chat.conversation_id, 0)) == 1


async def test_resolving_and_transferring_at_once_lets_exactly_one_happen(service, second_worker):
    _, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    results = await asyncio.gather(service.resolve(case_id, ANA),
                                   second_worker.transfer(case_id, "accounts", ANA), return_exceptions=True)
    refused = [r for r in results if isinstance(r, IllegalMove)]
    assert len(refused) == 1
    final = await service.case(case_id)
    assert final.state in ("resolved", "waiting")
    system_lines = [m for m in await service.messages_after(final.conversation_id, 0) if m.author == "system"]
    assert len(system_lines) == 2   # "Ana joined" and exactly one of "resolved" / "passed to Accounts"


async def test_two_resolves_at_once_tell_the_customer_once(service, second_worker):
    _, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    results = await asyncio.gather(service.resolve(case_id, ANA), second_worker.resolve(case_id, ANA),
                                   return_exceptions=True)
    assert sum(isinstance(r, IllegalMove) for r in results) == 1


async def test_two_copies_of_one_staff_reply_at_once_are_stored_once(service, second_worker):
    _, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    outcomes = await asyncio.gather(service.staff_message(case_id, ANA, "on it", "desk:r1"),
                                    second_worker.staff_message(case_id, ANA, "on it", "desk:r1"))
    assert sorted(o.duplicate for o in outcomes) == [False, True]


async def test_a_colleague_cannot_resolve_or_transfer_a_case_someone_holds(service):
    _, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    for act in (service.resolve(case_id, BRUNO), service.transfer(case_id, "accounts", BRUNO)):
        with pytest.raises(IllegalMove, match="Ana has this case"):
            await act


async def test_a_resolved_case_cannot_be_claimed(service):
    _, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    await service.resolve(case_id, ANA)
    outcome = await service.claim(case_id, BRUNO)
    assert not outcome.won and outcome.case.state == "resolved"


class DeadHub:
    """A hub whose every publish fails (Redis down)."""

    async def publish(self, topic, event):
        raise ConnectionError("hub unreachable")


async def test_a_dead_hub_loses_nothing_the_message_is_stored_and_answered(store, operator):
    service = RoutingService(store, DeadHub(), operator, OfflineBrain(operator.policy()))
    chat = await service.start_conversation()
    receipt = await service.receive(chat.conversation_id, "How many bags can I bring?", "c1")
    await service.respond(chat.conversation_id)
    assert not receipt.duplicate
    assert [m.author for m in await service.messages_after(chat.conversation_id, 0)] == ["customer", "bot"]
