"""Machine translation's edge: the providers behind bot.translation's port, built from the settings.

Here and not in `bot/` because these modules own the transport (requests under deep-translator,
the DeepL client, the openai SDK behind the language model); here and not in `routing/` because
routing is the life of a case, not a client of outside services (the same split as adapters/llm.py).
`build_translator` wraps the chosen provider in `bot.translation.GuardedTranslator` (deadline,
bounded threads, circuit breaker, cache); routing only sees that. See docs/translation.md.
"""
from __future__ import annotations

from bot.translation import GuardedTranslator, TranslatorLimits
from routing.config import TranslationSettings


def build_translator(settings: TranslationSettings | None, chat_model=None) -> GuardedTranslator | None:
    """The configured translator, or None when machine translation is off."""
    if settings is None:
        return None
    limits = TranslatorLimits(deadline=settings.deadline_seconds, workers=settings.workers)
    if settings.provider == "deepl":
        from adapters.translation.deepl_api import DeepLProvider

        return GuardedTranslator(DeepLProvider(settings.api_key, settings.url), limits)
    if settings.provider == "llm":
        from adapters.translation.model import ModelTranslationProvider

        if chat_model is None:
            raise ValueError("LLAMITA_TRANSLATOR=llm needs the language model (OPENAI_API_KEY)")
        return GuardedTranslator(ModelTranslationProvider(chat_model, settings.deadline_seconds), limits)
    from adapters.translation.deep import DeepTranslatorProvider

    return GuardedTranslator(DeepTranslatorProvider(settings.provider, url=settings.url, api_key=settings.api_key,
                                                    region=settings.region), limits)


def translation_description(settings: TranslationSettings | None) -> str:
    """One line for the start-up report."""
    if settings is None:
        return ("off: customers who write a language the staff do not speak are offered a staff language only; "
                "set LIBRETRANSLATE_URL (self-hosted LibreTranslate) or LLAMITA_TRANSLATOR, see docs/translation.md")
    where = f" at {settings.url}" if settings.url else ""
    return f"{settings.provider}{where} ({settings.deadline_seconds:g} s per message, then the original, marked)"
