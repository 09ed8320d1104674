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
    # The waiting customer, kept informed (routing/scheduler.py, RoutingService.reassure).
    "queue": {
        "en": "You're number {position} in line for our {team} team; the wait should be about {wait}.",
        "es": ("Eres el número {position} en la fila de nuestro equipo de {team}; "
               "la espera será de aproximadamente {wait}."),
        "pt": "Você é o número {position} na fila da nossa equipe de {team}; a espera deve ser de cerca de {wait}.",
        "de": ("Sie sind Nummer {position} in der Warteschlange unseres Teams {team}; "
               "die Wartezeit beträgt etwa {wait}."),
        "fr": ("Vous êtes numéro {position} dans la file de notre équipe {team} ; "
               "l'attente devrait être d'environ {wait}."),
        "it": "Sei il numero {position} in coda per il nostro team {team}; l'attesa dovrebbe essere di circa {wait}.",
        "nl": "U bent nummer {position} in de wachtrij van ons team {team}; de wachttijd is ongeveer {wait}.",
    },
    "queue_next": {
        "en": "You're next in line for our {team} team; the wait should be about {wait}.",
        "es": "Eres el siguiente en la fila de nuestro equipo de {team}; la espera será de aproximadamente {wait}.",
        "pt": "Você é o próximo na fila da nossa equipe de {team}; a espera deve ser de cerca de {wait}.",
        "de": "Sie sind als Nächstes an der Reihe bei unserem Team {team}; die Wartezeit beträgt etwa {wait}.",
        "fr": "Vous êtes le prochain dans la file de notre équipe {team} ; l'attente devrait être d'environ {wait}.",
        "it": "Sei il prossimo in coda per il nostro team {team}; l'attesa dovrebbe essere di circa {wait}.",
        "nl": "U bent de volgende in de wachtrij van ons team {team}; de wachttijd is ongeveer {wait}.",
    },
    "closed": {
        "en": ("Our {team} team is away right now; they're back {when}. Your messages wait for them here. If you'd "
               "rather have an answer by e-mail, just type your e-mail address."),
        "es": ("Nuestro equipo de {team} no está disponible ahora; vuelve {when}. Tus mensajes los esperan aquí. Si "
               "prefieres una respuesta por correo, escribe tu dirección de e-mail."),
        "pt": ("Nossa equipe de {team} não está disponível agora; volta {when}. Suas mensagens ficam aqui esperando. "
               "Se preferir uma resposta por e-mail, é só digitar seu endereço de e-mail."),
        "de": ("Unser Team {team} ist gerade nicht erreichbar; es ist {when} wieder da. Ihre Nachrichten warten hier "
               "darauf. Wenn Sie lieber per E-Mail eine Antwort möchten, schreiben Sie einfach Ihre E-Mail-Adresse."),
        "fr": ("Notre équipe {team} est absente pour le moment ; elle revient {when}. Vos messages l'attendent ici. "
               "Si vous préférez une réponse par e-mail, écrivez simplement votre adresse e-mail."),
        "it": ("Il nostro team {team} non è disponibile ora; torna {when}. I tuoi messaggi lo aspettano qui. Se "
               "preferisci una risposta via e-mail, scrivi pure il tuo indirizzo e-mail."),
        "nl": ("Ons team {team} is nu niet bereikbaar; het is {when} terug. Uw berichten wachten hier op hen. Heeft u "
               "liever een antwoord per e-mail, typ dan uw e-mailadres."),
    },
    "still_waiting": {
        "en": "I've passed this on. You're number {position} in line, about {wait}.",
        "es": "Ya lo he pasado. Eres el número {position} en la fila, aproximadamente {wait}.",
        "pt": "Já repassei. Você é o número {position} na fila, cerca de {wait}.",
        "de": "Ich habe das weitergegeben. Sie sind Nummer {position} in der Warteschlange, etwa {wait}.",
        "fr": "C'est transmis. Vous êtes numéro {position} dans la file, environ {wait}.",
        "it": "L'ho passato al team. Sei il numero {position} in coda, circa {wait}.",
        "nl": "Ik heb het doorgegeven. U bent nummer {position} in de wachtrij, ongeveer {wait}.",
    },
    "still_waiting_next": {
        "en": "I've passed this on. You're next in line, about {wait}.",
        "es": "Ya lo he pasado. Eres el siguiente en la fila, aproximadamente {wait}.",
        "pt": "Já repassei. Você é o próximo na fila, cerca de {wait}.",
        "de": "Ich habe das weitergegeben. Sie sind als Nächstes an der Reihe, etwa {wait}.",
        "fr": "C'est transmis. Vous êtes le prochain dans la file, environ {wait}.",
        "it": "L'ho passato al team. Sei il prossimo in coda, circa {wait}.",
        "nl": "Ik heb het doorgegeven. U bent de volgende in de wachtrij, ongeveer {wait}.",
    },
    "still_closed": {
        "en": "I've passed this on; our {team} team is back {when}.",
        "es": "Ya lo he pasado; nuestro equipo de {team} vuelve {when}.",
        "pt": "Já repassei; nossa equipe de {team} volta {when}.",
        "de": "Ich habe das weitergegeben; unser Team {team} ist {when} wieder da.",
        "fr": "C'est transmis ; notre équipe {team} revient {when}.",
        "it": "L'ho passato al team; il nostro team {team} torna {when}.",
        "nl": "Ik heb het doorgegeven; ons team {team} is {when} terug.",
    },
    "moved_up": {
        "en": "You've moved up: you're number {position} in line now, about {wait}.",
        "es": "Has avanzado: ahora eres el número {position} en la fila, aproximadamente {wait}.",
        "pt": "Você avançou: agora é o número {position} na fila, cerca de {wait}.",
        "de": "Es geht voran: Sie sind jetzt Nummer {position} in der Warteschlange, etwa {wait}.",
        "fr": "Vous avancez : vous êtes maintenant numéro {position} dans la file, environ {wait}.",
        "it": "Sei avanzato: ora sei il numero {position} in coda, circa {wait}.",
        "nl": "U schuift op: u bent nu nummer {position} in de wachtrij, ongeveer {wait}.",
    },
    "moved_next": {
        "en": "You're next in line now, about {wait}.",
        "es": "Ahora eres el siguiente en la fila, aproximadamente {wait}.",
        "pt": "Agora você é o próximo na fila, cerca de {wait}.",
        "de": "Sie sind jetzt als Nächstes an der Reihe, etwa {wait}.",
        "fr": "Vous êtes maintenant le prochain dans la file, environ {wait}.",
        "it": "Ora sei il prossimo in coda, circa {wait}.",
        "nl": "U bent nu de volgende in de wachtrij, ongeveer {wait}.",
    },
    "email_noted": {
        "en": "Thank you. I've added {email} to your case, so the team can write to you if they can't continue here.",
        "es": "Gracias. He añadido {email} a tu caso para que el equipo te escriba si no puede seguir aquí.",
        "pt": "Obrigada. Adicionei {email} ao seu caso, para a equipe te escrever se não puder continuar aqui.",
        "de": ("Danke. Ich habe {email} zu Ihrem Anliegen hinzugefügt, damit das Team Ihnen schreiben kann, falls es "
               "hier nicht weitergeht."),
        "fr": ("Merci. J'ai ajouté {email} à votre dossier : l'équipe pourra vous écrire si elle ne peut pas continuer "
               "ici."),
        "it": ("Grazie. Ho aggiunto {email} alla tua richiesta, così il team può "
               "scriverti se non riesce a continuare qui."),
        "nl": ("Dank u. Ik heb {email} aan uw zaak toegevoegd, zodat het team u kan "
               "mailen als het hier niet verder kan."),
    },
    "offered_back": {
        "en": "{name} had to step away, so I've asked the rest of our {team} team to continue with you here.",
        "es": ("{name} tuvo que ausentarse, así que he pedido al resto de nuestro "
               "equipo de {team} que siga contigo aquí."),
        "pt": ("{name} precisou se ausentar, então pedi ao resto da nossa equipe de "
               "{team} para continuar com você aqui."),
        "de": ("{name} musste kurz weg, deshalb habe ich das übrige Team {team} gebeten, hier mit Ihnen "
               "weiterzumachen."),
        "fr": "{name} a dû s'absenter : j'ai demandé au reste de notre équipe {team} de poursuivre avec vous ici.",
        "it": "{name} si è dovuto/a allontanare, quindi ho chiesto al resto del team {team} di continuare con te qui.",
        "nl": "{name} moest even weg, dus ik heb de rest van ons team {team} gevraagd hier met u verder te gaan.",
    },
    "reopened": {
        "en": "Welcome back! I've told our {team} team you're here; they'll continue with you in this chat.",
        "es": "¡Hola de nuevo! He avisado a nuestro equipo de {team} de que estás aquí; seguirán contigo en este chat.",
        "pt": ("Que bom que voltou! Avisei a nossa equipe de {team} que você está aqui; "
               "eles continuam com você neste chat."),
        "de": ("Willkommen zurück! Ich habe unserem Team {team} gesagt, dass Sie wieder da sind; es geht hier im Chat "
               "weiter."),
        "fr": "Bon retour ! J'ai prévenu notre équipe {team} que vous êtes là ; elle poursuit avec vous dans ce chat.",
        "it": "Bentornato/a! Ho avvisato il nostro team {team} che sei qui; continueranno con te in questa chat.",
        "nl": "Welkom terug! Ik heb ons team {team} laten weten dat u er bent; ze gaan in deze chat met u verder.",
    },
}

