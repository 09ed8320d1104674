"""The Llama Travel knowledge base: one markdown article per topic and language, read as passages.

Layout: `bot/knowledge/<lang>/<topic>.md`. An article starts with `# Title`; the paragraphs up to
the first `## ` heading are its overview (the general answer); each `## ` section after it is
either a *passage* Llamita may send on its own, or detail for the people (and the LLM) who need
more. A section is a passage when the line after its heading says so:

    ## Sports equipment and oversized items
    <!-- passage: sports; about: surfboard*, bike*, bicycle*, ski*, golf -->

`passage:` names it (the same id in every language, so a question in one language finds the
passage in another); `about:` lists what customers say when they ask about it, in this file's
language: phrases, `*` for any ending ("cancel*"), `~` for up to three words in between
("hotel ~ cancel*"); plural endings are allowed without saying so. A question is answered with the
passage whose phrases it matches most (longer phrases count more), else with the overview; the
topic stays the article's, which is what the triage contract reports.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from bot.decision import TOPICS
from bot.language import FUNCTION_WORDS
from bot.normalise import normalise, tokens

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
FALLBACK_LANGUAGE = "en"
OVERVIEW = "overview"

_MARKER = re.compile(r"^<!--\s*passage:\s*(?P<id>[a-z0-9_]+)\s*(?:;\s*about:\s*(?P<about>.*?))?\s*-->\s*$")
_OVERVIEW_MARKER = re.compile(r"^<!--\s*about:\s*(?P<about>.*?)\s*-->\s*$")
_COMMENT = re.compile(r"^<!--.*-->\s*$")
_LITTLE_WORDS = frozenset(w for words in FUNCTION_WORDS.values() for w in words.split()
                          if len(w) <= 4 and w.isalpha())
MAX_GAP = 3                          # "~" in a phrase: up to this many words in between


@dataclass(frozen=True)
class Passage:
    """A part of an article that answers one kind of question on its own."""
    topic: str
    language: str
    id: str                      # "overview", or the section's id (the same in every language)
    title: str                   # the section's heading (the article's title for the overview)
    text: str                    # what Llamita says: plain text, no headings
    about: tuple[str, ...] = ()  # what customers say when they ask about it (this language)

    @property
    def reply(self) -> str:
        """The passage as a chat message: the heading says what part of the subject it answers."""
        if self.id == OVERVIEW:
            return self.text
        return f"{self.title}:\n{self.text}" if self.text.startswith("- ") else f"{self.title}: {self.text}"


@dataclass(frozen=True)
class PassageMatch:
    passage: Passage
    score: float                 # 0 for the overview chosen because nothing more precise matched
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    topic: str
    language: str
    title: str
    answer: str      # the overview: what Llamita says to a general question about the topic
    details: str     # the rest of the article, markdown (passages and staff notes)
    passages: tuple[Passage, ...] = field(default=())  # the sections Llamita may send on their own
    about: tuple[str, ...] = field(default=())  # what customers say about the topic as a whole

    @classmethod
    def parse(cls, topic: str, language: str, text: str) -> "Article":
        lines = text.strip().splitlines()
        if not lines or not lines[0].startswith("# "):
            raise ValueError(f"{language}/{topic}.md must start with '# Title'")
        title = lines[0][2:].strip()
        body = "\n".join(lines[1:]).strip()
        overview_about: tuple[str, ...] = ()
        first, _, rest_of_body = body.partition("\n")
        if about_line := _OVERVIEW_MARKER.match(first.strip()):
            overview_about = tuple(cue.strip() for cue in about_line.group("about").split(",") if cue.strip())
            body = rest_of_body.strip()
        answer, _, details = body.partition("\n## ")
        if not answer.strip():
            raise ValueError(f"{language}/{topic}.md has no answer paragraph before its first '## ' section")
        passages: list[Passage] = []
        kept: list[str] = []
        for section in ("## " + details).split("\n## ") if details else ():
            heading, _, rest = section.removeprefix("## ").partition("\n")
            rest_lines = rest.strip().splitlines()
            marker = _MARKER.match(rest_lines[0].strip()) if rest_lines else None
            content = [line for line in rest_lines if not _COMMENT.match(line.strip())]
            if marker:
                about = tuple(cue.strip() for cue in (marker.group("about") or "").split(",") if cue.strip())
                text_ = "\n".join(content).strip()
                if not text_:
                    raise ValueError(f"{language}/{topic}.md: passage {marker.group('id')!r} is empty")
                passages.append(Passage(topic, language, marker.group("id"), heading.strip(), text_, about))
            kept.append("## " + heading.strip() + ("\n" + "\n".join(content).strip() if content else ""))
        ids = [p.id for p in passages]
        if len(ids) != len(set(ids)) or OVERVIEW in ids:
            raise ValueError(f"{language}/{topic}.md: passage ids must be unique and not {OVERVIEW!r}")
        return cls(topic, language, title, answer.strip(), "\n\n".join(kept).strip(), tuple(passages),
                   overview_about)

    @property
    def overview(self) -> Passage:
        return Passage(self.topic, self.language, OVERVIEW, self.title, self.answer, self.about)


@dataclass(frozen=True)
class _Cue:
    """One `about:` phrase, as words to find in a message's words."""
    topic: str
    passage: str
    parts: tuple[tuple[str, str], ...]   # ("word", w): w or its plural; ("prefix", w): any ending; ("gap", "")

    @classmethod
    def parse(cls, topic: str, passage: str, phrase: str) -> "_Cue | None":
        parts: list[tuple[str, str]] = []
        for word in normalise(phrase).split():
            if word == "~":
                if parts and parts[-1][0] != "gap":
                    parts.append(("gap", ""))
                continue
            any_ending = word.endswith("*")
            words = tokens(word.rstrip("*"))
            for n, w in enumerate(words):
                parts.append(("prefix" if any_ending and n == len(words) - 1 else "word", w))
        while parts and parts[-1][0] == "gap":
            parts.pop()
        return cls(topic, passage, tuple(parts)) if parts else None

    def match_at(self, words: list[str], start: int) -> int:
        """Where a match starting at `start` ends (exclusive), or 0."""
        position, gap = start, False
        for kind, word in self.parts:
            if kind == "gap":
                gap = True
                continue
            last = min(len(words), position + (MAX_GAP + 1 if gap else 1))
            for at in range(position, last):
                if _same(words[at], kind, word):
                    position, gap = at + 1, False
                    break
            else:
                return 0
        return position


