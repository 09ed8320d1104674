"""What every local stand-in shares: a free port on the loopback, and waiting for the calls it records."""
from __future__ import annotations

import asyncio
import socket
import time
from typing import Callable, Sequence, TypeVar

Call = TypeVar("Call")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_for_calls(changed: asyncio.Event, find: Callable[[], Sequence[Call]], count: int, timeout: float,
                         describe: Callable[[int], str]) -> list[Call]:
    """Wait until `find()` returns `count` calls; `changed` is set whenever the stand-in records one.
    On timeout the AssertionError says `describe(found)`: what was expected and every call seen."""
    deadline = time.monotonic() + timeout
    while True:
        found = list(find())
        if len(found) >= count:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(describe(len(found)))
        changed.clear()
        try:
            await asyncio.wait_for(changed.wait(), min(remaining, 0.2))
        except TimeoutError:
            pass
