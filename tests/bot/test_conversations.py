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

CONVERSATIONS = yaml.safe_load((Path(__file__).parent / "conversations.yml").read_text(encoding="utf-8"))


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
