"""Operator-chosen hot topics: recognised from the HotTopic fields in the configuration.

Two kinds of evidence, both supplied by the operator:
- keywords (any language), matched on the normalised message as whole words or phrases;
- examples, which the classifier learns as one extra class per hot topic (see bot/model.py).

A hot topic with a `knowledge_topic` (demo: in-depth Llama Premium questions, basic facts answerable
from the `premium_package` article) only fires when the message is about that subject at all:
its keywords ("contract", "corporate") count inside that context, and otherwise the classifier must
prefer the hot topic's examples over the knowledge topic's. Expired topics are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.decision import HotTopic
from bot.model import hot_label
from bot.normalise import normalise, tokens

# The classifier alone (no keyword) must be this sure before a conversation leaves Llamita.
CLASSIFIER_ONLY = 0.6
WITH_KNOWLEDGE_TOPIC = 0.45
# A message naming the subject is a basic question only when the knowledge topic reads it this
# confidently; and it is about something else when another label is at least this likely.
BASIC_CONFIDENCE = 0.8
OTHER_TOPIC = 0.5
# Sharing or transferring the subject with someone else is in depth unless read as basic this surely.
SOMEONE_ELSE_BASIC = 0.9


@dataclass(frozen=True)
class HotMatch:
    topic: HotTopic
    evidence: str
    by: str  # "keyword" or "examples"


class HotTopicMatcher:
    def __init__(self, hot_topics: tuple[HotTopic, ...], anchors: dict[str, frozenset[str]] | None = None):
        self.topics = hot_topics
        self.anchors = anchors or {}
        self._keywords: dict[str, re.Pattern[str] | None] = {}
        for topic in hot_topics:
            words = sorted({normalise(k) for k in topic.keywords if normalise(k)}, key=len, reverse=True)
            # Whole words or phrases, with a plural/inflection ending allowed ("Streiks", "huelgas").
            self._keywords[topic.id] = re.compile(
                r"\b(?:" + "|".join(re.escape(w) for w in words) + r")(?:s|es|e|en|n)?\b") if words else None

    def match(self, folded: str, probabilities: dict[str, float], today: date,
              previous_topic: str | None, *, idioms_out: str | None = None,
              about_someone_else: bool = False) -> HotMatch | None:
        """`idioms_out`: the message with idioms blanked ("a hunger strike"), where keywords are looked
        for; `about_someone_else`: it brings another person into the subject (sharing, transferring)."""
        keyword_text = folded if idioms_out is None else idioms_out
        for topic in self.topics:
            if not topic.active_on(today):
                continue
            label = hot_label(topic)
            p_hot = probabilities.get(label, 0.0)
            pattern = self._keywords.get(topic.id)
            keyword = pattern.search(keyword_text) if pattern else None
            if topic.knowledge_topic is None:
                if keyword:
                    return HotMatch(topic, keyword.group(0), "keyword")
                if p_hot >= CLASSIFIER_ONLY and p_hot == max(probabilities.values()):
                    return HotMatch(topic, f"p={p_hot:.2f}", "examples")
                continue
            # Only questions about the subject itself: the message names it (an anchor word of the
            # knowledge topic, like "premium"), or the classifier reads it as the knowledge topic,
            # or the conversation was just about it ("and what are the contract terms?").
            p_basic = probabilities.get(topic.knowledge_topic, 0.0)
            words = set(tokens(folded))
            anchored = bool(words & self.anchors.get(topic.knowledge_topic, frozenset()))
            best_label = max(probabilities, key=probabilities.get)
            in_context = anchored or previous_topic == topic.knowledge_topic or best_label == topic.knowledge_topic
            if not in_context:
                continue
            if keyword:
                return HotMatch(topic, keyword.group(0), "keyword")
            if about_someone_else and p_basic < SOMEONE_ELSE_BASIC:
                # "Can my wife use my lounge passes when she flies alone?": the basic facts are about
                # one member; sharing or transferring it is for the people who handle the subject.
                return HotMatch(topic, "shared with or passed to someone else", "subject")
            if p_hot >= WITH_KNOWLEDGE_TOPIC and p_hot > p_basic:
                return HotMatch(topic, f"p={p_hot:.2f} over {topic.knowledge_topic} p={p_basic:.2f}", "examples")
            # The message names the subject but is not one of the basic questions the knowledge
            # topic answers with confidence ("can I downgrade from Premium mid-year?"): in depth,
            # unless it is clearly a question about something else ("as a Premium member, how many
            # bags can I bring?" is a baggage question).
            other = max((k for k in probabilities if k not in (label, topic.knowledge_topic)),
                        key=probabilities.get)
            if anchored and p_basic < BASIC_CONFIDENCE and probabilities[other] < OTHER_TOPIC:
                return HotMatch(topic, f"about {topic.knowledge_topic} but beyond its basics (p={p_basic:.2f})",
                                "subject")
        return None
