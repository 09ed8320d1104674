"""The life of a case: from a customer's message, through Llamita or a hand-over, to a person and back.

Adapters call this service and only this service. Every method persists first and announces after:
a message is committed before anyone is told about it, and staff-channel posts are queued in the
same transaction (the outbox) so that an outage delays them but never loses them.

The transactions themselves are plain functions in routing/conversations.py (the customer's side,
the hot path) and routing/cases.py (the moves of a case), run whole by the Store in a worker
thread; this module orders them, asks the brain between them, and announces what they changed.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Sequence
from weakref import WeakValueDictionary

from sqlalchemy import update
from sqlmodel import Session

from bot.decision import Action, AnyBrain, Decision, Memory, Signal, decide_with
from bot.language_choice import language_offer, valid_choice
from bot.status_lines import status_line
from bot.translation import Translator
from routing import conversations, queries
from routing.cases import (
    STAFF_SIDE,
    CaseBook,
    CaseNotFound,
    ClaimOutcome,
    NotYours,
    StaffMessageOutcome,
)
from routing.channels import StaffChannel
from routing.config import OperatorConfig, TeamConfig
from routing.conversations import Identity, Pending
from routing.hub import STAFF_TOPIC, Hub, conversation_topic
from routing.learning import Learning
from routing.lifecycle import WITH_PEOPLE, CaseMove, IllegalMove
from routing.models import Author, CaseState, Message, StaffPost, StaffThread, utcnow
from routing.queries import CARD_RECENT_MESSAGES, PAGE_SIZE, CasePage, CaseViews
from routing.redact import mask_card_numbers
from routing.store import Raw, Rollback, Store, integrity_error
from routing.translation import Translations
from routing.views import CaseView, MessageView, StaffMember
from routing.waiting import Standing, WaitingRoom, email_in, reassure

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
CUSTOMER = (Author.CUSTOMER.value,)
VerifiedIdentity = Identity   # the name adapters know it by


@dataclass(frozen=True)
class ChatSession:
    conversation_id: str
    token: str | None          # only when it was just issued; the database keeps a hash
    last_seq: int
    state: str
    agent_name: str | None
    customer_name: str | None
    customer_external_id: str | None = None   # the website's id, when the customer signed in
    language_offer: dict | None = None        # the language buttons, while the customer has not chosen
    language_choice: str | None = None
    queue: dict | None = None  # a waiting case: where the customer stands (the `queue` of a status frame)
    rating_case: int | None = None            # a resolved case whose rating we still ask for


@dataclass(frozen=True)
class Receipt:
    seq: int
    duplicate: bool            # the same client id was received before: stored once, acknowledged again
    with_people: bool = False  # a person has (or is about to take) the case: Llamita stays quiet
    pending: Pending | None = None   # hand it to respond(): what Llamita needs, read when it was stored
    waiting_case: int | None = None  # the case waits for a claim: hand the receipt to reassure()


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RoutingService:
    def __init__(self, store: Store, hub: Hub, operator: OperatorConfig, brain: AnyBrain,
                 staff_channels: Sequence[StaffChannel] = (), clock: Callable[[], datetime] = utcnow,
                 translator: Translator | None = None):
        self.store = store
        self.hub = hub
        self.operator = operator
        self.brain = brain
        self.staff_channels = list(staff_channels)
        self.clock = clock
        self.outbox_ready = asyncio.Event()   # set when posts are queued; the outbox worker waits on it
        self.views = CaseViews(operator.agent_name, {team.id: team.name for team in operator.teams},
                               operator.staff_languages, translator_available=translator is not None,
                               clock=lambda: self.clock())
        self.room = WaitingRoom(operator)   # teams' hours and recent pick-up times, for the waiting customer
        self.cases = CaseBook(operator, self._targets, lambda: self.clock(), self.views.one,
                              translating=self.views.translating, room=self.room)
        self.attachments = None   # routing.attachments.Attachments, set by the server with its blob store
        # Machine translation both ways, off the customer's message path (routing/translation.py).
        self.translations = Translations(self, translator)
        # Supervisors' report, customers' feedback, trainers' notes and export (routing/learning.py).
        self.learning = Learning(store, operator, lambda: self.clock())
        # In-process only (one worker's sockets); across workers the conditional updates decide.
        self._conversation_locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    def _targets(self, team: TeamConfig):
        for channel in self.staff_channels:
            if target := channel.target_for(team):
                yield channel.name, target

    # ------------------------------------------------------------------ customer side

    async def start_conversation(self, identity: Identity | None = None, channel: str = "webchat") -> ChatSession:
        token = secrets.token_urlsafe(32)
        opened = await self.store.write_raw(conversations.start, identity, token_hash(token), channel, self.clock())
        return ChatSession(opened.conversation_id, token, 0, opened.state, None, opened.customer_name,
                           opened.customer_external_id)

    async def resume_conversation(self, token: str) -> ChatSession | None:
        opened = await self.store.write_raw(conversations.resume, token_hash(token), self.clock())
        if opened is None:
            return None
        offer = None
        if opened.language_choice is None and CaseState(opened.state) in WITH_PEOPLE:
            found = language_offer(opened.language, self.operator.staff_languages, self.translations.available)
            offer = found.to_json() if found else None
        queue = None
        if opened.state == CaseState.WAITING.value and opened.queue_position and opened.handed_over_at:
            now = self.clock()
            queue = self.room.standing(opened.team, opened.queue_position,
                                       (now - opened.handed_over_at).total_seconds(), now).to_status()
        return ChatSession(opened.conversation_id, None, opened.last_seq, opened.state, opened.agent_name,
                           opened.customer_name, opened.customer_external_id, offer, opened.language_choice, queue,
                           opened.rating_case)

    async def receive(self, conversation_id: str, text: str, client_id: str | None = None) -> Receipt:
        """Store a customer message (once, whatever the retries). Returns when it is durable."""
        text = storable_text(text)
        try:
            stored = await self.store.write_raw(conversations.receive, conversation_id, text, client_id, self.clock())
        except Exception as error:
            # Backstop (the conversation's row lock makes it rare): the same client id raced in on another
            # connection; that copy is the stored one.
            if not integrity_error(error):
                raise
            seen = await self.store.read(conversations.seen_client_id, conversation_id, client_id, CUSTOMER) \
                if client_id else None
            if seen is None:
                raise
            return Receipt(seen.seq, duplicate=True)
        if stored.duplicate:
            return Receipt(stored.seq, duplicate=True)
        if stored.posts_queued:
            self.outbox_ready.set()
        await self._announce(conversation_id, stored.message, to_staff=stored.with_people, case_id=stored.case_id)
        if stored.reopened:
            await self._welcome_back(conversation_id, stored.case_id)
        return Receipt(stored.seq, duplicate=False, with_people=stored.with_people, pending=stored.pending,
                       waiting_case=stored.case_id if stored.waiting else None)

    async def reassure(self, conversation_id: str, receipt: Receipt, text: str = "") -> None:
        """A message written while the case waits for a claim: keep an e-mail address it gives for a
        follow-up, and tell the customer where they stand (at most once a minute; never once claimed).
        One short transaction, only for messages on a waiting case."""
        if receipt.waiting_case is None or receipt.duplicate:
            return
        done = await self.store.write_raw(reassure, self.room, conversation_id, receipt.waiting_case,
                                          email_in(text), self.clock(), self.operator.agent_name)
        if done.email_stored:
            self.outbox_ready.set()
        for line in done.lines:
            await self._announce(conversation_id, line, to_staff=False, case_id=receipt.waiting_case)
        if done.standing is not None:
            await self.tell_standing(conversation_id, done.standing)

    async def tell_standing(self, conversation_id: str, standing: Standing) -> None:
        """The widget's header: the place in the queue and the expected wait (a live `status` frame)."""
        await self._nudge(conversation_topic(conversation_id), {
            "type": "status", "state": CaseState.WAITING.value, "agent": None, "queue": standing.to_status()})

    async def _welcome_back(self, conversation_id: str, case_id: int) -> None:
        def welcome(session: Session) -> tuple[MessageView, Standing]:
            case = self.cases.get(session, case_id)
            now = self.clock()
            team = self.operator.team(case.team or self.operator.fallback_team)
            line = self.cases.line(session, case, status_line("reopened", case.language, team=team.name))
            return line, self.cases.told_standing(session, case, now)

        line, standing = await self.store.write(welcome)
        await self._announce(conversation_id, line, to_staff=True, case_id=case_id)
        await self.tell_standing(conversation_id, standing)

    async def present(self, conversation_ids: Sequence[str]) -> None:
        """These customers have the chat open (a worker says so every minute): their cases are not
        abandoned. One statement per few hundred conversations."""
        ids = list(conversation_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            await self.store.write_raw(conversations.seen, chunk, self.clock())

    async def respond(self, conversation_id: str, pending: Pending | None = None) -> None:
        """Let Llamita act on every customer message it has not handled yet, in order.

        `pending` is what `receive` returned for the message (saves reading it again); each answer's
        transaction also reads the next message in line, so a message costs two trips to the database.
        """
        lock = self._conversation_locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            if pending is None:
                pending = await self.store.read_raw(conversations.next_unhandled, conversation_id)
            while pending is not None:
                if CaseState(pending.case_state) is not CaseState.BOT:
                    # People have it now: they see the message in the thread; Llamita stays quiet.
                    pending = await self.store.write_raw(self._pass_to_people, pending)
                    self.outbox_ready.set()
                    continue
                # The brain thinks outside any transaction (a model may take seconds); the answer is kept
                # only if nobody answered the message meanwhile (another worker, a restart's recovery).
                decision = await self._decide(pending)
                if decision.hands_over:
                    reply, following, standing = await self.store.write(self._answer_handing_over, pending,
                                                                        decision)
                else:
                    (reply, following), standing = await self.store.write_raw(self._answer, pending, decision), None
                if reply is not None:
                    if decision.hands_over:
                        self.outbox_ready.set()
                    # Per message, so DEBUG: the same explanation is kept on the case (signals, events).
                    log.debug("conversation %s: %s", conversation_id, decision.explain())
                    status = None
                    if decision.hands_over:
                        status = {"state": CaseState.WAITING.value, "agent": None}
                        if standing is not None:
                            status["queue"] = standing.to_status()
                    await self._announce(conversation_id, reply, to_staff=decision.hands_over,
                                         case_id=pending.case_id, status=status)
                    if decision.hands_over:
                        await self._offer_languages(conversation_id, decision.language)
                pending = following

    def _pass_to_people(self, sql: Raw, pending: Pending) -> Pending | None:
        if conversations.take_for_answer(sql, pending):
            conversations.queue_to_threads(sql, pending.case_id, "message", pending.message_id, self.clock())
        return conversations.next_unhandled(sql, pending.conversation_id)

    def _answer(self, sql: Raw, pending: Pending, decision: Decision,
                hand_over: Callable[[], Standing] | None = None) -> tuple[MessageView | None, Pending | None]:
        """Keep the brain's decision and reply, only if the message is still unanswered and was decided on the
        conversation as it is now (else it is decided again); then read the next message in line, whose
        context includes this answer. One transaction: (reply, next)."""
        if not conversations.take_for_answer(sql, pending):
            return None, conversations.next_unhandled(sql, pending.conversation_id)
        conversations.remember(sql, pending, decision)
        if decision.usage is not None:
            conversations.record_model_usage(sql, pending, decision.usage, self.clock())
        reply = None
        try:
            text = decision.reply
            language = decision.reply_language or decision.language
            if hand_over is not None:
                # Llamita's hand-over says which team, the place in its queue and the wait (or when it is back).
                standing = hand_over()
                text = f"{text} {self.room.line('handed_over', standing, language, self.clock())}".strip()
            reply = conversations.append(sql, pending.conversation_id, Author.BOT, text, self.clock(),
                                         case_id=pending.case_id, language=language,
                                         agent_name=self.operator.agent_name,
                                         # an answer from the knowledge base: what customers rate ("Did this help?")
                                         topic=decision.topic if decision.action is Action.ANSWER else None)[1]
        except IllegalMove:
            # Someone moved the case meanwhile (claimed, resolved): the people see the message instead.
            conversations.queue_to_threads(sql, pending.case_id, "message", pending.message_id, self.clock())
        return reply, conversations.next_unhandled(sql, pending.conversation_id)

    def _answer_handing_over(self, session: Session, pending: Pending,
                             decision: Decision) -> tuple[MessageView | None, Pending | None, Standing | None]:
        """The same, when the brain hands over: moving the case and queueing its cards is ORM work."""
        standing: list[Standing] = []

        def hand_over() -> Standing:
            standing.append(self.cases.hand_over(session, pending.case_id, decision, pending.profile))
            return standing[0]

        reply, following = self._answer(Raw.of(session), pending, decision, hand_over=hand_over)
        return reply, following, standing[0] if standing and reply is not None else None

    async def _decide(self, pending: Pending) -> Decision:
        memory = Memory.from_json(pending.memory)
        try:
            # A brain that thinks over the network (docs/llm.md) is awaited, with its own deadline.
            return await decide_with(self.brain, pending.text, memory, pending.history, pending.profile)
        except Exception:
            # A broken brain must not lose the customer: apologise (never with the error) and bring in people.
            log.exception("the brain failed on a message; handing the conversation over")
            language = memory.language or "en"
            return Decision(Action.HANDOVER, status_line("trouble", language), language, memory,
                            reason="edge_case", team=self.operator.fallback_team,
                            signals=(Signal("system.brain_error"),),
                            summary="Llamita failed to process the last message; please read the conversation.")

    async def _offer_languages(self, conversation_id: str, language: str | None) -> None:
        """A customer the team cannot answer in their language gets the choice as buttons (the reply says it)."""
        offer = language_offer(language, self.operator.staff_languages, self.translations.available)
        if offer is not None:
            await self._nudge(conversation_topic(conversation_id), {"type": "language_offer", "offer": offer.to_json()})

    async def choose_language(self, conversation_id: str, choice: str) -> MessageView:
        """The customer's answer to the offer: a staff language, or "translate" (ValueError for anything else)."""
        if not valid_choice(choice, self.operator.staff_languages, self.translations.available):
            raise ValueError(f"not a language choice: {str(choice)[:20]!r}")
        line, case_id = await self.store.write(self.cases.choose_language, conversation_id, choice)
        if case_id is not None:
            self.outbox_ready.set()
        await self._nudge(conversation_topic(conversation_id), {"type": "language", "choice": choice})
        await self._announce(conversation_id, line, to_staff=case_id is not None, case_id=case_id)
        return line

    async def relay_view(self, kind: str, case: CaseView, message_id: int | None, message: MessageView | None,
                         channel: str, target: str) -> tuple[CaseView, MessageView | None]:
        """What a staff post shows (called by the outbox just before delivering it): translated where the
        case needs it (routing/translation.py), within the translator's deadline."""
        return await self.translations.on_relay(kind, case, message_id, message, channel, target)

    async def announce_revision(self, conversation_id: str, message_id: int, case_id: int | None) -> None:
        """A message the customer may have seen changed (its translation came): show it again, and tell staff."""
        def read(session: Session) -> MessageView | None:
            message = session.get(Message, message_id)
            return MessageView.of(message, self.operator.agent_name) if message else None

        message = await self.store.read(read)
        if message is None:
            return
        await self._nudge(conversation_topic(conversation_id), {"type": "message", "seq": message.seq,
                                                                "message": message.to_event(), "revision": True})
        await self._nudge(STAFF_TOPIC, {"type": "message", "case_id": case_id, "seq": message.seq})

    async def messages_after(self, conversation_id: str, seq: int, *, for_staff: bool = False) -> list[MessageView]:
        return await self.store.read(conversations.messages_after, conversation_id, seq, for_staff,
                                     self.operator.agent_name)

    async def unhandled_conversations(self, older_than: datetime | None = None) -> list[str]:
        return await self.store.read_raw(conversations.unhandled_conversations, older_than)

    async def answer_leftovers(self, older_than_seconds: float | None = None) -> int:
        """Answer what was stored but never answered: at start (a crash, a restart) and, every little while,
        what an answer that failed left behind (the database connection dropped mid-answer; another worker
        died). An acknowledged message is always answered, if late."""
        since = self.clock() - timedelta(seconds=older_than_seconds) if older_than_seconds is not None else None
        answered = 0
        for conversation_id in await self.unhandled_conversations(since):
            try:
                await self.respond(conversation_id)
                answered += 1
            except Exception:
                log.exception("could not answer the pending messages of conversation %s", conversation_id)
        return answered

    async def typing(self, conversation_id: str, who: str) -> None:
        if who == "customer":
            case = await self.store.read_raw(conversations.open_case_of, conversation_id)
            if case and CaseState(case[1]) in WITH_PEOPLE:
                await self._nudge(STAFF_TOPIC, {"type": "typing", "case_id": case[0]})
        else:
            await self._nudge(conversation_topic(conversation_id), {"type": "typing", "who": who})

    async def staff_typing(self, case_id: int, staff: StaffMember) -> None:
        """The claimer is writing to the customer: their widget says so. Anyone else writes a note: nothing."""
        case = await self.case(case_id, recent=0)
        if case.state == CaseState.CLAIMED.value and case.claimed_by == staff.id:
            await self._nudge(conversation_topic(case.conversation_id), {"type": "typing", "who": staff.name})

    # ------------------------------------------------------------------ staff side

    async def open_cases(self, team: str | None = None) -> list[CaseView]:
        """Every case waiting for or with people (for small listings; the desk pages with open_case_page)."""
        cases: list[CaseView] = []
        after = 0
        while True:
            page = await self.open_case_page(team, after=after, limit=200)
            cases.extend(page.cases)
            if page.next_after is None:
                return cases
            after = page.next_after

    async def open_case_page(self, team: str | None = None, *, after: int = 0, limit: int = PAGE_SIZE,
                             recent: int = CARD_RECENT_MESSAGES) -> CasePage:
        return await self.store.read(self.views.open_page, team, after, limit, recent)

    async def closed_case_page(self, search: str | None = None, *, since: datetime | None = None,
                               until: datetime | None = None, after: int = 0, limit: int = PAGE_SIZE) -> CasePage:
        """The history of closed cases, newest first, searched (routing.queries.CaseViews.closed_page)."""
        return await self.store.read(self.views.closed_page, search, since, until, after, limit)

    async def earlier_cases(self, case_ids: list[int]) -> dict[int, list[queries.EarlierCase]]:
        """Each case's customer's other cases that reached people (a returning customer)."""
        return await self.store.read(queries.earlier_cases, case_ids)

    async def case(self, case_id: int, *, recent: int = CARD_RECENT_MESSAGES) -> CaseView:
        view = await self.store.read(self._case_view, case_id, recent)
        if view is None:
            raise CaseNotFound(f"no case {case_id}")
        return view

    def _case_view(self, session: Session, case_id: int, recent: int) -> CaseView | None:
        try:
            case = self.cases.get(session, case_id)
        except CaseNotFound:
            return None
        return self.views.one(session, case, recent)

    async def case_for_thread(self, channel: str, card_ref: str, target: str | None = None) -> int | None:
        """The case whose card on a staff channel is `card_ref` (for Slack: the card message's ts, which
        is also the thread_ts of every reply under it); `target` narrows it to one platform channel."""
        return await self.store.read(queries.case_for_thread, channel, card_ref, target)

    async def staff_threads(self, case_id: int, channel: str) -> list[tuple[str, str]]:
        """Where a case's cards are on one staff channel: (platform channel id, card_ref), oldest first."""
        return await self.store.read(queries.staff_threads, case_id, channel)

    async def settle_card_post(self, case_id: int, channel: str, target: str, card_ref: str) -> bool:
        """A platform showed us a card of this case that was never recorded (someone opened or clicked it):
        it is the case's pending card post there, whose earlier attempt landed although its answer was lost
        (a timeout). That post is done and the card becomes the case's thread, instead of posting a second
        card. False when no attempted card post is pending there (the card is then a stray copy)."""
        def settle(session: Session) -> bool:
            settled = session.execute(
                update(StaffPost).where(StaffPost.case_id == case_id, StaffPost.channel == channel,
                                        StaffPost.target == target, StaffPost.kind == "card",
                                        StaffPost.status == "pending", StaffPost.attempts >= 1)
                .values(status="sent", external_ref=card_ref, last_error=None)).rowcount
            if not settled:
                raise Rollback(False)
            session.add(StaffThread(case_id=case_id, channel=channel, target=target, card_ref=card_ref,
                                    created_at=self.clock()))
            return True

        settled = await self.store.write(settle)
        if settled:
            log.info("case %s: a %s card whose post timed out had landed; recorded it instead of posting again",
                     case_id, channel)
        return settled

    async def counts_by_state(self) -> dict[str, int]:
        return await self.store.read(queries.counts_by_state)

    async def claim(self, case_id: int, staff: StaffMember, *, take_over: bool = False) -> ClaimOutcome:
        """Exactly one of several simultaneous claims wins; the others learn who has the case."""
        outcome = await self.store.write(self.cases.claim, case_id, staff, take_over)
        if outcome.line is not None:
            self.outbox_ready.set()
            await self._announce(outcome.case.conversation_id, outcome.line, to_staff=True, case_id=case_id,
                                 status={"state": CaseState.CLAIMED.value, "agent": staff.name})
        return outcome

    async def staff_message(self, case_id: int, staff: StaffMember, text: str,
                            external_id: str | None = None) -> StaffMessageOutcome:
        """A reply from the claimer goes to the customer; anyone else's words stay an internal note."""
        text = storable_text(text)
        try:
            outcome = await self.store.write(self.cases.staff_message, case_id, staff, text, external_id)
        except Exception as error:
            if not integrity_error(error):
                raise
            outcome = await self.store.read(self._staff_duplicate, case_id, external_id) if external_id else None
            if outcome is None:
                raise
        if outcome.duplicate:
            return outcome
        self.outbox_ready.set()
        if outcome.awaiting_translation:
            # Shown to the customer once translated (or, failing that, as written, marked).
            self.translations.reply(outcome.conversation_id, case_id, outcome.message_id, outcome.message)
        elif outcome.to_customer:
            await self._announce(outcome.conversation_id, outcome.message, to_staff=False, case_id=case_id)
        await self._nudge(STAFF_TOPIC, {"type": "message", "case_id": case_id, "seq": outcome.message.seq})
        return outcome

    def _staff_duplicate(self, session: Session, case_id: int, external_id: str) -> StaffMessageOutcome | None:
        case = self.cases.get(session, case_id)
        seen = conversations.seen_client_id(session, case.conversation_id, external_id, STAFF_SIDE)
        if seen is None:
            return None
        return StaffMessageOutcome(MessageView.of(seen, self.operator.agent_name), seen.author == Author.STAFF,
                                   duplicate=True)

    async def resolve(self, case_id: int, staff: StaffMember) -> CaseView:
        moved = await self.store.write(self.cases.close, case_id, staff, CaseMove.RESOLVE)
        self.outbox_ready.set()
        status = {"state": moved.case.state, "agent": staff.name}
        if moved.rating_asked:
            status["rating"] = {"case": case_id}    # the widget asks for a 1-5 rating (docs/webchat-protocol.md)
        await self._announce(moved.case.conversation_id, moved.line, to_staff=True, case_id=case_id, status=status)
        return moved.case

    async def transfer(self, case_id: int, team_id: str, staff: StaffMember) -> CaseView:
        moved = await self.store.write(self.cases.transfer, case_id, team_id, staff)
        self.outbox_ready.set()
        await self._announce(moved.case.conversation_id, moved.line, to_staff=True, case_id=case_id,
                             status={"state": CaseState.WAITING.value, "agent": None})
        return moved.case

    async def unfreeze(self, case_id: int, staff: StaffMember) -> CaseView:
        """Unfreeze the account of the case's customer (routing.cases.CaseBook.unfreeze)."""
        moved = await self.store.write(self.cases.unfreeze, case_id, staff)
        self.outbox_ready.set()
        await self._announce(moved.case.conversation_id, moved.line, to_staff=True, case_id=case_id)
        return moved.case

    # ------------------------------------------------------------------ announcing

    async def announce(self, conversation_id: str, message: MessageView, *, case_id: int | None,
                       to_staff: bool = False, status: dict | None = None) -> None:
        """Tell a conversation's sockets (and staff) about a message someone else stored (the scheduler)."""
        await self._announce(conversation_id, message, to_staff=to_staff, case_id=case_id, status=status)

    async def tell(self, conversation_id: str, event: dict) -> None:
        """A live event for a conversation's sockets (a status frame), best effort."""
        await self._nudge(conversation_topic(conversation_id), event)

    async def _announce(self, conversation_id: str, message: MessageView, *, to_staff: bool, case_id: int | None,
                        status: dict | None = None) -> None:
        """Tell the conversation's sockets (with the message itself, so they need not read it back) and staff."""
        topic = conversation_topic(conversation_id)
        await self._nudge(topic, {"type": "message", "seq": message.seq, "message": message.to_event()})
        if status:
            await self._nudge(topic, {"type": "status", **status})
        if to_staff:
            await self._nudge(STAFF_TOPIC, {"type": "case", "case_id": case_id, "seq": message.seq})

    async def nudge(self, topic: str, event: dict) -> None:
        await self._nudge(topic, event)

    async def _nudge(self, topic: str, event: dict) -> None:
        """Best effort: what was committed stands even if the hub is down; readers catch up from the database."""
        try:
            await self.hub.publish(topic, event)
        except Exception:
            log.warning("could not publish a live event on %s; connected readers will catch up", topic,
                        exc_info=True)


__all__ = [
    "CaseNotFound", "ChatSession", "ClaimOutcome", "IllegalMove", "NotYours", "Receipt", "RoutingService",
    "StaffMessageOutcome", "VerifiedIdentity", "token_hash",
]
