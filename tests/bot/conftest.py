"""Fixtures for the brain's specifications: the demo policy and one brain shared by the module.

The demo policy is read from the operator config (routing/demo/llama-travel.yml) when it is there,
with the date pinned so hot-topic expiry cannot make tests flaky; a policy with equivalent hot
topics is built by hand otherwise.
"""
from __future__ import annotations

import os
import tempfile
from datetime import date

import pytest

from bot.decision import HotTopic, Policy
from bot.offline import OfflineBrain

TODAY = date(2026, 11, 25)

# The brain keeps trained classifiers in a cache directory; tests use their own, never ~/.cache.
os.environ.setdefault("LLAMITA_CACHE_DIR", tempfile.mkdtemp(prefix="llamita-test-cache-"))


def demo_policy() -> Policy:
    try:
        from routing.config import load_operator_config
        return load_operator_config().policy(today=TODAY)
    except Exception:  # the routing package is someone else's; the brain's tests must not depend on it
        return Policy(today=TODAY, hot_topics=(
            HotTopic("airline_strike", "general", keywords=("strike", "huelga", "greve", "Streik", "grève",
                                                             "sciopero", "staking"),
                     examples=("Is my flight affected by the strike?",)),
            HotTopic("premium_in_depth", "accounts", knowledge_topic="premium_package",
                     keywords=("corporate", "invoice", "contract", "refused", "not honoured", "penalty"),
                     examples=("Do you have a corporate Llama Premium plan?",
                               "My Premium benefit was refused at the hotel.")),
        ))


@pytest.fixture(scope="session")
def policy() -> Policy:
    return demo_policy()


@pytest.fixture(scope="session")
def brain(policy) -> OfflineBrain:
    return OfflineBrain(policy)
