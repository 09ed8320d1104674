"""Each worker's ticker (APScheduler 3 in-process) runs its jobs, survives a failing one, and stops."""
from __future__ import annotations

import asyncio

from routing.ticker import Ticker


async def test_the_ticker_runs_a_job_again_after_it_failed():
    ran: list[int] = []
    again = asyncio.Event()

    async def job() -> None:
        ran.append(len(ran))
        if len(ran) == 1:
            raise RuntimeError("the database blinked")
        again.set()

    ticker = Ticker()
    ticker.every(0.05, job, "test")
    ticker.start()
    try:
        await asyncio.wait_for(again.wait(), 5)
    finally:
        await ticker.stop()
    assert len(ran) >= 2                              # the failure was logged; the next tick ran the job again
