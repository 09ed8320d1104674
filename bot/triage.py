"""Batch triage: run labelled-style cases through a brain and write one decision line per case.

This is what `llamita triage < CASES.jsonl > DECISIONS.jsonl` does (contract: ../shared/eval/README.md).
Each case's turns go through the brain in order, with its memory and the conversation so far, until
a hand-over; the case's `expect` field is never read. A malformed line produces an error line with
the case id when it can be found, and the batch goes on.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterable, TextIO

from bot.decision import Brain, CustomerProfile, Memory, Policy, Turn

log = logging.getLogger(__name__)
_PROFILE_FIELDS = ("name", "tier", "booking", "account_id", "verified")


def customer_profile(raw: Any) -> CustomerProfile | None:
    """A CustomerProfile from the case's optional `customer` object (unknown fields ignored)."""
    if not isinstance(raw, dict):
        return None
    values: dict[str, Any] = {}
    for key in _PROFILE_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        values[key] = bool(value) if key == "verified" else str(value)
    return CustomerProfile(**values)


def triage_case(brain: Brain, case: dict, policy: Policy | None = None) -> dict:
    """The decision line for one case: {"id", "escalate_at", "reason", "team", "language", "topics", "replies"}."""
    case_id = case.get("id")
    turns = case.get("turns")
    if not isinstance(turns, list):
        raise ValueError("case has no list of turns")
    customer = customer_profile(case.get("customer"))
    memory = Memory()
    history: list[Turn] = []
    topics: list[str | None] = []
    replies: list[str] = []
    escalate_at = reason = team = None
    language = None
    for index, raw in enumerate(turns):
        text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
        decision = brain.decide(text, memory, tuple(history), customer)
        memory = decision.memory
        language = decision.language
        replies.append(decision.reply)
        history.append(Turn("customer", text))
        history.append(Turn("bot", decision.reply))
        if decision.hands_over:
            escalate_at, reason, team = index, decision.reason, decision.team
            break
        topics.append(decision.topic)
    return {"id": case_id, "escalate_at": escalate_at, "reason": reason, "team": team,
            "language": language or "en", "topics": topics, "replies": replies}


def triage_stream(brain: Brain, lines: Iterable[str], out: TextIO, policy: Policy | None = None) -> int:
    """Triage every JSON line of `lines` into `out`; returns how many lines failed (never raises on input)."""
    failed = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        case_id = None
        try:
            case = json.loads(line)
            if not isinstance(case, dict):
                raise ValueError("a case must be a JSON object")
            case_id = case.get("id")
            result = triage_case(brain, case, policy)
        except Exception as error:  # one bad line must not stop the batch
            failed += 1
            log.warning("line %d: cannot triage: %s", number, error)
            result = {"id": case_id if case_id is not None else f"line-{number}",
                      "error": f"line {number}: {type(error).__name__}: {str(error)[:200]}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return failed
