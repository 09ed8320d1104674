"""The example sentences Llamita learns from, written by the project for the project.

Layout: `bot/data/examples/<language>/<label>.txt`, one customer message a line. A label is a
knowledge topic (`baggage`, `refund`, ...), a hand-over reason the classifier helps recognise
(`security`, `legal`, `distress`, `human_request`), `smalltalk` (greetings, thanks, "are you a
bot?") or `out_of_scope` (what a travel agency cannot answer: banking, cooking, homework...).

To keep the files short and still varied, a line may offer alternatives in braces:
`someone used my {card|credit card|visa} without {permission|asking}` stands for every
combination (a few at most are kept per line; see `expand`). `{a|b|}` makes a part optional.
Lines starting with `#` are comments. Trainers extend Llamita by adding lines here.
"""
from __future__ import annotations

import itertools
import random
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EXAMPLES_DIR = Path(__file__).parent / "data" / "examples"
MAX_VARIANTS_PER_LINE = 3
_GROUP = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    language: str


def expand(line: str, limit: int | None = None) -> list[str]:
    """Every spelled-out variant of a line with {a|b} groups, at most `limit` (deterministic).

    The kept variants always include each alternative at least once, so no word in the file is
    silently dropped; beyond that a fixed-seed sample keeps the training set balanced between
    lines with many alternatives and lines with none.
    """
    limit = limit or MAX_VARIANTS_PER_LINE
    parts = _GROUP.split(line)
    literals, groups = parts[0::2], [p.split("|") for p in parts[1::2]]
    if not groups:
        return [" ".join(line.split())]

    def render(choice: tuple[str, ...]) -> str:
        out = literals[0]
        for alt, literal in zip(choice, literals[1:], strict=False):
            out += alt + literal
        return " ".join(out.split())

    widest = max(len(g) for g in groups)
    chosen = [tuple(g[i % len(g)] for g in groups) for i in range(widest)]
    total = 1
    for g in groups:
        total *= len(g)
    if total <= limit:
        chosen = list(itertools.product(*groups))
    elif len(chosen) < limit:
        rng = random.Random(zlib.crc32(line.encode("utf-8")))
        for _ in range(4 * limit):
            if len(chosen) >= limit:
                break
            candidate = tuple(rng.choice(g) for g in groups)
            if candidate not in chosen:
                chosen.append(candidate)
    seen, result = set(), []
    for choice in chosen:
        text = render(choice)
        if text and text not in seen:
            seen.add(text)
            result.append(text)
    return result


def read_file(path: Path, label: str, language: str) -> list[Example]:
    examples = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        examples.extend(Example(text, label, language) for text in expand(line))
    return examples


@cache
def load_examples(root: Path = EXAMPLES_DIR) -> tuple[Example, ...]:
    """All examples, in a stable order (language, label, file order)."""
    examples: list[Example] = []
    for path in sorted(root.glob("*/*.txt")):
        examples.extend(read_file(path, path.stem, path.parent.name))
    return tuple(examples)
