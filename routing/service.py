"""The life of a case: from a customer's message, through Llamita or a hand-over, to a person and back.

Adapters call this service and only this service. Every method persists first and announces after:
a message is committed before anyone is told about it, and staff-channel posts are queued in the
same transaction (the outbox) so that an outage delays them but never loses them.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence
from weakref import WeakValueDictionary

from sqlalchemy import event as sqla_event
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.decision import Action, BookingFacts, Brain, CustomerProfile, Decision, Memory, Signal, Turn
from bot.status_lines import status_line
from routing.channels import StaffChannel
from routing.config import OperatorConfig
from routing.hub import STAFF_TOPIC, Hub, conversation_topic
from routing.lifecycle import OPEN_STATES, WITH_PEOPLE, CaseMove, IllegalMove, next_state
from routing.models import (
    Author,
    Case,
    CaseEvent,
    CaseState,
    Claim,
    Conversation,
    Customer,
    DemoAccount,
    DemoBooking,
    Message,
    StaffPost,
    StaffThread,
    utcnow,
)
from routing.redact import mask_card_numbers
from routing.store import Store
from routing.views import CaseView, CustomerView, MessageView, StaffMember

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
MAX_CASE_ID = 2**31 - 1     # case ids are the database's 32-bit integers
HISTORY_TURNS = 12          # how much of the conversation the brain sees
CARD_RECENT_MESSAGES = 5


@dataclass(frozen=True)
class VerifiedIdentity:
    """A signed-in customer, as the website vouched for them (signature already checked)."""
    external_id: str
    name: str | None = None
    email: str | None = None
    tier: str | None = None


@dataclass(frozen=True)
class ChatSession:
    conversation_id: str
    token: str | None          # only when it was just issued; the database keeps a hash
    last_seq: int
    state: str
    agent_name: str | None
    customer_name: str | None
    customer_external_id: str | None = None   # the website's id, when the customer signed in


@dataclass(frozen=True)
class Receipt:
    seq: int
    duplicate: bool            # the same client id was received before: stored once, acknowledged again
    with_people: bool = False  # a person has (or is about to take) the case: Llamita stays quiet


@dataclass(frozen=True)
class ClaimOutcome:
    won: bool
    case: CaseView
    holder_name: str | None    # who has it (the winner, or whoever had it already)


@dataclass(frozen=True)
class StaffMessageOutcome:
    message: MessageView | None
    to_customer: bool          # False: kept as an internal note
    duplicate: bool = False


def unstorable(text: str) -> bool:
    """Characters no database here can keep: NUL (PostgreSQL refuses it in text) and unpaired surrogates
    (not UTF-8; JSON can carry them as \\ud800). Retrying never helps, so callers refuse such text."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_REFUSALS = {"empty": "a message needs some text",
             "too_long": f"messages are limited to {MAX_MESSAGE_CHARS} characters",
             "bad_text": "a message cannot contain NUL or unpaired surrogate characters"}


def text_refusal(text: str) -> str | None:
    """Why a message cannot be stored ("empty", "too_long", "bad_text"), or None: the one rule every
    channel checks before it answers its sender, and the service checks again before it stores.

    The size limit applies to the words as written: masking makes a card number a few characters
    longer, and a message the sender was allowed to send must not turn unstorable on the way in.
    """
    text = text.strip()
    if not text:
        return "empty"
    if len(text) > MAX_MESSAGE_CHARS:
        return "too_long"
    if unstorable(text):
        return "bad_text"
    return None


def storable_text(text: str) -> str:
    """A message as it is stored: trimmed, card numbers masked (ValueError if it cannot be stored)."""
    refusal = text_refusal(text)
    if refusal:
        raise ValueError(_REFUSALS[refusal])
    return mask_card_numbers(text.strip())


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


