"""The scheduler: nobody is forgotten. Each tick chases the cases nobody claimed and the claimed cases
whose customer waits for a reply, abandons the cases whose customer left, and tells waiting customers
when their place in the queue moves.

What is due is derived from the database, never from timers in memory: a case's clocks
(`waiting_since`, `customer_waiting_since`, the conversation's `last_seen_at`), its round and the rung
of the ladder it reached this round. The decisions are pure (routing/service_levels.py): per team and
step, the instant before which a case must have started waiting (`working_cutoff`, in the team's
working hours). An indexed query then finds the cases past it, and one transaction takes each step:

  * on PostgreSQL the cases are locked with SELECT ... FOR UPDATE SKIP LOCKED, so several workers
    share the work without waiting on each other; on SQLite (one writer) the conditional UPDATE of
    the rung is the claim;
  * the rung moves up only if it is still below (`ladder_step < rung`), a row goes into `reminder`
    (unique per case, round and step), and the posts the step makes are queued in the outbox, all in
    the same transaction. So each step happens once, whatever the number of workers, and a worker
    killed after the commit loses nothing (the outbox delivers, retrying), one killed before it took
    nothing (the next tick takes the step). Time going backwards re-sends nothing: the rung stays.

What each step does to a case is routing/steps.py; what the waiting customer is told, routing/waiting.py.
`Ticker` (routing/ticker.py) runs `tick` on every worker; tests call it after moving the clock.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from routing import conversations
from routing.cases import CaseBook
from routing.conversations import as_utc
from routing.models import Author, Case, CaseState
from routing.service_levels import (
    ABANDON,
    REMIND,
    Hours,
    stalled_ladder,
    typical_pick_up,
    unclaimed_ladder,
    working_cutoff,
)
from routing.steps import Due, Steps, TeamPlan, Told
from routing.store import Raw

log = logging.getLogger(__name__)

BATCH = 100                              # cases per step and team in one tick (the rest wait for the next)
PICK_UPS_EVERY = timedelta(minutes=1)    # how often the recent pick-up times are read again
PICK_UP_WINDOW = timedelta(hours=24)
ABANDON_EVERY = timedelta(minutes=1)     # how often the cases whose customer left are looked for
FULL_LOOK_EVERY = timedelta(minutes=15)  # ... among all open cases; in between, only the newly expired


def due_steps(plans: list[TeamPlan], now: datetime) -> list[Due]:
    """Every step of every team's ladder that cases may have reached by `now`, highest rung first (a case
    that reached several at once, after a pause, takes only the highest). Closed teams have none."""
    due: list[Due] = []
    for plan in plans:
        for ladder in (unclaimed_ladder(plan.levels), stalled_ladder(plan.levels)):
            for rung, step, minutes in reversed(ladder):
                cutoff = working_cutoff(plan.hours, now, minutes)
                if cutoff is not None:
                    due.append(Due(plan.team, step, rung, cutoff))
        if plan.levels.abandon_after_minutes is not None:
            cutoff = working_cutoff(plan.hours, now, plan.levels.abandon_after_minutes)
            if cutoff is not None:
                due.append(Due(plan.team, ABANDON, 0, cutoff))
    return due


class Scheduler:
    def __init__(self, service, batch: int = BATCH):
        self.service = service
        operator = service.operator
        self.book: CaseBook = service.cases
        self.room = service.room
        self.agent_name = operator.agent_name
        self.batch = batch
        self.plans = [TeamPlan(team.id, team.name, operator.levels(team.id), Hours.of(team.working_hours),
                               operator.escalation_team(team.id)) for team in operator.teams]
        self.by_team = {plan.team: plan for plan in self.plans}
        self.steps = Steps(self.book, self.room, self.agent_name, self.plans)
        self._pick_ups_read: datetime | None = None
        self._abandon_checked: datetime | None = None
        self._full_look_at: datetime | None = None
        self._looked_until: dict[str, datetime] = {}   # per team: the abandonment cutoff already looked up to
        self._queue_version: object = None       # the newest case event when the queues were last read
        self._lines_pending = False               # a customer moved up and is not told yet (the cadence)

    # ------------------------------------------------------------------ one tick

    async def tick(self) -> Told:
        """Take every step that is due now, then tell waiting customers whose place moved."""
        store, now = self.service.store, self.service.clock()
        await self._refresh_pick_ups(now)
        due = due_steps(self.plans, now)
        if self._abandon_checked is not None and timedelta(0) <= now - self._abandon_checked < ABANDON_EVERY:
            due = [step for step in due if step.step != ABANDON]    # customers leave by the minute, not the tick
        else:
            self._abandon_checked = now
            due = self._abandon_window(due, now)
        told = Told()
        found = await store.read_raw(self._find_due, due) if due else []
        if found:
            told.merge(await store.write(self._take_due, found, now))
        leaving = [step for step in due if step.step == ABANDON]
        if leaving and sum(1 for _, step in told.steps if step == ABANDON) < self.batch:
            # Everything up to these cutoffs was looked at (a full batch may have left some: look again).
            self._looked_until.update({step.team: step.cutoff for step in leaving})
        told.merge(await self._inform(now))
        await self._announce(told)
        return told

    def _abandon_window(self, due: list[Due], now: datetime) -> list[Due]:
        """The abandonment steps, each with the cutoff it was last looked up to (`since`): only customers whose
        last sign of life fell between the two are new to look at. Every FULL_LOOK_EVERY (and after a start or
        a clock going back) all open cases are looked at, which also finds a case whose team changed."""
        full = (self._full_look_at is None or not timedelta(0) <= now - self._full_look_at < FULL_LOOK_EVERY)
        if full:
            self._full_look_at = now
            self._looked_until = {}
        return [Due(step.team, step.step, step.rung, step.cutoff, self._looked_until.get(step.team))
                if step.step == ABANDON else step for step in due]

    def _find_due(self, sql: Raw, due: list[Due]) -> list[Due]:
        """Which of the possible steps have cases past their cutoff: one read, no lock, usually nothing."""
        _use_the_index(sql)
        parts, params = [], {}
        ladders = [step for step in due if step.step != ABANDON]
        for index, step in enumerate(ladders):
            parts.append(f"EXISTS ({self._query(step, suffix=f'_{index}')})")
            params.update({f"team_{index}": step.team, f"rung_{index}": step.rung,
                           f"cutoff_{index}": sql.stamp(step.cutoff), f"limit_{index}": 1})
        leaving = [step for step in due if step.step == ABANDON]
        if leaving:
            query, values = _abandon_query(sql, leaving, 1)
            parts.append(f"EXISTS ({query})")
            params.update(values)
        row = sql.one("SELECT " + ", ".join(parts), **params)
        found = [step for step, hit in zip(ladders, row[:len(ladders)], strict=True) if hit]
        return found + (leaving if leaving and row[-1] else [])

    def _candidates(self, sql: Raw, due: Due, limit: int, lock: bool = False) -> list[tuple]:
        """(case id, round, conversation) of cases that reached `due`, oldest first; with `lock` (PostgreSQL)
        they are locked for this transaction, skipping those another worker holds."""
        lock_clause = " FOR UPDATE OF c SKIP LOCKED" if lock and not sql.sqlite else ""
        return sql.all(self._query(due) + lock_clause, team=due.team, rung=due.rung, cutoff=sql.stamp(due.cutoff),
                       limit=limit)

    @staticmethod
    def _query(due: Due, suffix: str = "") -> str:
        """The cases that reached `due`: an indexed range on the clock that step counts from. The rungs below
        are a list (ours, not input): with state and team, equality on every column of the index but the
        clock, which is a range, so the look-up touches only the cases it returns."""
        below = ", ".join(str(rung) for rung in range(due.rung))
        clock = "waiting_since" if due.state == CaseState.WAITING.value else "customer_waiting_since"
        query = (f'SELECT c.id, c.waiting_round, c.conversation_id FROM "case" c WHERE c.state = \'{due.state}\' '
                 f"AND c.team = :team AND c.ladder_step IN ({below}) AND c.{clock} <= :cutoff "
                 f"ORDER BY c.{clock} LIMIT :limit")
        if suffix:
            for name in ("team", "rung", "cutoff", "limit"):
                query = query.replace(f":{name}", f":{name}{suffix}")
        return query

    def _take_due(self, session: Session, found: list[Due], now: datetime) -> Told:
        sql = Raw.of(session)
        _use_the_index(sql)
        told = Told()
        leaving = [due for due in found if due.step == ABANDON]
        if leaving:
            query, values = _abandon_query(sql, leaving, self.batch)
            by_team = {due.team: due for due in leaving}
            for case_id, waiting_round, team in sql.all(query + ("" if sql.sqlite else " FOR UPDATE OF c SKIP LOCKED"),
                                                         **values):
                if self._claim_rung(session, by_team[team], case_id, waiting_round, now):
                    told.merge(self.steps.take(session, by_team[team], case_id, now))
        for due in found:
            if due.step == ABANDON:
                continue
            candidates = self._candidates(sql, due, self.batch, lock=True)
            if due.step == REMIND:
                told.merge(self.steps.remind_all(sql, due, candidates, now))
                continue
            for case_id, waiting_round, _conversation in candidates:
                if self._claim_rung(session, due, case_id, waiting_round, now):
                    told.merge(self.steps.take(session, due, case_id, now))
        return told

    def _claim_rung(self, session: Session, due: Due, case_id: int, waiting_round: int, now: datetime) -> bool:
        """The step is ours: the case's rung moves up only if it is still below (and the round the same), and
        the step is recorded once per case and round. False when another worker (or tick) took it."""
        if due.step == ABANDON:
            claimed = True
        else:
            claimed = session.execute(
                update(Case).where(col(Case.id) == case_id, col(Case.state) == due.state,
                                   col(Case.waiting_round) == waiting_round, col(Case.ladder_step) < due.rung)
                .values(ladder_step=due.rung,
                        reminders_sent=Case.reminders_sent + (1 if due.state == CaseState.WAITING.value else 0))
                .execution_options(synchronize_session=False)).rowcount == 1
        if not claimed:
            return False
        sql = Raw.of(session)
        return sql.run("INSERT INTO reminder (case_id, waiting_round, step, team, detail, at) "
                       "VALUES (:case, :round, :step, :team, :detail, :at) "
                       "ON CONFLICT (case_id, waiting_round, step) DO NOTHING",
                       case=case_id, round=waiting_round, step=due.step, team=due.team,
                       detail=json.dumps({"after_minutes": self.steps.minutes(due)}), at=sql.stamp(now)).rowcount == 1

    # ------------------------------------------------------------------ the waiting customers

    async def _inform(self, now: datetime) -> Told:
        """Tell waiting customers whose place in the queue moved: the widget's header at once, a line from
        Llamita at most every `update_customer_every_minutes`. The queues are read again only when a case
        moved since (every move of a case is a case event) or a customer is still to be told."""
        version, rows = await self.service.store.read_raw(_waiting_cases, self._queue_version, self._lines_pending)
        self._queue_version = version
        if rows is None:
            return Told()
        self._lines_pending = False
        moved: list[tuple] = []
        positions: dict[str, int] = {}
        for row in rows:
            case_id, conversation_id, team, handed, shown, told_position, informed_at, language = row
            position = positions[team] = positions.get(team, 0) + 1
            informed_at = as_utc(informed_at) if informed_at is not None else None
            if told_position is not None and position < told_position:
                self._lines_pending = True     # told now, or at a later tick once the cadence allows
            if position != shown or self._line_due(team, position, told_position, informed_at, now):
                moved.append((case_id, conversation_id, team, handed, shown, position, told_position,
                              informed_at, language))
        if not moved:
            return Told()
        return await self.service.store.write_raw(self._tell_moves, moved, now)

    def _line_due(self, team: str, position: int, told_position: int | None, informed_at: datetime | None,
                  now: datetime) -> bool:
        """A line for a customer who moved up since they were last told, once the team's cadence allows."""
        if told_position is None or position >= told_position:
            return False
        plan = self.by_team.get(team)
        every = timedelta(minutes=plan.levels.update_customer_every_minutes if plan else 2)
        return informed_at is None or not timedelta(0) <= now - informed_at < every

    def _tell_moves(self, sql: Raw, moved: list[tuple], now: datetime) -> Told:
        told = Told()
        for case_id, conversation_id, team, handed, shown, position, told_position, informed_at, language in moved:
            handed_over_at = as_utc(handed)
            standing = self.room.standing(team, position, (now - handed_over_at).total_seconds(), now)
            # The worker whose update lands tells the customer (several workers read the same queue).
            if position != shown and sql.run(
                    'UPDATE "case" SET queue_position = :position WHERE id = :id AND state = \'waiting\' '
                    "AND queue_position IS NOT DISTINCT FROM :shown", position=position, id=case_id,
                    shown=shown).rowcount == 1:
                told.standings.append((conversation_id, standing))
            if not self._line_due(team, position, told_position, informed_at, now) or standing.back_at is not None:
                continue
            if sql.run('UPDATE "case" SET told_position = :position, informed_at = :now WHERE id = :id '
                       "AND told_position IS NOT DISTINCT FROM :told", position=position, now=sql.stamp(now),
                       id=case_id, told=told_position).rowcount != 1:
                continue
            line = conversations.append(sql, conversation_id, Author.BOT, self.room.line("moved", standing, language,
                                                                                          now),
                                        now, case_id=case_id, agent_name=self.agent_name, language=language)[1]
            told.lines.append((conversation_id, line, case_id, False))
        return told

    async def _refresh_pick_ups(self, now: datetime) -> None:
        """How long each team's recent cases waited to be claimed (for the customers' expected wait)."""
        if self._pick_ups_read is not None and timedelta(0) <= now - self._pick_ups_read < PICK_UPS_EVERY:
            return
        self._pick_ups_read = now
        rows = await self.service.store.read_raw(_recent_pick_ups, now - PICK_UP_WINDOW)
        waits: dict[str, list[float]] = {}
        for team, waiting_since, claimed_at in rows:
            start, end = as_utc(waiting_since), as_utc(claimed_at)
            if start is not None and end is not None and team:
                waits.setdefault(team, []).append((end - start).total_seconds())
        self.room.typical_seconds = {team: typical_pick_up(found) for team, found in waits.items()}

    async def _announce(self, told: Told) -> None:
        service = self.service
        if told.posts:
            service.outbox_ready.set()
        for conversation_id, line, case_id, to_staff in told.lines:
            await service.announce(conversation_id, line, case_id=case_id, to_staff=to_staff)
        for conversation_id, standing in told.standings:
            await service.tell_standing(conversation_id, standing)
        for conversation_id, status in told.statuses:
            await service.tell(conversation_id, status)
        for case_id, step in told.steps:
            log.info("case %s: scheduler step %s", case_id, step)