def _same(token: str, kind: str, word: str) -> bool:
    if kind == "prefix":
        return token.startswith(word)
    return token == word or token == word + "s" or token == word + "es"


class _CueIndex:
    """Every `about:` phrase of the knowledge base, found by its first word: a message's words are
    looked up, never every phrase tried (thousands of phrases, a fraction of a millisecond)."""

    def __init__(self, cues: list[_Cue]):
        self.by_word: dict[str, list[_Cue]] = {}
        self.by_start: dict[str, list[_Cue]] = {}    # prefix cues, by their first three letters
        for cue in cues:
            kind, word = cue.parts[0]
            if kind == "prefix":
                self.by_start.setdefault(word[:3], []).append(cue)
            else:
                self.by_word.setdefault(word, []).append(cue)

    def find(self, words: list[str]) -> list[tuple[_Cue, str]]:
        """Every phrase found in `words`, with the words it matched."""
        found = []
        for start, token in enumerate(words):
            candidates = list(self.by_word.get(token, ()))
            if token.endswith("s"):
                candidates += self.by_word.get(token[:-1], ())
                if token.endswith("es"):
                    candidates += self.by_word.get(token[:-2], ())
            candidates += self.by_start.get(token[:3], ())
            for cue in candidates:
                end = cue.match_at(words, start)
                if end:
                    found.append((cue, " ".join(words[start:end])))
        return found


