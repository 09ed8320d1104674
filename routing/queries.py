"""Read-only pictures of cases for cards, the desk and Slack's queue, in a constant number of queries.

A page of cases is a constant number of queries whatever its size: the cases with their customers and
conversations, the last few messages of every case on the page (one windowed query), the bookings of
their accounts, and for the hand-over summary (bot.summary.HandOver): what the customers and Llamita
wrote (one windowed query), the customers' other cases, and the transfers.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import func, select
from sqlmodel import Session

from bot.decision import BookingFacts, CustomerProfile, Memory
from bot.language_choice import machine_translation_on
from bot.summary import HandOverFacts, hand_over
from routing.conversations import ACCOUNT, BOOKING, CONVERSATION, CUSTOMER
from routing.lifecycle import WITH_PEOPLE
from routing.models import Author, Case, CaseEvent, CaseState, Message, StaffThread, utcnow
from routing.views import CaseView, CustomerView, MessageView

CARD_RECENT_MESSAGES = 5
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SUMMARY_MESSAGES = 60       # of each author, per conversation, that the summary reads (its facts, its counts)


@dataclass(frozen=True)
class CasePage:
    cases: list[CaseView]
    total: int                   # open cases matching the filter, on every page
    next_after: int | None       # pass as `after` for the next page; None on the last one


class CaseViews:
    def __init__(self, agent_name: str, team_names: dict[str, str], staff_languages: tuple[str, ...],
                 translator_available: bool = False, clock: Callable[[], datetime] = utcnow):
        self.agent_name = agent_name
        self.team_names = team_names
        self.staff_languages = staff_languages
        self.translator_available = translator_available
        self.clock = clock          # a view says how long a case has waited as of routing's clock

    def translating(self, language: str | None, choice: str | None) -> bool:
        return machine_translation_on(language, choice, self.staff_languages, self.translator_available)

    def one(self, session: Session, case: Case, recent: int = CARD_RECENT_MESSAGES) -> CaseView:
        return self._views(session, [case], recent)[0]

    def by_id(self, session: Session, case_id: int, recent: int) -> CaseView | None:
        case = session.get(Case, case_id)
        return self.one(session, case, recent) if case else None

    def open_page(self, session: Session, team: str | None, after: int = 0, limit: int = PAGE_SIZE,
                  recent: int = CARD_RECENT_MESSAGES) -> CasePage:
        """Cases waiting for or with people, oldest hand-over first, `limit` at a time after case id `after`
        in that order (the case id of the last one on the previous page)."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        where = [Case.state.in_([state.value for state in WITH_PEOPLE])]
        if team:
            where.append(Case.team == team)
        total = session.execute(select(func.count()).select_from(Case).where(*where)).scalar_one()
        order = (Case.handed_over_at, Case.id)
        query = select(Case).where(*where)
        if after:
            anchor = session.execute(select(Case.handed_over_at).where(Case.id == after)).first()
            if anchor is not None:
                query = query.where((Case.handed_over_at > anchor[0])
                                    | ((Case.handed_over_at == anchor[0]) & (Case.id > after)))
        cases = list(session.scalars(query.order_by(*order).limit(limit + 1)))
        more = len(cases) > limit
        cases = cases[:limit]
        return CasePage(self._views(session, cases, recent), total, cases[-1].id if more and cases else None)

    def closed_page(self, session: Session, search: str | None, since: datetime | None, until: datetime | None,
                    after: int = 0, limit: int = PAGE_SIZE) -> CasePage:
        """Closed cases (resolved or abandoned), newest first, that match `search` (a case number, the customer's
        name, e-mail or id, a booking reference, or words anyone wrote in the conversation) and were closed in
        [since, until). Every filter is an indexed look-up: closed cases by (state, closed_at), messages by case."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        where = [Case.state.in_([CaseState.RESOLVED.value, CaseState.ABANDONED.value])]
        if since is not None:
            where.append(Case.closed_at >= since)
        if until is not None:
            where.append(Case.closed_at < until)
        if search:
            where.append(_matching(search))
        total = session.execute(select(func.count()).select_from(Case).where(*where)).scalar_one()
        query = select(Case).where(*where)
        if after:
            anchor = session.execute(select(Case.closed_at).where(Case.id == after)).first()
            if anchor is not None and anchor[0] is not None:
                query = query.where((Case.closed_at < anchor[0]) | ((Case.closed_at == anchor[0]) & (Case.id < after)))
        cases = list(session.scalars(query.order_by(Case.closed_at.desc(), Case.id.desc()).limit(limit + 1)))
        more = len(cases) > limit
        cases = cases[:limit]
        return CasePage(self._views(session, cases, 0), total, cases[-1].id if more and cases else None)

    def _views(self, session: Session, cases: list[Case], recent: int) -> list[CaseView]:
        if not cases:
            return []
        conversation_ids = list({case.conversation_id for case in cases})
        customers = {row.conversation_id: row for row in session.execute(
            select(CONVERSATION.c.id.label("conversation_id"), CONVERSATION.c.customer_id,
                   CONVERSATION.c.language_choice, CONVERSATION.c.brain_memory, CUSTOMER.c.name, CUSTOMER.c.tier,
                   CUSTOMER.c.email, CUSTOMER.c.external_id, CUSTOMER.c.account_id, ACCOUNT.c.frozen)
            .join_from(CONVERSATION, CUSTOMER, CUSTOMER.c.id == CONVERSATION.c.customer_id)
            .outerjoin(ACCOUNT, ACCOUNT.c.id == CUSTOMER.c.account_id)
            .where(CONVERSATION.c.id.in_(conversation_ids)))}
        accounts = {row.account_id for row in customers.values() if row.account_id}
        bookings: dict[str, list[BookingFacts]] = defaultdict(list)
        if accounts:
            for row in session.execute(
                    select(BOOKING.c.account_id, BOOKING.c.reference, BOOKING.c.summary, BOOKING.c.departure,
                           BOOKING.c.status).where(BOOKING.c.account_id.in_(accounts))
                    .order_by(BOOKING.c.account_id, BOOKING.c.reference)):
                bookings[row.account_id].append(BookingFacts(row.reference, row.summary, row.departure, row.status))
        messages = self._recent(session, conversation_ids, recent) if recent else {}
        written = self._written(session, conversation_ids)
        history = self._history(session, {row.customer_id for row in customers.values() if row.external_id})
        transfers = self._transfers(session, [case.id for case in cases if case.reason])
        now = self.clock()
        views = []
        for case in cases:
            row = customers.get(case.conversation_id)
            own_bookings = tuple(bookings.get(row.account_id, ())) if row and row.account_id else ()
            customer = CustomerView(
                name=row.name if row else None, tier=row.tier if row else None,
                booking=own_bookings[0].reference if own_bookings else None,
                verified=bool(row and row.external_id), email=row.email if row else None,
                account_frozen=bool(row and row.frozen))
            choice = row.language_choice if row else None
            translating = self.translating(case.language, choice)
            handover = None
            if case.reason:
                earlier = [(conversation, case_id) for conversation, case_id in history.get(row.customer_id, ())
                           if case_id < case.id] if row and row.external_id else []
                said = written.get(case.conversation_id, {})
                profile = CustomerProfile(name=customer.name, tier=customer.tier, booking=customer.booking,
                                          account_id=row.account_id, verified=True, bookings=own_bookings,
                                          account_frozen=customer.account_frozen) if customer.verified else None
                signals = tuple(json.loads(case.signals or "[]"))
                hot = next((s.split(".", 1)[1] for s in signals if s.startswith("hot_topic.")), None)
                handover = hand_over(HandOverFacts(
                    reason=case.reason, state=case.state,
                    team_name=self.team_names.get(case.team) if case.team else None,
                    claimed_by_name=case.claimed_by_name, language=case.language, language_choice=choice,
                    staff_languages=self.staff_languages, translating=translating,
                    translator_available=self.translator_available, signals=signals,
                    actions=tuple(json.loads(case.actions or "[]")),
                    memory=_memory(row.brain_memory if row else None),
                    customer_messages=tuple(said.get("customer", ())), bot_replies=len(said.get("bot", ())),
                    earlier_conversations=len({conversation for conversation, _ in earlier
                                               if conversation != case.conversation_id}),
                    earlier_cases=len(earlier), customer=profile,
                    transferred_from=tuple(self.team_names.get(team, team) for team in transfers.get(case.id, ())),
                    hot_topic=hot.replace("_", " ") if hot else None))
            views.append(CaseView.of(case, customer, self.team_names.get(case.team) if case.team else None,
                                     self.staff_languages, tuple(messages.get(case.conversation_id, ())), now,
                                     language_choice=choice, translating=translating, handover=handover))
        return views

    def _written(self, session: Session, conversation_ids: list[str]) -> dict[str, dict[str, list]]:
        """What the customers and Llamita wrote, oldest first (at most SUMMARY_MESSAGES of each), in one query."""
        numbered = (select(Message.conversation_id, Message.author, Message.text, Message.translation, Message.seq,
                           func.row_number().over(partition_by=(Message.conversation_id, Message.author),
                                                  order_by=Message.seq).label("nth"))
                    .where(Message.conversation_id.in_(conversation_ids),
                           Message.author.in_([Author.CUSTOMER.value, Author.BOT.value]))
                    .subquery())
        found: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for row in session.execute(select(numbered).where(numbered.c.nth <= SUMMARY_MESSAGES)
                                   .order_by(numbered.c.conversation_id, numbered.c.seq)):
            found[row.conversation_id][row.author].append((row.text, row.translation))
        return found

    @staticmethod
    def _history(session: Session, customer_ids: set[int]) -> dict[int, list[tuple[str, int]]]:
        """Every (conversation, case) of these signed-in customers."""
        if not customer_ids:
            return {}
        found: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for customer_id, conversation_id, case_id in session.execute(
                select(CONVERSATION.c.customer_id, Case.conversation_id, Case.id)
                .join_from(Case, CONVERSATION, CONVERSATION.c.id == Case.conversation_id)
                .where(CONVERSATION.c.customer_id.in_(customer_ids))):
            found[customer_id].append((conversation_id, case_id))
        return found

    @staticmethod
    def _transfers(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
        """The teams each case was transferred away from, oldest first."""
        if not case_ids:
            return {}
        found: dict[int, list[str]] = defaultdict(list)
        for case_id, detail in session.execute(
                select(CaseEvent.case_id, CaseEvent.detail).where(CaseEvent.case_id.in_(case_ids),
                                                                  CaseEvent.kind == "transferred")
                .order_by(CaseEvent.id)):
            team = json.loads(detail or "{}").get("from")
            if team:
                found[case_id].append(team)
        return found

    def _recent(self, session: Session, conversation_ids: list[str], recent: int) -> dict[str, list[MessageView]]:
        """The last `recent` messages the customer saw, of every conversation, in one windowed query."""
        numbered = (select(Message, func.row_number().over(partition_by=Message.conversation_id,
                                                           order_by=Message.seq.desc()).label("nth"))
                    .where(Message.conversation_id.in_(conversation_ids), Message.author != Author.NOTE)
                    .subquery())
        rows = session.execute(select(numbered).where(numbered.c.nth <= recent)
                               .order_by(numbered.c.conversation_id, numbered.c.seq)).all()
        found: dict[str, list[MessageView]] = defaultdict(list)
        for row in rows:
            name = row.author_name or (self.agent_name if row.author == Author.BOT else None)
            found[row.conversation_id].append(MessageView(
                row.seq, row.author, name, row.text, row.created_at, row.translation,
                row.client_id if row.author == Author.CUSTOMER else None,
                translation_state=row.translation_state, translation_language=row.translation_language))
        return found


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(search: str):
    """A case matches by its number, its customer, a booking of the customer's account, or its words."""
    search = search.strip()[:200]
    pattern = _like(search)
    customers = select(CONVERSATION.c.id).join(CUSTOMER, CUSTOMER.c.id == CONVERSATION.c.customer_id).where(
        CUSTOMER.c.name.ilike(pattern, escape="\\") | CUSTOMER.c.email.ilike(pattern, escape="\\")
        | (CUSTOMER.c.external_id == search)
        | CUSTOMER.c.account_id.in_(select(BOOKING.c.account_id).where(BOOKING.c.reference == search.upper())))
    words = select(Message.id).where(Message.case_id == Case.id, Message.text.ilike(pattern, escape="\\"))
    matches = Case.conversation_id.in_(customers) | words.exists() | Case.summary.ilike(pattern, escape="\\")
    number = search.lstrip("#")
    if number.isdigit() and len(number) < 10:
        matches = matches | (Case.id == int(number))
    return matches


