"""The moves of a case in the database: hand-over, claim, staff messages, transfer, resolve.

Each public method of CaseBook is one transaction body (`work(session, ...)`, run by the Store in
a worker thread). Every move is one conditional UPDATE checked against routing/lifecycle.py, so
of two moves at once (two claims, a resolve and a transfer, two workers) exactly one happens. The
posts that tell staff channels about a move are queued in the same transaction (the outbox).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from sqlalchemy import func, update
from sqlmodel import Session, col

from bot.decision import CustomerProfile, Decision
from bot.language_choice import chosen_line, conversation_language
from bot.status_lines import status_line
from routing import conversations, feedback
from routing.config import OperatorConfig, TeamConfig
from routing.lifecycle import CaseMove, IllegalMove, next_state
from routing.models import Author, Case, CaseEvent, CaseState, Claim, Conversation, Customer, DemoAccount, StaffPost
from routing.redact import mask_card_numbers
from routing.store import Raw
from routing.views import CaseView, MessageView, StaffMember
from routing.waiting import Standing, WaitingRoom, position_of

MAX_CASE_ID = 2**31 - 1     # case ids are the database's 32-bit integers
STAFF_SIDE = (Author.STAFF.value, Author.NOTE.value)

# Where a team's cases go: (staff channel name, that platform's channel id) for each channel that has one.
Targets = Callable[[TeamConfig], Iterable[tuple[str, str]]]
# Whether a conversation in this language, with this choice, is machine-translated both ways.
Translating = Callable[[str | None, str | None], bool]


class CaseNotFound(LookupError):
    pass


class CaseChanged(IllegalMove):
    """Someone else changed the case between reading it and acting on it (another click, another worker)."""

    def __init__(self, state: str, move: CaseMove):
        super().__init__(state, move)
        self.args = (f"the case changed meanwhile (it was {state}); look again",)


class NotYours(IllegalMove):
    """A staff action on a case a colleague holds: take it over first."""

    def __init__(self, message: str):
        ValueError.__init__(self, message)


@dataclass(frozen=True)
class ClaimOutcome:
    won: bool
    case: CaseView
    holder_name: str | None    # who has it (the winner, or whoever had it already)
    line: MessageView | None = None   # the "Ana joined" line the customer gets when won


@dataclass(frozen=True)
class StaffMessageOutcome:
    message: MessageView | None
    to_customer: bool          # False: kept as an internal note
    duplicate: bool = False
    conversation_id: str | None = None
    message_id: int | None = None
    # Translated into the customer's language before they see it (routing/translation.py): not announced yet.
    awaiting_translation: bool = False


@dataclass(frozen=True)
class Moved:
    """A case after a staff move, and the status line the customer got."""
    case: CaseView
    line: MessageView
    rating_asked: bool = False    # resolved: the customer is asked to rate it (routing/feedback.py)


class CaseBook:
    def __init__(self, operator: OperatorConfig, targets: Targets, clock: Callable[[], datetime],
                 view: Callable[[Session, Case], CaseView], translating: Translating = lambda _l, _c: False,
                 room: WaitingRoom | None = None):
        self.operator = operator
        self.targets = targets
        self.clock = clock
        self.view = view
        self.translating = translating
        self.room = room or WaitingRoom(operator)

    # ------------------------------------------------------------------ reading a case

    def get(self, session: Session, case_id: int | None) -> Case:
        # An id beyond the database's integers (a typed "/llamita resolve 99999999999999999999") names no
        # case; asking PostgreSQL for it would be an error, not an answer.
        known = case_id is not None and 0 < case_id <= MAX_CASE_ID
        case = session.get(Case, case_id) if known else None
        if case is None:
            raise CaseNotFound(f"no case {case_id}")
        return case

    # ------------------------------------------------------------------ Llamita hands over

    def hand_over(self, session: Session, case_id: int, decision: Decision,
                  profile: CustomerProfile | None) -> Standing:
        """Move the case to the people, run the brain's tools, and queue its card for every staff channel.
        Returns where the customer now stands in the team's queue (Llamita's reply tells them)."""
        case = self.get(session, case_id)
        known_teams = {team.id for team in self.operator.teams}
        now = self.clock()
        self.move(session, case, CaseMove.HAND_OVER, reason=decision.reason,
                  summary=mask_card_numbers(decision.summary),   # the brain's words may quote the customer's
                  team=decision.team if decision.team in known_teams else self.operator.fallback_team,
                  handed_over_at=now, handover_sentiment=decision.sentiment, **self.starts_waiting(case, now))
        actions = json.loads(case.actions)
        for tool in decision.tools:
            actions.append(self._run_tool(session, tool.name, profile))
        case.actions = json.dumps(actions)
        self.event(session, case.id, "handed_over", None, {
            "reason": case.reason, "team": case.team, "explanation": decision.explain(),
            "signals": [signal.name for signal in decision.signals]})
        self.queue_cards(session, case)
        return self.told_standing(session, case, now)

    def told_standing(self, session: Session, case: Case, now: datetime) -> Standing:
        """Where the case stands in its team's queue, remembered as what the customer was just told."""
        position = position_of(Raw.of(session), case.id, case.team, case.handed_over_at)
        case.queue_position = case.told_position = position
        return self.room.standing(case.team, position, (now - case.handed_over_at).total_seconds(), now)

    @staticmethod
    def starts_waiting(case: Case, now: datetime) -> dict:
        """The values that start a new wait for a claim: a new round of the scheduler's ladder."""
        return {"waiting_since": now, "waiting_round": case.waiting_round + 1, "ladder_step": 0,
                "reminders_sent": 0, "customer_waiting_since": None, "informed_at": None}

    def _run_tool(self, session: Session, name: str, profile: CustomerProfile | None) -> dict:
        if name == "freeze_account":
            # Only the verified profile's account: never an id the brain took from what the customer typed.
            account_id = profile.account_id if profile else None
            account = session.get(DemoAccount, account_id) if account_id else None
            if account is None:
                return {"action": "freeze_account", "done": False, "why": "no account linked to this chat"}
            account.frozen, account.frozen_at = True, self.clock()
            account.frozen_reason = "security hand-over"
            return {"action": "freeze_account", "done": True, "account": account.id}
        return {"action": name, "done": False, "why": "unknown action"}

    # ------------------------------------------------------------------ staff moves

    def claim(self, session: Session, case_id: int, staff: StaffMember, take_over: bool) -> ClaimOutcome:
        """Exactly one of several simultaneous claims wins; the others learn who has the case."""
        now = self.clock()
        case = self.get(session, case_id)
        previous = case.claimed_by
        mine = case.state == CaseState.CLAIMED.value and previous == staff.id
        claimable = case.state == CaseState.WAITING.value or (case.state == CaseState.CLAIMED.value and take_over)
        try:
            if mine or not claimable:
                raise CaseChanged(case.state, CaseMove.CLAIM)
            # The customer now waits for the claimer's first words: the stalled ladder's clock starts.
            self.move(session, case, CaseMove.CLAIM, claimed_by=staff.id, claimed_by_name=staff.name, claimed_at=now,
                      customer_waiting_since=now, waiting_round=case.waiting_round + 1, ladder_step=0,
                      queue_position=None, first_claimed_at=func.coalesce(Case.first_claimed_at, now))
        except CaseChanged:
            session.refresh(case)   # nothing was written: see who has it now
            # Claiming what you already hold (a double click, a retry) is a success, not a conflict.
            already_mine = case.state == CaseState.CLAIMED.value and case.claimed_by == staff.id
            return ClaimOutcome(already_mine, self.view(session, case), case.claimed_by_name)
        if previous:
            self._release_claims(session, case_id, "taken over", now)
        session.add(Claim(case_id=case_id, staff_id=staff.id, staff_name=staff.name, channel=staff.channel,
                          claimed_at=now))
        self.event(session, case.id, "taken_over" if previous else "claimed", staff,
                   {"from": previous} if previous else {})
        team = self.operator.team(case.team or self.operator.fallback_team)
        line = self.line(session, case, status_line("joined", self.voice(session, case), name=staff.name,
                                                    team=team.name))
        self.queue_to_threads(session, case.id, "card_update")
        return ClaimOutcome(True, self.view(session, case), staff.name, line)

    def staff_message(self, session: Session, case_id: int, staff: StaffMember, text: str,
                      external_id: str | None) -> StaffMessageOutcome:
        """A reply from the claimer goes to the customer; anyone else's words stay an internal note."""
        case = self.get(session, case_id)
        sql = Raw.of(session)
        # Lock the conversation first (as taking a number does): a resend, or a claim racing this message,
        # is seen whole.
        current = conversations.lock_conversation(sql, case.conversation_id)
        if external_id and (seen := conversations.seen_client_id(session, case.conversation_id, external_id,
                                                                 STAFF_SIDE)):
            return StaffMessageOutcome(MessageView.of(seen, self.operator.agent_name), seen.author == Author.STAFF,
                                       duplicate=True)
        session.refresh(case)  # who holds it now, after the lock
        to_customer = case.state == CaseState.CLAIMED.value and case.claimed_by == staff.id
        if to_customer:
            case.customer_waiting_since = None   # answered: the stalled ladder stops until they write again
        # A reply to a customer whose language the staff do not speak is translated before they see it.
        translate = to_customer and self.translating(case.language, self._choice(sql, case.conversation_id))
        # A note takes no number of the customer's: it carries the number of the message it follows.
        seq = conversations.take_seq(sql, case.conversation_id) if to_customer else current
        message_id, view = conversations.append(
            sql, case.conversation_id, Author.STAFF if to_customer else Author.NOTE, text, self.clock(),
            case_id=case.id, seq=seq, client_id=external_id, author_id=staff.id, author_name=staff.name,
            agent_name=self.operator.agent_name, translation_state="pending" if translate else None,
            translation_language=case.language if translate else None)
        # Mirror it to the case's other staff channels (a desk reply shows in the Slack thread too).
        self.queue_to_threads(session, case.id, "message", message_id, skip_channel=staff.channel)
        return StaffMessageOutcome(view, to_customer, conversation_id=case.conversation_id, message_id=message_id,
                                   awaiting_translation=translate)

    @staticmethod
    def _choice(sql: Raw, conversation_id: str) -> str | None:
        return sql.value("SELECT language_choice FROM conversation WHERE id = :id", id=conversation_id)

    def voice(self, session: Session, case: Case) -> str | None:
        """The language Llamita's status lines to this customer are in: the staff language they chose, or theirs."""
        return conversation_language(case.language, self._choice(Raw.of(session), case.conversation_id))

    def choose_language(self, session: Session, conversation_id: str, choice: str) -> tuple[MessageView, int | None]:
        """The customer chose a staff language, or to keep theirs with machine translation: kept on the
        conversation, recorded on its open case (whose cards show it), and confirmed to the customer."""
        session.execute(update(Conversation).where(col(Conversation.id) == conversation_id)
                        .values(language_choice=choice).execution_options(synchronize_session=False))
        case_id = conversations.open_case_of(Raw.of(session), conversation_id)
        case = session.get(Case, case_id[0]) if case_id else None
        language = case.language if case else session.get(Conversation, conversation_id).language
        line_text = chosen_line(choice, language)
        if case is not None:
            self.event(session, case.id, "language_chosen", None, {"choice": choice, "language": language})
            self.queue_to_threads(session, case.id, "card_update")
            return self.line(session, case, line_text), case.id
        return conversations.append(Raw.of(session), conversation_id, Author.SYSTEM, line_text, self.clock(),
                                    case_id=None, agent_name=self.operator.agent_name)[1], None

    def close(self, session: Session, case_id: int, staff: StaffMember, move: CaseMove) -> Moved:
        case = self.get(session, case_id)
        self.require_holder(case, staff, "resolve")
        now = self.clock()
        self.move(session, case, move, closed_at=now, closing_sentiment=feedback.closing_sentiment(session, case),
                  messages=feedback.messages_of(session, case.id))
        self._release_claims(session, case_id, move.value, now)
        self.event(session, case.id, "resolved" if move is CaseMove.RESOLVE else "abandoned", staff, {})
        line = self.line(session, case, status_line("resolved", self.voice(session, case), name=staff.name))
        self.queue_to_threads(session, case.id, "card_update")
        asked = move is CaseMove.RESOLVE and feedback.offer_rating(session, case, self.operator.feedback.rating, now)
        return Moved(self.view(session, case), line, asked)

    def transfer(self, session: Session, case_id: int, team_id: str, staff: StaffMember) -> Moved:
        if team_id not in {team.id for team in self.operator.teams}:
            raise ValueError(f"unknown team {team_id!r}")
        case = self.get(session, case_id)
        self.require_holder(case, staff, "transfer")
        self.queue_to_threads(session, case.id, "card_update")  # the old card shows where it went
        old_team = case.team
        self.move(session, case, CaseMove.TRANSFER, team=team_id, claimed_by=None, claimed_by_name=None,
                  claimed_at=None, **self.starts_waiting(case, self.clock()))
        self._release_claims(session, case_id, "transferred", self.clock())
        self.event(session, case.id, "transferred", staff, {"from": old_team, "to": team_id})
        line = self.line(session, case, status_line("transferred", self.voice(session, case),
                                                     team=self.operator.team(team_id).name))
        self.queue_cards(session, case)
        return Moved(self.view(session, case), line)

    def unfreeze(self, session: Session, case_id: int, staff: StaffMember) -> Moved:
        """Unfreeze the account of the case's customer (frozen by Llamita on a security hand-over, once a
        person has confirmed who they are). Recorded on the case (an event and its actions); the customer
        is told. Of two clicks at once, one unfreezes and the other is told it is not frozen any more."""
        case = self.get(session, case_id)
        self.require_holder(case, staff, "unfreeze the account of")
        conversation = session.get(Conversation, case.conversation_id)
        customer = session.get(Customer, conversation.customer_id)
        account_id = customer.account_id if customer and customer.external_id else None
        if account_id is None:
            raise ValueError("no account is linked to this case's customer")
        # The same lock order as a hand-over that freezes: conversation, case, then the account.
        conversations.lock_conversation(Raw.of(session), case.conversation_id)
        case.actions = json.dumps(json.loads(case.actions) + [
            {"action": "unfreeze_account", "done": True, "account": account_id, "by": staff.name}])
        session.flush()
        thawed = session.execute(
            update(DemoAccount).where(col(DemoAccount.id) == account_id, col(DemoAccount.frozen).is_(True))
            .values(frozen=False, frozen_at=None, frozen_reason=None).execution_options(synchronize_session=False))
        if thawed.rowcount != 1:
            raise ValueError(f"account {account_id} is not frozen")
        self.event(session, case.id, "account_unfrozen", staff, {"account": account_id})
        line = self.line(session, case, status_line("unfrozen", self.voice(session, case), name=staff.name))
        self.queue_to_threads(session, case.id, "card_update")
        return Moved(self.view(session, case), line)

    @staticmethod
    def require_holder(case: Case, staff: StaffMember, doing: str) -> None:
        if case.state == CaseState.CLAIMED.value and case.claimed_by != staff.id:
            raise NotYours(f"{case.claimed_by_name or 'a colleague'} has this case; take it over to {doing} it")

    def move(self, session: Session, case: Case, move: CaseMove, **values) -> None:
        """Apply a lifecycle move only if nobody changed the case since it was read (any database, any worker)."""
        new_state = next_state(case.state, move)
        # Rows are locked in one order everywhere, the conversation before its case (a message takes the
        # conversation's next number first): two transactions never wait for each other in a circle.
        conversations.lock_conversation(Raw.of(session), case.conversation_id)
        session.flush()
        moved = session.execute(
            update(Case).where(col(Case.id) == case.id, col(Case.state) == case.state,
                               col(Case.team).is_not_distinct_from(case.team),
                               col(Case.claimed_by).is_not_distinct_from(case.claimed_by))
            .values(state=new_state.value, **values).execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            raise CaseChanged(case.state, move)
        session.refresh(case)

    # ------------------------------------------------------------------ history and the outbox

    def event(self, session: Session, case_id: int, kind: str, staff: StaffMember | None, detail: dict) -> None:
        session.add(CaseEvent(case_id=case_id, kind=kind, actor=staff.id if staff else None,
                              detail=json.dumps(detail), at=self.clock()))

    def line(self, session: Session, case: Case, text: str) -> MessageView:
        """A status line the customer sees ("Ana joined", "resolved")."""
        return conversations.append(Raw.of(session), case.conversation_id, Author.SYSTEM, text, self.clock(),
                                    case_id=case.id, agent_name=self.operator.agent_name)[1]

    def _release_claims(self, session: Session, case_id: int, because: str, at: datetime) -> None:
        session.execute(update(Claim).where(col(Claim.case_id) == case_id, col(Claim.released_at).is_(None))
                        .values(released_at=at, released_because=because))

    def queue_cards(self, session: Session, case: Case) -> None:
        team = self.operator.team(case.team or self.operator.fallback_team)
        now = self.clock()
        for channel, target in self.targets(team):
            session.add(StaffPost(case_id=case.id, channel=channel, target=target, kind="card",
                                  created_at=now, next_attempt_at=now))

    def queue_to_threads(self, session: Session, case_id: int, kind: str, message_id: int | None = None,
                         now: datetime | None = None, skip_channel: str | None = None) -> bool:
        """Queue a post for every staff channel where this case has (or is getting) a card."""
        session.flush()   # cards this transaction queued through the ORM count too
        return conversations.queue_to_threads(Raw.of(session), case_id, kind, message_id, now or self.clock(),
                                              skip_channel)