# Words inside the lines above: a number of minutes, and when a team that is away is back.
_MINUTES = {"en": ("{n} minute", "{n} minutes"), "es": ("{n} minuto", "{n} minutos"),
            "pt": ("{n} minuto", "{n} minutos"), "de": ("{n} Minute", "{n} Minuten"),
            "fr": ("{n} minute", "{n} minutes"), "it": ("{n} minuto", "{n} minuti"),
            "nl": ("{n} minuut", "{n} minuten")}
_WHEN = {
    "en": ("at {time}", "tomorrow at {time}", "on {day} at {time}"),
    "es": ("a las {time}", "mañana a las {time}", "el {day} a las {time}"),
    "pt": ("às {time}", "amanhã às {time}", "{day} às {time}"),
    "de": ("um {time}", "morgen um {time}", "am {day} um {time}"),
    "fr": ("à {time}", "demain à {time}", "{day} à {time}"),
    "it": ("alle {time}", "domani alle {time}", "{day} alle {time}"),
    "nl": ("om {time}", "morgen om {time}", "op {day} om {time}"),
}
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}


def minutes_phrase(minutes: int, language: str | None) -> str:
    one, many = _MINUTES.get(language or "en", _MINUTES["en"])
    return (one if minutes == 1 else many).format(n=minutes)


def back_phrase(days_ahead: int, weekday: int, clock: str, language: str | None) -> str:
    """When a team is back, as the lines above say it: "at 09:00 CET", "tomorrow at …", "on Monday at …".
    `days_ahead` counts from the customer's today in the team's time zone; `weekday` 0 is Monday."""
    language = language if language in _WHEN else "en"
    today, tomorrow, later = _WHEN[language]
    template = today if days_ahead <= 0 else tomorrow if days_ahead == 1 else later
    return template.format(time=clock, day=_WEEKDAYS[language][weekday])


def status_line(kind: str, language: str | None, **values: str) -> str:
    templates = _LINES[kind]
    return templates.get(language or "en", templates["en"]).format(**values)
