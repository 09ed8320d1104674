"""What Llamita says around a knowledge answer, in the customer's language: the signed-in
customer's booking, the flight's live status, a frozen account, a question the notes do not cover.

Every template exists in the seven languages Llamita understands; bot.replies.say reads them.
"""
from __future__ import annotations

ANSWER_TEMPLATES: dict[str, dict[str, str]] = {
    # -- the signed-in customer's own booking, one line before a booking-related answer (bot/bookings.py) --
    "booking_facts": {
        "en": "Your booking {reference} ({summary}) departs {departure} and is {status}.",
        "es": "Tu reserva {reference} ({summary}) sale el {departure} y está {status}.",
        "pt": "Sua reserva {reference} ({summary}) parte em {departure} e está {status}.",
        "de": "Ihre Buchung {reference} ({summary}) startet am {departure} und ist {status}.",
        "fr": "Votre réservation {reference} ({summary}) part le {departure} et est {status}.",
        "it": "La tua prenotazione {reference} ({summary}) parte in data {departure} ed è {status}.",
        "nl": "Je boeking {reference} ({summary}) vertrekt op {departure} en is {status}.",
    },
    "booking_facts_undated": {
        "en": "Your booking {reference} ({summary}) is {status}.",
        "es": "Tu reserva {reference} ({summary}) está {status}.",
        "pt": "Sua reserva {reference} ({summary}) está {status}.",
        "de": "Ihre Buchung {reference} ({summary}) ist {status}.",
        "fr": "Votre réservation {reference} ({summary}) est {status}.",
        "it": "La tua prenotazione {reference} ({summary}) è {status}.",
        "nl": "Je boeking {reference} ({summary}) is {status}.",
    },
    "booking_next": {
        "en": "You have {count} bookings with us; the next one, {reference} ({summary}), departs {departure} "
              "and is {status}.",
        "es": "Tienes {count} reservas con nosotros; la próxima, {reference} ({summary}), sale el {departure} "
              "y está {status}.",
        "pt": "Você tem {count} reservas conosco; a próxima, {reference} ({summary}), parte em {departure} "
              "e está {status}.",
        "de": "Sie haben {count} Buchungen bei uns; die nächste, {reference} ({summary}), startet am "
              "{departure} und ist {status}.",
        "fr": "Vous avez {count} réservations chez nous ; la prochaine, {reference} ({summary}), part le "
              "{departure} et est {status}.",
        "it": "Hai {count} prenotazioni con noi; la prossima, {reference} ({summary}), parte in data "
              "{departure} ed è {status}.",
        "nl": "Je hebt {count} boekingen bij ons; de eerstvolgende, {reference} ({summary}), vertrekt op "
              "{departure} en is {status}.",
    },
    "booking_count": {
        "en": "You have {count} bookings with us.",
        "es": "Tienes {count} reservas con nosotros.",
        "pt": "Você tem {count} reservas conosco.",
        "de": "Sie haben {count} Buchungen bei uns.",
        "fr": "Vous avez {count} réservations chez nous.",
        "it": "Hai {count} prenotazioni con noi.",
        "nl": "Je hebt {count} boekingen bij ons.",
    },
    # A reference was mentioned that Llamita may not look up: neutral, never says anything about it.
    "booking_sign_in": {
        "en": "I can only look up bookings for customers signed in on our website.",
        "es": "Solo puedo consultar reservas de clientes que hayan iniciado sesión en nuestra web.",
        "pt": "Só consigo consultar reservas de clientes que entraram na conta no nosso site.",
        "de": "Buchungen kann ich nur abrufen, wenn Sie auf unserer Website angemeldet sind.",
        "fr": "Je ne peux consulter que les réservations des clients connectés sur notre site.",
        "it": "Posso consultare solo le prenotazioni dei clienti che hanno effettuato l'accesso al nostro sito.",
        "nl": "Ik kan alleen boekingen opzoeken van klanten die op onze website zijn ingelogd.",
    },
    "booking_not_on_account": {
        "en": "I can only look up the bookings on the account you're signed in with.",
        "es": "Solo puedo consultar las reservas de la cuenta con la que has iniciado sesión.",
        "pt": "Só consigo consultar as reservas da conta com a qual você entrou.",
        "de": "Ich kann nur die Buchungen des Kontos abrufen, mit dem Sie angemeldet sind.",
        "fr": "Je ne peux consulter que les réservations du compte avec lequel vous êtes connecté(e).",
        "it": "Posso consultare solo le prenotazioni dell'account con cui hai effettuato l'accesso.",
        "nl": "Ik kan alleen de boekingen opzoeken van het account waarmee je bent ingelogd.",
    },
    # -- the flight's live status, after the booking line of a flight-status answer ----------------
    "flight_live": {
        "en": "Its flight shows as {flight_status} right now.",
        "es": "Su vuelo figura ahora mismo como {flight_status}.",
        "pt": "O voo aparece agora como {flight_status}.",
        "de": "Der Flug ist gerade als {flight_status} gemeldet.",
        "fr": "Son vol est indiqué en ce moment comme {flight_status}.",
        "it": "Il volo risulta in questo momento {flight_status}.",
        "nl": "De vlucht staat op dit moment als {flight_status}.",
    },
    "flight_not_live": {
        "en": "I can't see live flight times from here; this is where to find them:",
        "es": "Desde aquí no veo los horarios del vuelo en tiempo real; puedes verlos así:",
        "pt": "Daqui não consigo ver os horários do voo em tempo real; você pode vê-los assim:",
        "de": "Live-Flugzeiten sehe ich von hier aus nicht; so finden Sie sie:",
        "fr": "Je ne vois pas les horaires du vol en temps réel d'ici ; voici où les trouver :",
        "it": "Da qui non vedo gli orari del volo in tempo reale; ecco dove trovarli:",
        "nl": "Live vluchttijden kan ik hier niet zien; zo vind je ze:",
    },
    # -- the account is frozen: no bookings, no payments, and what happens next (the security team gets
    #    the case: only a person can unfreeze it, so Llamita stops answering here) ----------------------
    "account_frozen": {
        "en": "Your Llama Travel account is frozen at the moment to protect it, so I can't go ahead with "
              "bookings or payments. A specialist from our security team will contact you to confirm it's "
              "really you and then unfreeze it; you'll see a message here when that's done.",
        "es": "Tu cuenta de Llama Travel está congelada en este momento para protegerla, así que no puedo "
              "seguir con reservas ni pagos. Un especialista de nuestro equipo de seguridad te contactará para "
              "confirmar que eres tú y después la descongelará; verás un mensaje aquí cuando esté hecho.",
        "pt": "Sua conta da Llama Travel está congelada no momento para protegê-la, então não posso seguir "
              "com reservas nem pagamentos. Um especialista da nossa equipe de segurança vai entrar em contato "
              "para confirmar que é você e depois descongelá-la; você verá uma mensagem aqui quando estiver "
              "pronto.",
        "de": "Ihr Llama-Travel-Konto ist zu Ihrem Schutz gerade eingefroren, daher kann ich keine Buchungen "
              "oder Zahlungen vornehmen. Ein Spezialist unseres Sicherheitsteams meldet sich bei Ihnen, "
              "bestätigt, dass Sie es wirklich sind, und gibt das Konto dann wieder frei; Sie sehen hier eine "
              "Nachricht, sobald das erledigt ist.",
        "fr": "Votre compte Llama Travel est gelé pour le moment afin de le protéger : je ne peux donc pas "
              "poursuivre de réservation ni de paiement. Un spécialiste de notre équipe sécurité vous "
              "contactera pour confirmer que c'est bien vous, puis le dégèlera ; vous verrez un message ici une "
              "fois que ce sera fait.",
        "it": "Il tuo account Llama Travel è congelato in questo momento per proteggerlo, quindi non posso "
              "procedere con prenotazioni o pagamenti. Uno specialista del nostro team sicurezza ti contatterà "
              "per confermare che sei davvero tu e poi lo sbloccherà; vedrai un messaggio qui quando sarà fatto.",
        "nl": "Je Llama Travel-account is op dit moment bevroren om het te beschermen, dus ik kan niet verder "
              "met boekingen of betalingen. Een specialist van ons beveiligingsteam neemt contact met je op om "
              "te bevestigen dat jij het echt bent en ontdooit het daarna; je ziet hier een bericht zodra dat "
              "gebeurd is.",
    },
    # -- a precise question the topic's passages do not answer: say so, and what they do cover -----
    "not_covered": {
        "en": "My notes on {subject} don't cover that exactly, and I'd rather not guess. What I can tell you "
              "about: {parts}. For anything beyond that, a colleague can check; just ask me for a person.",
        "es": "Mis notas sobre {subject} no cubren eso exactamente, y prefiero no adivinar. Lo que sí puedo "
              "contarte: {parts}. Para algo más, un compañero puede revisarlo; solo pídeme hablar con una "
              "persona.",
        "pt": "Minhas anotações sobre {subject} não cobrem exatamente isso, e prefiro não chutar. O que posso "
              "explicar: {parts}. Para qualquer outra coisa, um colega pode verificar; é só me pedir para falar "
              "com uma pessoa.",
        "de": "Meine Unterlagen zum Thema {subject} decken genau das nicht ab, und raten möchte ich nicht. "
              "Dazu kann ich etwas sagen: {parts}. Für alles Weitere kann ein Kollege nachsehen; fragen Sie "
              "einfach nach einer Person.",
        "fr": "Mes notes sur {subject} ne couvrent pas exactement ce point, et je préfère ne pas deviner. Ce "
              "que je peux vous expliquer : {parts}. Pour le reste, un collègue peut vérifier ; demandez-moi "
              "simplement une personne.",
        "it": "I miei appunti su {subject} non coprono esattamente questo, e preferisco non tirare a "
              "indovinare. Posso dirti qualcosa su: {parts}. Per il resto un collega può verificare; chiedimi "
              "pure di parlare con una persona.",
        "nl": "Mijn informatie over {subject} dekt precies dat niet, en ik gok liever niet. Waar ik wel iets "
              "over kan zeggen: {parts}. Voor de rest kan een collega het nakijken; vraag me gewoon om een "
              "persoon.",
    },
}

