"""`llamita triage`: one decision line per case, in the eval contract's format, whatever comes in."""
from __future__ import annotations

import io
import json

from bot.triage import customer_profile, triage_case, triage_stream

KEYS = {"id", "escalate_at", "reason", "team", "language", "topics", "replies"}


def test_a_case_becomes_a_decision_line_with_the_contract_fields(brain, policy):
    case = {"id": "c-1", "turns": ["Hi!", "how many bags can I bring?", "my card was stolen!!"]}

    line = triage_case(brain, case, policy)

    assert set(line) == KEYS
    assert (line["escalate_at"], line["reason"], line["team"], line["language"]) == (2, "security", "technical", "en")
    assert line["topics"] == [None, "baggage"]
    assert len(line["replies"]) == 3


def test_turns_after_the_hand_over_are_not_decided(brain, policy):
    line = triage_case(brain, {"id": "c-2", "turns": ["I want a human", "hello?", "anyone?"]}, policy)

    assert line["escalate_at"] == 0 and len(line["replies"]) == 1 and line["topics"] == []


def test_the_expected_answer_in_a_case_is_never_read(brain, policy):
    turns = ["what's the weather in Lima?", "and tomorrow?"]
    honest = triage_case(brain, {"id": "x", "turns": turns}, policy)
    misleading = triage_case(brain, {"id": "x", "turns": turns, "expect": {
        "escalate_at": None, "reason": "security", "team": "accounts", "language": "de", "topics": ["pets"]}}, policy)

    assert honest == misleading


def test_the_customer_profile_is_built_from_the_case(brain, policy):
    profile = customer_profile({"name": "Ana", "tier": "premium", "booking": "LT-4821", "account_id": 77,
                                "unknown_field": "ignored"})

    assert (profile.name, profile.tier, profile.booking, profile.account_id) == ("Ana", "premium", "LT-4821", "77")
    assert customer_profile(None) is None and customer_profile("nonsense") is None


def test_a_malformed_line_gets_an_error_line_and_the_batch_goes_on(brain, policy):
    lines = [
        json.dumps({"id": "ok-1", "turns": ["hola"]}),
        "{this is not json",
        json.dumps({"id": "no-turns"}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "ok-2", "turns": ["thanks!"]}),
    ]
    out = io.StringIO()

    failed = triage_stream(brain, lines, out, policy)
    written = [json.loads(line) for line in out.getvalue().splitlines()]

    assert failed == 3
    assert [w["id"] for w in written] == ["ok-1", "line-2", "no-turns", "line-4", "ok-2"]
    assert all("error" in w for w in written[1:4])
    assert set(written[0]) == KEYS and set(written[-1]) == KEYS


def test_odd_turn_values_do_not_break_a_case(brain, policy):
    line = triage_case(brain, {"id": "odd", "turns": [None, 42, "", "hello"]}, policy)

    assert line["escalate_at"] is None and len(line["replies"]) == 4