def _abandon_query(sql: Raw, leaving: list[Due], limit: int) -> tuple[str, dict]:
    """Cases whose customer left (no chat open, as the web chat reports every minute, and no message) for
    longer than their team's cutoff, in one look for every team that is open now. A customer who left an
    e-mail address for a follow-up is waited for. When every team was looked at before (`since`), only the
    conversations last seen in between are read (a range of the last_seen_at index), else all open cases."""
    cutoffs = " ".join(f"WHEN :abandon_team_{n} THEN :abandon_cutoff_{n}" for n in range(len(leaving)))
    params: dict = {"abandon_limit": limit}
    for n, due in enumerate(leaving):
        params[f"abandon_team_{n}"], params[f"abandon_cutoff_{n}"] = due.team, sql.stamp(due.cutoff)
    window = ""
    if all(due.since is not None for due in leaving):
        starts = " ".join(f"WHEN :abandon_team_{n} THEN :abandon_since_{n}" for n in range(len(leaving)))
        for n, due in enumerate(leaving):
            params[f"abandon_since_{n}"] = sql.stamp(due.since)
        params["abandon_low"] = sql.stamp(min(due.since for due in leaving))
        params["abandon_high"] = sql.stamp(max(due.cutoff for due in leaving))
        window = (f"AND v.last_seen_at > :abandon_low AND v.last_seen_at <= :abandon_high "
                  f"AND v.last_seen_at > CASE c.team {starts} END ")
        # From the conversations (CROSS JOIN: SQLite keeps that order) through the index range, to their cases.
        return ('SELECT c.id, c.waiting_round, c.team FROM conversation v CROSS JOIN "case" c '
                "WHERE c.conversation_id = v.id AND c.state IN ('waiting', 'claimed') AND c.follow_up_email IS NULL "
                + window +
                f"AND v.last_seen_at <= CASE c.team {cutoffs} END ORDER BY c.id LIMIT :abandon_limit"), params
    return ('SELECT c.id, c.waiting_round, c.team FROM "case" c JOIN conversation v ON v.id = c.conversation_id '
            "WHERE c.state IN ('waiting', 'claimed') AND c.follow_up_email IS NULL "
            f"AND v.last_seen_at <= CASE c.team {cutoffs} END ORDER BY c.id LIMIT :abandon_limit"), params


