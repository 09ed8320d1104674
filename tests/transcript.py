"""Run customer messages through a brain as one conversation, the way the routing service does."""
from __future__ import annotations

from bot.decision import Decision, Memory


def say(brain, *messages: str, customer=None, stop_at_hand_over: bool = True) -> list[Decision]:
    """Every decision, in order; by default the conversation ends at a hand-over, as it does live."""
    memory, decisions = Memory(), []
    for message in messages:
        decision = brain.decide(message, memory, (), customer)
        decisions.append(decision)
        memory = decision.memory
        if stop_at_hand_over and decision.hands_over:
            break
    return decisions
