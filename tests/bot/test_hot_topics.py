"""Operator hot topics: recognised from the configuration's keywords and examples, in any language."""
from __future__ import annotations

from datetime import date

import pytest

from bot.decision import HotTopic, Memory, Policy
from bot.offline import OfflineBrain

VOLCANO = HotTopic(
    id="volcano_ash", team="general", description="Ash cloud closing airports",
    keywords=("ash cloud", "volcano", "volcán", "vulcão", "Vulkan", "volcan", "vulcano", "vulkaan"),
    examples=("Is the ash cloud going to ground my flight?", "¿El volcán va a cerrar el aeropuerto?"),
    expires=date(2026, 12, 31))


@pytest.fixture(scope="module")
def volcano_brain():
    return OfflineBrain(Policy(today=date(2026, 11, 25), hot_topics=(VOLCANO,)))


@pytest.mark.parametrize("message, language", [
    ("Will the volcano eruption cancel my flight to Bali?", "en"),
    ("¿Mi vuelo sale con lo del volcán?", "es"),
    ("Der Vulkan in Island: fliegt mein Flieger trotzdem?", "de"),
])
def test_a_topic_the_operator_adds_in_configuration_is_recognised_in_several_languages(
        volcano_brain, message, language):
    decision = volcano_brain.decide(message, Memory())

    assert (decision.reason, decision.team, decision.language) == ("hot_topic", "general", language)
    assert any(s.name == "hot_topic.volcano_ash" for s in decision.signals)


def test_an_expired_hot_topic_is_no_longer_handed_over():
    expired = OfflineBrain(Policy(today=date(2027, 1, 15), hot_topics=(VOLCANO,)))

    decision = expired.decide("Will the volcano eruption cancel my flight to Bali?", Memory())

    assert decision.reason != "hot_topic"


def test_the_airline_strike_goes_to_general(brain):
    decision = brain.decide("¿Mi vuelo del martes se cancela por la huelga?", Memory())

    assert (decision.reason, decision.team) == ("hot_topic", "general")


def test_basic_facts_about_llama_premium_stay_answerable(brain):
    decision = brain.decide("What does Llama Premium include?", Memory())

    assert decision.topic == "premium_package" and not decision.hands_over


def test_in_depth_premium_questions_go_to_accounts(brain):
    decision = brain.decide("Do you have a corporate Llama Premium plan with one invoice for 40 staff?", Memory())

    assert (decision.reason, decision.team) == ("hot_topic", "accounts")


def test_a_premium_follow_up_without_the_word_premium_is_still_in_depth(brain):
    first = brain.decide("How much is Llama Premium per month?", Memory())
    second = brain.decide("what's the minimum commitment and the penalty if I cancel early?", first.memory)

    assert first.topic == "premium_package"
    assert (second.reason, second.team) == ("hot_topic", "accounts")


def test_premium_keywords_outside_a_premium_conversation_are_ordinary_questions(brain):
    decision = brain.decide("can you send me the invoice for my hotel booking?", Memory())

    assert decision.reason != "hot_topic" and decision.topic == "payment"


def test_a_higher_reason_wins_over_a_hot_topic(brain):
    decision = brain.decide("I'd like to talk to a person about the strike, not a bot", Memory())

    assert decision.reason == "human_request"


@pytest.mark.parametrize("message", [
    "Can I downgrade from Llama Premium back to a standard account halfway through the year?",
    "Can I combine my Premium discount with a promo code?",
])
def test_a_premium_question_beyond_the_basic_facts_goes_to_accounts_even_without_a_keyword(brain, message):
    decision = brain.decide(message, Memory())

    assert (decision.reason, decision.team) == ("hot_topic", "accounts")
