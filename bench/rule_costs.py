"""Where the offline brain's time goes: per stage of a decision, and per lexicon rule.

Runs on the sample conversations of bench/brain_speed.py (never the labelled eval sets). Each
figure is the mean cost per message in microseconds, the best of a few rounds (the machine is
shared: the best round is the least disturbed one).

    python bench/rule_costs.py [--rounds N] [--top N]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.brain_speed import CONVERSATIONS  # noqa: E402


def best_mean_us(fn: Callable[[str], object], inputs: list, rounds: int) -> float:
    """The mean cost of `fn` over `inputs`, in µs, in the fastest of `rounds` passes."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for item in inputs:
            fn(item)
        best = min(best, time.perf_counter() - t0)
    return best / max(1, len(inputs)) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the messages; the best counts")
    parser.add_argument("--top", type=int, default=15, help="how many of the costliest patterns to list")
    args = parser.parse_args()

    from bot.details import extract
    from bot.normalise import has_words, normalise, shape
    from bot.offline import OfflineBrain
    from bot.topics import question_part
    from routing.config import load_operator_config

    brain = OfflineBrain(load_operator_config().policy())
    model, lexicon = brain.model, brain.model.lexicon
    texts = [text for conversation in CONVERSATIONS for text in conversation if has_words(text)]
    folded = [normalise(text) for text in texts]
    looks = {f: shape(t) for t, f in zip(texts, folded, strict=True)}

    # -- per stage: the calls `OfflineBrain._decide` makes for every message with words ------------
    stages: list[tuple[str, Callable[[str], object], list]] = [
        ("normalise (uncached)", normalise.__wrapped__, texts),
        ("shape", shape, texts),
        ("language detect", model.languages.detect, texts),
        ("details extract", extract, texts),
        ("lexicon detect", lambda f: lexicon.detect(f, looks[f], set()), folded),
        ("lexicon outside_domain", lexicon.outside_domain, folded),
        ("question_part", question_part, folded),
        ("classifier probabilities", model.classifier.probabilities, folded),
        ("lexicon sentiment", lambda f: lexicon.sentiment(f, looks[f], []), folded),
        ("lexicon without_idioms", lexicon.without_idioms, folded),
        ("lexicon about_someone_else", lexicon.about_someone_else, folded),
        ("lexicon small_talk_kind", lexicon.small_talk_kind, folded),
    ]
    print(f"{len(texts)} sample messages, best of {args.rounds} rounds, mean µs per message")
    print(f"\n{'stage':34} {'µs':>9}")
    for name, fn, inputs in stages:
        print(f"{name:34} {best_mean_us(fn, inputs, args.rounds):9.1f}")
    whole = best_mean_us(lambda t: brain.decide(t), texts, args.rounds)
    print(f"{'whole decide (first turn)':34} {whole:9.1f}")

    # -- per pattern: every lexicon rule, the vetoes, the domains and the frames ------------------
    # Each searched as the lexicon searches it (bot/prefilter.py), and as one plain alternation
    # `(?:a)|(?:b)|...`, the way it was searched before. (A rule's `unless` is searched only when
    # the rule matched: not listed.)
    patterns = [(rule.name, rule.pattern) for rule in lexicon.rules]
    patterns += [(f"veto.{veto.reason}", veto.pattern) for veto in lexicon.vetoes]
    patterns += [(f"outside.{name}", p) for name, p in lexicon.out_of_scope_domains.items()]
    patterns += [(f"outside_despite_travel.{name}", p)
                 for name, p in lexicon.out_of_scope_despite_travel_words.items()]
    patterns += [("travel_words", lexicon.travel_words), ("frames.hypothetical", lexicon.hypothetical),
                 ("frames.reported", lexicon.reported), ("frames.someone_else.people", lexicon.other_people),
                 ("frames.someone_else.sharing", lexicon.sharing)]
    costs = []
    for name, searcher in patterns:
        plain = re.compile("|".join(f"(?:{a.pattern})" for a in searcher.alternatives))
        costs.append((best_mean_us(searcher.search, folded, args.rounds), best_mean_us(plain.search, folded, args.rounds),
                      name))
    costs.sort(reverse=True)
    total, total_plain = sum(c[0] for c in costs), sum(c[1] for c in costs)
    print(f"\n{len(costs)} lexicon patterns searched on every message: {total:.1f} µs per message in all "
          f"({total_plain:.1f} µs as plain alternations)")
    print(f"{'pattern':44} {'µs':>8} {'share':>6} {'plain µs':>9}")
    for cost, plain_cost, name in costs[:args.top]:
        print(f"{name:44} {cost:8.1f} {cost / total:6.1%} {plain_cost:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