class KnowledgeBase:
    def __init__(self, articles: dict[tuple[str, str], Article]):
        self._articles = articles
        self._recent: dict[str, list[tuple[_Cue, str]]] = {}

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

    # -- passages ---------------------------------------------------------------------------------

    def passages(self, topic: str, language: str) -> tuple[Passage, ...]:
        """The topic's passages in `language` (or English when not written yet), the overview first."""
        article = self.article(topic, language)
        return (article.overview,) + article.passages

    def passage(self, topic: str, passage_id: str, language: str) -> Passage:
        for passage in self.passages(topic, language):
            if passage.id == passage_id:
                return passage
        return self.article(topic, language).overview

    def retrieve(self, question: str, topic: str, language: str) -> PassageMatch:
        """The passage of `topic` that answers `question` best, in `language` (or English): the one
        whose `about:` phrases (in any language) the question matches most, else the overview."""
        scores: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        for cue, matched in self._found(normalise(question)):
            if cue.topic != topic or cue.passage == OVERVIEW or matched in evidence.get(cue.passage, ()):
                continue
            evidence.setdefault(cue.passage, []).append(matched)
            scores[cue.passage] = scores.get(cue.passage, 0.0) + len(matched.split())
        if not scores:
            return PassageMatch(self.article(topic, language).overview, 0.0)
        best = max(scores, key=lambda passage_id: (scores[passage_id], -self._order(topic, passage_id)))
        return PassageMatch(self.passage(topic, best, language), scores[best], tuple(evidence[best]))

    def prepare(self) -> "KnowledgeBase":
        """Build the phrase index and the vocabulary now (a tenth of a second) rather than on the
        first question."""
        self._index  # noqa: B018
        self._vocabulary  # noqa: B018
        return self

    def vocabulary(self) -> frozenset[str]:
        """Every word of every article, passage and `about:` phrase, normalised."""
        return self._vocabulary

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        for article in self._articles.values():
            words.update(tokens(normalise(" ".join((article.title, article.answer, article.details) + article.about))))
            for passage in article.passages:
                words.update(tokens(normalise(" ".join(passage.about))))
        return frozenset(words)

    def recognised(self, question: str, topics: tuple[str, ...]) -> dict[str, frozenset[str]]:
        """The words of `question` each topic's knowledge recognises (its `about:` phrases, any language),
        without the little words any phrase contains ("a visa" names a visa, not "a")."""
        found = self._found(normalise(question))
        return {topic: frozenset(word for cue, matched in found if cue.topic == topic
                                 for word in self._meaningful(matched))
                for topic in topics}

    def _meaningful(self, matched: str) -> tuple[str, ...]:
        """The words of a matched phrase that say something; a phrase of little words ("how much")
        counts as one."""
        words = tokens(matched)
        kept = tuple(w for w in words if len(w) > 2 and w not in self._little_words)
        return kept or ((" ".join(words),) if len(words) > 1 else ())

    @cached_property
    def _little_words(self) -> frozenset[str]:
        """Function words, unless a passage names them on their own ("mala" is a suitcase in Portuguese)."""
        named = {normalise(cue).rstrip("*") for article in self._articles.values()
                 for cue in article.about + tuple(c for p in article.passages for c in p.about) if " " not in cue}
        return _LITTLE_WORDS - named

    def evidence(self, question: str, topics: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """What each topic's passages recognise in `question` that none of the other `topics` does:
        evidence from the knowledge itself for choosing between two close readings ("my dog in the
        cabin" names a pet; "cabin" alone is as much baggage as pets)."""
        words = self.recognised(question, topics)
        return {topic: tuple(sorted(w for w in words[topic]
                                    if not any(w in words[other] for other in topics if other != topic)))
                for topic in topics}

    def _found(self, folded: str) -> list[tuple[_Cue, str]]:
        """The phrases found in a normalised message (the last few messages are remembered: the
        brain asks about one message several times)."""
        cached = self._recent.get(folded)
        if cached is None:
            cached = self._index.find(tokens(folded))
            if len(self._recent) > 64:
                self._recent.clear()
            self._recent[folded] = cached
        return cached

    def _order(self, topic: str, passage_id: str) -> int:
        ids = [p.id for p in self.article(topic, FALLBACK_LANGUAGE).passages]
        return ids.index(passage_id) if passage_id in ids else len(ids)

    @cached_property
    def _index(self) -> _CueIndex:
        """Every language's `about:` phrases (the overview's are the topic's own vocabulary: they count
        as evidence, and choose no passage)."""
        cues: dict[tuple[str, str, str], _Cue] = {}
        for article in self._articles.values():
            phrases = [(OVERVIEW, phrase) for phrase in article.about]
            phrases += [(passage.id, phrase) for passage in article.passages for phrase in passage.about]
            for passage_id, phrase in phrases:
                cue = _Cue.parse(article.topic, passage_id, phrase)
                if cue is not None:
                    cues.setdefault((article.topic, passage_id, " ".join(f"{k}:{w}" for k, w in cue.parts)), cue)
        return _CueIndex(list(cues.values()))


@cache
def default_knowledge_base() -> KnowledgeBase:
    return KnowledgeBase.load()
