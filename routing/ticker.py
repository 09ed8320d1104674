"""Each worker's ticker: APScheduler 3 runs a few jobs at intervals on the worker's event loop.

APScheduler 3's job stores cannot be shared between processes (and 4.x is still alpha), so it is used
only as an in-process timer, wrapped once here as python-telegram-bot's JobQueue wraps it: the jobs
read what is due from the database (routing/scheduler.py), so every worker may tick, a restart loses
nothing, and a tick that comes late or twice does no harm. A job never overlaps itself (max_instances
1), ticks missed while the loop was busy collapse into one (coalesce), and a job that fails is logged
and tried again at its next tick.
"""
from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
STOP_GRACE_SECONDS = 10.0


class Ticker:
    def __init__(self):
        self._scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self._running: set[asyncio.Task] = set()
        self._stopping = False

    def every(self, seconds: float, job: Job, name: str) -> None:
        """Run `job` every `seconds` (the first run within one interval, spread so workers started together
        do not tick in step)."""
        first = datetime.now(timezone.utc) + timedelta(seconds=random.uniform(0.1, 1.0) * seconds)
        self._scheduler.add_job(self._guarded, IntervalTrigger(seconds=seconds), args=(job, name), id=name,
                                name=name, max_instances=1, coalesce=True, misfire_grace_time=max(1, int(seconds)),
                                next_run_time=first, replace_existing=True)

    def start(self) -> None:
        """Start ticking (inside the running event loop)."""
        self._scheduler.start()

    async def stop(self) -> None:
        """No new runs; let a run under way finish (it may be inside a transaction), within a grace period."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running:
            _, late = await asyncio.wait(list(self._running), timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()

    async def _guarded(self, job: Job, name: str) -> None:
        if self._stopping:
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job()
        except Exception:
            log.exception("the %s job failed; it runs again at its next tick", name)
        finally:
            if task is not None:
                self._running.discard(task)
