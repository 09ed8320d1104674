"""Where a match of a regular expression can start, read from the pattern itself.

`match_starts(pattern)` walks the parsed pattern (the parser `re.compile` uses) along what a match
must consume first, and answers with `Starts`: at a word beginning "talk" or "speak", at the word
"chat", where "€" occurs, at a digit, or only at the text's beginning. Only what a match must
consume is used (literal characters, small character sets, `\\b` and `^` before them);
zero-width assertions are skipped, which only ever widens the answer. Anything else (`.`, a
backreference, case-insensitive or multi-line flags) ends the walk there, and when a match could
start with anything the answer is None. bot/prefilter.py uses it to search lexicon patterns only
where they can match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from re import _constants as sre  # the parser's node names (private to `re`, the same since 3.11)
from re import _parser
from typing import NamedTuple

# A start condition "a word beginning with `transfer`" is kept as "a word beginning with `trans`"
# (weaker, never wrong): the index of a message holds its words' first 1..PREFIX_CHARS characters.
PREFIX_CHARS = 5
# Beyond this many alternative beginnings the walk stops lengthening them (they stay true, only
# less precise).
MAX_BEGINNINGS = 4096
# A beginning not at a word's start is precise enough at this length.
MAX_LITERAL = 8
# A character range up to this wide is listed character by character (`[a-z]`: a word starting with a letter).
MAX_RANGE = 32
_WORD_CHAR = re.compile(r"\w")
_WORD_RUN = re.compile(r"\w+")
# Flags under which a literal character or `^` does not mean what the walk assumes.
_UNSUPPORTED_FLAGS = re.IGNORECASE | re.LOCALE | re.ASCII | re.MULTILINE
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
_ZERO_WIDTH = {sre.ASSERT, sre.ASSERT_NOT}
_WORD_BOUNDARY = sre.AT_BOUNDARY
_TEXT_START = {sre.AT_BEGINNING, sre.AT_BEGINNING_STRING}
_CATEGORIES = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
               sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W"}


@dataclass(frozen=True)
class Starts:
    """Where a match can start: at a word beginning with one of `word_prefixes` (cut to PREFIX_CHARS),
    at a word that is one of `words`, where one of `texts` occurs, at a character matching one of
    `classes` (one-character regexes), or at position 0 (`text_start`). Words are runs of `\\w`, the
    characters `\\b` tells apart."""
    word_prefixes: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    texts: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    text_start: bool = False


def match_starts(pattern: re.Pattern[str]) -> Starts | None:
    """Where matches of `pattern` can start, or None when that cannot be narrowed (then search it
    the ordinary way)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & _UNSUPPORTED_FLAGS:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # an unfamiliar construct: no narrowing, never a wrong answer
        return None
    prefixes, words, texts, classes, text_start = set(), set(), set(), set(), False
    for b in _sequence(parsed.data, [_Beginning()]):
        if b.anchor == "start":
            text_start = True
        elif b.first is not None:
            classes.add(b.first)
        elif not b.text:
            return None  # a match may start with anything
        elif b.anchor == "word" and _is_word(b.text[0]):
            # `\b` then a word character: the match starts where a word of the message starts.
            first_word = _WORD_RUN.match(b.text).group(0)
            if b.word_ends or len(first_word) < len(b.text):
                words.add(first_word)
            else:
                prefixes.add(first_word[:PREFIX_CHARS])
        else:
            texts.add(b.text)
    # A start condition implied by a broader one adds no position ("talk" by "talk*", "€ " by "€").
    prefixes = {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}
    words = {w for w in words if not any(w.startswith(q) for q in prefixes)}
    texts = {t for t in texts if not any(t != u and t.startswith(u) for u in texts)}
    return Starts(frozenset(prefixes), frozenset(words), frozenset(texts), frozenset(classes), text_start)


class _Beginning(NamedTuple):
    """What a match must consume first, as far as the analysis followed it."""
    text: str = ""
    open: bool = True            # the pattern may still add literal characters to `text`
    anchor: str | None = None    # "word": `\\b` right before `text`; "start": the text's beginning
    word_ends: bool = False      # a `\\b` right after `text` (all word characters): the word ends there
    first: str | None = None     # instead of `text`: a one-character class (`\\d`) the match starts with


