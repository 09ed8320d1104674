"""Searching an alternation of regexes only where one of them can start matching.

Why: a lexicon rule is dozens of regexes in seven languages searched as one alternation
`(?:a)|(?:b)|...`, most of them starting with a group of words (`\\b(talk\\w*|speak\\w*|chat|...)\\b
[^.!?]{0,20}...`). Python's `re` has no literal prefix to skip ahead with there, so it tries every
alternative at every character of the message: the largest single cost of a decision. Yet each
regex says where it can start (bot/regex_starts.py): at a word beginning "talk" or "speak", at
the word "chat"... `Prefiltered.search` looks those words up in an index of the message and tries
each regex only there.

Why the answer is the same as the alternation's `search`: that search tries positions 0, 1, 2...
and, at each, the alternatives in order; the first alternative that matches at the first position
where any does is the match. `Prefiltered.search` tries the same (position, alternative) pairs in
the same order, leaving out only pairs where that alternative cannot start, so it finds the same
match: the same span and text. (The `re.Match` is the alternative's own: group numbers are its
own, which the lexicon does not use.) `pattern.match(text, p)` sees the whole text, so `\\b`,
lookbehinds and `^` behave at `p` as they do inside a search. A regex whose start cannot be
narrowed is searched the ordinary way, and its first match joins the others at its position.
tests/bot/test_prefilter.py checks the identity on every lexicon pattern.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from bot.regex_starts import PREFIX_CHARS, match_starts

_WORD_RUN = re.compile(r"\w+")
# Regexes that must stay together: searched alone, a backreference would point to another group,
# and an inline global flag would reach fewer of them.
_NOT_SEPARABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|\(\?[aiLmsux]+\)")


@dataclass(frozen=True)
class TextIndex:
    """Where each word of a message starts, by the whole word and by its first 1..PREFIX_CHARS
    characters. Words are runs of `\\w`, the characters `\\b` tells apart."""
    prefixes: dict[str, list[int]]
    words: dict[str, list[int]]


@lru_cache(maxsize=64)
def text_index(text: str) -> TextIndex:
    """The index of one message (kept for the last few: every rule of a decision reads it)."""
    prefixes: dict[str, list[int]] = {}
    words: dict[str, list[int]] = {}
    for match in _WORD_RUN.finditer(text):
        word, at = match.group(0), match.start()
        words.setdefault(word, []).append(at)
        for n in range(1, min(len(word), PREFIX_CHARS) + 1):
            prefixes.setdefault(word[:n], []).append(at)
    return TextIndex(prefixes, words)


class Prefiltered:
    """`(?:a)|(?:b)|...` of `sources`, searched only where one of them can start; `search` finds the
    match the alternation's `search` finds."""

    def __init__(self, sources: Sequence[str]):
        sources = [source for source in sources if source]
        if not sources:
            raise ValueError("no pattern to search")
        if len(sources) > 1 and any(_NOT_SEPARABLE.search(source) for source in sources):
            sources = ["|".join(f"(?:{source})" for source in sources)]
        self.alternatives = tuple(re.compile(source) for source in sources)
        # Start conditions -> the alternatives (their numbers, in order) that may start there.
        self._by_prefix: dict[str, list[int]] = {}
        self._by_word: dict[str, list[int]] = {}
        self._by_text: dict[str, list[int]] = {}
        self._by_class: dict[str, list[int]] = {}
        self._at_text_start: list[int] = []
        self._anywhere: list[int] = []  # no start condition: searched the ordinary way
        for number, alternative in enumerate(self.alternatives):
            starts = match_starts(alternative)
            if starts is None:
                self._anywhere.append(number)
                continue
            for table, keys in ((self._by_prefix, starts.word_prefixes), (self._by_word, starts.words),
                                (self._by_text, starts.texts), (self._by_class, starts.classes)):
                for key in keys:
                    table.setdefault(key, []).append(number)
            if starts.text_start:
                self._at_text_start.append(number)
        self._classes = {source: re.compile(source) for source in self._by_class}

    def search(self, text: str) -> re.Match[str] | None:
        found: dict[int, re.Match[str]] = {}  # alternatives searched the ordinary way: their first match
        tries = {(0, number) for number in self._at_text_start}
        for number in self._anywhere:
            match = self.alternatives[number].search(text)
            if match:
                found[number] = match
                tries.add((match.start(), number))
        index = text_index(text)
        for table, positions in ((self._by_prefix, index.prefixes), (self._by_word, index.words)):
            for key in table.keys() & positions.keys():
                tries.update((at, number) for at in positions[key] for number in table[key])
        for needle, numbers in self._by_text.items():
            at = text.find(needle)
            while at >= 0:
                tries.update((at, number) for number in numbers)
                at = text.find(needle, at + 1)
        for source, numbers in self._by_class.items():
            for match in self._classes[source].finditer(text):
                tries.update((match.start(), number) for number in numbers)
        for at, number in sorted(tries):
            match = found.get(number) or self.alternatives[number].match(text, at)
            if match:
                return match
        return None
