"""The LLM brain: the offline brain's judgement first and last, a language model in between.

    policy = OfflineBrain.decide(...)            # rules, classifier, hot topics: always, first
    if the circuit is open or the message says "ignore your instructions":  -> policy
    passages = retrieve(knowledge for the policy's candidate topics)
    judgement = model(system prompt, <data>…</data>)   # within the turn's deadline, one retry
    problems? -> one repair; still wrong -> policy
    combine(policy, judgement)                   # the policy last: bot/llm/merge.py

`decide` is async, never raises, and returns within the deadline (plus the offline brain's
millisecond). Every decision a model took part in carries `usage` (tokens, latency, outcome).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable, Sequence

from bot.decision import CustomerProfile, Decision, Memory, ModelUsage, Signal, Turn
from bot.language import LANGUAGES
from bot.llm.breaker import CircuitBreaker
from bot.llm.guard import Context, parse, problems
from bot.llm.merge import combine, policy_tools_only
from bot.llm.port import ChatMessage, ChatModel, ModelReply, ModelRequest, ModelUnavailable
from bot.llm.prompts import Persona, data_document, judgement_messages, repair_messages, system_prompt
from bot.llm.retrieval import candidate_topics, readings_for, retrieve
from bot.llm.schema import Judgement
from bot.normalise import has_words
from bot.offline import OfflineBrain

log = logging.getLogger(__name__)

# A retry needs at least this share of the deadline left to be worth sending.
RETRY_MIN_SHARE = 0.25
SKIP_SIGNALS = ("input.instructions_in_text", "brain.error")


@dataclass(frozen=True)
class Budget:
    deadline: float = 8.0         # seconds for the whole model part of a turn (retry and repair included)
    retries: int = 1              # at most one more request when the endpoint fails (not on a timeout)
    failures_to_open: int = 3     # turns in a row without a reply that open the circuit
    cooldown: float = 30.0        # seconds the circuit stays open before one turn may try again


class _Tally:
    def __init__(self) -> None:
        self.calls = self.prompt_tokens = self.completion_tokens = 0

    def add(self, reply: ModelReply) -> None:
        self.prompt_tokens += reply.prompt_tokens
        self.completion_tokens += reply.completion_tokens


class LLMBrain:
    """AsyncBrain (bot.decision.AsyncBrain). Build once per process and share: the breaker is shared too."""

    def __init__(self, offline: OfflineBrain, model: ChatModel, *, budget: Budget = Budget(),
                 persona: Persona = Persona(), breaker: CircuitBreaker | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.offline = offline
        self.policy = offline.policy
        self.model = model
        self.budget = budget
        self.breaker = breaker or CircuitBreaker(budget.failures_to_open, budget.cooldown)
        self.clock = clock
        self.system = system_prompt(self.policy, persona)
        # Per process, for batch runs (`llamita triage` reports them); the stats read the stored usage.
        self.outcomes: Counter[str] = Counter()
        self.tokens = 0

    def outcomes_line(self) -> str:
        """'412 turns: ok 398, repaired 9, timeout 5; 1,234,567 tokens' — how often the model was really used."""
        total = sum(self.outcomes.values())
        parts = ", ".join(f"{name} {count}" for name, count in self.outcomes.most_common())
        return f"{total} turns: {parts or 'none'}; {self.tokens:,} tokens"

    async def decide(self, message: str, memory: Memory | None = None, history: Sequence[Turn] = (),
                     customer: CustomerProfile | None = None) -> Decision:
        memory = memory if isinstance(memory, Memory) else Memory()
        text = message if isinstance(message, str) else str(message or "")
        history = tuple(history or ())
        decision = self.offline.decide(text, memory, history, customer)   # the policy, first
        try:
            final = await self._with_model(decision, text, memory, history, customer)
        except Exception:  # a bug of ours must cost the model's help, never the customer's answer
            log.exception("the LLM brain failed; the offline decision stands")
            final = _signal(decision, "llm.fallback", "error")
        return policy_tools_only(final, customer)

    async def _with_model(self, decision: Decision, text: str, memory: Memory, history: tuple[Turn, ...],
                          customer: CustomerProfile | None) -> Decision:
        skip = next((s.name for s in decision.signals if s.name in SKIP_SIGNALS), None)
        if skip or not has_words(text):
            # Instructions in the message: nothing the model could add is worth the risk.
            return _signal(decision, "llm.skipped", skip or "no words")
        if not self.breaker.allow():
            self.outcomes["circuit_open"] += 1
            return _fallback(decision, ModelUsage(self.model.name, "circuit_open"))

        context, messages = self._prepare(decision, text, memory, history, customer)
        tally = _Tally()
        started = self.clock()
        outcome, judgement, settled = "error", None, False
        try:
            async with asyncio.timeout(self.budget.deadline):
                judgement, outcome = await self._judge(messages, context, tally, started)
            self.breaker.succeeded()
            settled = True
        except TimeoutError:
            outcome = "timeout"
        except ModelUnavailable as error:
            log.warning("the language model is unavailable (%s); the offline brain decides", error.why)
            outcome = "timeout" if error.why == "timeout" else "error"
        finally:
            if not settled:
                # No reply within the budget (or cancelled): one more strike for the circuit.
                self.breaker.failed()
        usage = ModelUsage(self.model.name, outcome, tally.calls, tally.prompt_tokens, tally.completion_tokens,
                           round((self.clock() - started) * 1000))
        self.outcomes[outcome] += 1
        self.tokens += tally.prompt_tokens + tally.completion_tokens
        if judgement is None:
            return _fallback(decision, usage)
        final = combine(decision, judgement, previous=memory, message=text, history=history, customer=customer,
                        policy=self.policy, today=self.policy.today or date.today())
        return replace(final, usage=usage)

    def _prepare(self, decision: Decision, text: str, memory: Memory, history: tuple[Turn, ...],
                 customer: CustomerProfile | None) -> tuple[Context, tuple[ChatMessage, ...]]:
        said = [turn.text for turn in history if turn.author == "customer"]
        readings = readings_for(self.offline.model.classifier.probabilities, text, said[-1] if said else None)
        previous_topic = memory.last_topic if memory.last_kind == "topic" else None
        topics = candidate_topics(decision.topic, readings, previous_topic)
        passages = tuple(retrieve(self.offline.kb, topics, text, decision.language))
        bookings = [f"{b.reference} {b.summary} {b.departure or ''} {b.status}"
                    for b in (customer.bookings if customer and customer.verified else ())]
        today = self.policy.today or date.today()
        context = Context(
            policy=decision, passages=passages, language=decision.language, customer=customer,
            sources=tuple(p.text for p in passages) + tuple(t.text for t in history) + (text, *bookings),
            customer_said=(*said, text),
            hot_topic_ids=frozenset(t.id for t in self.policy.hot_topics if t.active_on(today)),
            system_prompt=self.system, detect_language=self._language_of if decision.language in LANGUAGES else None)
        data = data_document(message=text, language=decision.language, policy_decision=decision, memory=memory,
                             history=history, customer=customer, passages=passages,
                             staff_languages=self.policy.staff_languages)
        return context, judgement_messages(self.system, data)

    def _language_of(self, text: str) -> tuple[str, bool]:
        guess = self.offline.model.languages.detect(text, None)
        return guess.language, guess.confident

    async def _judge(self, messages: tuple[ChatMessage, ...], context: Context, tally: _Tally,
                     started: float) -> tuple[Judgement | None, str]:
        reply = await self._complete("judgement", messages, tally, started)
        if reply.refusal is not None and not reply.content:
            return None, "refused"
        judgement, found = parse(reply.content)
        if judgement is not None:
            found = problems(judgement, context)
        if not found:
            return judgement, "ok"
        log.info("the model's reply needs repair: %s", "; ".join(found))
        repaired = await self._complete("repair", repair_messages(messages, reply.content, found), tally, started)
        judgement, found = parse(repaired.content)
        if judgement is not None:
            found = problems(judgement, context)
        if found:
            log.info("the repaired reply is still unusable (%s); the offline brain decides", "; ".join(found))
            return None, "invalid"
        return judgement, "repaired"

    async def _complete(self, purpose: str, messages: tuple[ChatMessage, ...], tally: _Tally,
                        started: float) -> ModelReply:
        """One request, and at most `budget.retries` more when the endpoint failed and time is left."""
        attempts = 0
        while True:
            left = self.budget.deadline - (self.clock() - started)
            tally.calls += 1
            attempts += 1
            try:
                reply = await self.model.complete(ModelRequest(purpose, messages, Judgement, timeout=max(left, 0.05)))
            except ModelUnavailable as error:
                left = self.budget.deadline - (self.clock() - started)
                too_late = left < RETRY_MIN_SHARE * self.budget.deadline
                if not error.retryable or attempts > self.budget.retries or too_late:
                    raise
                log.info("the language model failed (%s); trying once more", error.why)
                continue
            tally.add(reply)
            return reply


def _signal(decision: Decision, name: str, evidence: str) -> Decision:
    return replace(decision, signals=decision.signals + (Signal(name, evidence),))


def _fallback(decision: Decision, usage: ModelUsage) -> Decision:
    """The offline brain's decision, as it was, with why the model did not take part."""
    return replace(_signal(decision, "llm.fallback", usage.outcome.replace("_", " ")), usage=usage)
