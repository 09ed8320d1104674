"""A small text classifier trained at start-up from the project's own example sentences.

Why this shape: customers phrase the same need in countless ways and with typos ("reimbvurse",
"cancelation"), in seven languages. Word unigrams and bigrams capture the wording; character
n-grams inside words survive typos, inflection and compounds ("Gepäck" in "Handgepäck"). A
multinomial logistic regression over TF-IDF of those features is the classic strong baseline for
intent classification, needs only numpy, trains in about a second on a few thousand examples, and
decides one message in well under a millisecond. Training is deterministic (fixed seed, fixed
order), so the same examples always give the same brain.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from bot.normalise import tokens

CHAR_NGRAMS = (3, 4)


@lru_cache(maxsize=65536)
def _word_features(word: str) -> tuple[str, ...]:
    """The features of one word (cached: customers reuse the same few thousand words)."""
    # Digits carry little meaning ("order 00123842", "LT-4821"): keep their shape only.
    if any(ch.isdigit() for ch in word):
        letters = "".join(ch for ch in word if ch.isalpha())[:3]
        return ("w:#" + letters,)
    feats = ["w:" + word]
    if len(word) >= 2:
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            if len(padded) < n:
                break
            feats.extend("c:" + padded[i:i + n] for i in range(len(padded) - n + 1))
    return tuple(feats)


def features(folded: str) -> list[str]:
    """The features of an already normalised text: words, word pairs, in-word character n-grams."""
    words = tokens(folded)
    feats: list[str] = []
    for word in words:
        feats.extend(_word_features(word))
    feats.extend(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    return feats


@dataclass
class _Sparse:
    """Rows of a sparse matrix (CSR): row i is data[indptr[i]:indptr[i+1]] at columns indices[...]."""
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


class TextClassifier:
    """TF-IDF features + multinomial logistic regression, fitted with mini-batch Adagrad."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str], *, epochs: int = 3,
                 batch: int = 64, learning_rate: float = 0.6, l2: float = 1e-5, seed: int = 7,
                 sample_weight: Sequence[float] | None = None):
        if len(texts) != len(labels) or not texts:
            raise ValueError("need as many labels as texts, and at least one")
        self.labels: tuple[str, ...] = tuple(sorted(set(labels)))
        label_index = {label: i for i, label in enumerate(self.labels)}
        rows = [features(text) for text in texts]

        # Vocabulary and inverse document frequency, from the training texts only.
        df = Counter(itertools.chain.from_iterable(set(row) for row in rows))
        self.vocabulary: dict[str, int] = {feat: i for i, feat in enumerate(sorted(df))}
        n_docs = len(rows)
        self.idf = np.array([math.log((1 + n_docs) / (1 + df[feat])) + 1.0 for feat in sorted(df)],
                            dtype=np.float32)

        matrix = self._vectorise_many(rows)
        y = np.array([label_index[label] for label in labels], dtype=np.int64)
        weights = np.ones(len(y), dtype=np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32)
        self.weights, self.bias = self._fit(matrix, y, weights, epochs, batch, learning_rate, l2, seed)

    # -- saving and loading (for the start-up cache in bot/model.py) ---------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        vocab = sorted(self.vocabulary, key=self.vocabulary.get)
        return {"labels": np.array("\n".join(self.labels).encode("utf-8")),
                "vocabulary": np.array("\n".join(vocab).encode("utf-8")),
                "idf": self.idf, "weights": self.weights, "bias": self.bias}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "TextClassifier":
        model = cls.__new__(cls)
        model.labels = tuple(bytes(arrays["labels"]).decode("utf-8").split("\n"))
        vocab = bytes(arrays["vocabulary"]).decode("utf-8").split("\n")
        model.vocabulary = {feat: i for i, feat in enumerate(vocab)}
        model.idf = np.asarray(arrays["idf"], dtype=np.float32)
        model.weights = np.asarray(arrays["weights"], dtype=np.float32)
        model.bias = np.asarray(arrays["bias"], dtype=np.float32)
        if model.weights.shape != (len(vocab), len(model.labels)) or len(model.idf) != len(vocab):
            raise ValueError("inconsistent classifier arrays")
        return model

    # -- vectorising -------------------------------------------------------------------------

    def _vectorise(self, feats: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        vocab = self.vocabulary
        for feat in feats:
            index = vocab.get(feat)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[idx]  # sublinear term frequency
        values /= np.linalg.norm(values)
        return idx, values

    def _vectorise_many(self, rows: list[list[str]]) -> _Sparse:
        """All training rows at once: one sort of (row, feature) keys instead of a loop per row."""
        vocab = self.vocabulary
        lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
        ids = np.fromiter((vocab[f] for row in rows for f in row), dtype=np.int64, count=int(lengths.sum()))
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        keys, tf = np.unique(row_of * len(vocab) + ids, return_counts=True)
        rows_idx, indices = np.divmod(keys, len(vocab))
        data = ((1.0 + np.log(tf)) * self.idf[indices]).astype(np.float32)
        norms = np.sqrt(np.bincount(rows_idx, weights=data.astype(np.float64) ** 2, minlength=len(rows)))
        data /= np.maximum(norms[rows_idx], 1e-12).astype(np.float32)
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows_idx, minlength=len(rows)))))
        return _Sparse(indptr.astype(np.int64), indices.astype(np.int64), data)

    # -- fitting -----------------------------------------------------------------------------

    def _fit(self, x: _Sparse, y: np.ndarray, sample_weight: np.ndarray, epochs: int, batch: int,
             learning_rate: float, l2: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
        n_features, n_classes = len(self.vocabulary), len(self.labels)
        w = np.zeros((n_features, n_classes), dtype=np.float32)
        b = np.zeros(n_classes, dtype=np.float32)
        g2w = np.full((n_features, n_classes), 1e-6, dtype=np.float32)
        g2b = np.full(n_classes, 1e-6, dtype=np.float32)
        rng = np.random.default_rng(seed)
        lengths = np.diff(x.indptr)
        rows_with_features = np.flatnonzero(lengths > 0)
        # Fixed mini-batches (one shuffle), each prepared once: its rows' features, and the
        # features sorted so per-feature gradients are sums over contiguous runs. Every epoch then
        # visits the batches in a new order; only arithmetic is left inside the loop.
        order = rng.permutation(rows_with_features)
        batches = []
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            lens = lengths[rows]
            ptr = np.concatenate(([0], np.cumsum(lens)))
            pos = np.repeat(x.indptr[rows] - ptr[:-1], lens) + np.arange(ptr[-1])
            idx, val = x.indices[pos], x.data[pos]
            by_feature = np.argsort(idx, kind="stable")
            sorted_idx = idx[by_feature]
            run_starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_idx)) + 1))
            weight = (sample_weight[rows] / len(rows)).astype(np.float32)[:, None]
            batches.append((rows, lens, ptr[:-1], idx, val, by_feature, run_starts, sorted_idx[run_starts], weight))
        for _ in range(epochs):
            for b_index in rng.permutation(len(batches)):
                rows, lens, starts, idx, val, by_feature, run_starts, uniq, weight = batches[b_index]
                scores = np.add.reduceat(w[idx] * val[:, None], starts, axis=0) + b
                scores -= scores.max(axis=1, keepdims=True)
                prob = np.exp(scores)
                prob /= prob.sum(axis=1, keepdims=True)
                prob[np.arange(len(rows)), y[rows]] -= 1.0
                grad = prob * weight
                contrib = np.repeat(grad, lens, axis=0)
                contrib *= val[:, None]
                gw = np.add.reduceat(contrib[by_feature], run_starts, axis=0)
                w_rows = w[uniq]
                if l2:
                    gw += l2 * w_rows
                g2 = g2w[uniq]
                g2 += gw * gw
                g2w[uniq] = g2
                w[uniq] = w_rows - learning_rate * gw / np.sqrt(g2)
                gb = grad.sum(axis=0)
                g2b += gb * gb
                b -= learning_rate * gb / np.sqrt(g2b)
        return w, b

    # -- predicting --------------------------------------------------------------------------

    def scores(self, folded: str) -> np.ndarray:
        """Raw class scores (logits), aligned with `self.labels`."""
        idx, val = self._vectorise(features(folded))
        if len(idx) == 0:
            return self.bias.copy()
        return val @ self.weights[idx] + self.bias

    def probabilities(self, folded: str) -> dict[str, float]:
        scores = self.scores(folded)
        scores = scores - scores.max()
        prob = np.exp(scores)
        prob /= prob.sum()
        return {label: float(p) for label, p in zip(self.labels, prob, strict=False)}

    def coverage(self, folded: str) -> float:
        """Share of the message's word features the classifier has seen in training (0..1)."""
        words = [f for f in features(folded) if f.startswith("w:")]
        if not words:
            return 0.0
        return sum(1 for f in words if f in self.vocabulary) / len(words)

    def indicative_words(self, label: str, count: int = 12) -> list[str]:
        """The words that most set `label` apart from the other labels (for explanations and anchors)."""
        if label not in self.labels:
            return []
        column = self.labels.index(label)
        words = [(feat[2:], index) for feat, index in self.vocabulary.items()
                 if feat.startswith("w:") and feat[2:3] != "#"]
        if not words:
            return []
        idx = np.array([index for _, index in words])
        weights = self.weights[idx]
        score = weights[:, column] - weights.mean(axis=1)
        best = np.argsort(-score)[:count]
        return [words[i][0] for i in best]
