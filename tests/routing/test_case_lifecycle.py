"""The life of a case, as the service sees it: a customer writes, Llamita acts, people take over."""
from __future__ import annotations

import asyncio

import pytest

from routing.lifecycle import CaseMove, IllegalMove, next_state
from routing.models import CaseState
from routing.service import CaseNotFound, VerifiedIdentity
from routing.views import StaffMember
from tests.routing.cases import handed_over, say

ANA = StaffMember("desk:ana", "Ana", "desk")
BRUNO = StaffMember("desk:bruno", "Bruno", "desk")


async def test_a_question_llamita_knows_gets_an_answer_and_no_case_for_people(service):
    chat = await service.start_conversation()
    await say(service, chat.conversation_id, "How many bags can I bring?")
    messages = await service.messages_after(chat.conversation_id, 0)
    assert [m.author for m in messages] == ["customer", "bot"]
    assert "8 kg" in messages[1].text
    assert await service.open_cases() == []


async def test_asking_for_a_person_opens_a_waiting_case_for_the_general_team(service):
    conversation_id, case_id = await handed_over(service)
    case = await service.case(case_id)
    assert (case.state, case.reason, case.team) == ("waiting", "human_request", "general")
    assert case.handed_over_at is not None


async def test_a_resent_message_is_stored_once(service):
    chat = await service.start_conversation()
    first = await service.receive(chat.conversation_id, "hello there", client_id="c-1")
    again = await service.receive(chat.conversation_id, "hello there", client_id="c-1")
    assert (again.seq, again.duplicate) == (first.seq, True)
    assert len(await service.messages_after(chat.conversation_id, 0)) == 1


async def test_of_two_simultaneous_claims_exactly_one_wins_and_the_other_learns_who(service):
    _, case_id = await handed_over(service)
    outcomes = await asyncio.gather(service.claim(case_id, ANA), service.claim(case_id, BRUNO))
    winners = [o for o in outcomes if o.won]
    assert len(winners) == 1
    loser = next(o for o in outcomes if not o.won)
    assert loser.holder_name == winners[0].holder_name
    assert (await service.case(case_id)).state == "claimed"


async def test_the_customer_sees_who_joined_and_then_the_claimers_reply(service):
    conversation_id, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    outcome = await service.staff_message(case_id, ANA, "Hi, I'm Ana. How can I help?")
    assert outcome.to_customer
    seen = await service.messages_after(conversation_id, 0)
    assert seen[-2].author == "system" and "Ana" in seen[-2].text
    assert (seen[-1].author, seen[-1].name, seen[-1].text) == ("staff", "Ana", "Hi, I'm Ana. How can I help?")


async def test_a_colleague_who_has_not_claimed_writes_an_internal_note_the_customer_never_sees(service):
    conversation_id, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    outcome = await service.staff_message(case_id, BRUNO, "she called yesterday too")
    assert not outcome.to_customer
    assert all(m.text != "she called yesterday too" for m in await service.messages_after(conversation_id, 0))
    assert any(m.author == "note" for m in await service.messages_after(conversation_id, 0, for_staff=True))


async def test_customer_messages_after_the_hand_over_get_no_bot_reply(service):
    conversation_id, case_id = await handed_over(service)
    before = len(await service.messages_after(conversation_id, 0))
    await say(service, conversation_id, "are you there?")
    after = await service.messages_after(conversation_id, 0)
    assert len(after) == before + 1 and after[-1].author == "customer"


async def test_resolving_closes_the_case_and_tells_the_customer(service):
    conversation_id, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    view = await service.resolve(case_id, ANA)
    assert view.state == "resolved" and view.closed_at is not None
    assert "resolved" in (await service.messages_after(conversation_id, 0))[-1].text
    assert await service.open_cases() == []


async def test_writing_again_after_resolution_starts_a_new_case_with_llamita(service):
    conversation_id, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    await service.resolve(case_id, ANA)
    await say(service, conversation_id, "one more thing: how many bags can I bring?")
    assert (await service.messages_after(conversation_id, 0))[-1].author == "bot"


async def test_transfer_sends_the_case_back_to_waiting_for_the_other_team(service):
    conversation_id, case_id = await handed_over(service)
    await service.claim(case_id, ANA)
    view = await service.transfer(case_id, "compliance", ANA)
    assert (view.state, view.team, view.claimed_by) == ("waiting", "compliance", None)


