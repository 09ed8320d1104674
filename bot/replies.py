"""What Llamita says, in the customer's language: short, warm, transparent.

Every template exists in the seven languages Llamita understands (en, es, pt, de, fr, it, nl).
Replies never repeat customer text back verbatim (no echo of injected instructions) and never show
internal errors. Knowledge answers come from bot.kb; everything else is here.
"""
from __future__ import annotations

from bot.answer_lines import ANSWER_TEMPLATES, BOOKING_STATUS, MONTHS  # noqa: F401 (re-exported)
from bot.language import LANGUAGE_NAMES

LANGUAGES = ("en", "es", "pt", "de", "fr", "it", "nl")

TEMPLATES: dict[str, dict[str, str]] = {
    # -- small talk ------------------------------------------------------------------------
    "greeting": {
        "en": "Hi! I'm Llamita, Llama Travel's assistant. How can I help with your trip?",
        "es": "¡Hola! Soy Llamita, la asistente de Llama Travel. ¿En qué puedo ayudarte con tu viaje?",
        "pt": "Olá! Eu sou a Llamita, assistente da Llama Travel. Como posso ajudar com a sua viagem?",
        "de": "Hallo! Ich bin Llamita, die Assistentin von Llama Travel. Wie kann ich Ihnen bei Ihrer Reise helfen?",
        "fr": "Bonjour ! Je suis Llamita, l'assistante de Llama Travel. Comment puis-je vous aider pour votre voyage ?",
        "it": "Ciao! Sono Llamita, l'assistente di Llama Travel. Come posso aiutarti con il tuo viaggio?",
        "nl": "Hallo! Ik ben Llamita, de assistent van Llama Travel. Hoe kan ik je helpen met je reis?",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can help you with?",
        "es": "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
        "pt": "De nada! Posso ajudar com mais alguma coisa?",
        "de": "Gern geschehen! Kann ich Ihnen noch mit etwas anderem helfen?",
        "fr": "Avec plaisir ! Puis-je vous aider pour autre chose ?",
        "it": "Prego! Posso aiutarti con qualcos'altro?",
        "nl": "Graag gedaan! Kan ik je nog ergens anders mee helpen?",
    },
    "bye": {
        "en": "Thanks for chatting with Llama Travel. Have a wonderful trip!",
        "es": "Gracias por escribir a Llama Travel. ¡Buen viaje!",
        "pt": "Obrigada por falar com a Llama Travel. Boa viagem!",
        "de": "Danke, dass Sie Llama Travel geschrieben haben. Gute Reise!",
        "fr": "Merci d'avoir écrit à Llama Travel. Bon voyage !",
        "it": "Grazie per aver scritto a Llama Travel. Buon viaggio!",
        "nl": "Bedankt voor je bericht aan Llama Travel. Goede reis!",
    },
    "yes_no": {
        "en": "All right! What else can I help you with for your trip?",
        "es": "¡De acuerdo! ¿En qué más puedo ayudarte con tu viaje?",
        "pt": "Certo! Em que mais posso ajudar com a sua viagem?",
        "de": "Alles klar! Wobei kann ich Ihnen sonst noch helfen?",
        "fr": "D'accord ! Que puis-je faire d'autre pour votre voyage ?",
        "it": "Va bene! In cos'altro posso aiutarti per il tuo viaggio?",
        "nl": "Prima! Waarmee kan ik je nog meer helpen voor je reis?",
    },
    "about_llamita": {
        "en": "I'm Llamita, Llama Travel's virtual assistant. I can help with bookings, baggage, changes, "
              "refunds, check-in and more, and I bring in a person from our team whenever you need one.",
        "es": "Soy Llamita, la asistente virtual de Llama Travel. Puedo ayudarte con reservas, equipaje, cambios, "
              "reembolsos, check-in y más, y te paso con una persona del equipo cuando lo necesites.",
        "pt": "Eu sou a Llamita, assistente virtual da Llama Travel. Posso ajudar com reservas, bagagem, alterações, "
              "reembolsos, check-in e mais, e chamo uma pessoa da equipe sempre que você precisar.",
        "de": "Ich bin Llamita, die virtuelle Assistentin von Llama Travel. Ich helfe bei Buchungen, Gepäck, "
              "Umbuchungen, Erstattungen, Check-in und mehr – und hole jederzeit eine Person aus unserem Team dazu.",
        "fr": "Je suis Llamita, l'assistante virtuelle de Llama Travel. Je peux vous aider pour les réservations, "
              "les bagages, les modifications, les remboursements, l'enregistrement et plus, et je fais appel à "
              "une personne de l'équipe dès que vous en avez besoin.",
        "it": "Sono Llamita, l'assistente virtuale di Llama Travel. Posso aiutarti con prenotazioni, bagagli, "
              "modifiche, rimborsi, check-in e altro, e chiamo una persona del team quando ne hai bisogno.",
        "nl": "Ik ben Llamita, de virtuele assistent van Llama Travel. Ik help met boekingen, bagage, wijzigingen, "
              "terugbetalingen, inchecken en meer, en ik schakel iemand van ons team in wanneer je dat wilt.",
    },
    "empty": {
        "en": "I'm here! What can I help you with for your trip?",
        "es": "¡Aquí estoy! ¿En qué puedo ayudarte con tu viaje?",
        "pt": "Estou aqui! Como posso ajudar com a sua viagem?",
        "de": "Ich bin da! Wobei kann ich Ihnen helfen?",
        "fr": "Je suis là ! Comment puis-je vous aider pour votre voyage ?",
        "it": "Sono qui! Come posso aiutarti con il tuo viaggio?",
        "nl": "Ik ben er! Waarmee kan ik je helpen voor je reis?",
    },
    # -- could not answer: a clarifying question that collects what a person would need ---------
    "ask": {
        "en": "I'm not sure I can help with that one. Could you tell me a bit more about what you need for "
              "your trip?{collect}",
        "es": "No estoy segura de poder ayudarte con eso. ¿Me cuentas un poco más sobre lo que necesitas para "
              "tu viaje?{collect}",
        "pt": "Não tenho certeza de que posso ajudar com isso. Pode me contar um pouco mais sobre o que você "
              "precisa para a sua viagem?{collect}",
        "de": "Dabei kann ich Ihnen leider nicht sicher helfen. Können Sie mir etwas mehr darüber sagen, was Sie "
              "für Ihre Reise brauchen?{collect}",
        "fr": "Je ne suis pas sûre de pouvoir vous aider sur ce point. Pouvez-vous m'en dire un peu plus sur ce "
              "dont vous avez besoin pour votre voyage ?{collect}",
        "it": "Non sono sicura di poterti aiutare su questo. Puoi dirmi qualcosa in più su ciò che ti serve per "
              "il tuo viaggio?{collect}",
        "nl": "Ik weet niet zeker of ik je daarmee kan helpen. Kun je iets meer vertellen over wat je nodig hebt "
              "voor je reis?{collect}",
    },
    "collect_booking_dates": {
        "en": " If you have them, please share your booking reference (like LT-12345) and your travel dates, "
              "so a colleague can pick it up if needed.",
        "es": " Si los tienes, compárteme tu código de reserva (como LT-12345) y las fechas del viaje, así un "
              "compañero puede retomarlo si hace falta.",
        "pt": " Se tiver, me passe o código da reserva (como LT-12345) e as datas da viagem, assim um colega "
              "pode continuar se for preciso.",
        "de": " Wenn vorhanden, nennen Sie mir bitte Ihre Buchungsnummer (z. B. LT-12345) und Ihre Reisedaten, "
              "damit ein Kollege übernehmen kann, falls nötig.",
        "fr": " Si vous les avez, indiquez-moi votre référence de réservation (comme LT-12345) et vos dates de "
              "voyage, pour qu'un collègue puisse prendre le relais si besoin.",
        "it": " Se li hai, indicami il codice di prenotazione (come LT-12345) e le date del viaggio, così un "
              "collega può occuparsene se serve.",
        "nl": " Als je ze hebt, deel dan je boekingsnummer (zoals LT-12345) en je reisdata, zodat een collega "
              "het kan overnemen als dat nodig is.",
    },
    "collect_dates": {
        "en": " Your travel dates would help too.",
        "es": " Las fechas de tu viaje también me ayudarían.",
        "pt": " As datas da viagem também ajudariam.",
        "de": " Ihre Reisedaten würden auch helfen.",
        "fr": " Vos dates de voyage m'aideraient aussi.",
        "it": " Anche le date del viaggio mi sarebbero utili.",
        "nl": " Je reisdata zouden ook helpen.",
    },
    # -- hand-overs --------------------------------------------------------------------------
    "handover_security_frozen": {
        "en": "I'm sorry this happened. To protect you, I've frozen your Llama Travel account, so no new "
              "bookings or payments can be made with it. A specialist from our security team is taking over "
              "now; they'll confirm what happened and help you secure your card. Please also call your bank "
              "to block the card if you haven't yet.",
        "es": "Siento mucho lo ocurrido. Para protegerte, he congelado tu cuenta de Llama Travel: no se pueden "
              "hacer reservas ni pagos nuevos con ella. Un especialista de nuestro equipo de seguridad se encarga "
              "ahora; confirmará lo sucedido y te ayudará a proteger tu tarjeta. Si aún no lo hiciste, llama "
              "también a tu banco para bloquear la tarjeta.",
        "pt": "Sinto muito pelo ocorrido. Para proteger você, congelei sua conta da Llama Travel: não é possível "
              "fazer novas reservas nem pagamentos com ela. Um especialista da nossa equipe de segurança assume "
              "agora; ele vai confirmar o que aconteceu e ajudar a proteger seu cartão. Se ainda não fez isso, "
              "ligue também para o seu banco para bloquear o cartão.",
        "de": "Das tut mir leid. Zu Ihrem Schutz habe ich Ihr Llama-Travel-Konto eingefroren: Damit sind keine "
              "neuen Buchungen oder Zahlungen möglich. Ein Spezialist unseres Sicherheitsteams übernimmt jetzt, "
              "klärt mit Ihnen, was passiert ist, und hilft Ihnen, Ihre Karte zu sichern. Bitte lassen Sie die "
              "Karte auch bei Ihrer Bank sperren, falls noch nicht geschehen.",
        "fr": "Je suis désolée. Pour vous protéger, j'ai gelé votre compte Llama Travel : aucune nouvelle "
              "réservation ni aucun paiement n'est possible avec. Un spécialiste de notre équipe sécurité prend "
              "le relais ; il confirmera ce qui s'est passé et vous aidera à sécuriser votre carte. Pensez aussi "
              "à appeler votre banque pour faire opposition si ce n'est pas déjà fait.",
        "it": "Mi dispiace per quanto successo. Per proteggerti ho congelato il tuo account Llama Travel: non si "
              "possono fare nuove prenotazioni né pagamenti. Uno specialista del nostro team sicurezza se ne "
              "occupa ora; confermerà cosa è successo e ti aiuterà a mettere al sicuro la carta. Se non l'hai "
              "già fatto, chiama anche la tua banca per bloccare la carta.",
        "nl": "Wat vervelend. Om je te beschermen heb ik je Llama Travel-account bevroren: er kunnen geen nieuwe "
              "boekingen of betalingen mee worden gedaan. Een specialist van ons beveiligingsteam neemt het nu "
              "over; die bevestigt wat er is gebeurd en helpt je je kaart te beveiligen. Bel ook je bank om de "
              "kaart te blokkeren als je dat nog niet hebt gedaan.",
    },
    "handover_security_already_frozen": {
        "en": "I'm sorry this happened. Your Llama Travel account is already frozen, so no bookings or payments "
              "can be made with it. A specialist from our security team is taking over now; they'll confirm what "
              "happened and unfreeze the account once it's safe. Please also call your bank to block the card if "
              "you haven't yet.",
        "es": "Siento mucho lo ocurrido. Tu cuenta de Llama Travel ya está congelada: no se pueden hacer reservas "
              "ni pagos con ella. Un especialista de nuestro equipo de seguridad se encarga ahora; confirmará lo "
              "sucedido y descongelará la cuenta cuando sea seguro. Si aún no lo hiciste, llama también a tu banco "
              "para bloquear la tarjeta.",
        "pt": "Sinto muito pelo ocorrido. Sua conta da Llama Travel já está congelada: não é possível fazer "
              "reservas nem pagamentos com ela. Um especialista da nossa equipe de segurança assume agora; ele vai "
              "confirmar o que aconteceu e descongelar a conta quando for seguro. Se ainda não fez isso, ligue "
              "também para o seu banco para bloquear o cartão.",
        "de": "Das tut mir leid. Ihr Llama-Travel-Konto ist bereits eingefroren: Damit sind keine Buchungen oder "
              "Zahlungen möglich. Ein Spezialist unseres Sicherheitsteams übernimmt jetzt, klärt, was passiert ist, "
              "und gibt das Konto wieder frei, sobald es sicher ist. Bitte lassen Sie die Karte auch bei Ihrer Bank "
              "sperren, falls noch nicht geschehen.",
        "fr": "Je suis désolée. Votre compte Llama Travel est déjà gelé : aucune réservation ni aucun paiement "
              "n'est possible avec. Un spécialiste de notre équipe sécurité prend le relais ; il confirmera ce qui "
              "s'est passé et dégèlera le compte dès que ce sera sûr. Pensez aussi à appeler votre banque pour "
              "faire opposition si ce n'est pas déjà fait.",
        "it": "Mi dispiace per quanto successo. Il tuo account Llama Travel è già congelato: non si possono fare "
              "prenotazioni né pagamenti. Uno specialista del nostro team sicurezza se ne occupa ora; confermerà "
              "cosa è successo e sbloccherà l'account quando sarà sicuro. Se non l'hai già fatto, chiama anche la "
              "tua banca per bloccare la carta.",
        "nl": "Wat vervelend. Je Llama Travel-account is al bevroren: er kunnen geen boekingen of betalingen mee "
              "worden gedaan. Een specialist van ons beveiligingsteam neemt het nu over; die bevestigt wat er is "
              "gebeurd en ontdooit het account zodra het veilig is. Bel ook je bank om de kaart te blokkeren als "
              "je dat nog niet hebt gedaan.",
    },
    "handover_security": {
        "en": "I'm sorry this happened. I'm passing your case to a specialist from our security team right now; "
              "they will secure your Llama Travel account and contact you here to confirm what happened. "
              "Meanwhile, please call your bank to block your card if you haven't yet, and don't share codes "
              "or passwords with anyone.",
        "es": "Siento mucho lo ocurrido. Paso tu caso ahora mismo a un especialista de nuestro equipo de "
              "seguridad; protegerá tu cuenta de Llama Travel y te escribirá aquí para confirmar lo sucedido. "
              "Mientras tanto, llama a tu banco para bloquear la tarjeta si aún no lo hiciste, y no compartas "
              "códigos ni contraseñas con nadie.",
        "pt": "Sinto muito pelo ocorrido. Estou passando seu caso agora para um especialista da nossa equipe de "
              "segurança; ele vai proteger sua conta da Llama Travel e falar com você aqui para confirmar o que "
              "aconteceu. Enquanto isso, ligue para o seu banco para bloquear o cartão, se ainda não fez, e não "
              "compartilhe códigos nem senhas com ninguém.",
        "de": "Das tut mir leid. Ich übergebe Ihren Fall jetzt an einen Spezialisten unseres Sicherheitsteams; "
              "er sichert Ihr Llama-Travel-Konto und meldet sich hier, um alles mit Ihnen zu klären. Bitte "
              "lassen Sie Ihre Karte bis dahin bei Ihrer Bank sperren und geben Sie keine Codes oder Passwörter "
              "weiter.",
        "fr": "Je suis désolée. Je transmets votre dossier à un spécialiste de notre équipe sécurité ; il "
              "sécurisera votre compte Llama Travel et vous répondra ici pour confirmer ce qui s'est passé. En "
              "attendant, appelez votre banque pour faire opposition si ce n'est pas fait, et ne communiquez "
              "aucun code ni mot de passe.",
        "it": "Mi dispiace per quanto successo. Passo subito il tuo caso a uno specialista del team sicurezza; "
              "metterà al sicuro il tuo account Llama Travel e ti scriverà qui per confermare cosa è successo. "
              "Nel frattempo chiama la tua banca per bloccare la carta, se non l'hai già fatto, e non "
              "condividere codici o password con nessuno.",
        "nl": "Wat vervelend. Ik geef je zaak nu door aan een specialist van ons beveiligingsteam; die beveiligt "
              "je Llama Travel-account en neemt hier contact met je op. Bel intussen je bank om je kaart te "
              "blokkeren als je dat nog niet hebt gedaan, en deel geen codes of wachtwoorden.",
    },
    "handover_legal": {
        "en": "Thank you for telling us. Claims like this are handled by our compliance team, so I'm passing "
              "your case to them now; a member of the team will reply to you here.",
        "es": "Gracias por avisarnos. Los reclamos de este tipo los gestiona nuestro equipo de cumplimiento, así "
              "que les paso tu caso ahora; una persona del equipo te responderá aquí.",
        "pt": "Obrigada por nos avisar. Reclamações assim são tratadas pela nossa equipe de compliance, então "
              "estou passando seu caso para eles agora; alguém da equipe vai responder aqui.",
        "de": "Danke für Ihre Nachricht. Anliegen dieser Art bearbeitet unser Compliance-Team; ich gebe Ihren "
              "Fall jetzt dorthin weiter, und jemand aus dem Team antwortet Ihnen hier.",
        "fr": "Merci de nous avoir prévenus. Ce type de réclamation est traité par notre équipe conformité ; je "
              "lui transmets votre dossier maintenant et un membre de l'équipe vous répondra ici.",
        "it": "Grazie per avercelo segnalato. Richieste come questa sono gestite dal nostro team compliance: "
              "passo ora il tuo caso e un membro del team ti risponderà qui.",
        "nl": "Bedankt voor je bericht. Dit soort zaken behandelt ons compliance-team; ik geef je zaak nu aan "
              "hen door en iemand van het team reageert hier.",
    },
    "handover_distress": {
        "en": "I'm so sorry you're going through this. I'm bringing in a person from our team right now to "
              "help you directly; please stay in this chat.",
        "es": "Siento muchísimo lo que estás pasando. Ahora mismo te paso con una persona de nuestro equipo "
              "para que te ayude directamente; por favor, quédate en este chat.",
        "pt": "Sinto muito que você esteja passando por isso. Estou chamando agora uma pessoa da nossa equipe "
              "para ajudar você diretamente; por favor, fique neste chat.",
        "de": "Es tut mir sehr leid, dass Sie das gerade erleben. Ich hole sofort eine Person aus unserem Team "
              "dazu, die Ihnen direkt hilft; bitte bleiben Sie in diesem Chat.",
        "fr": "Je suis vraiment désolée de ce que vous vivez. Je fais venir tout de suite une personne de notre "
              "équipe pour vous aider directement ; restez dans cette conversation, s'il vous plaît.",
        "it": "Mi dispiace tantissimo per quello che stai passando. Chiamo subito una persona del nostro team "
              "che ti aiuterà direttamente; resta in questa chat, per favore.",
        "nl": "Wat vreselijk dat je dit meemaakt. Ik haal nu meteen iemand van ons team erbij die je direct "
              "helpt; blijf alsjeblieft in deze chat.",
    },
    "handover_human_request": {
        "en": "Of course. I'm connecting you with a person from our team now; they'll see our conversation, so "
              "you won't need to repeat yourself.",
        "es": "¡Claro! Te paso ahora con una persona de nuestro equipo; verá nuestra conversación, así que no "
              "tendrás que repetir nada.",
        "pt": "Claro! Estou passando você agora para uma pessoa da nossa equipe; ela verá nossa conversa, então "
              "você não precisa repetir nada.",
        "de": "Natürlich. Ich verbinde Sie jetzt mit einer Person aus unserem Team; sie sieht unseren Chat, Sie "
              "müssen also nichts wiederholen.",
        "fr": "Bien sûr. Je vous mets en relation avec une personne de notre équipe ; elle verra notre "
              "conversation, vous n'aurez rien à répéter.",
        "it": "Certo. Ti metto in contatto ora con una persona del nostro team; vedrà la nostra conversazione, "
              "quindi non dovrai ripetere nulla.",
        "nl": "Natuurlijk. Ik verbind je nu met iemand van ons team; die ziet ons gesprek, dus je hoeft niets "
              "te herhalen.",
    },
    "handover_hot_topic": {
        "en": "Our team is handling questions about this personally for now, so I'm passing you to a colleague "
              "with the latest information. They'll reply here shortly.",
        "es": "Por ahora nuestro equipo atiende este tema de forma personal, así que te paso con un compañero "
              "que tiene la información más reciente. Te responderá aquí en breve.",
        "pt": "No momento nossa equipe está cuidando desse assunto pessoalmente, então vou passar você para um "
              "colega com as informações mais recentes. Ele responderá aqui em breve.",
        "de": "Dieses Thema bearbeitet unser Team derzeit persönlich, daher übergebe ich Sie an einen Kollegen "
              "mit den neuesten Informationen. Er antwortet Ihnen hier in Kürze.",
        "fr": "Notre équipe traite ce sujet personnellement pour le moment ; je vous passe donc à un collègue "
              "qui a les dernières informations. Il vous répondra ici sous peu.",
        "it": "Per ora il nostro team gestisce questo argomento di persona, quindi ti passo a un collega con le "
              "informazioni più aggiornate. Ti risponderà qui a breve.",
        "nl": "Ons team behandelt dit onderwerp op dit moment persoonlijk, dus ik geef je door aan een collega "
              "met de nieuwste informatie. Die reageert hier binnenkort.",
    },
    "handover_edge_case": {
        "en": "I can't answer this one myself, so I'm passing our conversation to a colleague who can help. "
              "They'll see everything you've told me.",
        "es": "Esto no lo puedo resolver yo, así que paso nuestra conversación a un compañero que puede "
              "ayudarte. Verá todo lo que me has contado.",
        "pt": "Isso eu não consigo resolver sozinha, então vou passar nossa conversa para um colega que pode "
              "ajudar. Ele verá tudo o que você me contou.",
        "de": "Das kann ich selbst nicht beantworten, daher gebe ich unser Gespräch an einen Kollegen weiter, "
              "der helfen kann. Er sieht alles, was Sie mir geschrieben haben.",
        "fr": "Je ne peux pas répondre à cela moi-même ; je transmets notre conversation à un collègue qui "
              "pourra vous aider. Il verra tout ce que vous m'avez dit.",
        "it": "Non posso rispondere io a questa domanda, quindi passo la nostra conversazione a un collega che "
              "può aiutarti. Vedrà tutto quello che mi hai scritto.",
        "nl": "Hier kan ik zelf geen antwoord op geven, dus ik geef ons gesprek door aan een collega die kan "
              "helpen. Die ziet alles wat je me hebt verteld.",
    },
    # Added to a hand-over when the customer's language is not one the staff work in.
    "staff_languages": {
        "en": "Our team works in {staff}. You can choose one of them, or keep writing in {language} and we'll "
              "use machine translation.",
        "es": "Nuestro equipo trabaja en {staff}. Puedes elegir uno de ellos o seguir escribiendo en {language} "
              "y usaremos traducción automática.",
        "pt": "Nossa equipe trabalha em {staff}. Você pode escolher um deles ou continuar escrevendo em "
              "{language}, e usaremos tradução automática.",
        "de": "Unser Team arbeitet auf {staff}. Sie können eine dieser Sprachen wählen oder weiter auf "
              "{language} schreiben – wir nutzen dann maschinelle Übersetzung.",
        "fr": "Notre équipe travaille en {staff}. Vous pouvez choisir l'une de ces langues, ou continuer à écrire "
              "en {language} : nous utiliserons la traduction automatique.",
        "it": "Il nostro team lavora in {staff}. Puoi sceglierne una oppure continuare a scrivere in {language} "
              "e useremo la traduzione automatica.",
        "nl": "Ons team werkt in het {staff}. Je kunt een van die talen kiezen, of in het {language} blijven "
              "schrijven; dan gebruiken we automatische vertaling.",
    },
    # The same, when no machine translation is configured: only the staff languages are offered.
    "staff_languages_only": {
        "en": "Our team works in {staff}. Please choose one of them below to continue.",
        "es": "Nuestro equipo trabaja en {staff}. Elige uno de ellos abajo para continuar.",
        "pt": "Nossa equipe trabalha em {staff}. Escolha um deles abaixo para continuar.",
        "de": "Unser Team arbeitet auf {staff}. Bitte wählen Sie unten eine dieser Sprachen, um fortzufahren.",
        "fr": "Notre équipe travaille en {staff}. Choisissez l'une de ces langues ci-dessous pour continuer.",
        "it": "Il nostro team lavora in {staff}. Scegline una qui sotto per continuare.",
        "nl": "Ons team werkt in het {staff}. Kies hieronder een van die talen om verder te gaan.",
    },
    # Added before a knowledge answer that exists only in English so far.
    "answer_in_english": {
        "en": "",
        "es": "(Por ahora tengo esta información solo en inglés.)",
        "pt": "(Por enquanto tenho esta informação só em inglês.)",
        "de": "(Diese Information habe ich im Moment nur auf Englisch.)",
        "fr": "(Pour l'instant, je n'ai cette information qu'en anglais.)",
        "it": "(Per ora ho questa informazione solo in inglese.)",
        "nl": "(Deze informatie heb ik op dit moment alleen in het Engels.)",
    },
    # When a topic has no article yet at all.
    "topic_fallback": {
        "en": "I can help with {topic}. Could you tell me a little more, and your booking reference if you have one?",
        "es": "Puedo ayudarte con {topic}. ¿Me cuentas un poco más y, si lo tienes, tu código de reserva?",
        "pt": "Posso ajudar com {topic}. Pode me contar um pouco mais e, se tiver, o código da reserva?",
        "de": "Ich helfe Ihnen gern beim Thema {topic}. Können Sie mir etwas mehr sagen und, falls vorhanden, "
              "Ihre Buchungsnummer nennen?",
        "fr": "Je peux vous aider pour : {topic}. Pouvez-vous m'en dire un peu plus et, si vous l'avez, me "
              "donner votre référence de réservation ?",
        "it": "Posso aiutarti con: {topic}. Puoi dirmi qualcosa in più e, se ce l'hai, il codice di prenotazione?",
        "nl": "Ik kan je helpen met: {topic}. Kun je iets meer vertellen en, als je het hebt, je boekingsnummer?",
    },
}

