"""Machine translation as Llamita's mind sees it: a port, and the guard every provider runs behind.

`bot/` knows no HTTP. A provider (adapters/translation/: LibreTranslate, Google and Microsoft through
deep-translator, DeepL through its official client, the language model through `bot.llm.ChatModel`)
implements `TranslationProvider` (blocking, like deep-translator) or `AsyncTranslationProvider`
(awaited, like the language model) and is injected. Routing only ever calls a `Translator`:
`GuardedTranslator` around the provider, which

* never waits longer than its deadline (default 3 s): a blocking provider runs on one of a few
  daemon threads (deep-translator sets no timeouts; a hung call keeps its thread, never a message);
* never queues behind hung calls: when every thread is busy the call fails at once ("busy");
* stops asking a provider that keeps failing (a circuit breaker: open after a few failures in a row,
  one trial call after a cooldown);
* never translates the same sentence twice (an LRU cache of successful translations, and calls for
  a sentence already being translated wait for that one);
* never raises: a failure is a `Translation` with `text=None` and the reason, so the caller delivers
  the original, marked, and tries again later.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol, Union

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Translation:
    """The outcome of one translation: the text, or why there is none (never an exception)."""
    text: str | None
    source: str
    target: str
    failed: str | None = None      # "timeout", "error", "busy", "circuit_open", "empty"
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.text is not None


class TranslationProvider(Protocol):
    """A translation service that blocks (deep-translator's providers, the DeepL client)."""
    name: str

    def translate(self, text: str, source: str, target: str) -> str:
        """The text in `target` (ISO 639-1 codes). May block for ever and raise anything."""
        ...


class AsyncTranslationProvider(Protocol):
    """A translation service that is awaited (the language model through bot.llm.ChatModel)."""
    name: str

    async def translate(self, text: str, source: str, target: str) -> str: ...


AnyProvider = Union[TranslationProvider, AsyncTranslationProvider]


class Translator(Protocol):
    """What routing calls: within the deadline, never raising."""
    name: str

    async def translate(self, text: str, source: str, target: str) -> Translation: ...


@dataclass(frozen=True)
class TranslatorLimits:
    deadline: float = 3.0           # seconds one translation may take
    workers: int = 4                # threads for a blocking provider (calls beyond them fail at once)
    failures_to_open: int = 3       # failures in a row that open the circuit
    cooldown: float = 30.0          # seconds the circuit stays open before one call may try again
    cache_size: int = 2000          # translations remembered


class DaemonPool:
    """A fixed number of daemon threads running blocking calls for an event loop.

    Not concurrent.futures.ThreadPoolExecutor: that pool joins its threads when the interpreter exits,
    so one call that never returns (deep-translator has no timeouts) would hold up every shutdown.
    `submit` never queues: with every thread busy it returns None and the caller fails at once.
    """

    def __init__(self, size: int, name: str = "translation"):
        self.size = max(1, size)
        self.name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._busy = 0
        self._threads: list[threading.Thread] = []

    @property
    def busy(self) -> int:
        return self._busy

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future | None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._busy >= self.size:
                return None
            self._busy += 1
            if len(self._threads) < self._busy:
                thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads) + 1}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
        future = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            loop, future, fn, args = self._jobs.get()
            try:
                outcome, failed = fn(*args), None
            except BaseException as error:  # handed to the awaiting side, never lost in a thread
                outcome, failed = None, error
            finally:
                with self._lock:
                    self._busy -= 1
            try:
                loop.call_soon_threadsafe(_settle, future, outcome, failed)
            except RuntimeError:   # the loop has closed meanwhile: nobody waits any more
                pass


def _settle(future: asyncio.Future, outcome: Any, failed: BaseException | None) -> None:
    if future.done():   # the caller gave up (its deadline passed)
        return
    if failed is not None:
        future.set_exception(failed)
    else:
        future.set_result(outcome)


