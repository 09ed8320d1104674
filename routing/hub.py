"""Fan-out of live events ("conversation 12 has a new message") to whoever is connected.

The database holds the truth; the hub only says where to look (and, for a new message, carries it,
so a socket need not read back what was just written). A missed event costs a refresh, never a
message: sockets re-read from the last sequence number they delivered. When the hub may have lost
events (Redis went away, a publish failed), it tells every local listener `{"type": "resync"}`.

A listener is a plain callback, not a task: a thousand idle customers cost a thousand dictionary
entries, not a thousand waiting coroutines. One process uses LocalHub; several workers share
events through RedisHub (REDIS_URL).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Callable, Iterator, Protocol

log = logging.getLogger(__name__)

Event = dict[str, Any]
Listener = Callable[[Event], None]
RESYNC: Event = {"type": "resync"}


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


STAFF_TOPIC = "staff"


class Hub(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...

    def listen(self, topic: str, listener: Listener) -> "contextmanager[None]": ...

    def subscribe(self, topic: str) -> "asynccontextmanager[asyncio.Queue[Event]]": ...

    async def close(self) -> None: ...


class LocalHub:
    """In-process fan-out to callbacks; `subscribe` gives a bounded queue for readers that prefer one."""

    def __init__(self, queue_size: int = 1000):
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self._queue_size = queue_size

    async def publish(self, topic: str, event: Event) -> None:
        self._deliver(topic, event)

    def _deliver(self, topic: str, event: Event) -> None:
        for listener in list(self._listeners.get(topic, ())):
            try:
                listener(event)
            except Exception:
                log.exception("a live-event listener on %s failed", topic)

    def _deliver_everywhere(self, event: Event) -> None:
        for topic in list(self._listeners):
            self._deliver(topic, event)

    @contextmanager
    def listen(self, topic: str, listener: Listener) -> Iterator[None]:
        self._listeners[topic].add(listener)
        try:
            yield
        finally:
            listeners = self._listeners.get(topic)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[topic]

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)

        def enqueue(event: Event) -> None:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A stalled reader: drop the nudge, it re-reads from the database on its next one.
                log.warning("subscriber on %s is not keeping up; dropping a live event", topic)

        with self.listen(topic, enqueue):
            yield queue

    def listeners(self) -> int:
        return sum(len(listeners) for listeners in self._listeners.values())

    async def close(self) -> None:
        self._listeners.clear()


PUBLISH_TIMEOUT = 1.0  # seconds


class RedisHub(LocalHub):
    """Fan-out across workers through Redis pub/sub; local listeners are served as in LocalHub."""

    CHANNEL_PREFIX = "llamita:"
    RESYNC_CHANNEL = "llamita-resync"

    def __init__(self, url: str, queue_size: int = 1000):
        super().__init__(queue_size)
        import redis.asyncio as redis  # imported here: only deployments with REDIS_URL need it

        self._redis = redis.from_url(url)
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task | None = None
        self._lost_a_publish = False

    async def start(self) -> None:
        await self._subscribe()
        self._reader = asyncio.create_task(self._read())

    async def _subscribe(self) -> None:
        await self._pubsub.psubscribe(self.CHANNEL_PREFIX + "*")
        await self._pubsub.subscribe(self.RESYNC_CHANNEL)

    async def publish(self, topic: str, event: Event) -> None:
        # Bounded: a Redis that stops answering (rather than refusing) must not hold up the ack that
        # follows a commit. A lost event costs a refresh, never a message: the next publish that gets
        # through first tells every worker's listeners to look again.
        try:
            if self._lost_a_publish:
                await asyncio.wait_for(self._redis.publish(self.RESYNC_CHANNEL, "{}"), timeout=PUBLISH_TIMEOUT)
                self._lost_a_publish = False
            await asyncio.wait_for(self._redis.publish(self.CHANNEL_PREFIX + topic, json.dumps(event)),
                                   timeout=PUBLISH_TIMEOUT)
        except BaseException:
            self._lost_a_publish = True
            raise

    async def _read(self) -> None:
        """Listen for ever: when Redis goes away, subscribe again with back-off, then have everyone resync."""
        delay = 0.5
        while True:
            try:
                async for item in self._pubsub.listen():
                    delay = 0.5
                    self._on_item(item)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the Redis subscription; subscribing again in %.1fs", delay, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            try:
                await self._pubsub.aclose()
                self._pubsub = self._redis.pubsub()
                await self._subscribe()
                self._deliver_everywhere(RESYNC)   # whatever was published meanwhile went nowhere
            except Exception:
                log.warning("Redis is still unreachable", exc_info=True)

    def _on_item(self, item: dict) -> None:
        if item.get("type") == "message" and item["channel"].decode() == self.RESYNC_CHANNEL:
            self._deliver_everywhere(RESYNC)
            return
        if item.get("type") != "pmessage":
            return
        topic = item["channel"].decode()[len(self.CHANNEL_PREFIX):]
        try:
            self._deliver(topic, json.loads(item["data"]))
        except ValueError:
            log.warning("ignoring a malformed event on %s", topic)

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        await self._pubsub.aclose()
        await self._redis.aclose()
        await super().close()
