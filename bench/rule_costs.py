"""Where the offline brain's time goes: per stage of a decision, and per lexicon rule.

Runs on the sample conversations of bench/brain_speed.py (never the labelled eval sets). Each
figure is a cost per message in microseconds, the best of a few rounds (the machine is shared: the
best round is the least disturbed one). Patterns are timed as the lexicon searches them
(bot/prefilter.py) and as the plain alternation they stand for; `--check` also compares what the
two find on every example message.

    python bench/rule_costs.py [--rounds N] [--top N] [--check]
"""
from __future__ import annotations

import argparse
import re
import statistics
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


def warm_mean_us(search: Callable[[str], object], texts: list[str], rounds: int) -> float:
    """Like best_mean_us, with the message's look-up already done (it is shared by every pattern)."""
    total = 0.0
    for text in texts:
        search(text)
        total += best_mean_us(search, [text], rounds)
    return total / max(1, len(texts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the messages; the best counts")
    parser.add_argument("--top", type=int, default=15, help="how many of the costliest patterns to list")
    parser.add_argument("--check", action="store_true",
                        help="also check on every example message that each pattern finds what its plain "
                             "alternation finds (span and text)")
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

    # -- per stage: the calls `OfflineBrain._decide` makes for every message with words, in its order,
    # each message new to every cache that lasts one message (as a new message is) ------------------
    def forget_messages() -> None:
        normalise.cache_clear()
        lexicon.prefilter.forget()

    stages: list[tuple[str, Callable[[str, str], object]]] = [
        ("normalise", lambda t, f: normalise(t)),
        ("shape", lambda t, f: shape(t)),
        ("language detect", lambda t, f: model.languages.detect(t)),
        ("details extract", lambda t, f: extract(t)),
        ("lexicon detect", lambda t, f: lexicon.detect(f, looks[f], set())),
        ("lexicon outside_domain", lambda t, f: lexicon.outside_domain(f)),
        ("question_part", lambda t, f: question_part(f)),
        ("classifier probabilities", lambda t, f: model.classifier.probabilities(f)),
        ("lexicon sentiment", lambda t, f: lexicon.sentiment(f, looks[f], [])),
        ("lexicon without_idioms", lambda t, f: lexicon.without_idioms(f)),
        ("lexicon about_someone_else", lambda t, f: lexicon.about_someone_else(f)),
        ("lexicon small_talk_kind", lambda t, f: lexicon.small_talk_kind(f)),
        ("whole decide (as a first turn)", lambda t, f: brain.decide(t)),
    ]
    spent: dict[str, list[float]] = {name: [] for name, _ in stages}
    for text, message in zip(texts, folded, strict=True):
        best = dict.fromkeys(spent, float("inf"))
        for _ in range(args.rounds):
            for name, stage in stages:
                if name.startswith(("normalise", "whole")):
                    forget_messages()
                t0 = time.perf_counter()
                stage(text, message)
                best[name] = min(best[name], time.perf_counter() - t0)
        for name, cost in best.items():
            spent[name].append(cost * 1e6)
    print(f"{len(texts)} sample messages, best of {args.rounds} rounds, µs per message")
    print(f"\n{'stage':34} {'mean':>9} {'median':>9}")
    for name, costs in spent.items():
        print(f"{name:34} {statistics.mean(costs):9.1f} {statistics.median(costs):9.1f}")

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
        costs.append((warm_mean_us(searcher.search, folded, args.rounds),
                      best_mean_us(plain.search, folded, args.rounds), name))
    costs.sort(reverse=True)
    lookup = best_mean_us(lexicon.prefilter.tries_in, folded, args.rounds)
    total, total_plain = sum(c[0] for c in costs) + lookup, sum(c[1] for c in costs)
    print(f"\n{len(costs)} lexicon patterns searched on every message: {total:.1f} µs per message in all "
          f"({total_plain:.1f} µs as plain alternations)")
    print(f"of which the look-up of where each may start, for all at once: {lookup:.1f} µs")
    print(f"{'pattern':44} {'µs':>8} {'share':>6} {'plain µs':>9}")
    for cost, plain_cost, name in costs[:args.top]:
        print(f"{name:44} {cost:8.1f} {cost / total:6.1%} {plain_cost:9.1f}")
    if args.check:
        return check_every_example(patterns + [(f"{rule.name} (unless)", rule.unless)
                                               for rule in lexicon.rules if rule.unless])
    return 0


def check_every_example(patterns: list) -> int:
    """Every pattern, as the lexicon searches it and as a plain alternation, on every example message."""
    from bot.examples import load_examples
    from bot.normalise import normalise

    plain = [(name, searcher, re.compile("|".join(f"(?:{a.pattern})" for a in searcher.alternatives)))
             for name, searcher in patterns]
    differences = 0
    texts = [normalise(example.text) for example in load_examples()]
    for text in texts:
        for name, searcher, whole in plain:
            ours, theirs = searcher.search(text), whole.search(text)
            if (ours and (ours.span(), ours.group(0))) != (theirs and (theirs.span(), theirs.group(0))):
                differences += 1
                print(f"DIFFERENT {name}: {text!r}")
    print(f"\ncheck: {len(plain)} patterns x {len(texts)} example messages, {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
