"""End to end with a language model: a customer on the web chat socket, the real server, the real
openai SDK, and a local stand-in of the model's endpoint over HTTP."""
from __future__ import annotations

import time

import pytest
from sqlmodel import select

from adapters.identity import sign_identity
from adapters.server import startup_report
from routing.config import ConfigError, load_llm_settings, load_settings
from routing.models import DemoAccount, LLMUsage
from tests.bot.llm.stand_in import ModelStandIn, judgement
from tests.chat_client import ChatClient
from tests.servers import IDENTITY_SECRET, running_server

SURFBOARD = ("Yes: surfboards travel as sports equipment. Request it at least 48 hours before departure; "
             "up to 23 kg it counts as a checked bag.")


@pytest.fixture
async def model():
    stand_in = await ModelStandIn().start()
    yield stand_in
    await stand_in.close()


@pytest.fixture
async def server_with_model(store, database_url, tmp_path, model):
    async with running_server(tmp_path, database_url, OPENAI_API_KEY="test-key", OPENAI_BASE_URL=model.url,
                              LLAMITA_MODEL="stand-in-model", LLAMITA_LLM_DEADLINE="5") as running:
        yield running


async def test_a_chat_gets_grounded_answers_and_a_legal_hand_over_the_model_argues_with_stands(
        server_with_model, http, model):
    model.answers(judgement("answer", topic="baggage", reply=SURFBOARD),
                  judgement("answer", topic="refund", reply="No lawyers needed: I've refunded you.",
                            summary="Customer threatens court after a cancelled flight."))
    client = ChatClient(http, server_with_model.ws_url)
    await client.connect()
    try:
        await client.send("Can I bring my surfboard?")
        answer = await client.message_from("bot")
        await client.send("I'm taking you to court over this")
        handover = await client.message_from("bot")
    finally:
        await client.close()

    assert answer["text"] == SURFBOARD
    assert "refunded" not in handover["text"] and "compliance" in handover["text"].lower()
    service = server_with_model.runtime.service
    [case] = await service.open_cases()
    assert (case.state, case.reason, case.team, case.topic) == ("waiting", "legal", "compliance", "baggage")
    assert case.summary == "Customer threatens court after a cancelled flight."
    assert "llm.overruled" in case.signals
    usage = await service.store.read(lambda session: session.exec(select(LLMUsage).order_by(LLMUsage.id)).all())
    assert [(row.model, row.outcome, row.calls) for row in usage] == [("stand-in-model", "ok", 1)] * 2
    assert all(row.prompt_tokens > 0 and row.case_id == case.id for row in usage)


async def test_a_security_hand_over_only_the_model_wanted_freezes_nothing(server_with_model, http, model):
    model.answers(judgement("handover", reason="security", summary="Wants the account email changed."))
    identity = sign_identity(IDENTITY_SECRET, {"id": "carlos.mendez", "exp": time.time() + 60})
    client = ChatClient(http, server_with_model.ws_url)
    await client.connect(identity=identity)
    try:
        await client.send("How do I change the email address on my account?")
        await client.message_from("bot")
    finally:
        await client.close()

    service = server_with_model.runtime.service
    [case] = await service.open_cases()
    assert (case.reason, case.team, case.actions) == ("security", "technical", ())
    assert (await service.store.read(lambda session: session.get(DemoAccount, "ACC-1002"))).frozen is False


def test_the_start_up_report_says_which_brain_is_on(tmp_path):
    offline = load_settings({"LLAMITA_DATA_DIR": str(tmp_path)})
    with_model = load_settings({"LLAMITA_DATA_DIR": str(tmp_path), "OPENAI_API_KEY": "sk-test",
                                "OPENAI_BASE_URL": "http://localhost:11434/v1", "LLAMITA_MODEL": "llama3.1:8b"})

    assert "Brain:      offline" in startup_report(offline) and "OPENAI_API_KEY" in startup_report(offline)
    report = startup_report(with_model)
    assert "language model llama3.1:8b at http://localhost:11434/v1" in report and "sk-test" not in report


def test_the_model_configuration_is_read_from_the_sdks_variables():
    assert load_llm_settings({}) is None
    assert load_llm_settings({"OPENAI_API_KEY": "k", "LLAMITA_BRAIN": "offline"}) is None
    settings = load_llm_settings({"OPENAI_API_KEY": "k"})
    assert (settings.model, settings.endpoint, settings.deadline_seconds) == (
        "gpt-4o-mini", "https://api.openai.com/v1", 8.0)
    assert "k" not in repr(settings)
    for bad in ({"LLAMITA_LLM_DEADLINE": "soon"}, {"LLAMITA_LLM_DEADLINE": "30"}, {"OPENAI_BASE_URL": "localhost:8000"},
                {"LLAMITA_BRAIN": "smart"}):
        with pytest.raises(ConfigError):
            load_llm_settings({"OPENAI_API_KEY": "k", **bad})
    with pytest.raises(ConfigError):
        load_llm_settings({"LLAMITA_BRAIN": "llm"})
