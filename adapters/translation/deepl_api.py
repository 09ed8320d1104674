"""DeepL through its official client (`deepl`), not deep-translator.

deep-translator's DeepL provider sends the key as the `auth_key` form parameter, which DeepL stopped
accepting in January 2026 (only the `Authorization: DeepL-Auth-Key ...` header works now); the official
client sends the header, chooses the free or paid server from the key, and takes a server URL (a test
stand-in, a proxy). Its own retries are off: bot.translation's deadline and circuit breaker decide.
"""
from __future__ import annotations

# DeepL wants a variant for these target languages ("EN" alone is refused): Llama Travel's customers
# are mostly in the Americas.
TARGET_VARIANTS = {"en": "EN-US", "pt": "PT-BR"}


class DeepLProvider:
    name = "deepl"

    def __init__(self, auth_key: str, server_url: str | None = None):
        import deepl
        from deepl import http_client

        http_client.max_network_retries = 0   # module-wide in the client: ours are the only DeepL calls
        self._translator = deepl.Translator(auth_key, server_url=server_url, send_platform_info=False)

    def translate(self, text: str, source: str, target: str) -> str:
        result = self._translator.translate_text(text, source_lang=source.upper(),
                                                 target_lang=TARGET_VARIANTS.get(target, target.upper()))
        return result.text

    def close(self) -> None:
        self._translator.close()
