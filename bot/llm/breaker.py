"""A circuit breaker, so a dead model endpoint does not cost every customer the whole deadline.

Closed: every turn may ask the model. After `failures_to_open` turns in a row that got no reply
(timeout, connection refused, 5xx after the retry), it opens: for `cooldown` seconds no turn asks,
the offline brain decides at once. Then one turn at a time may try (half-open): a reply closes the
circuit, another failure opens it for a new cooldown. An invalid or refused reply is still a reply:
the endpoint is alive. Pure bookkeeping over an injected clock; asyncio-safe because nothing awaits.
"""
from __future__ import annotations

import time
from typing import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(self, failures_to_open: int = 3, cooldown: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        if failures_to_open < 1 or cooldown <= 0:
            raise ValueError("failures_to_open >= 1 and cooldown > 0")
        self.failures_to_open = failures_to_open
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.trial_running = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return CLOSED
        return HALF_OPEN if self.clock() - self.opened_at >= self.cooldown else OPEN

    def allow(self) -> bool:
        """May this turn ask the model? In half-open state only one turn at a time gets a yes."""
        state = self.state
        if state == CLOSED:
            return True
        if state == HALF_OPEN and not self.trial_running:
            self.trial_running = True
            return True
        return False

    def succeeded(self) -> None:
        self.failures = 0
        self.opened_at = None
        self.trial_running = False

    def failed(self) -> None:
        self.trial_running = False
        if self.opened_at is not None:          # the half-open trial failed: wait a whole cooldown again
            self.opened_at = self.clock()
            return
        self.failures += 1
        if self.failures >= self.failures_to_open:
            self.opened_at = self.clock()
