"""Llamita learns only from sentences the project wrote: none of its examples may be a sentence of
the shared labelled sets (their licences keep them out of the project, and copying them would make
the measurements meaningless). Runs where ../shared/eval exists; reads those files only to compare.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.examples import EXAMPLES_DIR, expand
from bot.normalise import normalise, tokens

EVAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
MIN_WORDS = 4  # "thanks a lot", "hi there": everyday phrases anyone writes are not copies

pytestmark = pytest.mark.skipif(not EVAL_DIR.is_dir(), reason=f"no labelled eval sets at {EVAL_DIR}")


def _key(text: str) -> str:
    return " ".join(tokens(normalise(text)))


def test_no_example_is_a_sentence_of_the_labelled_sets():
    labelled = set()
    for path in EVAL_DIR.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                labelled.update(_key(turn) for turn in json.loads(line).get("turns", []) if isinstance(turn, str))
    copies = []
    for path in sorted(EXAMPLES_DIR.glob("*/*.txt")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            for variant in expand(line, limit=40):
                key = _key(variant)
                if len(key.split()) >= MIN_WORDS and key in labelled:
                    copies.append(f"{path.relative_to(EXAMPLES_DIR)}:{number}: {variant}")
                    break
    assert not copies, "examples that repeat a labelled sentence:\n" + "\n".join(copies)
