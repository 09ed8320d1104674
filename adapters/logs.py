"""Logging for `llamita serve`: one line per event, and a flood of the same line counted, not written.

A client that misbehaves in a loop (thousands of half-open sockets, a bad frame a millisecond) must
not turn the server's log into a disk-filling echo of itself: each kind of warning or error (logger,
level and message template) is written a few times per window, then counted, and the count rides on
the next one written.
"""
from __future__ import annotations

import logging
import resource
import time
from typing import Callable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RepeatFilter(logging.Filter):
    def __init__(self, burst: int = 20, window: float = 10.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.burst, self.window, self.clock = burst, window, clock
        self._seen: dict[tuple, list] = {}   # kind -> [window start, written in window, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True   # what happens normally is logged at its own level; floods are of trouble
        kind = (record.name, record.levelno, record.msg if isinstance(record.msg, str) else type(record.msg))
        now = self.clock()
        state = self._seen.get(kind)
        if state is None:
            if len(self._seen) > 10_000:
                self._seen.clear()
            state = self._seen[kind] = [now, 0, 0]
        if now - state[0] >= self.window:
            state[0], state[1] = now, 0
        if state[1] >= self.burst:
            state[2] += 1
            return False
        state[1] += 1
        if state[2]:
            held, state[2] = state[2], 0
            record.msg = f"{record.msg} ({held} more like this were not logged)"
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RepeatFilter())
    logging.basicConfig(level=level, handlers=[handler])
    # APScheduler announces every job it adds and every run it skips: our ticker's own business, said
    # in the start-up report. Its warnings (a tick missed by minutes) still show.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    logging.getLogger("matplotlib").setLevel(max(level, logging.WARNING))   # its font cache says hello per chart


def raise_open_files_limit() -> int:
    """Let the worker hold as many sockets as the system allows it (the soft limit is often 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 65536 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return soft
