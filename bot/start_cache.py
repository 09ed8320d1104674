"""What the brain works out at start-up, kept between runs so a restart does not redo it.

Two things are kept, each under a name that changes whenever what it was worked out from changes,
so a kept copy is always the one a fresh start would compute: trained classifiers (bot/model.py)
and where each lexicon regex can start matching (bot/regex_starts.py, for bot/prefilter.py).
Any problem with the cache (unreadable, not writable) means computing as usual.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

from bot.regex_starts import Starts, match_starts

log = logging.getLogger(__name__)
KEEP_FILES = 3  # of each kind: each change of the examples or of the code makes a new one


def cache_dir() -> Path | None:
    """Where start-up work is kept between runs: LLAMITA_CACHE_DIR, else ~/.cache/llamita.
    LLAMITA_CACHE_DIR=off disables the cache (every start computes everything)."""
    configured = os.environ.get("LLAMITA_CACHE_DIR")
    if configured and configured.lower() in ("off", "0", "none", "false"):
        return None
    return Path(configured) if configured else Path.home() / ".cache" / "llamita"


def write_atomically(path: Path, data: bytes) -> None:
    """`path` holds `data` entirely or not at all, however many workers start at once; only the
    most recent few files of its kind are kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)
    kind = path.name.rsplit("-", 1)[0]
    for old in sorted(path.parent.glob(f"{kind}-*{path.suffix}"), key=lambda p: p.stat().st_mtime)[:-KEEP_FILES]:
        old.unlink(missing_ok=True)


class KnownStarts:
    """`match_starts` of regexes, read from the cache when an earlier run worked them out (parsing
    the lexicon's regexes again is a quarter of a second). The file's name covers the code that
    works them out and the Python version (its regex parser); entries are per regex text."""

    def __init__(self, directory: Path | None = None):
        self._path = None
        if directory is not None:
            digest = hashlib.sha256((Path(__file__).parent / "regex_starts.py").read_bytes())
            digest.update(sys.version.encode())
            self._path = directory / f"regex-starts-{digest.hexdigest()[:24]}.json"
        self._kept = self._read()
        self._used: dict[str, Starts | None] = {}

    def __call__(self, pattern: re.Pattern[str]) -> Starts | None:
        key = f"{pattern.flags}:{pattern.pattern}"
        if key not in self._used:
            self._used[key] = self._kept[key] if key in self._kept else match_starts(pattern)
        return self._used[key]

    def save(self) -> None:
        """Keep what this run used, if it worked anything out anew."""
        if self._path is None or set(self._used) <= set(self._kept):
            return
        entries = {key: None if starts is None else {
            "word_prefixes": sorted(starts.word_prefixes), "words": sorted(starts.words),
            "texts": sorted(starts.texts), "classes": sorted(starts.classes), "text_start": starts.text_start}
            for key, starts in self._used.items()}
        try:
            write_atomically(self._path, json.dumps(entries, ensure_ascii=False).encode("utf-8"))
        except OSError:
            log.info("lexicon analysis not kept in %s (not writable)", self._path.parent)

    def _read(self) -> dict[str, Starts | None]:
        if self._path is None or not self._path.is_file():
            return {}
        try:
            entries = json.loads(self._path.read_text(encoding="utf-8"))
            return {key: None if value is None else Starts(
                _strings(value["word_prefixes"]), _strings(value["words"]), _strings(value["texts"]),
                _strings(value["classes"]), value["text_start"] is True) for key, value in entries.items()}
        except Exception:
            log.warning("ignoring unreadable lexicon analysis cache %s", self._path)
            return {}


def _strings(value: object) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("not a list of strings")
    return frozenset(value)