# Language names as written in each language, for the staff-languages notice.
LANGUAGE_NAMES_IN: dict[str, dict[str, str]] = {
    "en": LANGUAGE_NAMES,
    "es": {"en": "inglés", "es": "español", "pt": "portugués", "de": "alemán", "fr": "francés", "it": "italiano",
           "nl": "neerlandés"},
    "pt": {"en": "inglês", "es": "espanhol", "pt": "português", "de": "alemão", "fr": "francês", "it": "italiano",
           "nl": "holandês"},
    "de": {"en": "Englisch", "es": "Spanisch", "pt": "Portugiesisch", "de": "Deutsch", "fr": "Französisch",
           "it": "Italienisch", "nl": "Niederländisch"},
    "fr": {"en": "anglais", "es": "espagnol", "pt": "portugais", "de": "allemand", "fr": "français",
           "it": "italien", "nl": "néerlandais"},
    "it": {"en": "inglese", "es": "spagnolo", "pt": "portoghese", "de": "tedesco", "fr": "francese",
           "it": "italiano", "nl": "olandese"},
    "nl": {"en": "Engels", "es": "Spaans", "pt": "Portugees", "de": "Duits", "fr": "Frans", "it": "Italiaans",
           "nl": "Nederlands"},
}
_AND = {"en": "or", "es": "o", "pt": "ou", "de": "oder", "fr": "ou", "it": "o", "nl": "of"}

