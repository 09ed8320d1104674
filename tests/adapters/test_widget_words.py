"""The widget's words in seven languages: every language says everything the English says, with the same
placeholders, and the script the server hands out carries them."""
from __future__ import annotations

import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "adapters" / "static"
STRINGS = json.loads((STATIC / "widget-strings.json").read_text(encoding="utf-8"))


def english() -> dict[str, str]:
    script = (STATIC / "widget.js").read_text(encoding="utf-8")
    block = script[script.index("var EN = {"):script.index("var STRINGS = ")]
    return {key: value.replace("\\'", "'") for key, value in re.findall(r"^\s+(\w+): '((?:[^'\\]|\\.)*)'", block, re.M)}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_language_says_everything_the_english_says_with_the_same_placeholders():
    en = english()
    assert len(en) > 70 and set(STRINGS) == {"es", "pt", "de", "fr", "it", "nl"}
    for language, words in STRINGS.items():
        assert set(words) == set(en), language
        for key, text in words.items():
            assert text.strip() and placeholders(text) == placeholders(en[key]), (language, key, text)


async def test_the_served_widget_carries_the_other_languages(server, http):
    response = await http.get(server.url + "/widget.js")
    script = await response.text()

    assert response.status == 200 and "javascript" in response.headers["Content-Type"]
    assert "/*LLAMITA_STRINGS*/" not in script and json.dumps(STRINGS["de"]["placeholder"]).strip('"') in script
    again = await http.get(server.url + "/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304
    assert await (await http.get(server.url + "/static/widget.js")).text() == script
