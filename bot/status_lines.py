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
    "trouble": {
        "en": ("Sorry, something went wrong on my side. I'm passing your conversation to a colleague, who will reply "
               "here."),
        "es": "Lo siento, algo falló de mi lado. Paso tu conversación a un compañero, que te responderá aquí.",
        "pt": ("Desculpe, algo deu errado do meu lado. Estou passando sua conversa para um colega, que vai responder "
               "aqui."),
        "de": ("Entschuldigung, bei mir ist etwas schiefgelaufen. Ich gebe Ihr Anliegen an eine Kollegin oder einen "
               "Kollegen weiter, die hier antworten."),
        "fr": ("Désolée, un problème est survenu de mon côté. Je transmets votre conversation à un collègue, qui vous "
               "répondra ici."),
        "it": ("Mi dispiace, qualcosa è andato storto da parte mia. Passo la conversazione a un collega, che ti "
               "risponderà qui."),
        "nl": "Sorry, er ging bij mij iets mis. Ik geef uw gesprek door aan een collega, die hier zal antwoorden.",
    },
    "unfrozen": {
        "en": "{name} from our team has unfrozen your Llama Travel account: you can book and pay with it again.",
        "es": ("{name}, de nuestro equipo, descongeló tu cuenta de Llama Travel: ya puedes volver a reservar y pagar "
               "con ella."),
        "pt": ("{name}, da nossa equipe, descongelou sua conta da Llama Travel: você já pode reservar e pagar com ela "
               "de novo."),
        "de": ("{name} aus unserem Team hat Ihr Llama-Travel-Konto wieder freigegeben: Sie können damit wieder buchen "
               "und bezahlen."),
        "fr": ("{name}, de notre équipe, a dégelé votre compte Llama Travel : vous pouvez de nouveau réserver et payer "
               "avec."),
        "it": "{name} del nostro team ha sbloccato il tuo account Llama Travel: puoi di nuovo prenotare e pagare.",
        "nl": "{name} van ons team heeft je Llama Travel-account ontdooid: je kunt er weer mee boeken en betalen.",
    },
    "attachment_received": {
        "en": "Thanks, I've received {file}. I can't look at photos or documents myself; if a person from our "
              "team should see it, just tell me what happened and I'll bring someone in.",
        "es": "Gracias, he recibido {file}. No puedo ver fotos ni documentos; si alguien de nuestro equipo debe "
              "verlo, cuéntame qué pasó y llamo a una persona.",
        "pt": "Obrigada, recebi {file}. Não consigo ver fotos nem documentos; se alguém da nossa equipe precisar "
              "ver, conte o que aconteceu e eu chamo uma pessoa.",
        "de": "Danke, ich habe {file} erhalten. Fotos und Dokumente kann ich selbst nicht ansehen; wenn jemand aus "
              "unserem Team es sehen soll, schreiben Sie mir, was passiert ist, und ich hole jemanden dazu.",
        "fr": "Merci, j'ai bien reçu {file}. Je ne peux pas regarder les photos ni les documents ; si quelqu'un de "
              "notre équipe doit le voir, dites-moi ce qui s'est passé et je fais venir une personne.",
        "it": "Grazie, ho ricevuto {file}. Non posso guardare foto o documenti; se qualcuno del nostro team deve "
              "vederlo, dimmi cosa è successo e chiamo una persona.",
        "nl": "Bedankt, ik heb {file} ontvangen. Foto's en documenten kan ik zelf niet bekijken; als iemand van ons "
              "team het moet zien, vertel me wat er gebeurd is en ik haal iemand erbij.",
    },
    "resolved": {
        "en": "{name} has marked this conversation as resolved. If you need anything else, just write here.",
        "es": "{name} ha marcado esta conversación como resuelta. Si necesitas algo más, escríbenos aquí.",
        "pt": "{name} marcou esta conversa como resolvida. Se precisar de mais alguma coisa, é só escrever aqui.",
        "de": ("{name} hat dieses Gespräch als gelöst markiert. Wenn Sie noch etwas brauchen, schreiben Sie einfach "
               "hier."),
        "fr": "{name} a marqué cette conversation comme résolue. Pour toute autre demande, écrivez-nous ici.",
        "it": "{name} ha segnato questa conversazione come risolta. Se ti serve altro, scrivi pure qui.",
        "nl": "{name} heeft dit gesprek als opgelost gemarkeerd. Heeft u nog iets nodig, schrijf het dan hier.",
    },
}


def status_line(kind: str, language: str | None, **values: str) -> str:
    templates = _LINES[kind]
    return templates.get(language or "en", templates["en"]).format(**values)
