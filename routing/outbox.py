"""Delivers queued staff posts to their channels, in order per case, retrying until they land.

Several workers can run this loop against one database: a post is leased (its next attempt pushed
into the future) with a conditional update before it is delivered, so only one worker sends it.
"""
from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta

from sqlalchemy import update
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


class Outbox:
    def __init__(self, service: RoutingService, channels: list[StaffChannel]):
        self.service = service
        self.channels = {channel.name: channel for channel in channels}
        self._stopping = False

    async def run(self) -> None:
        """Deliver until stopped: wake when posts are queued, and poll for retries that fall due."""
        ready = self.service.outbox_ready
        while not self._stopping:
            ready.clear()
            delivered = 0
            try:
                delivered = await self.deliver_due()
            except Exception:  # keep the loop alive through database hiccups; the posts stay queued
                log.exception("outbox round failed; retrying")
            if delivered:
                continue  # posts queued behind the ones just delivered (same case) can go now, not at the next poll
            try:
                await asyncio.wait_for(ready.wait(), POLL_SECONDS)
            except TimeoutError:
                pass

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

    def stop(self) -> None:
        """Finish the round under way (a cancelled delivery could be sent but not recorded), then end."""
        self._stopping = True
        self.service.outbox_ready.set()

    async def deliver_due(self) -> int:
        """One round: deliver every post that is due and whose case has nothing older pending."""
        store, now = self.service.store, self.service.clock()
        pending = await store.read(lambda session: session.exec(
            select(StaffPost).where(StaffPost.status == "pending").order_by(StaffPost.id)).all())
        blocked: set[tuple[int, str]] = set()   # (case, channel) pairs waiting on an earlier post
        deliveries = []
        for post in pending:
            key = (post.case_id, post.channel)
            if key in blocked:
                continue
            blocked.add(key)
            if post.next_attempt_at <= now and post.channel in self.channels:
                deliveries.append(post)
        # Different cases go out concurrently; within a case, strictly one after the other.
        results = await asyncio.gather(*(self._deliver(post) for post in deliveries))
        return sum(results)

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
            await self._reschedule(post, slow_down.seconds, str(slow_down), attempt - 1)
            return False
        except PermanentFailure as refused:
            log.error("staff post %s to %s refused for good: %s", post.id, post.channel, refused)
            await self._finish(post, "failed", None, str(refused))
            return False
        except Exception as error:
            log.warning("staff post %s to %s failed (attempt %d): %s", post.id, post.channel, attempt, error)
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
        if post.kind == "card_update" and thread is not None:
            target = thread.target
        return Delivery(post_id=post.id, kind=post.kind, case=case, target=target, card_ref=card_ref,
                        message=MessageView.of(message, self.service.operator.agent_name) if message else None,
                        attempt=attempt)

    async def _reschedule(self, post: StaffPost, seconds: float, error: str, attempts: int) -> None:
        await self.service.store.write(lambda session: session.execute(
            update(StaffPost).where(col(StaffPost.id) == post.id).values(
                next_attempt_at=self.service.clock() + timedelta(seconds=seconds), last_error=error,
                attempts=attempts)))

    async def _finish(self, post: StaffPost, status: str, reference: str | None, error: str | None) -> None:
        def finish(session: Session) -> None:
            session.execute(update(StaffPost).where(col(StaffPost.id) == post.id).values(
                status=status, external_ref=reference, last_error=error))
            if status == "sent" and post.kind == "card" and reference:
                session.add(StaffThread(case_id=post.case_id, channel=post.channel, target=post.target,
                                        card_ref=reference, created_at=self.service.clock()))

        await self.service.store.write(finish)