async def test_a_signed_in_customer_with_a_stolen_card_has_their_account_frozen(service, store):
    from routing.models import DemoAccount

    chat = await service.start_conversation(VerifiedIdentity("ana.souza", "Ana Souza"))
    await say(service, chat.conversation_id, "My credit card was stolen and there are charges I don't know")
    [case] = await service.open_cases()
    assert (case.reason, case.team) == ("security", "technical")
    assert case.actions[0] == {"action": "freeze_account", "done": True, "account": "ACC-1001"}
    assert (await store.read(lambda session: session.get(DemoAccount, "ACC-1001"))).frozen


async def test_card_numbers_are_masked_before_they_are_stored(service):
    chat = await service.start_conversation()
    await service.receive(chat.conversation_id, "my card is 4111 1111 1111 1111")
    [message] = await service.messages_after(chat.conversation_id, 0)
    assert message.text == "my card is [card ending 1111]"


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
async def test_empty_and_oversized_messages_are_refused(service, text):
    chat = await service.start_conversation()
    with pytest.raises(ValueError):
        await service.receive(chat.conversation_id, text)


def test_the_lifecycle_has_no_move_out_of_a_closed_case_but_reopening_an_abandoned_one():
    for move in CaseMove:
        for closed in (CaseState.RESOLVED, CaseState.ABANDONED):
            if (closed, move) == (CaseState.ABANDONED, CaseMove.REOPEN):
                assert next_state(closed, move) is CaseState.WAITING   # the customer who left came back
                continue
            with pytest.raises(IllegalMove):
                next_state(closed, move)


class BrokenBrain:
    def decide(self, message, memory, history=(), customer=None):
        raise RuntimeError("secret internal detail")


async def test_when_the_brain_fails_the_customer_gets_an_apology_and_a_person_not_the_error(store, hub, operator):
    from routing.service import RoutingService

    service = RoutingService(store, hub, operator, BrokenBrain())
    chat = await service.start_conversation()
    await say(service, chat.conversation_id, "hello")
    reply = (await service.messages_after(chat.conversation_id, 0))[-1]
    assert reply.author == "bot" and "secret" not in reply.text and "colleague" in reply.text
    [case] = await service.open_cases()
    assert (case.state, case.reason) == ("waiting", "edge_case")


async def test_a_message_as_long_as_allowed_is_stored_even_when_masking_makes_it_longer(service):
    # The limit is on the words as written: "[card ending 1111]" is longer than the number it hides.
    chat = await service.start_conversation()
    typed = "x" * 3983 + " 4111111111111111"
    assert len(typed) == 4000
    await service.receive(chat.conversation_id, typed)
    [message] = await service.messages_after(chat.conversation_id, 0)
    assert message.text == "x" * 3983 + " [card ending 1111]"


@pytest.mark.parametrize("text", ["hello\x00world", "hi \ud800 there"])
async def test_text_no_database_can_keep_is_refused_as_bad_input(service, text):
    # NUL (PostgreSQL refuses it) and unpaired surrogates (not UTF-8): a ValueError, not a database error.
    chat = await service.start_conversation()
    with pytest.raises(ValueError):
        await service.receive(chat.conversation_id, text)
    assert await service.messages_after(chat.conversation_id, 0) == []


@pytest.mark.parametrize("case_id", [0, -1, 2**31, 10**20])
async def test_a_case_number_no_database_could_hold_is_simply_no_such_case(service, case_id):
    # Typed by people ("/llamita resolve 99999999999999999999"): never a database error.
    with pytest.raises(CaseNotFound):
        await service.case(case_id)
    with pytest.raises(CaseNotFound):
        await service.claim(case_id, ANA)


async def test_the_desk_pages_open_cases_in_the_same_few_queries_however_many_there_are(service, store):
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    async def hand_over() -> None:
        chat = await service.start_conversation()
        await say(service, chat.conversation_id, "I want to talk to a person")

    for _ in range(3):
        await hand_over()
    event.listen(store.engine, "before_cursor_execute", count)
    try:
        small = await service.open_case_page(limit=50)
        few = len(statements)
        for _ in range(12):
            await hand_over()
        statements.clear()
        first = await service.open_case_page(limit=10)
        many = len(statements)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert few == many
    assert (small.total, len(small.cases), small.next_after) == (3, 3, None)
    assert (first.total, len(first.cases)) == (15, 10) and first.next_after == first.cases[-1].id
    rest = await service.open_case_page(after=first.next_after, limit=10)
    assert len(rest.cases) == 5 and rest.next_after is None
    assert [c.id for c in first.cases + rest.cases] == sorted(c.id for c in first.cases + rest.cases)
    assert all(case.recent for case in first.cases)   # each card still shows its last messages
