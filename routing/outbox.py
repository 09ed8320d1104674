"""Delivers queued staff posts to their channels: each case's posts in order, nobody waiting for anyone else.

A stream is one case on one staff channel: its posts go strictly one after the other (a card before
the messages under it). Streams are independent: each delivery is its own task, started as soon as
its stream's oldest post is due, so a slow platform, a paced channel or a post that hangs holds up
only its own stream, never another team's card.

Several workers can run this against one database: a post is leased (its next attempt pushed past
the lease) with a conditional update before it is delivered, so only one worker sends it. Pacing
(the platform's posts per second per channel) happens here, by starting a delivery later, never by
sleeping inside one. A post whose earlier attempt may have landed (it timed out, failed ambiguously,
or its worker died) reaches the channel with `attempt > 1`; the channel looks for that copy before
posting again (routing/channels.py), so a retry never shows a second one.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from routing.channels import Delivery, PermanentFailure, RetryLater, StaffChannel
from routing.lifecycle import WITH_PEOPLE
from routing.models import Case, Message, StaffPost, StaffThread
from routing.service import RoutingService
from routing.views import MessageView

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 300.0
POLL_SECONDS = 2.0


def backoff_seconds(attempt: int) -> float:
    """1, 2, 4, ... up to five minutes, with jitter so workers don't retry in lockstep."""
    return min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)


def stream_heads(session: Session) -> list[StaffPost]:
    """The oldest pending post of every (case, channel) stream: the only one of each that may go now."""
    oldest = select(func.min(StaffPost.id)).where(StaffPost.status == "pending").group_by(
        StaffPost.case_id, StaffPost.channel)
    return list(session.exec(select(StaffPost).where(col(StaffPost.id).in_(oldest)).order_by(StaffPost.id)))


