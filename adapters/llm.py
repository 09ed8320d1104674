"""The language model's edge: the `bot.llm.ChatModel` port over any OpenAI-compatible endpoint.

Here and not in `bot/` because this module owns the transport: it builds the openai SDK's client
from the settings (API key, base URL), and the SDK is an HTTP client (httpx2). `bot/` only sees the
port. The SDK's own retries are off (`max_retries=0`): the brain owns the budget (one retry within
the turn's deadline) and the circuit breaker, which the SDK's back-off would defeat.

Structured output: the request carries the strict JSON schema the SDK's `chat.completions.parse`
sends (`openai.lib.type_to_response_format_param`), through `create`, so the raw text and the
token counts survive an invalid reply: the brain validates it and shows it back for one repair.
"""
from __future__ import annotations

import logging

from bot.decision import Policy
from bot.llm import Budget, LLMBrain, ModelReply, ModelRequest, ModelUnavailable, Persona
from bot.offline import OfflineBrain
from routing.config import LLMSettings

log = logging.getLogger(__name__)


class OpenAIChatModel:
    """ChatModel over the openai SDK's AsyncOpenAI client (OpenAI, Azure OpenAI v1, vLLM, Ollama, llama.cpp)."""

    def __init__(self, client, model: str):
        self.client = client
        self.name = model

    async def complete(self, request: ModelRequest) -> ModelReply:
        import openai
        from openai.lib import type_to_response_format_param

        try:
            completion = await self.client.chat.completions.create(
                model=self.name,
                messages=[{"role": m.role, "content": m.content} for m in request.messages],
                response_format=type_to_response_format_param(request.schema),
                max_completion_tokens=request.max_tokens,
                timeout=request.timeout,
            )
        except openai.APITimeoutError:
            raise ModelUnavailable("timeout", retryable=False) from None
        except openai.APIConnectionError as error:
            raise ModelUnavailable(f"connection: {type(error.__cause__ or error).__name__}", retryable=True) from None
        except openai.APIStatusError as error:
            # 408, 409, 429 and 5xx may pass; a bad key, an unknown model or a refused request will not.
            retryable = error.status_code in (408, 409, 429) or error.status_code >= 500
            raise ModelUnavailable(f"HTTP {error.status_code}", retryable=retryable) from None
        except openai.OpenAIError as error:   # e.g. a response the SDK cannot read
            raise ModelUnavailable(type(error).__name__, retryable=False) from None
        if not completion.choices:
            return ModelReply(None, prompt_tokens=_tokens(completion, "prompt_tokens"))
        choice = completion.choices[0]
        message = choice.message
        # A tool call or an empty message is not an answer to the schema: the brain treats it as invalid.
        return ModelReply(content=message.content, refusal=getattr(message, "refusal", None),
                          prompt_tokens=_tokens(completion, "prompt_tokens"),
                          completion_tokens=_tokens(completion, "completion_tokens"),
                          truncated=choice.finish_reason == "length")

    async def close(self) -> None:
        await self.client.close()


def _tokens(completion, field: str) -> int:
    usage = getattr(completion, "usage", None)
    return int(getattr(usage, field, 0) or 0) if usage is not None else 0


def build_chat_model(settings: LLMSettings) -> OpenAIChatModel:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=settings.api_key, base_url=settings.endpoint, max_retries=0,
                         timeout=settings.deadline_seconds)
    return OpenAIChatModel(client, settings.model)


def build_llm_brain(settings: LLMSettings, policy: Policy, *, company: str = "Llama Travel",
                    agent_name: str = "Llamita", offline: OfflineBrain | None = None) -> LLMBrain:
    """The LLM brain for these settings; `close_brain` releases its connections."""
    return LLMBrain(offline or OfflineBrain(policy), build_chat_model(settings),
                    budget=Budget(deadline=settings.deadline_seconds), persona=Persona(company, agent_name))


async def close_brain(brain: object) -> None:
    model = getattr(brain, "model", None)
    if close := getattr(model, "close", None):
        await close()


def brain_description(settings: LLMSettings | None) -> str:
    """One line for the start-up report."""
    if settings is None:
        return ("offline (no network, no API key); set OPENAI_API_KEY and LLAMITA_MODEL to add a language model "
                "(OPENAI_BASE_URL for a self-hosted one), see README")
    return (f"language model {settings.model} at {settings.endpoint}, behind the offline policy "
            f"({settings.deadline_seconds:g} s per turn, then the offline brain)")