TOPIC_NAMES: dict[str, str] = {
    "baggage": "baggage", "lost_luggage": "lost luggage", "booking": "bookings", "cancellation": "cancellations",
    "refund": "refunds", "booking_change": "booking changes", "flight_status": "flight status",
    "check_in": "check-in", "payment": "payments", "travel_documents": "travel documents",
    "travel_advisory": "travel advice", "loyalty": "Llama Miles", "premium_package": "Llama Premium",
    "pets": "travelling with pets", "special_assistance": "special assistance", "insurance": "travel insurance",
}


TEMPLATES.update(ANSWER_TEMPLATES)


def reply_language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def say(key: str, lang_code: str, **values: str) -> str:
    table = TEMPLATES[key]
    text = table.get(lang_code) or table["en"]
    return text.format(**values) if values else text


def staff_language_notice(language: str, staff_languages: tuple[str, ...], machine_translation: bool = True) -> str:
    """The plain offer for customers whose language the team does not speak (empty otherwise): the staff
    languages, and machine translation of their own when a translator is configured."""
    if language in staff_languages or not staff_languages:
        return ""
    lang = reply_language(language)
    names = LANGUAGE_NAMES_IN.get(lang, LANGUAGE_NAMES)
    staff = [names.get(code, code) for code in staff_languages]
    joined = staff[0] if len(staff) == 1 else ", ".join(staff[:-1]) + f" {_AND.get(lang, 'or')} " + staff[-1]
    if not machine_translation:
        return say("staff_languages_only", lang, staff=joined)
    return say("staff_languages", lang, staff=joined, language=names.get(language, language))