class Outbox:
    def __init__(self, service: RoutingService, channels: list[StaffChannel]):
        self.service = service
        self.channels = {channel.name: channel for channel in channels}
        self._stopping = False
        self._in_flight: dict[tuple[int, str], asyncio.Task] = {}
        # (channel, target) -> when it may take its next post: pacing runs on real elapsed time; a platform's
        # Retry-After on routing's clock, like the post's own next attempt (so tests that move time move both).
        self._next_free: dict[tuple[str, str], float] = {}
        self._paused_until: dict[tuple[str, str], datetime] = {}

    async def run(self) -> None:
        """Deliver until stopped: wake when posts are queued or a delivery ends, and when retries fall due."""
        ready = self.service.outbox_ready
        while not self._stopping:
            ready.clear()
            wake_in = POLL_SECONDS
            try:
                wake_in = await self.dispatch() if not self._stopping else 0.0
            except Exception:  # keep the loop alive through database hiccups; the posts stay queued
                log.exception("outbox round failed; retrying")
            try:
                await asyncio.wait_for(ready.wait(), max(0.01, min(wake_in, POLL_SECONDS)))
            except TimeoutError:
                pass
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    def stop(self) -> None:
        """Start nothing new and let the deliveries under way finish (a cancelled one could be sent but not
        recorded), then end."""
        self._stopping = True
        self.service.outbox_ready.set()

    async def requeue_refused(self) -> int:
        """At start-up: try once more what a platform refused for good on an open case.

        Refusals like `not_in_channel` are usually set-up mistakes an operator fixes and then restarts
        for; the cases they hid must then reach the channel.
        """
        def requeue(session: Session) -> int:
            open_cases = select(Case.id).where(col(Case.state).in_([s.value for s in WITH_PEOPLE]))
            return session.execute(
                update(StaffPost).where(StaffPost.status == "failed", col(StaffPost.case_id).in_(open_cases))
                .values(status="pending", attempts=0, next_attempt_at=self.service.clock())).rowcount

        return await self.service.store.write(requeue)

    async def dispatch(self) -> float:
        """Start a delivery for every stream whose oldest post is due, its channel free, and nothing of it
        under way; returns the seconds until the next post falls due (or its channel is free again)."""
        heads = await self.service.store.read(stream_heads)
        now, moment = self.service.clock(), time.monotonic()
        wake_in = POLL_SECONDS
        for post in heads:
            stream = (post.case_id, post.channel)
            channel = self.channels.get(post.channel)
            if channel is None or stream in self._in_flight:
                continue
            if post.next_attempt_at > now:
                wake_in = min(wake_in, (post.next_attempt_at - now).total_seconds())
                continue
            pace = (post.channel, post.target)
            if (paused := self._paused_until.get(pace)) is not None and paused > now:
                wake_in = min(wake_in, (paused - now).total_seconds())
                continue
            if (free_at := self._next_free.get(pace, 0.0)) > moment:
                wake_in = min(wake_in, free_at - moment)
                continue
            self._next_free[pace] = moment + getattr(channel, "pace_seconds", 0.0)
            task = asyncio.create_task(self._deliver(post), name=f"outbox:{post.id}")
            self._in_flight[stream] = task
            task.add_done_callback(lambda done, stream=stream: self._done(stream, done))
        return wake_in

    def _done(self, stream: tuple[int, str], task: asyncio.Task) -> None:
        self._in_flight.pop(stream, None)
        if not task.cancelled() and task.exception() is not None:
            # Leasing or recording failed (the database, most likely): the post is still queued.
            log.error("a staff post could not be handled; it stays queued", exc_info=task.exception())
        self.service.outbox_ready.set()   # the stream's next post may go now

    async def deliver_due(self) -> int:
        """One round, awaited (for tests and tools): start what is due, wait for it; how many were sent."""
        await self.dispatch()
        results = await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)
        return sum(1 for result in results if result is True)

    async def _deliver(self, post: StaffPost) -> bool:
        service, now = self.service, self.service.clock()
        leased = await service.store.write(lambda session: session.execute(
            update(StaffPost).where(col(StaffPost.id) == post.id, StaffPost.status == "pending",
                                    StaffPost.next_attempt_at == post.next_attempt_at)
            .values(next_attempt_at=now + LEASE, attempts=StaffPost.attempts + 1)).rowcount == 1)
        if not leased:
            return False
        attempt = post.attempts + 1
        try:
            delivery = await self._delivery(post, attempt)
            # Well inside the lease: a delivery still running when it ends could be sent again by another worker.
            reference = await asyncio.wait_for(self.channels[post.channel].deliver(delivery),
                                               LEASE.total_seconds() / 2)
        except RetryLater as slow_down:
            # Not sent (the platform said so): the same attempt again later, and nothing to that channel meanwhile.
            pause = timedelta(seconds=slow_down.seconds)
            self._paused_until[(post.channel, post.target)] = self.service.clock() + pause
            await self._reschedule(post, slow_down.seconds, str(slow_down), attempt - 1)
            return False
        except PermanentFailure as refused:
            log.error("staff post %s to %s refused for good: %s", post.id, post.channel, refused)
            await self._finish(post, "failed", None, str(refused))
            return False
        except Exception as error:
            # Perhaps sent, perhaps not: the next attempt looks for it before posting again.
            log.warning("staff post %s to %s failed (attempt %d): %s", post.id, post.channel, attempt,
                        type(error).__name__)
            await self._reschedule(post, backoff_seconds(attempt), repr(error)[:500], attempt)
            return False
        await self._finish(post, "sent", reference, None)
        return True

    async def _delivery(self, post: StaffPost, attempt: int) -> Delivery:
        def read(session: Session):
            thread = session.exec(select(StaffThread).where(
                StaffThread.case_id == post.case_id, StaffThread.channel == post.channel)
                .order_by(col(StaffThread.id).desc())).first()
            return thread, session.get(Message, post.message_id) if post.message_id else None

        thread, message = await self.service.store.read(read)
        case = await self.service.case(post.case_id)
        card_ref = thread.card_ref if thread else None
        target = post.target if post.kind == "card" or thread is None else thread.target
        view = MessageView.of(message, self.service.operator.agent_name) if message else None
        # Machine translation on the relay (routing/translation.py), bounded by the translator's deadline.
        case, view = await self.service.relay_view(post.kind, case, post.message_id, view, post.channel, target)
        return Delivery(post_id=post.id, kind=post.kind, case=case, target=target, card_ref=card_ref,
                        message=view, attempt=attempt, queued_at=post.created_at)

    async def _reschedule(self, post: StaffPost, seconds: float, error: str, attempts: int) -> None:
        await self.service.store.write(lambda session: session.execute(
            update(StaffPost).where(col(StaffPost.id) == post.id).values(
                next_attempt_at=self.service.clock() + timedelta(seconds=seconds), last_error=error,
                attempts=attempts)))

    async def _finish(self, post: StaffPost, status: str, reference: str | None, error: str | None) -> None:
        def finish(session: Session) -> None:
            # Only while it is still pending: a platform that showed us the card meanwhile settled it (and
            # bound the case to that card); this attempt's record would bind a second one.
            recorded = session.execute(update(StaffPost).where(col(StaffPost.id) == post.id,
                                                               StaffPost.status == "pending").values(
                status=status, external_ref=reference, last_error=error)).rowcount == 1
            if recorded and status == "sent" and post.kind == "card" and reference:
                session.add(StaffThread(case_id=post.case_id, channel=post.channel, target=post.target,
                                        card_ref=reference, created_at=self.service.clock()))

        await self.service.store.write(finish)
