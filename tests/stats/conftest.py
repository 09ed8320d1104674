"""A known history, seeded once per test through the real service on a clock the test moves."""
from __future__ import annotations

import pytest

from tests.stats.history import Clock, seed, service_on


@pytest.fixture
async def history(store, hub, operator):
    clock = Clock()
    return await seed(service_on(store, hub, operator, clock), clock)
