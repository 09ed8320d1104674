"""Read-only pictures of cases for cards, the desk and Slack's queue, in a constant number of queries.

A page of cases is three queries whatever its size: the cases with their customers, the last few
messages of every case on the page (one windowed query), and the bookings of their accounts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import func, select
from sqlmodel import Session

from routing.conversations import BOOKING, CONVERSATION, CUSTOMER
from routing.lifecycle import WITH_PEOPLE
from routing.models import Author, Case, Message, StaffThread, utcnow
from routing.views import CaseView, CustomerView, MessageView

CARD_RECENT_MESSAGES = 5
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class CasePage:
    cases: list[CaseView]
    total: int                   # open cases matching the filter, on every page
    next_after: int | None       # pass as `after` for the next page; None on the last one


class CaseViews:
    def __init__(self, agent_name: str, team_names: dict[str, str], staff_languages: tuple[str, ...],
                 clock: Callable[[], datetime] = utcnow):
        self.agent_name = agent_name
        self.team_names = team_names
        self.staff_languages = staff_languages
        self.clock = clock          # a view says how long a case has waited as of routing's clock

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

    def _views(self, session: Session, cases: list[Case], recent: int) -> list[CaseView]:
        if not cases:
            return []
        conversation_ids = list({case.conversation_id for case in cases})
        customers = {row.conversation_id: row for row in session.execute(
            select(CONVERSATION.c.id.label("conversation_id"), CUSTOMER.c.name, CUSTOMER.c.tier, CUSTOMER.c.email,
                   CUSTOMER.c.external_id, CUSTOMER.c.account_id)
            .join_from(CONVERSATION, CUSTOMER, CUSTOMER.c.id == CONVERSATION.c.customer_id)
            .where(CONVERSATION.c.id.in_(conversation_ids)))}
        accounts = {row.account_id for row in customers.values() if row.account_id}
        first_booking: dict[str, str] = {}
        if accounts:
            for account_id, reference in session.execute(
                    select(BOOKING.c.account_id, func.min(BOOKING.c.reference))
                    .where(BOOKING.c.account_id.in_(accounts)).group_by(BOOKING.c.account_id)):
                first_booking[account_id] = reference
        messages = self._recent(session, conversation_ids, recent) if recent else {}
        now = self.clock()
        views = []
        for case in cases:
            row = customers.get(case.conversation_id)
            customer = CustomerView(
                name=row.name if row else None, tier=row.tier if row else None,
                booking=first_booking.get(row.account_id) if row and row.account_id else None,
                verified=bool(row and row.external_id), email=row.email if row else None)
            views.append(CaseView.of(case, customer, self.team_names.get(case.team) if case.team else None,
                                     self.staff_languages, tuple(messages.get(case.conversation_id, ())), now))
        return views

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
                row.client_id if row.author == Author.CUSTOMER else None))
        return found


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
