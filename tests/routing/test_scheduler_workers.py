"""Several scheduler workers on one PostgreSQL: every step happens once, and a worker that dies after
taking a step but before posting it loses nothing (time moved, never slept)."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlmodel import select

from routing.models import Reminder, StaffPost
from routing.outbox import LEASE
from tests.routing.scheduling import Clock, hand_over, worker

pytestmark = pytest.mark.postgres
CASES = 12


async def test_two_workers_take_every_step_of_every_case_exactly_once(postgres_store, hub, operator):
    clock = Clock()
    first, second = worker(postgres_store, hub, operator, clock), worker(postgres_store, hub, operator, clock)
    cases = [(await hand_over(first.service))[1] for _ in range(CASES)]
    for _ in range(11):                                   # eleven minutes, both workers ticking at once
        clock.advance(minutes=1)
        await asyncio.gather(first.tick(), second.tick(), first.tick(), second.tick())

    steps = await postgres_store.read(lambda s: s.exec(select(Reminder.case_id, Reminder.step)).all())
    assert Counter(steps) == Counter((case, step) for case in cases
                                     for step in ("remind", "remind_loudly", "escalate"))
    posts = await postgres_store.read(lambda s: s.exec(select(StaffPost)).all())
    per_case = Counter((post.case_id, post.kind) for post in posts)
    for case in cases:
        # The card, three edits (reminded once, twice, moved), the loud reminder, the escalation's card
        # in the fallback team's channel and its reminder there.
        assert (per_case[(case, "card")], per_case[(case, "card_update")], per_case[(case, "reminder")]) == (2, 3, 2)
    shown = first.channel.shown + second.channel.shown
    assert sorted(s.post_id for s in shown) == sorted(post.id for post in posts)    # each delivered, once
    assert {post.status for post in posts} == {"sent"}


class Hanging:
    """A staff platform that takes the post and never answers: the worker is killed while posting."""
    name = "slack"

    def __init__(self):
        self.entered = asyncio.Event()

    def target_for(self, team):
        return team.channels.get("slack")

    async def deliver(self, delivery):
        self.entered.set()
        await asyncio.Event().wait()


async def test_a_worker_killed_between_taking_a_step_and_posting_it_still_gets_it_posted_once(
        postgres_store, hub, operator):
    clock = Clock()
    doomed = worker(postgres_store, hub, operator, clock)
    _, case_id = await hand_over(doomed.service)
    while await doomed.outbox.deliver_due():
        pass
    clock.advance(minutes=5)
    await doomed.scheduler.tick()                          # takes "remind loudly": the reminder is queued
    hanging = Hanging()
    doomed.outbox.channels = {"slack": hanging}
    posting = asyncio.create_task(doomed.outbox.deliver_due())
    await asyncio.wait_for(hanging.entered.wait(), 5)
    posting.cancel()                                       # killed mid-post
    with pytest.raises(asyncio.CancelledError):
        await posting

    survivor = worker(postgres_store, hub, operator, clock)
    await survivor.tick()                                  # the step is not taken again...
    assert survivor.channel.kinds(case_id).count("reminder") == 0   # ...and its post waits out the lease
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await survivor.tick()
    assert survivor.channel.kinds(case_id).count("reminder") == 1
    steps = await postgres_store.read(lambda s: s.exec(select(Reminder.step).where(Reminder.case_id == case_id)).all())
    assert sorted(steps) == ["remind_loudly"]
    posts = await postgres_store.read(lambda s: s.exec(select(StaffPost).where(StaffPost.kind != "card")
                                                       .order_by(StaffPost.id)).all())
    # The step's card edit was the post in flight when the worker died; the survivor sent it, then the reminder.
    assert [(post.kind, post.status, post.attempts) for post in posts] == [("card_update", "sent", 2),
                                                                           ("reminder", "sent", 1)]
    assert survivor.channel.kinds(case_id) == ["card_update", "reminder"]