CUSTOMER = (Author.CUSTOMER.value,)
STAFF_SIDE = (Author.STAFF.value, Author.NOTE.value)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RoutingService:
    def __init__(self, store: Store, hub: Hub, operator: OperatorConfig, brain: Brain,
                 staff_channels: Sequence[StaffChannel] = (), clock: Callable[[], datetime] = utcnow):
        self.store = store
        self.hub = hub
        self.operator = operator
        self.brain = brain
        self.staff_channels = list(staff_channels)
        self.clock = clock
        self.outbox_ready = asyncio.Event()   # set when posts are queued; the outbox worker waits on it
        # In-process only (one worker's sockets); across workers the conditional updates decide.
        self._conversation_locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    # ------------------------------------------------------------------ customer side

    async def start_conversation(self, identity: VerifiedIdentity | None = None,
                                 channel: str = "webchat") -> ChatSession:
        token = secrets.token_urlsafe(32)
        async with self.store.session() as session:
            customer = await self._customer_for(session, identity)
            conversation = Conversation(id=secrets.token_hex(12), customer_id=customer.id, channel=channel,
                                        token_hash=token_hash(token), created_at=self.clock(),
                                        last_seen_at=self.clock())
            session.add(conversation)
            await session.commit()
            return ChatSession(conversation.id, token, 0, CaseState.BOT.value, None, customer.name,
                               customer.external_id)

    async def resume_conversation(self, token: str) -> ChatSession | None:
        async with self.store.session() as session:
            conversation = (await session.exec(
                select(Conversation).where(Conversation.token_hash == token_hash(token)))).first()
            if conversation is None:
                return None
            conversation.last_seen_at = self.clock()
            customer = await session.get(Customer, conversation.customer_id)
            # The open case, or else the last one, so a customer coming back sees "resolved".
            case = await self._current_case(session, conversation.id) or (await session.exec(
                select(Case).where(Case.conversation_id == conversation.id).order_by(col(Case.id).desc()))).first()
            await session.commit()
            return ChatSession(conversation.id, None, conversation.last_seq,
                               case.state if case else CaseState.BOT.value,
                               case.claimed_by_name if case else None, customer.name if customer else None,
                               customer.external_id if customer else None)

    async def receive(self, conversation_id: str, text: str, client_id: str | None = None) -> Receipt:
        """Store a customer message (once, whatever the retries). Returns when it is durable."""
        text = storable_text(text)
        async with self.store.session() as session:
            try:
                # Taking the next number locks the conversation first: of two copies of one message, or two
                # first messages, the second waits here and then sees what the first stored.
                seq = await self._take_seq(session, conversation_id)
                if client_id and (seen := await self._by_client_id(session, conversation_id, client_id, CUSTOMER)):
                    receipt = Receipt(seen.seq, duplicate=True)
                    await session.rollback()   # gives back the number taken above
                    return receipt
                case = await self._current_case(session, conversation_id) or await self._open_case(
                    session, conversation_id)
                with_people = CaseState(case.state) in WITH_PEOPLE
                message = await self._append(session, conversation_id, Author.CUSTOMER, text, case_id=case.id,
                                             client_id=client_id, handled=with_people, seq=seq)
                if with_people:
                    await self._queue_to_threads(session, case, "message", message)
                await session.commit()
            except IntegrityError:
                # Backstop: the same client id raced in on another connection; that copy is the stored one.
                await session.rollback()
                seen = await self._by_client_id(session, conversation_id, client_id, CUSTOMER) if client_id else None
                if seen is None:
                    raise
                return Receipt(seen.seq, duplicate=True)
        await self._announce(conversation_id, seq, to_staff=with_people, case_id=case.id)
        return Receipt(seq, duplicate=False, with_people=with_people)

    async def respond(self, conversation_id: str) -> None:
        """Let Llamita act on every customer message it has not handled yet, in order."""
        lock = self._conversation_locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            while True:
                async with self.store.session() as session:
                    pending = (await session.exec(
                        select(Message).where(Message.conversation_id == conversation_id,
                                              Message.author == Author.CUSTOMER, col(Message.handled).is_(False))
                        .order_by(Message.seq).limit(1))).first()
                    if pending is None:
                        return
                    # Several workers may try (start-up recovery, two tabs): only the one that flips the flag
                    # acts; if acting fails, the transaction rolls back and the message is still unhandled.
                    taken = await session.exec(
                        update(Message).where(col(Message.id) == pending.id, col(Message.handled).is_(False))
                        .values(handled=True).execution_options(synchronize_session=False))
                    if taken.rowcount != 1:
                        await session.rollback()
                        continue
                    await self._decide_and_act(session, pending)

    async def messages_after(self, conversation_id: str, seq: int, *, for_staff: bool = False) -> list[MessageView]:
        async with self.store.session() as session:
            query = select(Message).where(Message.conversation_id == conversation_id, Message.seq > seq)
            if not for_staff:
                query = query.where(Message.author != Author.NOTE)
            rows = (await session.exec(query.order_by(Message.seq))).all()
            return [MessageView.of(row, self.operator.agent_name) for row in rows]

    async def unhandled_conversations(self) -> list[str]:
        """Conversations with customer messages Llamita has not acted on (after a crash, say)."""
        async with self.store.session() as session:
            rows = await session.exec(select(Message.conversation_id).where(
                Message.author == Author.CUSTOMER, col(Message.handled).is_(False)).distinct())
            return list(rows.all())

    async def typing(self, conversation_id: str, who: str) -> None:
        async with self.store.session() as session:
            case = await self._current_case(session, conversation_id)
        if who == "customer":
            if case and CaseState(case.state) in WITH_PEOPLE:
                await self._nudge(STAFF_TOPIC, {"type": "typing", "case_id": case.id})
        else:
            await self._nudge(conversation_topic(conversation_id), {"type": "typing", "who": who})

    # ------------------------------------------------------------------ staff side

    async def open_cases(self, team: str | None = None) -> list[CaseView]:
        async with self.store.session() as session:
            query = select(Case).where(col(Case.state).in_([s.value for s in WITH_PEOPLE]))
            if team:
                query = query.where(Case.team == team)
            cases = (await session.exec(query.order_by(Case.handed_over_at))).all()
            return [await self._view(session, case) for case in cases]

    async def case(self, case_id: int, *, recent: int = CARD_RECENT_MESSAGES) -> CaseView:
        async with self.store.session() as session:
            return await self._view(session, await self._get_case(session, case_id), recent=recent)

    async def case_for_thread(self, channel: str, card_ref: str, target: str | None = None) -> int | None:
        """The case whose card on a staff channel is `card_ref` (for Slack: the card message's ts, which
        is also the thread_ts of every reply under it); `target` narrows it to one platform channel."""
        async with self.store.session() as session:
            query = select(StaffThread.case_id).where(StaffThread.channel == channel,
                                                      StaffThread.card_ref == card_ref)
            if target is not None:
                query = query.where(StaffThread.target == target)
            return (await session.exec(query.order_by(col(StaffThread.id).desc()))).first()

    async def claim(self, case_id: int, staff: StaffMember, *, take_over: bool = False) -> ClaimOutcome:
        """Exactly one of several simultaneous claims wins; the others learn who has the case."""
        now = self.clock()
        async with self.store.session() as session:
            case = await self._get_case(session, case_id)
            previous = case.claimed_by
            mine = case.state == CaseState.CLAIMED.value and previous == staff.id
            claimable = case.state == CaseState.WAITING.value or (case.state == CaseState.CLAIMED.value and take_over)
            try:
                if mine or not claimable:
                    raise CaseChanged(case.state, CaseMove.CLAIM)
                await self._move(session, case, CaseMove.CLAIM, claimed_by=staff.id, claimed_by_name=staff.name,
                                 claimed_at=now)
            except CaseChanged:
                await session.rollback()
                case = await self._get_case(session, case_id)
                # Claiming what you already hold (a double click, a retry) is a success, not a conflict.
                already_mine = case.state == CaseState.CLAIMED.value and case.claimed_by == staff.id
                return ClaimOutcome(already_mine, await self._view(session, case), case.claimed_by_name)
            if previous:
                await self._release_claims(session, case_id, "taken over", now)
            session.add(Claim(case_id=case_id, staff_id=staff.id, staff_name=staff.name, channel=staff.channel,
                              claimed_at=now))
            self._event(session, case, "taken_over" if previous else "claimed", staff,
                        {"from": previous} if previous else {})
            team = self.operator.team(case.team or self.operator.fallback_team)
            joined = await self._append(session, case.conversation_id, Author.SYSTEM,
                                        status_line("joined", case.language, name=staff.name, team=team.name),
                                        case_id=case.id)
            await self._queue_to_threads(session, case, "card_update")
            await session.commit()
            view = await self._view(session, case)
        await self._announce(case.conversation_id, joined.seq, to_staff=True, case_id=case_id,
                             status={"state": CaseState.CLAIMED.value, "agent": staff.name})
        return ClaimOutcome(True, view, staff.name)

    async def staff_message(self, case_id: int, staff: StaffMember, text: str,
                            external_id: str | None = None) -> StaffMessageOutcome:
        """A reply from the claimer goes to the customer; anyone else's words stay an internal note."""
        text = storable_text(text)
        async with self.store.session() as session:
            case = await self._get_case(session, case_id)
            try:
                seq = await self._take_seq(session, case.conversation_id)
                if external_id and (seen := await self._by_client_id(session, case.conversation_id, external_id,
                                                                     STAFF_SIDE)):
                    outcome = StaffMessageOutcome(MessageView.of(seen, self.operator.agent_name),
                                                  seen.author == Author.STAFF, duplicate=True)
                    await session.rollback()
                    return outcome
                await session.refresh(case)  # who holds it now, after the lock
                to_customer = case.state == CaseState.CLAIMED.value and case.claimed_by == staff.id
                message = await self._append(session, case.conversation_id,
                                             Author.STAFF if to_customer else Author.NOTE, text, case_id=case.id,
                                             client_id=external_id, author_id=staff.id, author_name=staff.name,
                                             seq=seq)
                # Mirror it to the case's other staff channels (a desk reply shows in the Slack thread too).
                await self._queue_to_threads(session, case, "message", message, skip_channel=staff.channel)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                seen = await self._by_client_id(session, case.conversation_id, external_id, STAFF_SIDE) \
                    if external_id else None
                if seen is None:
                    raise
                return StaffMessageOutcome(MessageView.of(seen, self.operator.agent_name),
                                           seen.author == Author.STAFF, duplicate=True)
            view = MessageView.of(message, self.operator.agent_name)
        if to_customer:
            await self._nudge(conversation_topic(case.conversation_id), {"type": "message", "seq": view.seq})
        await self._nudge(STAFF_TOPIC, {"type": "message", "case_id": case_id, "seq": view.seq})
        return StaffMessageOutcome(view, to_customer)

    async def resolve(self, case_id: int, staff: StaffMember) -> CaseView:
        return await self._close(case_id, staff, CaseMove.RESOLVE)

    async def transfer(self, case_id: int, team_id: str, staff: StaffMember) -> CaseView:
        if team_id not in {team.id for team in self.operator.teams}:
            raise ValueError(f"unknown team {team_id!r}")
        async with self.store.session() as session:
            case = await self._get_case(session, case_id)
            self._require_holder(case, staff, "transfer")
            await self._queue_to_threads(session, case, "card_update")  # the old card shows where it went
            old_team = case.team
            await self._move(session, case, CaseMove.TRANSFER, team=team_id, claimed_by=None, claimed_by_name=None,
                             claimed_at=None)
            await self._release_claims(session, case_id, "transferred", self.clock())
            self._event(session, case, "transferred", staff, {"from": old_team, "to": team_id})
            line = await self._append(session, case.conversation_id, Author.SYSTEM, status_line(
                "transferred", case.language, team=self.operator.team(team_id).name), case_id=case.id)
            await self._queue_cards(session, case)
            await session.commit()
            view = await self._view(session, case)
        await self._announce(case.conversation_id, line.seq, to_staff=True, case_id=case_id,
                             status={"state": CaseState.WAITING.value, "agent": None})
        return view

    async def unfreeze(self, case_id: int, staff: StaffMember) -> CaseView:
        """Unfreeze the account of the case's customer (frozen by Llamita on a security hand-over, once a
        person has confirmed who they are). Recorded on the case (an event and its actions); the customer
        is told. Of two clicks at once, one unfreezes and the other is told it is not frozen any more."""
        async with self.store.session() as session:
            case = await self._get_case(session, case_id)
            self._require_holder(case, staff, "unfreeze the account of")
            conversation = await session.get(Conversation, case.conversation_id)
            customer = await session.get(Customer, conversation.customer_id)
            account_id = customer.account_id if customer and customer.external_id else None
            if account_id is None:
                raise ValueError("no account is linked to this case's customer")
            thawed = await session.exec(
                update(DemoAccount).where(col(DemoAccount.id) == account_id, col(DemoAccount.frozen).is_(True))
                .values(frozen=False, frozen_at=None, frozen_reason=None).execution_options(synchronize_session=False))
            if thawed.rowcount != 1:
                raise ValueError(f"account {account_id} is not frozen")
            case.actions = json.dumps(json.loads(case.actions) + [
                {"action": "unfreeze_account", "done": True, "account": account_id, "by": staff.name}])
            self._event(session, case, "account_unfrozen", staff, {"account": account_id})
            line = await self._append(session, case.conversation_id, Author.SYSTEM,
                                      status_line("unfrozen", case.language, name=staff.name), case_id=case.id)
            await self._queue_to_threads(session, case, "card_update")
            await session.commit()
            view = await self._view(session, case)
        await self._announce(case.conversation_id, line.seq, to_staff=True, case_id=case_id)
        return view

    @staticmethod
    def _require_holder(case: Case, staff: StaffMember, doing: str) -> None:
        if case.state == CaseState.CLAIMED.value and case.claimed_by != staff.id:
            raise NotYours(f"{case.claimed_by_name or 'a colleague'} has this case; take it over to {doing} it")

    async def _move(self, session: AsyncSession, case: Case, move: CaseMove, **values) -> None:
        """Apply a lifecycle move only if nobody changed the case since it was read (any database, any worker)."""
        new_state = next_state(case.state, move)
        await session.flush()
        moved = await session.exec(
            update(Case).where(col(Case.id) == case.id, col(Case.state) == case.state,
                               col(Case.team).is_not_distinct_from(case.team),
                               col(Case.claimed_by).is_not_distinct_from(case.claimed_by))
            .values(state=new_state.value, **values).execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            raise CaseChanged(case.state, move)
        await session.refresh(case)

    # ------------------------------------------------------------------ internals: the brain

    async def _decide_and_act(self, session: AsyncSession, message: Message) -> None:
        conversation = await session.get(Conversation, message.conversation_id)
        case = await self._get_case(session, message.case_id)
        if CaseState(case.state) is not CaseState.BOT:
            # People have it now: they see the message in the thread; Llamita stays quiet.
            await self._queue_to_threads(session, case, "message", message)
            await session.commit()
            return
        memory = Memory.from_json(conversation.brain_memory)
        history = await self._history(session, conversation.id, before_seq=message.seq)
        profile = await self._profile(session, conversation.customer_id)
        decision = self._decide(message.text, memory, history, profile)

        conversation.brain_memory = decision.memory.to_json()
        conversation.language = decision.language
        message.language = decision.language
        case.language = decision.language
        case.topic = decision.topic or case.topic
        case.sentiment = decision.sentiment
        signals = sorted(set(json.loads(case.signals)) | {signal.name for signal in decision.signals})
        case.signals = json.dumps(signals)
        reply_text = decision.reply
        if decision.hands_over:
            reply_text = await self._hand_over(session, case, decision, profile)
        reply = await self._append(session, conversation.id, Author.BOT, reply_text, case_id=case.id,
                                   language=decision.reply_language or decision.language)
        await session.commit()
        log.info("conversation %s: %s", conversation.id, decision.explain())
        await self._announce(conversation.id, reply.seq, to_staff=decision.hands_over, case_id=case.id,
                             status={"state": CaseState.WAITING.value, "agent": None} if decision.hands_over else None)

    def _decide(self, text: str, memory: Memory, history: Sequence[Turn], profile: CustomerProfile | None) -> Decision:
        try:
            return self.brain.decide(text, memory, history, profile)
        except Exception:
            # A broken brain must not lose the customer: apologise (never with the error) and bring in people.
            log.exception("the brain failed on a message; handing the conversation over")
            language = memory.language or "en"
            return Decision(Action.HANDOVER, status_line("trouble", language), language, memory,
                            reason="edge_case", team=self.operator.fallback_team,
                            signals=(Signal("system.brain_error"),),
                            summary="Llamita failed to process the last message; please read the conversation.")

    async def _hand_over(self, session: AsyncSession, case: Case, decision: Decision,
                         profile: CustomerProfile | None) -> str:
        """Move the case to the people; returns what to tell the customer."""
        known_teams = {team.id for team in self.operator.teams}
        await self._move(session, case, CaseMove.HAND_OVER, reason=decision.reason, summary=decision.summary,
                         team=decision.team if decision.team in known_teams else self.operator.fallback_team,
                         handed_over_at=self.clock())
        actions = json.loads(case.actions)
        for tool in decision.tools:
            actions.append(await self._run_tool(session, tool.name, tool.arguments, profile))
        case.actions = json.dumps(actions)
        self._event(session, case, "handed_over", None, {
            "reason": case.reason, "team": case.team, "explanation": decision.explain(),
            "signals": [signal.name for signal in decision.signals]})
        await self._queue_cards(session, case)
        return decision.reply

    async def _run_tool(self, session: AsyncSession, name: str, arguments: dict,
                        profile: CustomerProfile | None) -> dict:
        if name == "freeze_account":
            # Only the verified profile's account: never an id the brain took from what the customer typed.
            account_id = profile.account_id if profile else None
            account = await session.get(DemoAccount, account_id) if account_id else None
            if account is None:
                return {"action": "freeze_account", "done": False, "why": "no account linked to this chat"}
            account.frozen, account.frozen_at = True, self.clock()
            account.frozen_reason = "security hand-over"
            return {"action": "freeze_account", "done": True, "account": account.id}
        return {"action": name, "done": False, "why": "unknown action"}

    async def _history(self, session: AsyncSession, conversation_id: str, before_seq: int) -> list[Turn]:
        rows = (await session.exec(
            select(Message).where(Message.conversation_id == conversation_id, Message.seq < before_seq,
                                  col(Message.author).in_([Author.CUSTOMER, Author.BOT, Author.STAFF]))
            .order_by(col(Message.seq).desc()).limit(HISTORY_TURNS))).all()
        return [Turn(row.author, row.text) for row in reversed(rows)]

    async def _profile(self, session: AsyncSession, customer_id: int) -> CustomerProfile | None:
        customer = await session.get(Customer, customer_id)
        if customer is None or customer.external_id is None:
            return None
        # Only a verified identity has an external id, hence an account.
        bookings = tuple(BookingFacts(row.reference, row.summary, row.departure, row.status)
                         for row in await self._bookings_of(session, customer.account_id))
        account = await session.get(DemoAccount, customer.account_id) if customer.account_id else None
        return CustomerProfile(name=customer.name, tier=customer.tier,
                               booking=bookings[0].reference if bookings else None,
                               account_id=customer.account_id, verified=True, bookings=bookings,
                               account_frozen=bool(account and account.frozen))

    # ------------------------------------------------------------------ internals: storage

    async def _customer_for(self, session: AsyncSession, identity: VerifiedIdentity | None) -> Customer:
        if identity is None:
            customer = Customer(created_at=self.clock())
        else:
            customer = (await session.exec(
                select(Customer).where(Customer.external_id == identity.external_id))).first()
            customer = customer or Customer(external_id=identity.external_id, created_at=self.clock())
            account = (await session.exec(select(DemoAccount).where(
                DemoAccount.customer_external_id == identity.external_id))).first()
            customer.name = identity.name or (account.name if account else None) or customer.name
            customer.email = identity.email or customer.email
            customer.tier = identity.tier or (account.tier if account else None) or customer.tier
            customer.account_id = account.id if account else customer.account_id
        session.add(customer)
        await session.flush()
        return customer

    async def _current_case(self, session: AsyncSession, conversation_id: str) -> Case | None:
        return (await session.exec(
            select(Case).where(Case.conversation_id == conversation_id,
                               col(Case.state).in_([s.value for s in OPEN_STATES]))
            .order_by(col(Case.id).desc()))).first()

    async def _open_case(self, session: AsyncSession, conversation_id: str) -> Case:
        case = Case(conversation_id=conversation_id, opened_at=self.clock())
        session.add(case)
        await session.flush()
        self._event(session, case, "opened", None, {})
        return case

    async def _get_case(self, session: AsyncSession, case_id: int | None) -> Case:
        # An id beyond the database's integers (a typed "/llamita resolve 99999999999999999999") names no
        # case; asking PostgreSQL for it would be an error, not an answer.
        known = case_id is not None and 0 < case_id <= MAX_CASE_ID
        case = await session.get(Case, case_id) if known else None
        if case is None:
            raise CaseNotFound(f"no case {case_id}")
        return case

    async def _by_client_id(self, session: AsyncSession, conversation_id: str, client_id: str,
                            authors: tuple[str, ...]) -> Message | None:
        return (await session.exec(select(Message).where(
            Message.conversation_id == conversation_id, Message.client_id == client_id,
            col(Message.author).in_(authors)))).first()

    @staticmethod
    async def _bookings_of(session: AsyncSession, account_id: str | None) -> Sequence[DemoBooking]:
        """The account's bookings, in reference order (the first is the one a card shows)."""
        if not account_id:
            return ()
        return (await session.exec(select(DemoBooking).where(
            DemoBooking.account_id == account_id).order_by(DemoBooking.reference))).all()

    async def _take_seq(self, session: AsyncSession, conversation_id: str) -> int:
        """The conversation's next message number. The update locks the conversation row until commit,
        so numbers are gap-free and in commit order even when a customer and staff write at once."""
        return (await session.exec(
            update(Conversation).where(col(Conversation.id) == conversation_id)
            .values(last_seq=Conversation.last_seq + 1).returning(Conversation.last_seq))).scalar_one()

    async def _append(self, session: AsyncSession, conversation_id: str, author: Author, text: str, *,
                      case_id: int | None, client_id: str | None = None, handled: bool = True,
                      author_id: str | None = None, author_name: str | None = None,
                      language: str | None = None, seq: int | None = None) -> Message:
        seq = seq if seq is not None else await self._take_seq(session, conversation_id)
        message = Message(conversation_id=conversation_id, seq=seq, case_id=case_id, author=author.value,
                          author_id=author_id, author_name=author_name, text=text, client_id=client_id,
                          handled=handled, language=language, created_at=self.clock())
        session.add(message)
        await session.flush()
        return message

    def _event(self, session: AsyncSession, case: Case, kind: str, staff: StaffMember | None, detail: dict) -> None:
        session.add(CaseEvent(case_id=case.id, kind=kind, actor=staff.id if staff else None,
                              detail=json.dumps(detail), at=self.clock()))

    async def _release_claims(self, session: AsyncSession, case_id: int, because: str, at: datetime) -> None:
        await session.exec(update(Claim).where(col(Claim.case_id) == case_id, col(Claim.released_at).is_(None))
                           .values(released_at=at, released_because=because))

    async def _close(self, case_id: int, staff: StaffMember, move: CaseMove) -> CaseView:
        async with self.store.session() as session:
            case = await self._get_case(session, case_id)
            self._require_holder(case, staff, "resolve")
            now = self.clock()
            await self._move(session, case, move, closed_at=now)
            await self._release_claims(session, case_id, move.value, now)
            self._event(session, case, "resolved" if move is CaseMove.RESOLVE else "abandoned", staff, {})
            line = await self._append(session, case.conversation_id, Author.SYSTEM,
                                      status_line("resolved", case.language, name=staff.name), case_id=case.id)
            await self._queue_to_threads(session, case, "card_update")
            await session.commit()
            view = await self._view(session, case)
        await self._announce(case.conversation_id, line.seq, to_staff=True, case_id=case_id,
                             status={"state": case.state, "agent": staff.name})
        return view

    # ------------------------------------------------------------------ internals: outbox and views

    async def _queue_cards(self, session: AsyncSession, case: Case) -> None:
        team = self.operator.team(case.team or self.operator.fallback_team)
        for channel in self.staff_channels:
            target = channel.target_for(team)
            if target:
                session.add(StaffPost(case_id=case.id, channel=channel.name, target=target, kind="card",
                                      created_at=self.clock(), next_attempt_at=self.clock()))
        self._wake_outbox_on_commit(session)

    async def _queue_to_threads(self, session: AsyncSession, case: Case, kind: str, message: Message | None = None,
                                skip_channel: str | None = None) -> None:
        """Queue a post for every staff channel where this case has (or is getting) a card."""
        rows = (await session.exec(select(StaffPost.channel, StaffPost.target).where(
            StaffPost.case_id == case.id, StaffPost.kind == "card").order_by(col(StaffPost.id).desc()))).all()
        newest_target: dict[str, str] = {}
        for channel, target in rows:
            newest_target.setdefault(channel, target)
        for channel, target in newest_target.items():
            if channel == skip_channel:
                continue
            session.add(StaffPost(case_id=case.id, channel=channel, target=target, kind=kind,
                                  message_id=message.id if message else None, created_at=self.clock(),
                                  next_attempt_at=self.clock()))
        if newest_target:
            self._wake_outbox_on_commit(session)

    def _wake_outbox_on_commit(self, session: AsyncSession) -> None:
        """Wake the outbox worker once the posts are committed: woken before, it finds nothing visible
        yet and sleeps a whole poll interval."""
        sqla_event.listen(session.sync_session, "after_commit", lambda _session: self.outbox_ready.set(), once=True)

    async def _announce(self, conversation_id: str, seq: int, *, to_staff: bool, case_id: int | None,
                        status: dict | None = None) -> None:
        topic = conversation_topic(conversation_id)
        await self._nudge(topic, {"type": "message", "seq": seq})
        if status:
            await self._nudge(topic, {"type": "status", **status})
        if to_staff:
            await self._nudge(STAFF_TOPIC, {"type": "case", "case_id": case_id, "seq": seq})

    async def _nudge(self, topic: str, event: dict) -> None:
        """Best effort: what was committed stands even if the hub is down; readers catch up from the database."""
        try:
            await self.hub.publish(topic, event)
        except Exception:
            log.warning("could not publish a live event on %s; connected readers will catch up", topic,
                        exc_info=True)

    async def _view(self, session: AsyncSession, case: Case, recent: int = CARD_RECENT_MESSAGES) -> CaseView:
        conversation = await session.get(Conversation, case.conversation_id)
        customer = await session.get(Customer, conversation.customer_id)
        bookings = await self._bookings_of(session, customer.account_id if customer else None)
        booking = bookings[0].reference if bookings else None
        account = await session.get(DemoAccount, customer.account_id) if customer and customer.account_id else None
        messages: tuple[MessageView, ...] = ()
        if recent:
            rows = (await session.exec(select(Message).where(
                Message.conversation_id == case.conversation_id, Message.author != Author.NOTE)
                .order_by(col(Message.seq).desc()).limit(recent))).all()
            messages = tuple(MessageView.of(row, self.operator.agent_name) for row in reversed(rows))
        team = self.operator.team(case.team) if case.team else None
        customer_view = CustomerView(
            name=customer.name if customer else None, tier=customer.tier if customer else None, booking=booking,
            verified=bool(customer and customer.external_id), email=customer.email if customer else None,
            account_frozen=bool(account and account.frozen))
        return CaseView.of(case, customer_view, team.name if team else None, self.operator.staff_languages, messages)

    async def counts_by_state(self) -> dict[str, int]:
        async with self.store.session() as session:
            rows = await session.exec(select(Case.state, func.count()).group_by(Case.state))
            return {state: count for state, count in rows.all()}


__all__ = [
    "CaseNotFound", "ChatSession", "ClaimOutcome", "IllegalMove", "NotYours", "Receipt", "RoutingService",
    "StaffMessageOutcome", "VerifiedIdentity", "token_hash",
]
