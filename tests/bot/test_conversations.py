"""Whole conversations, in seven languages, decided the way the eval contract scores them.

The conversations live in conversations.yml beside this file: written for these tests, in the
project's own words. Each must hand over on the right turn, for the right reason, to the right
team, in the customer's language, and answer every earlier turn from the right topic (or from none).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.triage import triage_case

# conversations.yml: the first probes; conversations_generalisation.yml: probes for the behaviours a
# held-out set showed the rules had overfitted (threats, insults, censored profanity, hopelessness,
# disasters, implicit requests for a person, data-protection and passenger-rights claims in plain
# words, Premium sharing, off-topic follow-ups), written before the fixes.
CONVERSATIONS = [case for name in ("conversations.yml", "conversations_generalisation.yml")
                 for case in yaml.safe_load((Path(__file__).parent / name).read_text(encoding="utf-8"))]


@pytest.mark.parametrize("case", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_conversation(brain, policy, case):
    expect = case["expect"]
    got = triage_case(brain, {"id": case["name"], "turns": case["turns"]}, policy)

    assert got["language"] == expect["language"]
    assert got["escalate_at"] == expect["escalate_at"], got
    if expect["escalate_at"] is not None:
        assert (got["reason"], got["team"]) == (expect["reason"], expect["team"])
    for turn, want in enumerate(expect.get("topics", [])):
        if want != "*":
            assert got["topics"][turn] == want, f"turn {turn}: {case['turns'][turn]!r}"
