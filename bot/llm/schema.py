"""The structured output the model must return each turn (a pydantic model, sent as a strict JSON schema).

Every field is required (nullable where it may be empty) so the same schema works in OpenAI's strict
mode and on self-hosted servers with grammar-constrained decoding (vLLM, llama.cpp, Ollama).
There is deliberately no field for tools or actions: the model cannot ask Llamita to do anything,
only to say something or to bring in a person.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.decision import TOPICS

TopicId = Literal[TOPICS]   # type: ignore[valid-type]
# What the model may hand over for. Not "edge_case": that follows from unanswered turns in a row.
ModelReason = Literal["security", "legal", "distress", "human_request", "hot_topic"]

MAX_REPLY_CHARS = 1500
MAX_SUMMARY_CHARS = 1200


class Judgement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["answer", "ask", "handover"] = Field(
        description="answer: reply from the knowledge given (or small talk); ask: a clarifying question or "
                    "'I don't know, let me find out'; handover: a person must take over")
    topic: TopicId | None = Field(
        description="for answer: the id of the knowledge topic the reply comes from; null for small talk, ask "
                    "and handover")
    handover_reason: ModelReason | None = Field(
        description="for handover: why; null otherwise")
    hot_topic_id: str | None = Field(
        description="for a hot_topic handover: the id of one of the operator's hot topics; null otherwise")
    reply: str = Field(
        description="for answer and ask: the message to the customer, in the customer's language; "
                    "empty for handover (Llamita uses its own words)")
    staff_summary: str = Field(
        description="for ask and handover, and whenever the policy hands over: one English paragraph for the "
                    "person taking over, from the facts given; empty otherwise")
    why: str = Field(description="one short English sentence for the people who train Llamita")
