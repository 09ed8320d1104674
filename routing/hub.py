"""Fan-out of live events ("conversation 12 has a new message") to whoever is connected.

The database holds the truth; the hub only says where to look. A missed event costs a refresh,
never a message: sockets re-read from the last sequence number they delivered. One process uses
LocalHub; several workers share events through RedisHub (REDIS_URL).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Protocol

log = logging.getLogger(__name__)

Event = dict[str, Any]


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


STAFF_TOPIC = "staff"


class Hub(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...

    def subscribe(self, topic: str) -> "asynccontextmanager[asyncio.Queue[Event]]": ...

    async def close(self) -> None: ...


class LocalHub:
    """In-process fan-out; each subscriber gets its own bounded queue."""

    def __init__(self, queue_size: int = 1000):
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)
        self._queue_size = queue_size

    async def publish(self, topic: str, event: Event) -> None:
        self._deliver(topic, event)

    def _deliver(self, topic: str, event: Event) -> None:
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A stalled reader: drop the nudge, it re-reads from the database on its next one.
                log.warning("subscriber on %s is not keeping up; dropping a live event", topic)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subscribers[topic].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[topic].discard(queue)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    async def close(self) -> None:
        self._subscribers.clear()


PUBLISH_TIMEOUT = 1.0  # seconds


class RedisHub(LocalHub):
    """Fan-out across workers through Redis pub/sub; local subscribers are served as in LocalHub."""

    CHANNEL_PREFIX = "llamita:"

    def __init__(self, url: str, queue_size: int = 1000):
        super().__init__(queue_size)
        import redis.asyncio as redis  # imported here: only deployments with REDIS_URL need it

        self._redis = redis.from_url(url)
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task | None = None

    async def start(self) -> None:
        await self._pubsub.psubscribe(self.CHANNEL_PREFIX + "*")
        self._reader = asyncio.create_task(self._read())

    async def publish(self, topic: str, event: Event) -> None:
        # Bounded: a Redis that stops answering (rather than refusing) must not hold up the ack that
        # follows a commit. A lost nudge costs a refresh (sockets look every 30 s), never a message.
        await asyncio.wait_for(self._redis.publish(self.CHANNEL_PREFIX + topic, json.dumps(event)),
                               timeout=PUBLISH_TIMEOUT)

    async def _read(self) -> None:
        """Listen for ever: when Redis goes away, subscribe again with back-off (sockets catch up meanwhile)."""
        delay = 0.5
        while True:
            try:
                async for item in self._pubsub.listen():
                    delay = 0.5
                    if item.get("type") != "pmessage":
                        continue
                    topic = item["channel"].decode()[len(self.CHANNEL_PREFIX):]
                    try:
                        self._deliver(topic, json.loads(item["data"]))
                    except ValueError:
                        log.warning("ignoring a malformed event on %s", topic)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the Redis subscription; subscribing again in %.1fs", delay, exc_info=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            try:
                await self._pubsub.aclose()
                self._pubsub = self._redis.pubsub()
                await self._pubsub.psubscribe(self.CHANNEL_PREFIX + "*")
            except Exception:
                log.warning("Redis is still unreachable", exc_info=True)

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        await self._pubsub.aclose()
        await self._redis.aclose()
        await super().close()
