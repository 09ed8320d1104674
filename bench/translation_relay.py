"""What machine translation adds to a relayed message (issue 11), printed, never asserted.

1. A translator answering in 1 ms (a blocking provider, like deep-translator, on the guard's threads):
   the time `Translations.on_relay` adds to relaying a customer's message (translate, keep the
   translation), over N distinct messages, against a store on SQLite. Goal: under 5 ms.
2. A translator that hangs: how long a relay waits (the configured deadline, default 3 s; here 0.5 s
   unless --deadline), and that the message is delivered, marked "failed".

    .venv/bin/python bench/translation_relay.py [--messages 300] [--deadline 0.5]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlmodel import select

from bot.offline import OfflineBrain
from bot.translation import GuardedTranslator, TranslatorLimits
from routing.config import load_operator_config
from routing.hub import LocalHub
from routing.models import Message
from routing.service import RoutingService
from routing.store import Store
from routing.views import StaffMember


class Fast:
    name = "fast"

    def translate(self, text: str, source: str, target: str) -> str:
        time.sleep(0.001)
        return f"[{target}] {text}"


class Hung:
    name = "hung"

    def __init__(self):
        self.release = threading.Event()

    def translate(self, text: str, source: str, target: str) -> str:
        self.release.wait(60)
        return text


async def relay_times(provider, messages: int, deadline: float) -> tuple[list[float], list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await store.migrate()
        operator = load_operator_config()
        translator = GuardedTranslator(provider, TranslatorLimits(deadline=deadline, workers=4, failures_to_open=10**6))
        service = RoutingService(store, LocalHub(), operator, OfflineBrain(operator.policy()), translator=translator)
        chat = await service.start_conversation()
        receipt = await service.receive(chat.conversation_id, "Ich möchte bitte mit einem Mitarbeiter sprechen.")
        await service.respond(chat.conversation_id, receipt.pending)
        [case] = await service.open_cases()
        await service.claim(case.id, StaffMember("desk:ana", "Ana", "desk"))
        case = await service.case(case.id)
        times, states = [], []
        for n in range(messages):
            stored = await service.receive(chat.conversation_id, f"Nachricht Nummer {n}: wo ist mein Koffer?")
            view = (await service.messages_after(chat.conversation_id, stored.seq - 1))[0]
            message_id = await store.read(lambda s, seq=stored.seq: s.exec(
                select(Message.id).where(Message.conversation_id == chat.conversation_id, Message.seq == seq)).first())
            started = time.perf_counter()
            _, relayed = await service.relay_view("message", case, message_id, view, "desk", "general")
            times.append((time.perf_counter() - started) * 1000)
            states.append(relayed.translation_state)
        await store.close()
        return times, states


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    return (f"median {statistics.median(ordered):.2f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1]:.2f} ms, "
            f"max {ordered[-1]:.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--deadline", type=float, default=0.5)
    args = parser.parse_args()

    times, states = await relay_times(Fast(), args.messages, 3.0)
    # The translator's own 1 ms is part of it: what translation adds beyond it is the rest.
    print(f"translator answering in 1 ms, {args.messages} messages: relay adds {describe(times)} "
          f"(of which ~1.1 ms is the translator itself); translated: {states.count('done')}/{len(states)}")
    hung = Hung()
    times, states = await relay_times(hung, 5, args.deadline)
    hung.release.set()
    print(f"translator that hangs, deadline {args.deadline:g} s, 5 messages: relay waits {describe(times)}; "
          f"delivered marked failed: {states.count('failed')}/{len(states)}")


if __name__ == "__main__":
    asyncio.run(main())
