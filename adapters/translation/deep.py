"""LibreTranslate, Google and Microsoft through deep-translator (the library the project chose).

deep-translator is synchronous and sets no timeouts: it only ever runs on bot.translation's daemon
threads, under their deadline. Each call builds its own translator object (cheap, no network) because
deep-translator keeps a request's parameters on the object: two threads sharing one would mix them.
Microsoft's constructor reads the supported languages over the network, so its objects are kept per
language pair (their translate() only sets the same pair again).
"""
from __future__ import annotations

import threading

PROVIDERS = ("libre", "google", "microsoft")


class DeepTranslatorProvider:
    def __init__(self, provider: str, *, url: str | None = None, api_key: str = "", region: str | None = None):
        if provider not in PROVIDERS:
            raise ValueError(f"deep-translator provider must be one of {PROVIDERS}, not {provider!r}")
        self.name = provider
        self.url = (url.rstrip("/") + "/") if url else None   # deep-translator appends "translate"
        self.api_key = api_key
        self.region = region
        self._microsoft: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def translate(self, text: str, source: str, target: str) -> str:
        return self._translator(source, target).translate(text)

    def _translator(self, source: str, target: str):
        if self.name == "libre":
            from deep_translator import LibreTranslator

            # A self-hosted server without keys still needs a non-empty key for deep-translator.
            return LibreTranslator(source=source, target=target, api_key=self.api_key or "none",
                                   custom_url=self.url, use_free_api=False)
        if self.name == "google":
            from deep_translator import GoogleTranslator

            return GoogleTranslator(source=source, target=target)
        with self._lock:
            known = self._microsoft.get((source, target))
        if known is None:
            from deep_translator import MicrosoftTranslator

            known = MicrosoftTranslator(source=source, target=target, api_key=self.api_key, region=self.region)
            with self._lock:
                self._microsoft[(source, target)] = known
        return known
