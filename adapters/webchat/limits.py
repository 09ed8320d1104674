"""What one address, and one worker, may open: so that nobody can fill the database or the sockets.

Every chat socket counts against its address and against the worker; every new conversation takes a
token from its address's bucket. A refusal is a clear error frame, and the widget waits and retries.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from routing.config import ChatLimits

FLOOD_STRIKES = 10.0
IDLE_BUCKETS = 10_000   # forget the buckets of quiet addresses past this many (they have refilled anyway)


@dataclass
class RateLimit:
    """Token bucket: a burst of `capacity`, then `per_second` on average."""
    capacity: float = 5.0
    per_second: float = 1.0
    tokens: float = 5.0
    updated: float = field(default_factory=time.monotonic)

    def allow(self) -> tuple[bool, float]:
        """(allowed, seconds to wait before the next try when not)."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, 0.0
        return False, (1 - self.tokens) / self.per_second

    def refilled(self, now: float) -> bool:
        return now - self.updated >= (self.capacity - self.tokens) / self.per_second


class Buckets:
    """One RateLimit per key (a conversation, an address), forgetting the full ones when there are many."""

    def __init__(self, capacity: float, per_second: float):
        self.capacity, self.per_second = capacity, per_second
        self._buckets: dict[str, RateLimit] = {}

    def of(self, key: str) -> RateLimit:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= IDLE_BUCKETS:
                now = time.monotonic()
                self._buckets = {k: b for k, b in self._buckets.items() if not b.refilled(now)}
            bucket = self._buckets[key] = RateLimit(self.capacity, self.per_second, self.capacity)
        return bucket


class Gate:
    """Counts the open sockets per address and in all; hands out new conversations per address."""

    def __init__(self, limits: ChatLimits):
        self.limits = limits
        self.open: Counter[str] = Counter()
        self.total = 0
        per_minute = limits.new_conversations_per_minute
        self._new = Buckets(per_minute, per_minute / 60.0) if per_minute else None
        # Refused attempts an address may make before it counts as flooding (ten, then one every ten seconds).
        self._strikes = Buckets(FLOOD_STRIKES, 0.1)

    def admit(self, address: str) -> str | None:
        """Count a new socket in, or say why not ("busy": the worker is full; "too_many_connections")."""
        if self.limits.connections and self.total >= self.limits.connections:
            return "busy"
        per_address = self.limits.connections_per_address
        if per_address and self.open[address] >= per_address:
            return "too_many_connections"
        self.open[address] += 1
        self.total += 1
        return None

    def leave(self, address: str) -> None:
        self.total -= 1
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]

    def flooding(self, address: str) -> bool:
        """An address that keeps opening chats after being refused: refuse it before the handshake."""
        bucket = self._strikes.of(address)
        return min(bucket.capacity, bucket.tokens + (time.monotonic() - bucket.updated) * bucket.per_second) < 1

    def new_conversation(self, address: str) -> float | None:
        """None when this address may start a conversation now, else the seconds to wait."""
        if self._new is None:
            return None
        allowed, wait = self._new.of(address).allow()
        if not allowed:
            self._strikes.of(address).allow()
        return None if allowed else wait
