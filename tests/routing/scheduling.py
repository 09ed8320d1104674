"""What the scheduler tests share: a clock the test moves, a staff channel that records what it is shown,
and a service, scheduler and outbox wired to them (several, as several workers would be)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.offline import OfflineBrain
from routing.channels import Delivery
from routing.outbox import Outbox
from routing.scheduler import Scheduler
from routing.service import RoutingService

MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)   # 09:00 in São Paulo: Accounts is open
LEGAL = "I'm going to sue you, my lawyer will contact you about the EU261 compensation"


class Clock:
    """The one clock the service, the scheduler and the outbox read; tests move it, never sleep."""

    def __init__(self, now: datetime = MONDAY_NOON):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Shown:
    post_id: int
    kind: str
    target: str
    case_id: int
    state: str
    reminders: int
    text: str | None


@dataclass
class RecordingChannel:
    """A staff platform that shows everything it is given (its "slack" channel ids from the operator file)."""
    name: str = "slack"
    shown: list[Shown] = field(default_factory=list)

    def target_for(self, team) -> str | None:
        return team.channels.get("slack")

    async def deliver(self, delivery: Delivery) -> str | None:
        self.shown.append(Shown(delivery.post_id, delivery.kind, delivery.target, delivery.case.id, delivery.case.state,
                                delivery.case.reminders_sent, delivery.message.text if delivery.message else None))
        return f"ts-{delivery.post_id}" if delivery.kind == "card" else None

    def kinds(self, case_id: int | None = None) -> list[str]:
        return [shown.kind for shown in self.shown if case_id is None or shown.case_id == case_id]


@dataclass
class Worker:
    service: RoutingService
    scheduler: Scheduler
    outbox: Outbox
    channel: RecordingChannel

    async def tick(self):
        """One scheduler tick, then whatever the outbox has to deliver."""
        told = await self.scheduler.tick()
        while await self.outbox.deliver_due():
            pass
        return told


def worker(store, hub, operator, clock: Clock, channel: RecordingChannel | None = None) -> Worker:
    channel = channel or RecordingChannel()
    service = RoutingService(store, hub, operator, OfflineBrain(operator.policy()), [channel], clock=clock)
    return Worker(service, Scheduler(service), Outbox(service, [channel]), channel)


async def hand_over(service: RoutingService, text: str = LEGAL) -> tuple[str, int]:
    """A new conversation whose customer is handed over; (conversation id, case id)."""
    chat = await service.start_conversation()
    await service.receive(chat.conversation_id, text)
    await service.respond(chat.conversation_id)
    case = [c for c in await service.open_cases() if c.conversation_id == chat.conversation_id][0]
    return chat.conversation_id, case.id


def operator_with(text_edit):
    """The demo operator file with one edit (a function of its text), loaded as Llamita would."""
    import tempfile
    from pathlib import Path

    from routing.config import DEMO_CONFIG, load_operator_config

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "operator.yml"
        path.write_text(text_edit(DEMO_CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
        return load_operator_config(path)
