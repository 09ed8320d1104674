"""Batch triage: run labelled-style cases through a brain and write one decision line per case.

This is what `llamita triage < CASES.jsonl > DECISIONS.jsonl` does (contract: ../shared/eval/README.md).
Each case's turns go through the brain in order, with its memory and the conversation so far, until
a hand-over; the case's `expect` field is never read. A malformed line produces an error line with
the case id when it can be found, and the batch goes on.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Iterable, Iterator, TextIO

from bot.decision import AnyBrain, Brain, CustomerProfile, Decision, Memory, Policy, Turn, decide_with

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


class _Triage:
    """One case going through a brain turn by turn: what to ask next, and the decision line at the end."""

    def __init__(self, case: dict):
        self.case_id = case.get("id")
        turns = case.get("turns")
        if not isinstance(turns, list):
            raise ValueError("case has no list of turns")
        self.turns = [raw if isinstance(raw, str) else ("" if raw is None else str(raw)) for raw in turns]
        self.customer = customer_profile(case.get("customer"))
        self.memory = Memory()
        self.history: list[Turn] = []
        self.topics: list[str | None] = []
        self.replies: list[str] = []
        self.escalate_at = self.reason = self.team = self.language = None

    def pending(self) -> Iterator[tuple[str, Memory, tuple[Turn, ...], CustomerProfile | None]]:
        """The arguments of each turn's `decide`, until a hand-over (feed each decision to `took`)."""
        for text in self.turns:
            yield text, self.memory, tuple(self.history), self.customer
            if self.escalate_at is not None:
                return

    def took(self, text: str, decision: Decision) -> None:
        self.memory = decision.memory
        self.language = decision.language
        self.replies.append(decision.reply)
        self.history.append(Turn("customer", text))
        self.history.append(Turn("bot", decision.reply))
        if decision.hands_over:
            self.escalate_at, self.reason, self.team = len(self.replies) - 1, decision.reason, decision.team
        else:
            self.topics.append(decision.topic)

    def line(self) -> dict:
        return {"id": self.case_id, "escalate_at": self.escalate_at, "reason": self.reason, "team": self.team,
                "language": self.language or "en", "topics": self.topics, "replies": self.replies}


def triage_case(brain: Brain, case: dict, policy: Policy | None = None) -> dict:
    """The decision line for one case: {"id", "escalate_at", "reason", "team", "language", "topics", "replies"}."""
    run = _Triage(case)
    for text, memory, history, customer in run.pending():
        run.took(text, brain.decide(text, memory, history, customer))
    return run.line()


async def triage_case_async(brain: AnyBrain, case: dict, policy: Policy | None = None) -> dict:
    """triage_case for a brain that may be async (the LLM brain)."""
    run = _Triage(case)
    for text, memory, history, customer in run.pending():
        run.took(text, await decide_with(brain, text, memory, history, customer))
    return run.line()


def triage_stream(brain: Brain, lines: Iterable[str], out: TextIO, policy: Policy | None = None) -> int:
    """Triage every JSON line of `lines` into `out`; returns how many lines failed (never raises on input)."""
    failed = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        result = _guarded(number, line, lambda case: triage_case(brain, case, policy))
        failed += "error" in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return failed


async def triage_stream_async(brain: AnyBrain, lines: Iterable[str], out: TextIO, policy: Policy | None = None,
                              parallel: int = 4) -> int:
    """triage_stream for an async brain: `parallel` cases at a time (a model is slow), written in input order."""
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    gate = asyncio.Semaphore(max(1, parallel))

    async def one(number: int, line: str) -> dict:
        async with gate:
            case, problem = _case_of(line)
            if problem is not None:
                return _error_line(number, None, problem)
            try:
                return await triage_case_async(brain, case, policy)
            except Exception as error:
                return _error_line(number, case.get("id"), error)

    results = await asyncio.gather(*(one(number, line) for number, line in numbered))
    for result in results:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return sum("error" in result for result in results)


def _case_of(line: str) -> tuple[dict, Exception | None]:
    try:
        case = json.loads(line)
    except ValueError as error:
        return {}, error
    if not isinstance(case, dict):
        return {}, ValueError("a case must be a JSON object")
    return case, None


def _guarded(number: int, line: str, triage) -> dict:
    case, problem = _case_of(line)
    if problem is not None:
        return _error_line(number, None, problem)
    try:
        return triage(case)
    except Exception as error:  # one bad line must not stop the batch
        return _error_line(number, case.get("id"), error)


def _error_line(number: int, case_id, error) -> dict:
    log.warning("line %d: cannot triage: %s", number, error)
    return {"id": case_id if case_id is not None else f"line-{number}",
            "error": f"line {number}: {type(error).__name__}: {str(error)[:200]}"}
