"""Specifications for Llamita's knowledge base (bot/knowledge/<lang>/<topic>.md).

Staff and customers rely on these articles: every topic must be answerable in every language Llamita
speaks, every chat answer must be short enough to send as one reply, and a translation must never
quote a different fee, weight, time limit or price than the English original in what customers read.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.decision import TOPICS
from bot.kb import FALLBACK_LANGUAGE, KNOWLEDGE_DIR, Article, KnowledgeBase

STAFF_LANGUAGES = ("en", "es", "pt")
EXTRA_LANGUAGES = ("de", "fr", "it", "nl")
MAX_ANSWER_CHARS = 800

ARTICLE_PATHS = sorted(KNOWLEDGE_DIR.glob("*/*.md"))
TRANSLATION_PATHS = [p for p in ARTICLE_PATHS if p.parent.name != FALLBACK_LANGUAGE]

# A number, with thousands separators as written in any of our languages: 1,000 / 1.000 / 1 000.
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?!\d)")


def _article_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _read(path: Path) -> Article:
    return Article.parse(path.stem, path.parent.name, path.read_text(encoding="utf-8"))


def _english(topic: str) -> Article:
    return _read(KNOWLEDGE_DIR / FALLBACK_LANGUAGE / f"{topic}.md")


def figures(text: str) -> set[int]:
    """The numbers quoted in a text (fees, kilos, days, hours, sizes), whatever the language's notation."""
    return {int(re.sub(r"\D", "", number)) for number in _NUMBER.findall(text)}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize("language", STAFF_LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_an_article_in_each_staff_language(kb, topic, language):
    assert language in kb.languages(topic), f"missing bot/knowledge/{language}/{topic}.md"


@pytest.mark.parametrize("language", EXTRA_LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_is_also_written_in_german_french_italian_and_dutch(kb, topic, language):
    assert language in kb.languages(topic), f"missing bot/knowledge/{language}/{topic}.md"


@pytest.mark.parametrize("path", TRANSLATION_PATHS, ids=_article_id)
def test_a_translation_has_the_english_articles_passages(path):
    assert [p.id for p in _read(path).passages] == [p.id for p in _english(path.stem).passages]


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=_article_id)
def test_every_article_parses_into_a_titled_non_empty_chat_answer_under_800_characters(path):
    article = _read(path)
    assert article.title
    assert article.answer
    assert len(article.answer) < MAX_ANSWER_CHARS, f"answer has {len(article.answer)} characters"


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=_article_id)
def test_the_chat_answer_is_plain_text_without_headings_or_tables(path):
    for line in _read(path).answer.splitlines():
        assert not line.lstrip().startswith("#"), line
        assert "|" not in line, line


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=_article_id)
def test_every_article_has_passages_beyond_its_overview(path):
    article = _read(path)
    assert article.details.startswith("## ") and article.passages


def test_a_topic_missing_in_a_language_falls_back_to_english(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "pets.md").write_text("# Pets\n\nCats travel in the cabin.\n", encoding="utf-8")

    article = KnowledgeBase.load(tmp_path).article("pets", "de")

    assert article.language == "en"
    assert article.answer == "Cats travel in the cabin."




@pytest.mark.parametrize("path", TRANSLATION_PATHS, ids=_article_id)
def test_a_translation_quotes_the_same_figures_as_the_english_article(path):
    translation, original = _read(path), _english(path.stem)

    def all_figures(article: Article) -> set[int]:
        """Every figure a customer can be told: the overview and every passage."""
        return figures(article.answer + "\n" + "\n".join(p.text for p in article.passages))

    assert all_figures(translation) == all_figures(original), (
        f"only in {translation.language}: {sorted(all_figures(translation) - all_figures(original))}; "
        f"only in en: {sorted(all_figures(original) - all_figures(translation))}"
    )


@pytest.mark.parametrize("path", TRANSLATION_PATHS, ids=_article_id)
def test_a_translated_chat_answer_quotes_the_same_figures_as_the_english_one(path):
    translation, original = _read(path), _english(path.stem)
    assert figures(translation.answer) == figures(original.answer)


def test_figures_are_read_the_same_whatever_the_thousands_separator():
    assert figures("1,000 miles, USD 50.000, 10 000 kg") == figures("1.000 millas, USD 50,000, 10\u00a0000 kg")
    assert figures("3–7 business days, 7:00–22:00") == {3, 7, 0, 22}
