"""The translator behind its guard, against stand-ins over real sockets: deep-translator's LibreTranslator
(custom_url) and the official DeepL client (server_url). A slow, erroring or absent service costs at most
the deadline, never raises, and opens the circuit; the same sentence is translated once."""
from __future__ import annotations

import asyncio
import time

import pytest

from adapters.translation import build_translator
from adapters.translation.deep import DeepTranslatorProvider
from adapters.translation.deepl_api import DeepLProvider
from bot.translation import GuardedTranslator, TranslatorLimits
from routing.config import ConfigError, TranslationSettings, load_translation_settings
from tests.translation_stand_ins import DeepLStandIn, LibreTranslateStandIn


@pytest.fixture
async def libre():
    stand_in = LibreTranslateStandIn()
    stand_in.teach("de", "en", "Mein Koffer ist weg.", "My suitcase is gone.")
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


def guarded(provider, **limits) -> GuardedTranslator:
    return GuardedTranslator(provider, TranslatorLimits(**{"deadline": 0.5, "workers": 2, **limits}))


async def test_libretranslate_through_deep_translator_and_the_same_sentence_once(libre):
    translator = build_translator(TranslationSettings("libre", libre.url, "secret-key"))
    first = await translator.translate("Mein Koffer ist weg.", "de", "en")
    again = await translator.translate("Mein Koffer ist weg.", "de", "en")
    assert first.text == again.text == "My suitcase is gone."
    assert again.cached and len(libre.requests) == 1
    assert (libre.requests[0].source, libre.requests[0].target, libre.requests[0].key) == ("de", "en", "secret-key")
    # Several asking at once for one sentence: one request.
    results = await asyncio.gather(*[translator.translate("Wo ist mein Flug?", "de", "en") for _ in range(5)])
    assert {r.text for r in results} == {"[en] Wo ist mein Flug?"} and len(libre.requests) == 2


async def test_a_slow_translator_costs_the_deadline_and_an_absent_or_failing_one_never_raises(libre):
    translator = guarded(DeepTranslatorProvider("libre", url=libre.url), failures_to_open=3, cooldown=60)
    libre.delay = 3.0
    started = time.monotonic()
    slow = await translator.translate("eins", "de", "en")
    assert slow.failed == "timeout" and time.monotonic() - started < 1.5
    libre.delay, libre.erroring = 0.0, True
    assert (await translator.translate("zwei", "de", "en")).failed == "error"
    await libre.stop()
    assert (await translator.translate("drei", "de", "en")).failed == "error"
    # Three failures in a row: the circuit is open, nobody waits for the service any more.
    started = time.monotonic()
    assert (await translator.translate("vier", "de", "en")).failed == "circuit_open"
    assert time.monotonic() - started < 0.05


async def test_hung_calls_never_queue_up_new_ones_fail_at_once(libre):
    libre.delay = 5.0
    translator = guarded(DeepTranslatorProvider("libre", url=libre.url), workers=1, deadline=0.2,
                         failures_to_open=99)
    assert (await translator.translate("hängt", "de", "en")).failed == "timeout"
    started = time.monotonic()
    assert (await translator.translate("nächste", "de", "en")).failed == "busy"    # its thread is still stuck
    assert time.monotonic() - started < 0.05


async def test_deepl_through_its_official_client_with_the_header_and_a_target_variant():
    stand_in = DeepLStandIn(auth_key="test-key:fx")
    stand_in.teach("de", "en", "Mein Koffer ist weg.", "My suitcase is gone.")
    await stand_in.start()
    try:
        translator = guarded(DeepLProvider("test-key:fx", stand_in.url), deadline=3)
        result = await translator.translate("Mein Koffer ist weg.", "de", "en")
        assert result.text == "My suitcase is gone."
        assert (stand_in.requests[0].source, stand_in.requests[0].target) == ("DE", "EN-US")
        wrong = guarded(DeepLProvider("wrong-key", stand_in.url), deadline=3)
        assert (await wrong.translate("Hallo zusammen", "de", "en")).failed == "error"
    finally:
        await stand_in.stop()


def test_settings_choose_libretranslate_by_its_url_and_explain_what_is_missing():
    assert load_translation_settings({}) is None
    chosen = load_translation_settings({"LIBRETRANSLATE_URL": "http://localhost:5000"})
    assert chosen.provider == "libre" and chosen.deadline_seconds == 3.0
    assert load_translation_settings({"DEEPL_AUTH_KEY": "k", "LLAMITA_TRANSLATION_DEADLINE": "1.5"}).deadline_seconds \
        == 1.5
    with pytest.raises(ConfigError, match="MICROSOFT_TRANSLATOR_KEY"):
        load_translation_settings({"LLAMITA_TRANSLATOR": "microsoft"})
    with pytest.raises(ConfigError, match="LIBRETRANSLATE_URL"):
        load_translation_settings({"LLAMITA_TRANSLATOR": "libre"})
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        load_translation_settings({"LLAMITA_TRANSLATOR": "llm"})