def _use_the_index(sql: Raw) -> None:
    """PostgreSQL's planner cannot know that a case's rung and its clock go together (every case past a
    cutoff has normally been taken already, so the look-ups find nothing), and on a few thousand rows it
    expects a sequential scan to find a match sooner. For this transaction only, it is told to use the
    scheduler's indexes, which answer each look-up by touching only the cases it returns."""
    if not sql.sqlite:
        sql.run("SET LOCAL enable_seqscan = off")


def _waiting_cases(sql: Raw, seen_version: object, again: bool) -> tuple[object, list[tuple] | None]:
    """The waiting cases in queue order, unless no case moved since `seen_version` (and nobody is still
    to be told): then (version, None) after one look at the newest case event."""
    version = sql.value("SELECT max(id) FROM caseevent")
    if version == seen_version and not again:
        return version, None
    return version, sql.all('SELECT id, conversation_id, team, handed_over_at, queue_position, told_position, '
                            "informed_at, language FROM \"case\" WHERE state = 'waiting' "
                            "ORDER BY team, handed_over_at, id")


def _recent_pick_ups(sql: Raw, since: datetime) -> list[tuple]:
    return sql.all('SELECT team, waiting_since, claimed_at FROM "case" WHERE claimed_at >= :since '
                   "ORDER BY claimed_at DESC LIMIT 500", since=sql.stamp(since))


__all__ = ["Due", "Scheduler", "TeamPlan", "Told", "due_steps"]