# For the booking line: short month names and booking states, agreeing with "booking" in each language.
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "pt": ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "it": ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"),
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}
BOOKING_STATUS: dict[str, dict[str, str]] = {
    "en": {"confirmed": "confirmed", "pending": "pending", "cancelled": "cancelled", "completed": "completed"},
    "es": {"confirmed": "confirmada", "pending": "pendiente", "cancelled": "cancelada", "completed": "completada"},
    "pt": {"confirmed": "confirmada", "pending": "pendente", "cancelled": "cancelada", "completed": "concluída"},
    "de": {"confirmed": "bestätigt", "pending": "noch offen", "cancelled": "storniert", "completed": "abgeschlossen"},
    "fr": {"confirmed": "confirmée", "pending": "en attente", "cancelled": "annulée", "completed": "terminée"},
    "it": {"confirmed": "confermata", "pending": "in attesa", "cancelled": "cancellata", "completed": "completata"},
    "nl": {"confirmed": "bevestigd", "pending": "in behandeling", "cancelled": "geannuleerd", "completed": "afgerond"},
}
# Live flight states a booking store may report (BookingFacts.flight_status), in each language.
FLIGHT_STATUS: dict[str, dict[str, str]] = {
    "en": {"on_time": "on time", "delayed": "delayed", "boarding": "boarding", "departed": "departed",
           "landed": "landed", "cancelled": "cancelled"},
    "es": {"on_time": "a tiempo", "delayed": "retrasado", "boarding": "embarcando", "departed": "despegado",
           "landed": "aterrizado", "cancelled": "cancelado"},
    "pt": {"on_time": "no horário", "delayed": "atrasado", "boarding": "em embarque", "departed": "decolado",
           "landed": "pousado", "cancelled": "cancelado"},
    "de": {"on_time": "pünktlich", "delayed": "verspätet", "boarding": "beim Boarding", "departed": "gestartet",
           "landed": "gelandet", "cancelled": "annulliert"},
    "fr": {"on_time": "à l'heure", "delayed": "en retard", "boarding": "en embarquement", "departed": "parti",
           "landed": "atterri", "cancelled": "annulé"},
    "it": {"on_time": "in orario", "delayed": "in ritardo", "boarding": "in imbarco", "departed": "decollato",
           "landed": "atterrato", "cancelled": "cancellato"},
    "nl": {"on_time": "op tijd", "delayed": "vertraagd", "boarding": "aan het boarden", "departed": "vertrokken",
           "landed": "geland", "cancelled": "geannuleerd"},
}
