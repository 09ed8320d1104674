"""With a model: budgets. A per-turn deadline, one retry, one repair, a circuit breaker; whatever
fails, the offline brain's decision is the answer. Behaviour is asserted, never time: deadlines are
short and the circuit's cooldown runs on a clock the test moves."""
from __future__ import annotations

from bot.decision import Memory
from bot.llm.breaker import CLOSED, OPEN
from tests.bot.llm.conftest import Clock
from tests.bot.llm.stand_in import judgement

QUESTION = "Can I take my cat in the cabin?"


def same_as_offline(decision, offline) -> bool:
    return (decision.action, decision.topic, decision.reason, decision.reply) == (
        offline.action, offline.topic, offline.reason, offline.reply)


def fell_back(decision, why: str) -> bool:
    return decision.usage.outcome == why and any(
        s.name == "llm.fallback" and s.evidence == why.replace("_", " ") for s in decision.signals)


async def test_a_model_that_hangs_falls_back_within_the_deadline_and_the_circuit_opens(make_brain, brain, model):
    llm = make_brain(deadline=0.3, failures_to_open=2)
    model.hangs(times=2)
    offline = brain.decide(QUESTION, Memory())

    first = await llm.decide(QUESTION, Memory())
    second = await llm.decide(QUESTION, Memory())
    third = await llm.decide(QUESTION, Memory())

    assert fell_back(first, "timeout") and fell_back(second, "timeout")
    assert same_as_offline(first, offline) and same_as_offline(third, offline)
    assert llm.breaker.state == OPEN
    assert fell_back(third, "circuit_open") and third.usage.calls == 0
    assert len(model.requests) == 2          # a dead endpoint is not asked again while the circuit is open


async def test_after_the_cooldown_one_turn_tries_again_and_a_reply_closes_the_circuit(make_brain, model):
    clock = Clock()
    llm = make_brain(deadline=0.3, failures_to_open=1, cooldown=30, clock=clock)
    model.hangs()
    await llm.decide(QUESTION, Memory())
    assert llm.breaker.state == OPEN

    clock.now += 29
    still_open = await llm.decide(QUESTION, Memory())
    clock.now += 2
    tried = await llm.decide(QUESTION, Memory())

    assert fell_back(still_open, "circuit_open")
    assert tried.usage.outcome == "ok" and tried.topic == "pets"
    assert llm.breaker.state == CLOSED and len(model.requests) == 2


async def test_a_failing_endpoint_is_tried_once_more_within_the_turn(llm, model):
    model.fails(503)

    decision = await llm.decide(QUESTION, Memory())

    assert decision.usage.outcome == "ok" and decision.usage.calls == 2 and decision.topic == "pets"


async def test_an_endpoint_that_fails_twice_leaves_the_turn_to_the_offline_brain(llm, brain, model):
    model.fails(500, times=2)

    decision = await llm.decide(QUESTION, Memory())

    assert fell_back(decision, "error") and decision.usage.calls == 2
    assert same_as_offline(decision, brain.decide(QUESTION, Memory()))


async def test_a_rejected_key_is_not_retried(llm, model):
    model.fails(401)

    decision = await llm.decide(QUESTION, Memory())

    assert fell_back(decision, "error") and len(model.requests) == 1


async def test_an_endpoint_nobody_listens_on_falls_back(make_brain, model, brain):
    llm = make_brain(deadline=1.0)
    await model.close()   # the port is free now: connections are refused

    decision = await llm.decide(QUESTION, Memory())

    assert fell_back(decision, "error") and same_as_offline(decision, brain.decide(QUESTION, Memory()))


async def test_malformed_output_is_repaired_once(llm, model):
    model.answers('{"action": "answer", "topic": "pets", "reply": "Yes', judgement(
        "answer", topic="pets", reply="Yes: small cats and dogs travel in the cabin up to 8 kg with their carrier."))

    decision = await llm.decide(QUESTION, Memory())

    assert decision.usage.outcome == "repaired" and decision.topic == "pets"
    repair = model.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"action": "answer", "topic": "pets", "reply": "Yes'}
    assert "does not follow the schema" in repair[-1]["content"]


async def test_output_that_stays_malformed_falls_back(llm, brain, model):
    model.answers("Sure! Cats are welcome.", '{"action": "maybe"}')

    decision = await llm.decide(QUESTION, Memory())

    assert fell_back(decision, "invalid") and same_as_offline(decision, brain.decide(QUESTION, Memory()))


async def test_a_refusal_falls_back(llm, brain, model):
    model.refuses()

    decision = await llm.decide(QUESTION, Memory())

    assert fell_back(decision, "refused") and same_as_offline(decision, brain.decide(QUESTION, Memory()))


async def test_a_tool_call_instead_of_an_answer_is_not_acted_on(llm, brain, model):
    model.calls_tool("freeze_account", {"account_id": "ACC-1"})
    model.calls_tool("freeze_account", {"account_id": "ACC-1"})

    decision = await llm.decide(QUESTION, Memory())

    assert fell_back(decision, "invalid") and decision.tools == ()


async def test_tokens_and_latency_of_the_turn_are_on_the_decision(llm, model):
    model.answers("not json", judgement("answer", topic="pets", reply="Yes, up to 8 kg with the carrier."))

    decision = await llm.decide(QUESTION, Memory())

    usage = decision.usage
    assert (usage.model, usage.calls) == ("stand-in-model", 2)
    assert usage.prompt_tokens > 500 and usage.completion_tokens > 0 and usage.latency_ms >= 0
    offline_only = await llm.decide("", Memory())   # nothing to ask a model about
    assert offline_only.usage is None
