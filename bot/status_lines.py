"""What the customer is told when people come and go, in their language."""
from __future__ import annotations

_LINES: dict[str, dict[str, str]] = {
    "joined": {
        "en": "{name} from our {team} team has joined the conversation.",
        "es": "{name}, de nuestro equipo de {team}, se ha unido a la conversación.",
        "pt": "{name}, da nossa equipe de {team}, entrou na conversa.",
        "de": "{name} aus unserem Team {team} ist dem Gespräch beigetreten.",
        "fr": "{name}, de notre équipe {team}, a rejoint la conversation.",
        "it": "{name} del nostro team {team} si è unito/a alla conversazione.",
        "nl": "{name} van ons team {team} neemt nu deel aan het gesprek.",
    },
    "transferred": {
        "en": "I've passed your conversation to our {team} team; someone will be with you shortly.",
        "es": "He pasado tu conversación a nuestro equipo de {team}; alguien te atenderá en breve.",
        "pt": "Passei sua conversa para a nossa equipe de {team}; alguém vai te atender em breve.",
        "de": "Ich habe Ihr Anliegen an unser Team {team} weitergegeben; gleich meldet sich jemand.",
        "fr": "J'ai transmis votre conversation à notre équipe {team} ; quelqu'un va vous répondre sous peu.",
        "it": "Ho passato la conversazione al nostro team {team}; qualcuno ti risponderà a breve.",
        "nl": "Ik heb uw gesprek doorgegeven aan ons team {team}; er is zo iemand voor u.",
    },
    "resolved": {
        "en": "{name} has marked this conversation as resolved. If you need anything else, just write here.",
        "es": "{name} ha marcado esta conversación como resuelta. Si necesitas algo más, escríbenos aquí.",
        "pt": "{name} marcou esta conversa como resolvida. Se precisar de mais alguma coisa, é só escrever aqui.",
        "de": "{name} hat dieses Gespräch als gelöst markiert. Wenn Sie noch etwas brauchen, schreiben Sie einfach hier.",
        "fr": "{name} a marqué cette conversation comme résolue. Pour toute autre demande, écrivez-nous ici.",
        "it": "{name} ha segnato questa conversazione come risolta. Se ti serve altro, scrivi pure qui.",
        "nl": "{name} heeft dit gesprek als opgelost gemarkeerd. Heeft u nog iets nodig, schrijf het dan hier.",
    },
}


def status_line(kind: str, language: str | None, **values: str) -> str:
    templates = _LINES[kind]
    return templates.get(language or "en", templates["en"]).format(**values)