def _sequence(items, beginnings: list[_Beginning]) -> list[_Beginning]:
    """The beginnings after the parsed `items` follow each open beginning."""
    for op, av in items:
        todo = [b for b in beginnings if b.open]
        if not todo:
            break
        beginnings = [b for b in beginnings if not b.open] + _item(op, av, todo)
    return beginnings


def _item(op, av, todo: list[_Beginning]) -> list[_Beginning]:
    """The open beginnings `todo` followed by one parsed node."""
    if op is sre.LITERAL:
        grown = [_extended(b, chr(av)) for b in todo]
    elif op is sre.AT:
        grown = [_at(av, b) for b in todo]
    elif op in _ZERO_WIDTH:
        return todo  # a lookahead or lookbehind consumes nothing
    elif op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av
        if (add_flags | del_flags) & _UNSUPPORTED_FLAGS:
            return [_closed(b) for b in todo]
        grown = _sequence(body, todo)
    elif op is sre.ATOMIC_GROUP:
        grown = _sequence(av, todo)
    elif op is sre.BRANCH:
        grown = [b for alternative in av[1] for b in _sequence(alternative, todo)]
    elif op is sre.IN:
        chars = _set_of_chars(av)
        if chars is None:
            return [_first_class(b, _class_source(av)) for b in todo]
        grown = [_extended(b, c) for b in todo for c in chars]
    elif op is sre.NOT_LITERAL:
        return [_first_class(b, "[^" + re.escape(chr(av)) + "]") for b in todo]
    elif op in _REPEATS:
        low, high, body = av
        taken = _sequence(body, todo)
        if high != 1:  # more repetitions may follow the first: what comes next is unknown
            taken = [_closed(b) for b in taken]
        grown = taken if low >= 1 else taken + todo
    else:  # any character, a backreference...: the beginnings end here
        return [_closed(b) for b in todo]
    if len(grown) > MAX_BEGINNINGS:
        return [_closed(b) for b in todo]
    return grown


def _closed(b: _Beginning) -> _Beginning:
    return b._replace(open=False) if b.open else b


def _extended(b: _Beginning, char: str) -> _Beginning:
    """`b` followed by one literal character; closed once longer would not narrow anything."""
    text = b.text + char
    if b.anchor == "word" and _is_word(text[0]):
        # A word's beginning: complete with the first word (a non-word character follows it).
        complete = not _is_word(char)
    else:
        complete = len(text) >= MAX_LITERAL
    return _Beginning(text, not complete, b.anchor, b.word_ends)


def _first_class(b: _Beginning, source: str | None) -> _Beginning:
    """`b` followed by a character of a class that cannot be listed (`\\d`, `[^a]`)."""
    if b.text or source is None:
        return _closed(b)  # the literal text so far is what narrows
    return _Beginning("", False, None, False, source)


def _at(where, b: _Beginning) -> _Beginning:
    if where in _TEXT_START and not b.text:
        return _Beginning("", False, "start")  # only position 0: nothing more to learn
    if where is _WORD_BOUNDARY:
        if not b.text:
            return b._replace(anchor=b.anchor or "word")
        if all(_is_word(c) for c in b.text):
            return b._replace(word_ends=True, open=b.anchor != "word")
    return b


@lru_cache(maxsize=1024)
def _is_word(char: str) -> bool:
    """A character `\\w` matches, the same that `\\b` tells from the others."""
    return bool(_WORD_CHAR.match(char))


def _set_of_chars(items) -> list[str] | None:
    """The characters of a small positive character set (`[sz]`, `[a-z]`), else None."""
    chars: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.append(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < MAX_RANGE:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, a category, a wide range
            return None
    return chars


def _class_source(items) -> str | None:
    """A one-character regex for a parsed character set, or None when it has an unknown part."""
    parts = []
    for op, av in items:
        if op is sre.NEGATE:
            parts.append("^")
        elif op is sre.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is sre.RANGE:
            parts.append(re.escape(chr(av[0])) + "-" + re.escape(chr(av[1])))
        elif op is sre.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            return None
    return "[" + "".join(parts) + "]"
