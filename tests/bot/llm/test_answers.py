"""With a model: answers grounded in the knowledge base, citing the topic, in the customer's language.

The model is a local stand-in over HTTP (tests/bot/llm/stand_in.py) that the real openai SDK talks to;
what it says is scripted per test, and the brain's checks decide what reaches the customer.
"""
from __future__ import annotations

from bot.decision import Action, BookingFacts, CustomerProfile, Memory, Turn
from bot.triage import triage_case_async
from tests.bot.llm.stand_in import judgement

SURFBOARD = ("Yes: surfboards travel as sports equipment. Request it at least 48 hours before departure; "
             "up to 23 kg it counts as a checked bag, and an oversized fee from USD 60 per flight may apply.")


async def test_a_specific_question_gets_the_models_answer_from_the_right_section_citing_its_topic(llm, model):
    model.answers(judgement("answer", topic="baggage", reply=SURFBOARD))

    decision = await llm.decide("Can I bring my surfboard?", Memory())

    assert decision.action is Action.ANSWER and decision.topic == "baggage"
    assert decision.reply == SURFBOARD
    shown = model.data_of(model.requests[0])["knowledge"]
    assert any("surfboards" in passage["text"] and "Sports equipment" in passage["title"] for passage in shown)
    assert decision.memory.topics == ("baggage",) and decision.memory.last_topic == "baggage"


async def test_a_conversation_gets_grounded_answers_with_topic_ids_turn_by_turn(llm, model):
    # Nothing scripted: the stand-in answers like a well-behaved model, from the passages it is given.
    case = {"id": "own-1", "turns": ["hello!", "Can I take my cat in the cabin?", "and how many bags can I check?"]}

    line = await triage_case_async(llm, case)

    assert line["escalate_at"] is None
    assert line["topics"] == [None, "pets", "baggage"]
    assert len(model.requests) == 3
    assert "pets" in {p["topic"] for p in model.data_of(model.requests[1])["knowledge"]}


async def test_an_answer_in_another_language_than_the_customers_is_repaired(llm, model):
    model.answers(judgement("answer", topic="baggage", reply="Yes, you can bring it as sports equipment."),
                  judgement("answer", topic="baggage", reply="Sí, puedes llevarla como equipo deportivo si lo "
                                                               "solicitas con 48 horas de antelación."))

    decision = await llm.decide("¿Puedo llevar mi tabla de surf en el vuelo?", Memory())

    assert decision.reply.startswith("Sí, puedes llevarla")
    assert (decision.usage.outcome, decision.usage.calls) == ("repaired", 2)
    repair = model.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and "customer's language (es)" in repair[-1]["content"]


async def test_an_invented_price_is_not_told_to_the_customer(llm, brain, model):
    invented = judgement("answer", topic="baggage", reply="Surfboards cost USD 45 each way.")
    model.answers(invented, invented)

    decision = await llm.decide("Can I bring my surfboard?", Memory())
    offline = brain.decide("Can I bring my surfboard?", Memory())

    assert "45" not in decision.reply
    assert (decision.action, decision.topic, decision.reply) == (offline.action, offline.topic, offline.reply)
    assert decision.usage.outcome == "invalid"
    assert "numbers" in model.requests[1]["messages"][-1]["content"]


async def test_an_answer_citing_a_topic_it_was_not_given_is_not_used(llm, brain, model):
    wrong = judgement("answer", topic="insurance", reply="Our insurance covers surfboards.")
    model.answers(wrong, wrong)

    decision = await llm.decide("Can I bring my surfboard?", Memory())

    assert decision.topic == "baggage" and decision.reply == brain.decide("Can I bring my surfboard?", Memory()).reply


async def test_when_the_knowledge_does_not_answer_it_says_so_and_the_second_time_a_person_takes_over(llm, model):
    model.answers(judgement("ask", reply="I'm not sure what happens when a hotel cancels; could you send me your "
                                         "booking reference so I can find out?", summary="Hotel cancelled the room."),
                  judgement("ask", reply="I still don't know.", summary="Hotel cancelled; customer stranded."))

    first = await llm.decide("My hotel cancelled my room, what now?", Memory())
    second = await llm.decide("It's the Hotel Sol in Lima, for the 3rd of May", first.memory,
                              [Turn("customer", "My hotel cancelled my room, what now?"), Turn("bot", first.reply)])

    assert first.action is Action.ASK and first.topic is None and "not sure" in first.reply
    assert first.memory.unanswered_streak == 1
    assert second.hands_over and (second.reason, second.team) == ("edge_case", "general")
    assert second.summary == "Hotel cancelled; customer stranded."


async def test_a_signed_in_customers_bookings_are_given_as_data_and_their_facts_lead_the_answer(llm, model):
    customer = CustomerProfile(name="Carlos", booking="LT-4821", account_id="ACC-1", verified=True,
                               bookings=(BookingFacts("LT-4821", "Lisbon → Toronto, 2 adults", "2026-12-14"),))
    model.answers(judgement("answer", topic="flight_status", reply="You can follow your flight in My trips."))

    decision = await llm.decide("When does my flight leave?", Memory(), (), customer)

    data = model.data_of(model.requests[0])
    assert data["customer"]["bookings"] == [{"reference": "LT-4821", "summary": "Lisbon → Toronto, 2 adults",
                                             "departure": "2026-12-14", "status": "confirmed"}]
    assert decision.reply.startswith("Your booking LT-4821") and decision.reply.endswith("in My trips.")
    assert any(s.name == "booking.looked_up" for s in decision.signals)


async def test_a_visitor_who_is_not_signed_in_gets_no_booking_facts_and_none_are_invented(llm, model):
    made_up = judgement("answer", topic="flight_status", reply="Your booking LT-7777 departs on time.")
    model.answers(made_up, made_up)

    decision = await llm.decide("When does my flight leave?", Memory())

    assert model.data_of(model.requests[0])["customer"] is None
    assert "LT-7777" not in decision.reply and decision.usage.outcome == "invalid"
