"""The offline brain: decides without network or API key. (First version; see issue 4 for the full one.)"""
from __future__ import annotations

import re
from typing import Sequence

from bot.decision import Action, CustomerProfile, Decision, Memory, Policy, Signal, ToolCall, Turn
from bot.kb import KnowledgeBase, default_knowledge_base

_HUMAN = re.compile(r"\b(human|person|agent|someone real|persona|humano|agente|pessoa|atendente)\b", re.I)
_SECURITY = re.compile(r"\b(stolen|hacked|fraud|unknown charge|phishing|robad[ao]|hackead[ao])\b", re.I)
_LEGAL = re.compile(r"\b(lawyer|lawsuit|sue|abogad[oa]|demanda|advogad[oa]|processo)\b", re.I)
_TOPIC_WORDS = {
    "baggage": ("bag", "luggage", "suitcase", "maleta", "equipaje", "bagagem", "mala"),
    "pets": ("dog", "cat", "pet", "perro", "gato", "mascota", "cachorro"),
    "refund": ("refund", "reembolso", "money back"),
    "cancellation": ("cancel", "cancelar"),
}


class OfflineBrain:
    def __init__(self, policy: Policy, kb: KnowledgeBase | None = None):
        self.policy = policy
        self.kb = kb or default_knowledge_base()

    def decide(self, message: str, memory: Memory, history: Sequence[Turn] = (),
               customer: CustomerProfile | None = None) -> Decision:
        language = memory.language or "en"
        for reason, pattern in (("security", _SECURITY), ("legal", _LEGAL), ("human_request", _HUMAN)):
            if match := pattern.search(message):
                tools = (ToolCall("freeze_account"),) if reason == "security" else ()
                return Decision(Action.HANDOVER, "I'm bringing in a colleague from our team now.", language,
                                Memory(language, 0, memory.topics), reason=reason,
                                team=self.policy.team_for(reason),
                                signals=(Signal(f"{reason}.keyword", match.group(0)),), tools=tools)
        lowered = message.lower()
        for topic, words in _TOPIC_WORDS.items():
            if any(w in lowered for w in words):
                article = self.kb.article(topic, language)
                return Decision(Action.ANSWER, article.answer, language,
                                Memory(language, 0, memory.topics + (topic,)), topic=topic,
                                signals=(Signal(f"topic.{topic}"),))
        streak = memory.unanswered_streak + 1
        if streak >= 2:
            return Decision(Action.HANDOVER, "Let me bring in a colleague who can help with this.", language,
                            Memory(language, streak, memory.topics + (None,)), reason="edge_case",
                            team=self.policy.team_for("edge_case"), signals=(Signal("edge_case.second_miss"),))
        return Decision(Action.ASK, "Could you tell me a bit more, and your booking reference if you have one?",
                        language, Memory(language, streak, memory.topics + (None,)))
