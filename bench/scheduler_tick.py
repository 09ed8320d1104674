"""How long one scheduler tick takes with many open cases (the budget: under 50 ms for 10,000).

    .venv/bin/python bench/scheduler_tick.py [--cases 10000] [--database-url postgresql://...] [--ticks 20]

Fills a fresh database (SQLite in a temporary directory, or a throw-away one on --database-url's
server) with open cases as a busy day leaves them: 60% waiting for a claim across the four demo teams
(each already at the rung its age reached, at its place in the queue), 40% claimed (most answered,
some with the customer waiting for a reply), every customer with the chat open. Then it measures:
  quiet     a tick with nothing due (every step taken already): what every worker pays every few seconds
  checking  the same, on the tick (once a minute) that also looks for customers who left since the last look
  full      the tick (every 15 minutes, and the first after a start) that looks at every open case for them
  busy      a tick where 100 cases reach their first reminder at once (claiming them, queueing the posts)
and prints median and worst in milliseconds. Speed is shown here, never asserted in tests.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from throwaway_db import throwaway_database  # noqa: E402

from bot.offline import OfflineBrain  # noqa: E402
from routing.config import load_operator_config  # noqa: E402
from routing.hub import LocalHub  # noqa: E402
from routing.models import Case, Conversation, Customer  # noqa: E402
from routing.scheduler import Scheduler  # noqa: E402
from routing.service import RoutingService  # noqa: E402
from routing.store import Store  # noqa: E402
from tests.routing.scheduling import Clock  # noqa: E402

TEAMS = ("technical", "compliance", "accounts", "general")


def fill(session, count: int, now) -> None:
    session.execute(insert(Customer), [{"id": n, "created_at": now} for n in range(1, count + 1)])
    session.execute(insert(Conversation), [
        {"id": f"c{n:08d}", "customer_id": n, "channel": "webchat", "token_hash": f"t{n}", "brain_memory": "",
         "last_seq": 2, "created_at": now - timedelta(hours=1), "last_seen_at": now} for n in range(1, count + 1)])
    rows, positions = [], {team: 0 for team in TEAMS}
    claimed = count - int(count * 0.6)          # the older cases are claimed, the newer ones wait
    for n in range(1, count + 1):
        team = TEAMS[n % len(TEAMS)]
        age = timedelta(seconds=(count - n) * 3600 / count)           # oldest first, the last hour
        handed = now - timedelta(hours=1) + (timedelta(hours=1) - age)
        row = {"id": n, "conversation_id": f"c{n:08d}", "team": team, "reason": "human_request",
               "sentiment": 0.0, "summary": "", "signals": "[]", "actions": "[]", "opened_at": handed,
               "handed_over_at": handed, "waiting_round": 1, "reminders_sent": 0, "language": "en"}
        minutes = (now - handed).total_seconds() / 60
        if n > claimed:
            positions[team] += 1
            rung = 3 if minutes >= 10 else 2 if minutes >= 5 else 1 if minutes >= 2 else 0
            row.update(state="waiting", waiting_since=handed, ladder_step=rung, reminders_sent=rung,
                       queue_position=positions[team], told_position=positions[team])
        else:
            stalled = n % 10 == 0
            row.update(state="claimed", claimed_by="desk:ana", claimed_by_name="Ana", claimed_at=handed,
                       waiting_since=handed, ladder_step=2 if stalled else 0,
                       customer_waiting_since=now - timedelta(minutes=20) if stalled else None)
        rows.append(row)
    session.execute(insert(Case), rows)


async def measure(store: Store, count: int, ticks: int) -> None:
    operator = load_operator_config()
    clock = Clock()
    service = RoutingService(store, LocalHub(), operator, OfflineBrain(operator.policy()), clock=clock)
    scheduler = Scheduler(service)
    await store.write(fill, count, clock.now)
    if not store.is_sqlite:
        # PostgreSQL's autovacuum gathers the planner's statistics within a minute of such a fill; do it now.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    await scheduler.tick()                        # warm: connections, statement caches, the pick-up times
    quiet, checking = [], []
    for _ in range(ticks):
        started = time.perf_counter()
        told = await scheduler.tick()
        quiet.append(time.perf_counter() - started)
        assert not told.steps, "the quiet tick took steps: the fill is not a steady state"
        # The once-a-minute tick that also looks for customers who left (since the last look: the look over
        # every open case comes every 15 minutes and is measured below).
        scheduler._abandon_checked = None
        started = time.perf_counter()
        told = await scheduler.tick()
        checking.append(time.perf_counter() - started)
        assert not told.steps
    full = []
    for _ in range(5):
        scheduler._abandon_checked = scheduler._full_look_at = None
        started = time.perf_counter()
        await scheduler.tick()
        full.append(time.perf_counter() - started)
    busy = []
    for round_ in range(3):
        # 100 waiting cases reach their first reminder at once (as if each was handed over 2-5 minutes ago).
        await store.write(lambda s, r=round_: s.execute(text(
            'UPDATE "case" SET ladder_step = 0, waiting_round = waiting_round + 1 WHERE id IN '
            "(SELECT id FROM \"case\" WHERE state = 'waiting' AND ladder_step = 1 ORDER BY id LIMIT 100)")))
        started = time.perf_counter()
        told = await scheduler.tick()
        busy.append(time.perf_counter() - started)
        assert len(told.steps) == 100, len(told.steps)
    kind = "PostgreSQL" if not store.is_sqlite else "SQLite"
    def line(name: str, samples: list[float]) -> str:
        return (f"  {name:44} median {statistics.median(samples) * 1000:6.1f} ms   worst "
                f"{max(samples) * 1000:6.1f} ms   (n={len(samples)})")

    print(f"{kind}, {count} open cases ({int(count * 0.6)} waiting, {count - int(count * 0.6)} claimed):")
    print(line("tick, nothing due", quiet))
    print(line("tick, looking for customers who left (1/min)", checking))
    print(line("tick, ... among every open case (1/15 min)", full))
    print(line("tick taking 100 first reminders", busy))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--database-url", default=None,
                        help="postgresql://user@host/postgres (a throw-away database is made); default: SQLite")
    args = parser.parse_args()
    with throwaway_database(args.database_url) as url:
        store = Store(url)
        await store.migrate()
        try:
            await measure(store, args.cases, args.ticks)
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
