"""The hand-over summary as a card shows it (bot.summary.HandOver via routing's case views), for each
hand-over reason, from realistic conversations in several languages: every field, for people."""
from __future__ import annotations

import pytest

from routing.conversations import Identity


async def converse(service, *messages: str, identity: Identity | None = None):
    chat = await service.start_conversation(identity)
    for text in messages:
        receipt = await service.receive(chat.conversation_id, text)
        await service.respond(chat.conversation_id, receipt.pending)
    [case] = [c for c in await service.open_cases() if c.conversation_id == chat.conversation_id]
    return case, dict(case.handover.fields())


def every_field(fields: dict) -> None:
    for label in ("Wants", "Why a person", "Status", "Language", "Attempts", "Customer", "Mood", "Next step"):
        assert fields.get(label), label
    assert "signal" not in " ".join(fields.values()).lower()          # technical signals stay for trainers
    assert "." not in fields["Why a person"].split(" ")[0]             # words, not "security.unknown_charges"


async def test_security_in_portuguese_from_a_signed_in_customer(service):
    case, fields = await converse(service, "Alguém usou meu cartão 4111 1111 1111 1111 para compras que não "
                                           "reconheço, me ajudem!", identity=Identity("ana.souza"))
    every_field(fields)
    assert fields["Wants"].startswith("Reports ") and "In their words: “Alguém usou meu cartão [card ending 1111]" \
        in fields["Wants"]
    assert "4111" not in " ".join(fields.values())
    assert fields["Status"] == "Waiting for a person in Technical & Security"
    assert fields["Language"] == "Portuguese" and fields["Attempts"] == "one message; first contact"
    assert fields["Customer"].startswith("Ana Souza · premium tier · one booking: LT-4821 Lisbon → Toronto")
    assert "froze account ACC-1001" in fields["Llamita did"] and "card ending 1111" in fields["Facts"]
    assert fields["Next step"].startswith("Confirm who the customer is") and "unfreeze" in fields["Next step"]


async def test_legal_in_spanish_with_the_facts_pulled_out(service):
    case, fields = await converse(service, "Hola, mi vuelo IB6845 del 12/03 fue cancelado y no me dieron nada.",
                                  "Voy a demandarlos: mi abogado reclamará la compensación de 600 euros por la "
                                  "reserva LT-4821. Escríbanme a maria.perez@example.com o al +34 612 345 678.")
    every_field(fields)
    assert fields["Wants"].startswith("Raises ") and "“Voy a demandarlos" in fields["Wants"]
    assert "Llamita gives no legal answers" in fields["Why a person"]
    assert fields["Status"] == "Waiting for a person in Compliance"
    assert fields["Attempts"] == "two messages; first contact"
    assert fields["Customer"] == "not signed in (identity not verified)"
    for fact in ("booking LT-4821", "flight IB6845", "600 euros", "m•••@example.com", "+34•••••78"):
        assert fact in fields["Facts"], fact
    assert "maria.perez@" not in fields["Facts"] and "612 345" not in fields["Facts"]
    assert "formal process" in fields["Next step"]


async def test_distress_in_english_with_the_mood_getting_worse(service):
    case, fields = await converse(service, "Hi, is my flight to Lima on time?",
                                  "I'M STRANDED AT THE AIRPORT WITH NO MONEY AND NOBODY IS HELPING ME!!!")
    every_field(fields)
    assert fields["Wants"].startswith("Needs a person: the customer ")
    assert fields["Why a person"].endswith("this needs a person's empathy.")
    assert fields["Mood"].startswith("calm at the start, very upset now") and "getting worse" in fields["Mood"]
    assert "flight status" in fields["Topics"] and "answered one question (flight status)" in fields["Llamita did"]
    assert fields["Status"] == "Waiting for a person in Customer Engagement"


async def test_a_request_for_a_person_in_french_after_an_answer(service):
    case, fields = await converse(service, "Combien de bagages puis-je emporter en cabine ?",
                                  "Je veux parler à un conseiller, s'il vous plaît.")
    every_field(fields)
    assert fields["Wants"].startswith("Wants to talk to a person about baggage")
    assert "“Combien de bagages" in fields["Wants"]                   # what they came for: the first message
    assert fields["Why a person"] == "Asked for a person after one answer from Llamita that didn't settle it."
    assert fields["Language"] == "French, not a staff language; no machine translation configured: offered our " \
                                 "staff languages"
    assert "told the customer which languages the team speaks" in fields["Llamita did"]


async def test_an_edge_case_in_italian_after_two_questions_llamita_could_not_answer(service):
    case, fields = await converse(service, "Quanto costa un drone professionale per fotografare le montagne?",
                                  "E un hoverboard elettrico, quanto costa invece?")
    every_field(fields)
    assert fields["Wants"].startswith("Asks something Llamita's knowledge does not cover")
    assert fields["Why a person"] == "Llamita couldn't answer two questions in a row."
    assert "rephrased one time" in fields["Attempts"]
    assert "Italian" in fields["Language"]


async def test_a_hot_topic_in_dutch_and_a_transfer_keeps_the_card_current(service):
    from routing.views import StaffMember

    case, fields = await converse(service, "Gaat mijn vlucht naar Lissabon door ondanks de staking?")
    every_field(fields)
    assert fields["Wants"].startswith("Asks about airline strike")
    assert fields["Why a person"] == "The team handles this topic by hand for now."
    ana = StaffMember("desk:ana", "Ana", "desk")
    await service.claim(case.id, ana)
    assert dict((await service.case(case.id)).handover.fields())["Status"] == "Ana in Customer Engagement has it"
    await service.transfer(case.id, "accounts", ana)
    moved = dict((await service.case(case.id)).handover.fields())
    assert moved["Status"] == "Waiting for a person in Accounts (transferred from Customer Engagement)"


@pytest.mark.parametrize("score, words", [(-0.8, "very upset"), (-0.3, "unhappy"), (0.0, "calm"), (0.6, "positive")])
def test_one_wording_of_the_mood_everywhere(score, words):
    from adapters.labels import sentiment_label
    from bot.summary import mood_words

    assert mood_words(score) == words and sentiment_label(score).startswith(words)
