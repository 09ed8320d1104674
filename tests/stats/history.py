"""A known history for the stats tests: conversations driven through the real service (the offline brain
deciding) on a clock the test moves, so every figure the report shows can be worked out by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from bot.offline import OfflineBrain
from routing.models import Case
from routing.service import RoutingService
from routing.views import StaffMember

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
ANA = StaffMember("desk:ana", "Ana", "desk")
BRUNO = StaffMember("desk:bruno", "Bruno", "desk")
LEGAL = "I'm going to sue you, my lawyer will contact you about the EU261 compensation"


class Clock:
    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> "Clock":
        self.now = moment
        return self

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class History:
    service: RoutingService
    clock: Clock
    cases: dict[str, int] = field(default_factory=dict)         # name -> case id
    chats: dict[str, str] = field(default_factory=dict)         # name -> conversation id
    answers: dict[str, int] = field(default_factory=dict)       # name -> seq of Llamita's answer

    async def chat(self, name: str, *texts: str) -> str:
        chat = await self.service.start_conversation()
        self.chats[name] = chat.conversation_id
        for text in texts:
            await self.say(name, text)
        return chat.conversation_id

    async def say(self, name: str, text: str) -> None:
        receipt = await self.service.receive(self.chats[name], text)
        await self.service.respond(self.chats[name], receipt.pending)
        self.clock.advance(5)

    async def last_case(self, name: str) -> int:
        messages = await self.service.messages_after(self.chats[name], 0, for_staff=True)
        conversation_id = self.chats[name]
        case_id = await self.service.store.read(lambda session: session.execute(
            select(Case.id).where(Case.conversation_id == conversation_id).order_by(Case.id.desc())).scalars().first())
        self.cases[name] = case_id
        for message in messages:
            if message.author == "bot" and message.topic:
                self.answers.setdefault(name, message.seq)
        return case_id

    async def abandon(self, name: str) -> None:
        """As the scheduler closes a case nobody could continue: state abandoned, closed_at now."""
        case_id, now = self.cases[name], self.clock()
        await self.service.store.write(lambda session: session.execute(
            update(Case).where(Case.id == case_id).values(state="abandoned", closed_at=now)))


def service_on(store, hub, operator, clock: Clock) -> RoutingService:
    return RoutingService(store, hub, operator, OfflineBrain(operator.policy()), clock=clock)


async def seed(service: RoutingService, clock: Clock) -> History:
    """The history every stats test reads (see test_report.py for what each conversation is for)."""
    h = History(service, clock)
    learning = service.learning

    # Before the period: must not count.
    clock.at(START - timedelta(days=40))
    await h.chat("old", "I want to talk to a person")
    await h.last_case("old")

    # 1. A question Llamita answers; the customer says it helped.
    clock.at(START)
    await h.chat("bags", "How many bags can I bring?")
    await h.last_case("bags")
    await learning.answer_feedback(h.chats["bags"], h.answers["bags"], True)

    # 2. A refund question, an answer the customer finds unhelpful, then "a person, please" (insisted after
    #    a no); claimed after 120 s, resolved 600 s after the hand-over, rated 2 with a comment.
    clock.at(START + timedelta(minutes=10))
    await h.chat("refund", "When will I get my refund?")
    await h.last_case("refund")
    await learning.answer_feedback(h.chats["refund"], h.answers["refund"], False)
    await h.say("refund", "I want to talk to a person")
    handed = clock()
    clock.at(handed + timedelta(seconds=115))
    await service.claim(h.cases["refund"], ANA)
    await service.staff_message(h.cases["refund"], ANA, "Hi, I'm Ana. Let me look at your refund.")
    await h.say("refund", "This is ridiculous, I am furious")
    clock.at(handed + timedelta(seconds=595))
    await service.resolve(h.cases["refund"], ANA)
    await learning.rate(h.chats["refund"], h.cases["refund"], 2, "Too slow. Call me on +44 20 7946 0958")

    # 3. A legal threat (Compliance): claimed after 300 s, resolved 1200 s after the hand-over, rated 5.
    clock.at(START + timedelta(minutes=30))
    await h.chat("legal", LEGAL)
    await h.last_case("legal")
    handed = clock()
    clock.at(handed + timedelta(seconds=295))
    await service.claim(h.cases["legal"], BRUNO)
    await service.staff_message(h.cases["legal"], BRUNO, "Hello, Bruno from Compliance here.")
    await h.say("legal", "Thank you so much, that was great!")
    clock.at(handed + timedelta(seconds=1195))
    await service.resolve(h.cases["legal"], BRUNO)
    await learning.rate(h.chats["legal"], h.cases["legal"], 5)

    # 4. Another legal threat nobody claims: abandoned while waiting.
    clock.at(START + timedelta(hours=1))
    await h.chat("waiting", LEGAL)
    await h.last_case("waiting")
    clock.advance(3600)
    await h.abandon("waiting")

    # 5. A check-in question answered; the customer leaves: abandoned with Llamita.
    clock.at(START + timedelta(hours=3))
    await h.chat("left", "How do I check in online?")
    await h.last_case("left")
    clock.advance(3600)
    await h.abandon("left")

    # 6. A question in Spanish Llamita answers; no feedback.
    clock.at(START + timedelta(hours=4))
    await h.chat("es", "¿Cuántas maletas puedo llevar en el avión?")
    await h.last_case("es")
    clock.at(START + timedelta(hours=5))
    return h