class CircuitBreaker:
    """Open after `failures_to_open` failures in a row; after `cooldown` one trial call at a time."""

    def __init__(self, failures_to_open: int, cooldown: float, clock: Callable[[], float] = time.monotonic):
        self.failures_to_open, self.cooldown, self.clock = max(1, failures_to_open), cooldown, clock
        self.failures = 0
        self.open_until = 0.0
        self._trial = False

    @property
    def is_open(self) -> bool:
        return self.failures >= self.failures_to_open and self.clock() < self.open_until

    def allow(self) -> bool:
        if self.failures < self.failures_to_open:
            return True
        if self.clock() < self.open_until or self._trial:
            return False
        self._trial = True       # half-open: this call tries; the others still fail fast
        return True

    def succeeded(self) -> None:
        self.failures, self._trial = 0, False

    def released(self) -> None:
        """The call `allow` let through never reached the provider (no thread was free, or it was cancelled)."""
        self._trial = False

    def failed(self) -> None:
        self.failures += 1
        self._trial = False
        if self.failures >= self.failures_to_open:
            self.open_until = self.clock() + self.cooldown


class GuardedTranslator:
    """A provider behind a deadline, a bounded pool, a circuit breaker and a cache (see the module doc)."""

    def __init__(self, provider: AnyProvider, limits: TranslatorLimits = TranslatorLimits(),
                 clock: Callable[[], float] = time.monotonic):
        self.provider = provider
        self.name = provider.name
        self.limits = limits
        self.breaker = CircuitBreaker(limits.failures_to_open, limits.cooldown, clock)
        self.pool = DaemonPool(limits.workers, f"translate-{provider.name}")
        self._cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._in_flight: dict[tuple[str, str, str], asyncio.Future] = {}
        self.outcomes: dict[str, int] = {}

    async def translate(self, text: str, source: str, target: str) -> Translation:
        if not text.strip() or source == target:
            return Translation(text, source, target)
        key = (source, target, text)
        if (known := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return Translation(known, source, target, cached=True)
        if (running := self._in_flight.get(key)) is not None:
            return await asyncio.shield(running)
        future = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            result = await self._translate(text, source, target)
            future.set_result(result)
            return result
        finally:
            del self._in_flight[key]
            if not future.done():
                future.cancel()

    async def _translate(self, text: str, source: str, target: str) -> Translation:
        if not self.breaker.allow():
            return self._failed("circuit_open", source, target, count_failure=False)
        try:
            call = self._start(text, source, target)
            if call is None:
                self.breaker.released()
                return self._failed("busy", source, target, count_failure=False)
            translated = await asyncio.wait_for(call, self.limits.deadline)
        except (TimeoutError, asyncio.TimeoutError):
            return self._failed("timeout", source, target)
        except asyncio.CancelledError:
            self.breaker.released()
            raise
        except Exception as error:
            log.warning("translation %s->%s by %s failed: %s", source, target, self.name, type(error).__name__)
            return self._failed("error", source, target)
        if not isinstance(translated, str) or not translated.strip():
            return self._failed("empty", source, target)
        self.breaker.succeeded()
        self._count("ok")
        self._remember((source, target, text), translated)
        return Translation(translated, source, target)

    def _start(self, text: str, source: str, target: str) -> Awaitable[str] | None:
        translate = self.provider.translate
        if inspect.iscoroutinefunction(translate):
            return translate(text, source, target)
        return self.pool.submit(translate, text, source, target)

    def _failed(self, why: str, source: str, target: str, *, count_failure: bool = True) -> Translation:
        if count_failure:
            self.breaker.failed()
        self._count(why)
        return Translation(None, source, target, failed=why)

    def _count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def _remember(self, key: tuple[str, str, str], translated: str) -> None:
        self._cache[key] = translated
        while len(self._cache) > self.limits.cache_size:
            self._cache.popitem(last=False)

    async def close(self) -> None:
        if close := getattr(self.provider, "close", None):
            outcome = close()
            if inspect.isawaitable(outcome):
                await outcome
