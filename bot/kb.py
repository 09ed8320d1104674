"""The Llama Travel knowledge base: one markdown article per topic and language.

Layout: `bot/knowledge/<lang>/<topic>.md`. An article starts with `# Title`; the paragraphs up to
the first `## ` heading are the chat answer Llamita sends; the `## ` sections after it are details
for the people (and the LLM) who need more.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.decision import TOPICS

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Article:
    topic: str
    language: str
    title: str
    answer: str      # what Llamita says in the chat
    details: str     # the rest of the article, markdown

    @classmethod
    def parse(cls, topic: str, language: str, text: str) -> "Article":
        lines = text.strip().splitlines()
        if not lines or not lines[0].startswith("# "):
            raise ValueError(f"{language}/{topic}.md must start with '# Title'")
        title = lines[0][2:].strip()
        body = "\n".join(lines[1:]).strip()
        answer, _, details = body.partition("\n## ")
        if not answer.strip():
            raise ValueError(f"{language}/{topic}.md has no answer paragraph before its first '## ' section")
        return cls(topic, language, title, answer.strip(), ("## " + details).strip() if details else "")


class KnowledgeBase:
    def __init__(self, articles: dict[tuple[str, str], Article]):
        self._articles = articles

    @classmethod
    def load(cls, root: Path = KNOWLEDGE_DIR) -> "KnowledgeBase":
        articles: dict[tuple[str, str], Article] = {}
        for path in sorted(root.glob("*/*.md")):
            topic, language = path.stem, path.parent.name
            if topic not in TOPICS:
                raise ValueError(f"{path}: unknown topic {topic!r}; known topics: {', '.join(TOPICS)}")
            articles[(topic, language)] = Article.parse(topic, language, path.read_text(encoding="utf-8"))
        return cls(articles)

    def languages(self, topic: str) -> set[str]:
        return {lang for (t, lang) in self._articles if t == topic}

    def article(self, topic: str, language: str) -> Article:
        """The article in the customer's language, or in English when it has not been written yet."""
        found = self._articles.get((topic, language)) or self._articles.get((topic, FALLBACK_LANGUAGE))
        if found is None:
            raise KeyError(f"no article for topic {topic!r}")
        return found

    def __iter__(self):
        return iter(self._articles.values())


@cache
def default_knowledge_base() -> KnowledgeBase:
    return KnowledgeBase.load()