@dataclass(frozen=True)
class EarlierCase:
    id: int
    state: str
    reason: str | None
    opened_at: datetime
    closed_at: datetime | None


def earlier_cases(session: Session, case_ids: list[int], per_case: int = 5) -> dict[int, list[EarlierCase]]:
    """For each case, the customer's other cases (newest first): a returning customer's history, in two queries."""
    if not case_ids:
        return {}
    owners = dict(session.execute(
        select(Case.id, CONVERSATION.c.customer_id).join(CONVERSATION, CONVERSATION.c.id == Case.conversation_id)
        .where(Case.id.in_(case_ids))).all())
    if not owners:
        return {}
    rows = session.execute(
        select(Case.id, Case.state, Case.reason, Case.opened_at, Case.closed_at, CONVERSATION.c.customer_id)
        .join(CONVERSATION, CONVERSATION.c.id == Case.conversation_id)
        .where(CONVERSATION.c.customer_id.in_(set(owners.values())), Case.handed_over_at.is_not(None))
        .order_by(Case.id.desc())).all()
    by_customer: dict[int, list] = defaultdict(list)
    for row in rows:
        by_customer[row.customer_id].append(row)
    found: dict[int, list[EarlierCase]] = {}
    for case_id, customer_id in owners.items():
        others = [EarlierCase(row.id, row.state, row.reason, row.opened_at, row.closed_at)
                  for row in by_customer.get(customer_id, []) if row.id != case_id]
        found[case_id] = others[:per_case]
    return found
def _memory(raw: str | None) -> Memory:
    try:
        return Memory.from_json(raw)
    except (ValueError, TypeError):
        return Memory()


def case_for_thread(session: Session, channel: str, card_ref: str, target: str | None) -> int | None:
    query = select(StaffThread.case_id).where(StaffThread.channel == channel, StaffThread.card_ref == card_ref)
    if target is not None:
        query = query.where(StaffThread.target == target)
    return session.execute(query.order_by(StaffThread.id.desc())).scalars().first()


def staff_threads(session: Session, case_id: int, channel: str) -> list[tuple[str, str]]:
    return [(target, card_ref) for target, card_ref in session.execute(
        select(StaffThread.target, StaffThread.card_ref).where(StaffThread.case_id == case_id,
                                                               StaffThread.channel == channel)
        .order_by(StaffThread.id))]


def counts_by_state(session: Session) -> dict[str, int]:
    return {state: count for state, count in session.execute(
        select(Case.state, func.count()).group_by(Case.state))}
