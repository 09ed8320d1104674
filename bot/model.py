"""Everything the offline brain learns at start-up, built once and shared.

The classifier is trained from the project's example sentences (bot/data/examples/) plus the
operator's hot-topic examples and keywords (from the Policy), so an operator who adds a hot topic
in the configuration file teaches Llamita to recognise it without touching code. Built models are
cached per set of hot topics: several brains with the same policy share one model.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from bot.classifier import TextClassifier
from bot.decision import HotTopic
from bot.examples import Example, load_examples
from bot.language import LanguageDetector
from bot.normalise import normalise
from bot.signals import Lexicon, default_lexicon

HOT_PREFIX = "hot:"
# Operator examples are few; each counts as much as several of our own lines.
HOT_EXAMPLE_WEIGHT = 2.0


@dataclass(frozen=True)
class BrainModel:
    classifier: TextClassifier
    languages: LanguageDetector
    lexicon: Lexicon


def hot_label(topic: HotTopic) -> str:
    return HOT_PREFIX + topic.id


def training_set(hot_topics: tuple[HotTopic, ...]) -> tuple[list[str], list[str], list[float]]:
    examples: list[Example] = list(load_examples())
    texts = [normalise(e.text) for e in examples]
    labels = [e.label for e in examples]
    weights = [1.0] * len(texts)
    for topic in hot_topics:
        for text in (*topic.examples, *topic.keywords):
            texts.append(normalise(text))
            labels.append(hot_label(topic))
            weights.append(HOT_EXAMPLE_WEIGHT)
    return texts, labels, weights


_CACHE: dict[tuple, BrainModel] = {}
_LOCK = threading.Lock()


def build_model(hot_topics: tuple[HotTopic, ...] = ()) -> BrainModel:
    key = tuple((t.id, t.examples, t.keywords) for t in hot_topics)
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            texts, labels, weights = training_set(hot_topics)
            samples: dict[str, list[str]] = defaultdict(list)
            for example in load_examples():
                samples[example.language].append(example.text)
            model = BrainModel(
                classifier=TextClassifier(texts, labels, sample_weight=weights),
                languages=LanguageDetector(samples),
                lexicon=default_lexicon(),
            )
            _CACHE[key] = model
        return model
