"""Fixtures for the LLM brain's specifications: a model stand-in over HTTP and brains pointed at it.

The brain under test is the real one, built the way `llamita serve` builds it (adapters/llm.py over
the real openai SDK); only the endpoint is local. Deadlines are short so budget tests stay fast.
"""
from __future__ import annotations

import pytest

from adapters.llm import build_chat_model
from bot.llm import Budget, CircuitBreaker, LLMBrain
from routing.config import LLMSettings
from tests.bot.llm.stand_in import ModelStandIn


@pytest.fixture
async def model():
    stand_in = await ModelStandIn().start()
    yield stand_in
    await stand_in.close()


class Clock:
    """A clock the test moves by hand (for the circuit's cooldown; never a sleep)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def make_brain(model, brain):
    """LLMBrain over the stand-in: make_brain(deadline=..., failures_to_open=..., cooldown=..., clock=...)."""
    made = []

    def make(deadline: float = 5.0, failures_to_open: int = 3, cooldown: float = 30.0, clock=None) -> LLMBrain:
        settings = LLMSettings(api_key="test-key", model="stand-in-model", base_url=model.url,
                               deadline_seconds=deadline)
        breaker = CircuitBreaker(failures_to_open, cooldown, clock) if clock else None
        llm = LLMBrain(brain, build_chat_model(settings), breaker=breaker,
                       budget=Budget(deadline=deadline, failures_to_open=failures_to_open, cooldown=cooldown))
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.model.close()


@pytest.fixture
def llm(make_brain) -> LLMBrain:
    return make_brain()
