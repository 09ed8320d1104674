"""A customer writing, as the routing tests need it: through the service, Llamita answering."""
from __future__ import annotations


async def say(service, conversation_id: str, text: str, client_id: str | None = None):
    """Store a customer message and let Llamita act on it; returns the receipt."""
    receipt = await service.receive(conversation_id, text, client_id)
    await service.respond(conversation_id)
    return receipt


async def handed_over(service) -> tuple[str, int]:
    """A new conversation whose customer asked for a person: (conversation id, the waiting case's id)."""
    chat = await service.start_conversation()
    await say(service, chat.conversation_id, "I want to talk to a person")
    [case] = await service.open_cases()
    return chat.conversation_id, case.id
