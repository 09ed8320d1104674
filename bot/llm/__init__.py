"""Llamita's LLM brain: a language model behind the offline brain's policy (docs/llm.md).

Nothing here speaks HTTP: the model is a `ChatModel` port, implemented at the edge (adapters/llm.py).
"""
from bot.llm.brain import Budget, LLMBrain
from bot.llm.breaker import CircuitBreaker
from bot.llm.port import ChatMessage, ChatModel, ModelReply, ModelRequest, ModelUnavailable
from bot.llm.prompts import Persona

__all__ = ["Budget", "ChatMessage", "ChatModel", "CircuitBreaker", "LLMBrain", "ModelReply", "ModelRequest",
           "ModelUnavailable", "Persona"]
