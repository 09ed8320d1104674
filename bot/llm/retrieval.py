"""What the model may answer from: the knowledge articles (and their sections) relevant to a message.

One small function over `bot.kb`'s public API (`KnowledgeBase.article`), so the knowledge base can
change shape (issue 16 turns articles into passages) by changing this module only. Candidate topics
come from the offline brain's own reading: the topic it chose, the classifier's next best readings
of the message (alone and with the customer's previous message), and the topic just answered. Each
article is cut at its `## ` headings; sections that share words with the message come first, and
the whole stays under a character budget so the prompt stays small.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from bot.decision import TOPICS
from bot.kb import Article, KnowledgeBase
from bot.normalise import normalise, tokens
from bot.replies import reply_language

MAX_TOPICS = 3
MIN_SHARE = 0.04            # a classifier reading below this is no candidate
BUDGET_CHARS = 9000         # about 2,500 tokens of knowledge per turn
STAFF_HEADINGS = frozenset({"for staff", "para el equipo", "para a equipe", "pour l equipe", "fur das team",
                            "per il team", "voor het team"})
# Words too common to say what a section is about.
_STOPWORDS = frozenset("""a an the and or of to in on at for with my your i me is are be can do does how what
when where which who why it this that de la el los las y o en un una que por para con mi mis es se le les des du
et ou pour avec mon ma mes est der die das und oder ein eine mit fur mein ist o os as um uma com meu minha""".split())


@dataclass(frozen=True)
class Passage:
    topic: str
    language: str
    title: str                 # the article's title, then " — " and the section's heading for a section
    text: str
    audience: str = "customer"  # "staff": notes for the people, not to be told to customers as such


def candidate_topics(chosen: str | None, readings: Iterable[dict[str, float]], previous: str | None,
                     limit: int = MAX_TOPICS) -> list[str]:
    """Topics worth showing the model, best first (pure)."""
    ranked: dict[str, float] = {}
    for reading in readings:
        for label, p in reading.items():
            if label in TOPICS and p >= MIN_SHARE:
                ranked[label] = max(ranked.get(label, 0.0), p)
    order = [chosen] if chosen in TOPICS else []
    order += [t for t, _ in sorted(ranked.items(), key=lambda item: -item[1]) if t not in order]
    if previous in TOPICS and previous not in order:
        order.insert(min(len(order), 1), previous)
    return order[:limit]


def retrieve(kb: KnowledgeBase, topics: list[str], message: str, language: str,
             budget: int = BUDGET_CHARS) -> list[Passage]:
    """The passages of `topics` for `message`, in the customer's language where written (else English)."""
    query = _words(message)
    passages: list[Passage] = []
    used = 0
    for topic in topics:
        try:
            article = kb.article(topic, reply_language(language))
        except KeyError:
            continue
        sections = sorted(_sections(article), key=lambda p: -len(query & _words(p.text + " " + p.title)))
        for passage in [Passage(topic, article.language, article.title, article.answer), *sections]:
            if used + len(passage.text) > budget and passages:
                continue
            passages.append(passage)
            used += len(passage.text)
    return passages


def _sections(article: Article) -> list[Passage]:
    found = []
    for block in article.details.split("\n## "):
        block = block.removeprefix("## ").strip()
        if not block:
            continue
        heading, _, body = block.partition("\n")
        if not body.strip():
            continue
        audience = "staff" if normalise(heading).strip() in STAFF_HEADINGS else "customer"
        found.append(Passage(article.topic, article.language, f"{article.title} — {heading.strip()}",
                             body.strip(), audience))
    return found


def _words(text: str) -> set[str]:
    # A plural's "s" dropped: "surfboard" finds "surfboards".
    return {w[:-1] if len(w) > 4 and w.endswith("s") else w
            for w in tokens(normalise(text)) if len(w) > 2 and w not in _STOPWORDS}


def readings_for(probabilities: Callable[[str], dict[str, float]], message: str,
                 previous_message: str | None) -> list[dict[str, float]]:
    """The classifier's readings of the message alone and, for follow-ups, with the message before it."""
    readings = [probabilities(normalise(message))]
    if previous_message:
        readings.append(probabilities(normalise(previous_message + " " + message)))
    return readings
