"""Language detection: right on short messages, stable across a conversation, blind to place names."""
from __future__ import annotations

import pytest

from bot.decision import Memory


@pytest.fixture(scope="module")
def detect(brain):
    return brain.model.languages.detect


@pytest.mark.parametrize("message, language", [
    ("How many bags can I bring on my flight?", "en"),
    ("¿Cuántas maletas puedo llevar?", "es"),
    ("Quantas malas posso levar no voo?", "pt"),
    ("Wie viel Gepäck darf ich mitnehmen?", "de"),
    ("Combien de bagages puis-je emporter ?", "fr"),
    ("Quanti bagagli posso portare?", "it"),
    ("Hoeveel bagage mag ik meenemen?", "nl"),
    ("hola", "es"), ("obrigado", "pt"), ("danke", "de"), ("merci", "fr"), ("grazie", "it"), ("bedankt", "nl"),
])
def test_each_supported_language_is_recognised_even_in_short_messages(detect, message, language):
    assert detect(message).language == language


def test_a_german_greeting_then_a_short_ok_stays_german(brain):
    first = brain.decide("Hallo, guten Tag!", Memory())
    second = brain.decide("ok", first.memory)

    assert (first.language, second.language) == ("de", "de")


@pytest.mark.parametrize("message", ["ok", "LT-4821", "👍", "yes", "AF1234", "...", ""])
def test_a_message_too_short_to_tell_keeps_the_previous_language(detect, message):
    assert detect(message, previous="it").language == "it"


def test_without_a_previous_language_an_unclear_message_is_taken_as_english(detect):
    assert detect("ok").language == "en"


@pytest.mark.parametrize("message", [
    "I'm flying to São Paulo via Bogotá, then on to Cancún and La Paz",
    "Is it cold in Zürich in December? We land at Málaga after",
])
def test_place_names_do_not_change_the_language(detect, message):
    assert detect(message).language == "en"


@pytest.mark.parametrize("message", [
    "i want to acquire an article", "cancel todays pedicure session under duane dietzel",
    "siri, call jacob", "401k rollover help", "wqnna acquire several of ur article",
])
def test_terse_lowercase_english_stays_english(detect, message):
    assert detect(message).language == "en"


def test_a_clear_switch_of_language_mid_conversation_is_followed(detect):
    assert detect("Perdón, ¿puedo escribir en español? Necesito cambiar mi vuelo", previous="en").language == "es"


@pytest.mark.parametrize("message, language", [
    ("sí, por favor", "es"), ("y ahora?", "es"), ("e agora?", "pt"), ("oui, svp", "fr"), ("e adesso?", "it"),
    ("ja, graag", "nl"), ("ja, bitte", "de"),
])
def test_a_first_message_of_two_or_three_words_is_recognised_by_its_function_words(detect, message, language):
    assert detect(message).language == language


@pytest.mark.parametrize("message", ["roll die", "see ya!", "no", "ok thanks", "sure"])
def test_one_foreign_looking_word_does_not_make_a_short_english_message_foreign(detect, message):
    assert detect(message).language == "en"
