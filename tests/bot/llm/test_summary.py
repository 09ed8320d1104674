"""With a model: the person taking over gets the model's summary, written from the facts the offline
summary uses; the offline summary when the model fails."""
from __future__ import annotations

from bot.decision import BookingFacts, CustomerProfile, Memory, Turn
from tests.bot.llm.stand_in import judgement

CUSTOMER = CustomerProfile(name="Carlos", tier="premium", booking="LT-4821", account_id="ACC-1", verified=True,
                           bookings=(BookingFacts("LT-4821", "Lisbon → Toronto, 2 adults", "2026-12-14"),))
LEGAL = "My lawyer says you owe me compensation for the 9-hour delay"


async def test_a_hand_over_carries_the_models_summary_written_from_the_offline_summarys_facts(llm, model):
    model.answers(judgement("handover", reason="legal", summary="Carlos (premium) claims compensation for a "
                                                                "9-hour delay through a lawyer; answer in English."))
    history = [Turn("customer", "Can I take my cat in the cabin?"), Turn("bot", "Yes, up to 8 kg.")]
    memory = Memory(language="en", topics=("pets",), last_topic="pets", last_kind="topic", sentiments=(0.1,))

    decision = await llm.decide(LEGAL, memory, history, CUSTOMER)

    assert decision.reason == "legal" and decision.summary.startswith("Carlos (premium) claims compensation")
    facts = model.data_of(model.requests[0])["facts"]
    assert facts["handover_reason"] == "legal" and facts["team"] == "compliance"
    assert facts["first_message"] == "Can I take my cat in the cabin?" and facts["latest_message"] == LEGAL
    assert facts["already_answered_topics"] == ["pets"] and facts["language"] == "en"
    assert any(e.startswith("legal.") for e in facts["evidence"])


async def test_when_the_model_cannot_write_it_the_offline_summary_is_used(llm, brain, model):
    model.fails(500, times=2)

    decision = await llm.decide(LEGAL, Memory(), (), CUSTOMER)

    assert decision.summary == brain.decide(LEGAL, Memory(), (), CUSTOMER).summary
    assert "Handed over for legal to compliance" in decision.summary


async def test_an_empty_summary_is_asked_for_again(llm, model):
    model.answers(judgement("handover", reason="legal", summary=""),
                  judgement("handover", reason="legal", summary="Lawyer involved; compensation claim."))

    decision = await llm.decide(LEGAL, Memory(), (), CUSTOMER)

    assert decision.summary == "Lawyer involved; compensation claim." and decision.usage.outcome == "repaired"
