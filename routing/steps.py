"""The scheduler's steps: what each one does to a case, inside the transaction that claimed it.

Each step queues the posts staff channels show (an edit of the card, a reminder in its thread) in the
outbox and, where the case moves (an escalation, an offer back, an abandonment), makes the move through
routing/cases.py, so every move is the same conditional update as a person's. `Told` collects what the
customers must hear once the transaction has committed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from bot.status_lines import status_line
from routing import conversations
from routing.cases import CaseBook
from routing.config import ServiceLevels
from routing.lifecycle import WITH_PEOPLE, CaseMove
from routing.models import Author, Case, CaseState, Claim, Reminder
from routing.service_levels import (
    ABANDON,
    ESCALATE,
    NUDGE,
    OFFER_BACK,
    REMIND,
    REMIND_LOUDLY,
    Hours,
)
from routing.store import Raw
from routing.views import MessageView
from routing.waiting import Standing, WaitingRoom


@dataclass(frozen=True)
class TeamPlan:
    team: str
    name: str
    levels: ServiceLevels
    hours: Hours | None
    escalate_to: str


@dataclass(frozen=True)
class Due:
    """One step to look for: cases of `team` in `state` whose clock started at or before `cutoff`."""
    team: str
    step: str
    rung: int
    cutoff: datetime
    since: datetime | None = None      # abandonment: cases whose customer was last seen after this were looked at

    @property
    def state(self) -> str:
        if self.step in (NUDGE, OFFER_BACK):
            return CaseState.CLAIMED.value
        return CaseState.WAITING.value


@dataclass
class Told:
    """What a tick has to announce once its transaction committed."""
    lines: list[tuple[str, MessageView, int, bool]] = field(default_factory=list)  # conversation, line, case, to staff
    standings: list[tuple[str, Standing]] = field(default_factory=list)
    statuses: list[tuple[str, dict]] = field(default_factory=list)
    steps: list[tuple[int, str]] = field(default_factory=list)                       # (case, step) taken
    posts: bool = False

    def merge(self, other: "Told") -> None:
        self.lines += other.lines
        self.standings += other.standings
        self.statuses += other.statuses
        self.steps += other.steps
        self.posts = self.posts or other.posts


class Steps:
    def __init__(self, book: CaseBook, room: WaitingRoom, agent_name: str, plans: list[TeamPlan]):
        self.book = book
        self.room = room
        self.agent_name = agent_name
        self.by_team = {plan.team: plan for plan in plans}

    def minutes(self, due: Due) -> float | None:
        levels = self.by_team[due.team].levels
        return {REMIND: levels.remind_after_minutes, REMIND_LOUDLY: levels.remind_loudly_after_minutes,
                ESCALATE: levels.escalate_after_minutes, NUDGE: levels.nudge_after_minutes,
                OFFER_BACK: levels.offer_back_after_minutes, ABANDON: levels.abandon_after_minutes}[due.step]

    # ------------------------------------------------------------------ the steps
    def remind_all(self, sql: Raw, due: Due, candidates: list[tuple], now: datetime) -> Told:
        """The commonest step, for a batch of cases in three statements: move their rung (only where it is
        still below), record the step once each, and queue an edit of each card (the card shows it)."""
        if not candidates:
            return Told()
        ids = {f"id{index}": case_id for index, (case_id, _round, _conversation) in enumerate(candidates)}
        listed = ", ".join(f":{name}" for name in ids)
        claimed = sql.all(f'UPDATE "case" SET ladder_step = :rung, reminders_sent = reminders_sent + 1 '
                          f"WHERE id IN ({listed}) AND state = 'waiting' AND ladder_step < :rung "
                          "RETURNING id, waiting_round", rung=due.rung, **ids)
        if not claimed:
            return Told()
        detail = json.dumps({"after_minutes": self.minutes(due)})
        rows = {f"c{index}": case_id for index, (case_id, _) in enumerate(claimed)}
        rounds = {f"r{index}": waiting_round for index, (_, waiting_round) in enumerate(claimed)}
        values = ", ".join(f"(:c{index}, :r{index}, :step, :team, :detail, :at)" for index in range(len(claimed)))
        recorded = [row[0] for row in sql.all(
            f"INSERT INTO reminder (case_id, waiting_round, step, team, detail, at) VALUES {values} "
            "ON CONFLICT (case_id, waiting_round, step) DO NOTHING RETURNING case_id",
            step=due.step, team=due.team, detail=detail, at=sql.stamp(now), **rows, **rounds)]
        if recorded:
            taken = {f"t{index}": case_id for index, case_id in enumerate(recorded)}
            # An edit of each case's newest card per channel (the same rule as every post to a case's threads).
            sql.run("INSERT INTO staffpost (case_id, message_id, channel, target, kind, status, attempts, "
                    "next_attempt_at, created_at) SELECT p.case_id, NULL, p.channel, p.target, 'card_update', "
                    "'pending', 0, :now, :now FROM staffpost p WHERE p.kind = 'card' AND p.case_id IN "
                    f"({', '.join(':' + name for name in taken)}) AND p.id = (SELECT max(q.id) FROM staffpost q "
                    "WHERE q.case_id = p.case_id AND q.channel = p.channel AND q.kind = 'card') ORDER BY p.id",
                    now=sql.stamp(now), **taken)
        return Told(steps=[(case_id, due.step) for case_id in recorded], posts=bool(recorded))
    # ------------------------------------------------------------------ the steps

    def take(self, session: Session, due: Due, case_id: int, now: datetime) -> Told:
        told = Told(steps=[(case_id, due.step)], posts=True)
        case = session.get(Case, case_id, populate_existing=True)
        plan = self.by_team[due.team]
        if due.step == REMIND:
            self.book.queue_to_threads(session, case.id, "card_update")
        elif due.step == REMIND_LOUDLY:
            self.book.queue_to_threads(session, case.id, "card_update")
            self._remind(session, case, "reminder", f"Reminder: case #{case.id} has waited "
                         f"{_minutes_text(plan, 'remind_loudly_after_minutes')} for a person and nobody "
                         "has claimed it yet. Claim it on the card to talk to the customer.", now)
        elif due.step == ESCALATE:
            self._escalate(session, case, plan, now, told)
        elif due.step == NUDGE:
            self._remind(session, case, "nudge", f"The customer has waited "
                         f"{_minutes_text(plan, 'nudge_after_minutes')} for a reply from "
                         f"{case.claimed_by_name or 'the person who claimed it'} on case #{case.id}.", now)
        elif due.step == OFFER_BACK:
            self._offer_back(session, case, plan, now, told)
        elif due.step == ABANDON:
            self._abandon(session, case, now, told)
        return told

    def _remind(self, session: Session, case: Case, kind: str, words: str, now: datetime) -> None:
        """A reminder in the case's threads: Llamita's own words, kept as a note the desk shows too."""
        note_id, _ = conversations.append(Raw.of(session), case.conversation_id, Author.NOTE, words, now,
                                          case_id=case.id, agent_name=self.agent_name, author_name=self.agent_name)
        self.book.queue_to_threads(session, case.id, kind, note_id)

    def _history(self, session: Session, case: Case) -> str:
        """Who was reminded this round, for the people the case is escalated to."""
        rows = session.execute(select(Reminder.step, Reminder.team, Reminder.detail).where(
            Reminder.case_id == case.id, Reminder.waiting_round == case.waiting_round,
            col(Reminder.step).in_([REMIND, REMIND_LOUDLY]))).all()
        said = {REMIND: "on the card", REMIND_LOUDLY: "in the thread, with @here"}
        parts = []
        for step, team, detail in rows:
            minutes = json.loads(detail or "{}").get("after_minutes")
            name = self.by_team[team].name if team in self.by_team else team
            parts.append(f"{name} {said[step]} at {minutes:g} min" if minutes is not None else f"{name} {said[step]}")
        return "; ".join(parts) if parts else "nobody (the reminders were off)"

    def _escalate(self, session: Session, case: Case, plan: TeamPlan, now: datetime, told: Told) -> None:
        minutes = _minutes_text(plan, "escalate_after_minutes")
        history = self._history(session, case)
        self.book.event(session, case.id, "escalated", None, {"from": case.team, "to": plan.escalate_to,
                                                              "reminded": history})
        if plan.escalate_to == case.team:
            # Nowhere further to send it: a last, loud reminder with who was already told.
            self.book.queue_to_threads(session, case.id, "card_update")
            self._remind(session, case, "reminder", f"Escalation: case #{case.id} has waited {minutes} and nobody "
                         f"has claimed it. Reminded so far: {history}. Someone please take it now.", now)
            return
        target = self.by_team[plan.escalate_to]
        self.book.queue_to_threads(session, case.id, "card_update")   # the old card shows where it went
        self.book.move(session, case, CaseMove.TRANSFER, team=target.team, **self.book.starts_waiting(case, now))
        self.book.queue_cards(session, case)
        self._remind(session, case, "reminder", f"Escalated from {plan.name}: case #{case.id} waited {minutes} "
                     f"there and nobody claimed it. Reminded: {history}. Please take it or assign it.", now)
        line = self.book.line(session, case, status_line("transferred", case.language, team=target.name))
        told.lines.append((case.conversation_id, line, case.id, True))
        told.standings.append((case.conversation_id, self.book.told_standing(session, case, now)))

    def _offer_back(self, session: Session, case: Case, plan: TeamPlan, now: datetime, told: Told) -> None:
        holder = case.claimed_by_name or "Your colleague"
        self.book.move(session, case, CaseMove.OFFER_BACK, claimed_by=None, claimed_by_name=None, claimed_at=None,
                       **self.book.starts_waiting(case, now))
        session.execute(update(Claim).where(col(Claim.case_id) == case.id, col(Claim.released_at).is_(None))
                        .values(released_at=now, released_because="offered back"))
        self.book.event(session, case.id, "offered_back", None, {"from": holder})
        self.book.queue_to_threads(session, case.id, "card_update")
        self._remind(session, case, "reminder", f"Offered back: the customer waited "
                     f"{_minutes_text(plan, 'offer_back_after_minutes')} without a reply from {holder}, "
                     f"so case #{case.id} is back in the queue. Anyone in {plan.name} can claim it.", now)
        line = self.book.line(session, case, status_line("offered_back", case.language, name=holder, team=plan.name))
        told.lines.append((case.conversation_id, line, case.id, True))
        told.standings.append((case.conversation_id, self.book.told_standing(session, case, now)))

    def _abandon(self, session: Session, case: Case, now: datetime, told: Told) -> None:
        if CaseState(case.state) not in WITH_PEOPLE:
            return
        self.book.move(session, case, CaseMove.ABANDON, closed_at=now, customer_waiting_since=None,
                       queue_position=None)
        session.execute(update(Claim).where(col(Claim.case_id) == case.id, col(Claim.released_at).is_(None))
                        .values(released_at=now, released_because="abandoned"))
        self.book.event(session, case.id, "abandoned", None, {"why": "the customer left"})
        self.book.queue_to_threads(session, case.id, "card_update")
        told.statuses.append((case.conversation_id, {"type": "status", "state": CaseState.ABANDONED.value,
                                                     "agent": None}))

def _minutes_text(plan: TeamPlan, setting: str) -> str:
    minutes = getattr(plan.levels, setting)
    whole = round(minutes) if minutes is not None else 0
    return f"{minutes:g} min" if minutes is not None and minutes != whole else f"{whole} min"
