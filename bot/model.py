"""Everything the offline brain learns at start-up, built once and shared.

The classifier is trained from the project's example sentences (bot/data/examples/) plus the
operator's hot-topic examples and keywords (from the Policy), so an operator who adds a hot topic
in the configuration file teaches Llamita to recognise it without touching code. Built models are
cached per set of hot topics: several brains with the same policy share one model.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.classifier import TextClassifier
from bot.decision import HotTopic
from bot.examples import Example, load_examples
from bot.language import LanguageDetector
from bot.normalise import normalise, tokens
from bot.signals import Lexicon, default_lexicon
from bot.start_cache import cache_dir as _cache_dir  # where trained classifiers are kept between runs

log = logging.getLogger(__name__)

HOT_PREFIX = "hot:"
# Operator examples are few; each counts as much as several of our own lines.
HOT_EXAMPLE_WEIGHT = 2.0
BALANCE = 0.5


@dataclass(frozen=True)
class BrainModel:
    classifier: TextClassifier
    languages: LanguageDetector
    lexicon: Lexicon
    # Per knowledge topic, the words that say a message is about it at all ("premium" for
    # premium_package): used to keep a hot topic's keywords inside their subject.
    anchors: dict[str, frozenset[str]]


def anchor_words(texts: list[str], labels: list[str], label: str, min_share: float = 0.4,
                 min_ratio: float = 50.0) -> frozenset[str]:
    """Words frequent in `label`'s examples and rare in every other label's."""
    inside: dict[str, int] = defaultdict(int)
    outside: dict[str, int] = defaultdict(int)
    n_in = n_out = 0
    for text, lab in zip(texts, labels, strict=False):
        words = set(tokens(text))
        if lab == label:
            n_in += 1
            for w in words:
                inside[w] += 1
        else:
            n_out += 1
            for w in words:
                outside[w] += 1
    if not n_in:
        return frozenset()
    return frozenset(w for w, c in inside.items()
                     if c / n_in >= min_share and (c / n_in) / ((outside.get(w, 0) + 1) / max(1, n_out)) >= min_ratio)


def hot_label(topic: HotTopic) -> str:
    return HOT_PREFIX + topic.id


def training_set(hot_topics: tuple[HotTopic, ...]) -> tuple[list[str], list[str], list[float]]:
    examples: list[Example] = list(load_examples())
    texts = [normalise(e.text) for e in examples]
    labels = [e.label for e in examples]
    weights = [1.0] * len(texts)
    # Balance the labels a little (square root of inverse frequency): the out-of-scope class is the
    # largest by far, and must not win every message that shares one generic word with it ("fee").
    counts: dict[str, int] = defaultdict(int)
    for label in labels:
        counts[label] += 1
    mean = len(labels) / max(1, len(counts))
    weights = [(mean / counts[label]) ** BALANCE for label in labels]
    for topic in hot_topics:
        for text in (*topic.examples, *topic.keywords):
            texts.append(normalise(text))
            labels.append(hot_label(topic))
            weights.append(HOT_EXAMPLE_WEIGHT)
    return texts, labels, weights


_CACHE: dict[tuple, BrainModel] = {}
_LOCK = threading.Lock()
_SOURCES = ("classifier.py", "model.py", "examples.py", "normalise.py")


def _fingerprint(texts: list[str], labels: list[str], weights: list[float]) -> str:
    """Everything the trained weights depend on: the training set and the code that trains."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    digest.update(np.__version__.encode())
    for text, label, weight in zip(texts, labels, weights, strict=False):
        digest.update(f"{label}\t{weight:.4f}\t{text}\n".encode("utf-8"))
    return digest.hexdigest()[:24]


def trained_classifier(texts: list[str], labels: list[str], weights: list[float]) -> TextClassifier:
    """Train, or load the identical classifier trained earlier from the same inputs.

    Training is deterministic, so a cached copy decides exactly as a fresh one; the cache only
    saves the start-up second. Any problem with the cache means training as usual.
    """
    directory = _cache_dir()
    path = directory / f"classifier-{_fingerprint(texts, labels, weights)}.npz" if directory else None
    if path is not None and path.is_file():
        try:
            with np.load(path) as arrays:
                return TextClassifier.from_arrays(dict(arrays))
        except Exception:
            log.warning("ignoring unreadable classifier cache %s", path)
    classifier = TextClassifier(texts, labels, sample_weight=weights)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
                np.savez(handle, **classifier.to_arrays())
            os.replace(handle.name, path)
            # Keep the few most recent models only (each change of the examples makes a new one).
            for old in sorted(path.parent.glob("classifier-*.npz"), key=lambda p: p.stat().st_mtime)[:-3]:
                old.unlink(missing_ok=True)
        except OSError:
            log.info("classifier cache not written to %s (not writable)", path.parent)
    return classifier


def build_model(hot_topics: tuple[HotTopic, ...] = ()) -> BrainModel:
    key = tuple((t.id, t.examples, t.keywords) for t in hot_topics)
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            texts, labels, weights = training_set(hot_topics)
            samples: dict[str, list[str]] = defaultdict(list)
            for example in load_examples():
                samples[example.language].append(example.text)
            own = [(text, label) for text, label in zip(texts, labels, strict=True) if not label.startswith(HOT_PREFIX)]
            anchors = {topic.knowledge_topic: anchor_words([text for text, _ in own], [label for _, label in own],
                                                           topic.knowledge_topic)
                       for topic in hot_topics if topic.knowledge_topic}
            model = BrainModel(
                classifier=trained_classifier(texts, labels, weights),
                languages=LanguageDetector(samples),
                lexicon=default_lexicon(),
                anchors=anchors,
            )
            _CACHE[key] = model
        return model
