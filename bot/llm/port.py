"""The port through which Llamita's mind talks to a language model.

`bot/` knows no HTTP: an implementation of `ChatModel` is built at the edge and injected
(adapters/llm.py: any OpenAI-compatible endpoint through the openai SDK). A request is a few chat
messages and the pydantic type the reply must follow; the reply is the model's raw text, so the
brain can validate it and, once, show the model what was wrong.

The same port is the seam for translation through the same model (issue 11): a translator
provider would send a translation prompt through `ChatModel.complete` with a small schema of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class ModelRequest:
    purpose: str                            # "judgement" or "repair": for logs, and for test stand-ins
    messages: tuple[ChatMessage, ...]
    schema: type[BaseModel]                 # the structured output the reply must follow
    timeout: float                          # seconds left of the turn's deadline
    max_tokens: int = 700


@dataclass(frozen=True)
class ModelReply:
    content: str | None                     # the raw text (JSON when the model followed the schema)
    refusal: str | None = None              # the model declined to answer (its own safety policy)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: bool = False                 # stopped at the token limit


class ModelUnavailable(Exception):
    """The model could not be asked: timeout, connection refused, 5xx, rate limit, bad key.

    `retryable`: trying once more may work (a dropped connection, a 502, a 429) — an authentication
    or a malformed-request error will not. Never shown to a customer.
    """

    def __init__(self, why: str, *, retryable: bool):
        super().__init__(why)
        self.why = why
        self.retryable = retryable


class ChatModel(Protocol):
    name: str   # the model's name, for usage records and the start-up report

    async def complete(self, request: ModelRequest) -> ModelReply:
        """One chat completion. Raises ModelUnavailable when no reply came; never returns partial text."""
        ...
