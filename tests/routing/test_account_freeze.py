"""A frozen account, as the customer and the staff live it: Llamita freezes it on a security hand-over,
knows it afterwards (no bookings or payments), and a person unfreezes it, recorded on the case."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from routing.models import CaseEvent, DemoAccount
from routing.service import NotYours, VerifiedIdentity
from routing.views import StaffMember
from tests.routing.cases import say

ANA_STAFF = StaffMember("desk:ana", "Ana", "desk")
BRUNO_STAFF = StaffMember("desk:bruno", "Bruno", "desk")


async def frozen_case(service) -> tuple[str, int]:
    """Ana Souza (a signed-in demo customer) reports a stolen card: her account is frozen, the case waits."""
    chat = await service.start_conversation(VerifiedIdentity("ana.souza", "Ana Souza"))
    await say(service, chat.conversation_id, "My credit card was stolen and there are charges I don't know")
    [case] = await service.open_cases()
    return chat.conversation_id, case.id


async def last_reply(service, conversation_id: str) -> str:
    return [m.text for m in await service.messages_after(conversation_id, 0) if m.author == "bot"][-1]


async def is_frozen(store) -> bool:
    return (await store.read(lambda session: session.get(DemoAccount, "ACC-1001"))).frozen


async def test_llamita_knows_afterwards_that_it_froze_the_account_and_does_not_take_payments(service, store):
    await frozen_case(service)

    later = await service.start_conversation(VerifiedIdentity("ana.souza", "Ana Souza"))
    await say(service, later.conversation_id, "I'd like to pay the rest of my trip with another card")

    reply = await last_reply(service, later.conversation_id)
    assert "frozen" in reply and "security team will contact you" in reply
    assert "Visa" not in reply   # not how to pay: it does not proceed with payments


async def test_a_case_resolved_with_the_account_still_frozen_leaves_nobody_waiting_for_a_promise(service, store):
    conversation_id, case_id = await frozen_case(service)
    await service.claim(case_id, ANA_STAFF)
    await service.resolve(case_id, ANA_STAFF)                    # resolved without unfreezing the account

    await say(service, conversation_id, "I want to book a hotel in Cusco and pay now")

    reply = await last_reply(service, conversation_id)
    assert "frozen" in reply and "security team will contact you" in reply
    [follow_up] = await service.open_cases()                     # and the security team has a case to keep it
    assert (follow_up.id != case_id, follow_up.state, follow_up.team) == (True, "waiting", "technical")
    assert follow_up.customer.account_frozen and await is_frozen(store)


async def test_the_card_shows_the_frozen_account_and_staff_unfreeze_it_on_the_case(service, store):
    conversation_id, case_id = await frozen_case(service)
    assert (await service.case(case_id)).customer.account_frozen
    await service.claim(case_id, ANA_STAFF)

    view = await service.unfreeze(case_id, ANA_STAFF)

    assert not view.customer.account_frozen and not await is_frozen(store)
    assert view.actions[-1] == {"action": "unfreeze_account", "done": True, "account": "ACC-1001", "by": "Ana"}
    events = await store.read(lambda session: session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all())
    unfrozen = [event for event in events if event.kind == "account_unfrozen"]
    assert [(e.actor, json.loads(e.detail)) for e in unfrozen] == [("desk:ana", {"account": "ACC-1001"})]
    told = [m for m in await service.messages_after(conversation_id, 0) if m.author == "system"][-1]
    assert "Ana" in told.text and "unfrozen" in told.text


async def test_once_unfrozen_llamita_helps_with_payments_again(service, store):
    _, case_id = await frozen_case(service)
    await service.unfreeze(case_id, ANA_STAFF)

    later = await service.start_conversation(VerifiedIdentity("ana.souza", "Ana Souza"))
    await say(service, later.conversation_id, "Which payment methods do you accept?")

    reply = await last_reply(service, later.conversation_id)
    assert "frozen" not in reply and "Visa" in reply


async def test_a_second_unfreeze_is_refused_clearly_and_records_nothing_more(service, store):
    _, case_id = await frozen_case(service)
    await service.unfreeze(case_id, ANA_STAFF)

    with pytest.raises(ValueError, match="not frozen"):
        await service.unfreeze(case_id, ANA_STAFF)
    assert [a["action"] for a in (await service.case(case_id)).actions] == ["freeze_account", "unfreeze_account"]


async def test_only_the_holder_of_a_claimed_case_unfreezes_its_account(service, store):
    _, case_id = await frozen_case(service)
    await service.claim(case_id, ANA_STAFF)

    with pytest.raises(NotYours):
        await service.unfreeze(case_id, BRUNO_STAFF)
    assert await is_frozen(store)


async def test_an_anonymous_visitors_case_has_no_account_to_unfreeze(service):
    chat = await service.start_conversation()
    await say(service, chat.conversation_id, "My credit card was stolen and there are charges I don't know")
    [case] = await service.open_cases()

    assert not case.customer.account_frozen
    with pytest.raises(ValueError, match="no account"):
        await service.unfreeze(case.id, ANA_STAFF)
