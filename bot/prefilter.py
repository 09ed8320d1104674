"""Searching an alternation of regexes only where one of them can start matching.

Why: a lexicon rule is dozens of regexes in seven languages searched as one alternation
`(?:a)|(?:b)|...`, most of them starting with a group of words (`\\b(talk\\w*|speak\\w*|chat|...)\\b
[^.!?]{0,20}...`). Python's `re` has no literal prefix to skip ahead with there, so it tries every
alternative at every character of the message: the largest single cost of a decision. Yet each
regex says where it can start (bot/regex_starts.py): at a word beginning "talk" or "speak", at
the word "chat"... A `Prefilter` holds those start conditions for every alternation of the
lexicon, looks a message's words up once for all of them, and `Alternation.search` tries each
regex only where it may start.

Why the answer is the same as the alternation's `search`: that search tries positions 0, 1, 2...
and, at each, the alternatives in order; the first alternative that matches at the first position
where any does is the match. `Alternation.search` tries the same (position, alternative) pairs in
the same order, leaving out only pairs where that alternative cannot start, so it finds the same
match: the same span and text. (The `re.Match` is the alternative's own: group numbers are its
own, which the lexicon does not use.) `pattern.match(text, p)` sees the whole text, so `\\b`,
lookbehinds and `^` behave at `p` as they do inside a search. A regex whose start cannot be
narrowed is searched the ordinary way, and its first match joins the others at its position.
tests/bot/test_prefilter.py checks the identity on every lexicon pattern.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

from bot.regex_starts import PREFIX_CHARS, Starts, match_starts

_WORD_RUN = re.compile(r"\w+")
# Regexes that must stay together: searched alone, a backreference would point to another group,
# and an inline global flag would reach fewer of them.
_NOT_SEPARABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|\(\?[aiLmsux]+\)")


def word_starts(text: str) -> dict[str, list[int]]:
    """Where each word of a message starts. Words are runs of `\\w`, the characters `\\b` tells apart."""
    words: dict[str, list[int]] = {}
    for match in _WORD_RUN.finditer(text):
        words.setdefault(match.group(0), []).append(match.start())
    return words


class Prefilter:
    """The start conditions of every alternation of a lexicon together: one look-up per word of a
    message tells which regex of which alternation may start where, for all of them at once.
    `starts_of` works out where a regex can start (bot/start_cache.KnownStarts keeps that between runs)."""

    def __init__(self, starts_of: Callable[[re.Pattern[str]], Starts | None] = match_starts):
        self._starts_of = starts_of
        # Start condition -> (alternation, regex) pairs that may start there.
        self._by_prefix: dict[str, list[tuple[int, int]]] = {}
        self._by_word: dict[str, list[tuple[int, int]]] = {}
        self._by_text: dict[str, list[tuple[int, int]]] = {}
        self._by_class: dict[re.Pattern[str], list[tuple[int, int]]] = {}
        self._at_text_start: list[tuple[int, int]] = []
        self._count = 0
        self._tries = lru_cache(maxsize=16)(self.tries_in)  # the last few messages

    def alternation(self, sources: Sequence[str]) -> "Alternation":
        """`(?:a)|(?:b)|...` of `sources`, to search with this prefilter."""
        return Alternation(sources, self)

    def _add(self, alternatives: Sequence[re.Pattern[str]]) -> tuple[int, tuple[int, ...]]:
        """Registers an alternation's regexes; returns its number, and those of its regexes whose start
        cannot be narrowed (they are searched the ordinary way)."""
        owner, anywhere = self._count, []
        self._count += 1
        classes = {pattern.pattern: pattern for pattern in self._by_class}
        for number, alternative in enumerate(alternatives):
            starts = self._starts_of(alternative)
            if starts is None:
                anywhere.append(number)
                continue
            for table, keys in ((self._by_prefix, starts.word_prefixes), (self._by_word, starts.words),
                                (self._by_text, starts.texts)):
                for key in keys:
                    table.setdefault(key, []).append((owner, number))
            for source in starts.classes:
                self._by_class.setdefault(classes.setdefault(source, re.compile(source)), []).append((owner, number))
            if starts.text_start:
                self._at_text_start.append((owner, number))
        self._tries.cache_clear()
        return owner, tuple(anywhere)

    def forget(self) -> None:
        """Forget the messages looked up (for benchmarks of the look-up itself)."""
        self._tries.cache_clear()

    def tries(self, text: str, owner: int) -> list[tuple[int, int]]:
        """Where in `text` each regex of alternation `owner` may start: (position, regex) in order."""
        return self._tries(text).get(owner, [])

    def tries_in(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """For each alternation, where in `text` its regexes may start: (position, regex) in order (a
        pair may come twice, by two start conditions: trying it again finds nothing new)."""
        found: dict[int, list[tuple[int, int]]] = {}
        for owner, number in self._at_text_start:
            found.setdefault(owner, []).append((0, number))

        def at(positions: list[int], entries: list[tuple[int, int]]) -> None:
            for owner, number in entries:
                found.setdefault(owner, []).extend([(position, number) for position in positions])

        by_prefix, by_word = self._by_prefix, self._by_word
        for word, starts in word_starts(text).items():
            for n in range(1, min(len(word), PREFIX_CHARS) + 1):
                if word[:n] in by_prefix:
                    at(starts, by_prefix[word[:n]])
            if word in by_word:
                at(starts, by_word[word])
        for needle, entries in self._by_text.items():
            where = text.find(needle)
            while where >= 0:
                at([where], entries)
                where = text.find(needle, where + 1)
        for char_class, entries in self._by_class.items():
            at([match.start() for match in char_class.finditer(text)], entries)
        for tries in found.values():
            tries.sort()
        return found


class Alternation:
    """`(?:a)|(?:b)|...` of `sources`, searched only where one of them can start; `search` finds the
    match the whole alternation's `search` finds."""

    def __init__(self, sources: Sequence[str], prefilter: Prefilter | None = None):
        sources = [source for source in sources if source]
        if not sources:
            raise ValueError("no pattern to search")
        whole = "|".join(f"(?:{source})" for source in sources)
        if len(sources) > 1 and any(_NOT_SEPARABLE.search(source) for source in sources):
            sources = [whole]
        try:
            self.alternatives = tuple(re.compile(source) for source in sources)
        except re.error:  # a regex that is only valid next to the others: kept whole (or refused, as before)
            self.alternatives = (re.compile(whole),)
        self._prefilter = prefilter if prefilter is not None else Prefilter()
        self._owner, self._anywhere = self._prefilter._add(self.alternatives)

    def search(self, text: str) -> re.Match[str] | None:
        tries = self._prefilter.tries(text, self._owner)
        found: dict[int, re.Match[str]] = {}  # regexes searched the ordinary way: their first match
        if self._anywhere:
            for number in self._anywhere:
                match = self.alternatives[number].search(text)
                if match:
                    found[number] = match
            tries = sorted(tries + [(match.start(), number) for number, match in found.items()])
        for at, number in tries:
            match = found.get(number) or self.alternatives[number].match(text, at)
            if match:
                return match
        return None
