"""Lexicon patterns are searched only where they can start (bot/prefilter.py): the matches must be
exactly those of searching the whole alternation, the way the lexicon was always searched."""
from __future__ import annotations

import random
import re

import pytest

from bot.examples import load_examples
from bot.normalise import normalise
from bot.prefilter import Alternation
from bot.regex_starts import match_starts
from bot.signals import default_lexicon
from bot.start_cache import KnownStarts


def plain(searcher: Alternation) -> re.Pattern[str]:
    """The alternation as the lexicon compiled it before: `(?:a)|(?:b)|...`."""
    return re.compile("|".join(f"(?:{alternative.pattern})" for alternative in searcher.alternatives))


def found(match: re.Match[str] | None) -> tuple[int, int, str] | None:
    return (match.start(), match.end(), match.group(0)) if match else None


def lexicon_searchers() -> dict[str, Alternation]:
    lexicon = default_lexicon()
    searchers = {rule.name: rule.pattern for rule in lexicon.rules}
    searchers.update({f"{rule.name} unless": rule.unless for rule in lexicon.rules if rule.unless})
    searchers.update({f"veto.{veto.reason}": veto.pattern for veto in lexicon.vetoes})
    searchers.update({f"outside.{name}": p for name, p in lexicon.out_of_scope_domains.items()})
    searchers.update({f"outside.{name}": p for name, p in lexicon.out_of_scope_despite_travel_words.items()})
    searchers.update({"travel_words": lexicon.travel_words, "hypothetical": lexicon.hypothetical,
                      "reported": lexicon.reported, "people": lexicon.other_people, "sharing": lexicon.sharing})
    return searchers


def messages() -> list[str]:
    """Our own example messages (every critical one, a share of the others), and the same words
    shuffled into new neighbours: what a rule matches, next to what it nearly matches."""
    examples = load_examples()
    critical = ("security", "legal", "distress", "human_request")
    texts = [normalise(e.text) for n, e in enumerate(examples) if n % (4 if e.label in critical else 20) == 0]
    rng = random.Random(7)
    words = [w for text in texts for w in text.split()]
    for _ in range(150):
        texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 25))))
    texts += ["", " ", "!!!", "#@%!", "f***", "200 € eu law says im owed", "sh!t", "LT-4821", "ñ ç ß", "😭 help"]
    return texts


def test_every_lexicon_pattern_finds_exactly_what_the_whole_alternation_finds():
    searchers = [(name, searcher, plain(searcher)) for name, searcher in lexicon_searchers().items()]
    for text in messages():
        for name, searcher, whole in searchers:
            assert found(searcher.search(text)) == found(whole.search(text)), (name, text)


@pytest.mark.parametrize("sources, text", [
    (["abc", "b"], "xabc"),                   # leftmost wins though listed first
    (["b", "abc"], "xabc"),
    (["ab", "abc"], "abc"),                   # at one position, the first alternative listed wins
    (["abc", "ab"], "abc"),
    ([r"\bcan\b", r"\bcan(not)?\b"], "i cannot"),
    ([r"(?<!\w)#+", r"\bx"], "a# x ##"),      # lookbehind sees the text before the position tried
    ([r"^\W*help\W*$", r"\bhelp me\b"], "help me"),
    ([r"\d+ ?€", r"€ ?\d+"], "pay € 20 or 30€"),
    ([r"[a-z]{1,5}\*+", r"\bsh[!1]t"], "oh sh!t f***"),
    ([r"(?i:HELLO)", r"x"], "a hello"),        # ignoring case: searched the ordinary way
    ([r"(a)\1", r"b"], "xaab"),                # a backreference: kept as one alternation
    ([r"a)|(?:b", r"c"], "cb"),               # valid only next to the others: kept as one alternation
    ([r".*lost"], "i lost it"),               # may start anywhere: searched the ordinary way
    ([r"(?=.*\bmiles\b)(?=.*\bnever\b)", r"^\W*hi"], "never used my miles"),
])
def test_the_first_match_is_the_alternations_first_match(sources, text):
    searcher = Alternation(sources)
    assert found(searcher.search(text)) == found(re.compile("|".join(f"(?:{s})" for s in sources)).search(text))


def test_where_a_pattern_can_start_is_read_from_the_pattern():
    starts = match_starts(re.compile(r"\b(talk\w*|speak|chat) (to|with)\b|\bcall ?back\b|(€|\$) ?\d+|^\W*help"))

    assert starts.word_prefixes == {"talk"}             # a word beginning so ("talking")
    assert starts.words == {"speak", "chat", "call", "callback"}  # exactly these words
    assert starts.texts == {"€", "$"}                   # anywhere
    assert starts.text_start                            # `^`: only at the beginning
    assert match_starts(re.compile(r".*lost")) is None                 # any character first
    assert match_starts(re.compile("lost", re.IGNORECASE)) is None


def test_a_global_flag_inside_the_alternation_is_refused_as_before():
    with pytest.raises(re.error):
        Alternation([r"x", r"(?i)hello"])


def test_where_patterns_start_is_kept_between_runs_and_read_back_the_same(tmp_path):
    patterns = [alternative for searcher in lexicon_searchers().values() for alternative in searcher.alternatives]
    first = KnownStarts(tmp_path)
    worked_out = [first(pattern) for pattern in patterns]
    first.save()

    assert len(list(tmp_path.glob("regex-starts-*.json"))) == 1
    second = KnownStarts(tmp_path)
    assert [second(pattern) for pattern in patterns] == worked_out


def test_an_unreadable_kept_analysis_is_worked_out_again(tmp_path):
    pattern = re.compile(r"\b(talk\w*|chat) to\b")
    kept = KnownStarts(tmp_path)
    kept(pattern)
    kept.save()
    next(tmp_path.glob("regex-starts-*.json")).write_text('{"0:x": {"words": "not a list"}}')

    assert KnownStarts(tmp_path)(pattern) == match_starts(pattern)
