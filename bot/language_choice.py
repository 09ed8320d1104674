"""The customer's language choice when the team does not speak their language (pure functions).

Llamita says plainly which languages the team works in (bot.replies.staff_language_notice) and the
widget offers buttons: continue in one of those languages, or keep writing in their own with machine
translation both ways (offered only when a translator is configured). The choice is stored on the
conversation; it decides whether messages are translated, and the language of status lines.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.language import LANGUAGE_NAMES
from bot.replies import LANGUAGE_NAMES_IN, reply_language

TRANSLATE = "translate"

_CONTINUE_IN = {
    "en": "Continue in {name}", "es": "Continuar en {name}", "pt": "Continuar em {name}",
    "de": "Weiter auf {name}", "fr": "Continuer en {name}", "it": "Continua in {name}",
    "nl": "Verder in het {name}",
}
_KEEP_MINE = {
    "en": "Keep writing in {name} (machine translation)",
    "es": "Seguir en {name} (traducción automática)",
    "pt": "Continuar em {name} (tradução automática)",
    "de": "Weiter auf {name} (maschinelle Übersetzung)",
    "fr": "Rester en {name} (traduction automatique)",
    "it": "Continuare in {name} (traduzione automatica)",
    "nl": "In het {name} blijven (automatische vertaling)",
}
_QUESTION = {
    "en": "Which language would you like to continue in?",
    "es": "¿En qué idioma quieres continuar?",
    "pt": "Em qual idioma você quer continuar?",
    "de": "In welcher Sprache möchten Sie weiterschreiben?",
    "fr": "Dans quelle langue souhaitez-vous continuer ?",
    "it": "In quale lingua vuoi continuare?",
    "nl": "In welke taal wil je verder?",
}
# The line Llamita writes once the customer has chosen, in the language the conversation goes on in.
_CHOSEN_STAFF = {
    "en": "Thanks! Our team will continue with you in English.",
    "es": "¡Gracias! Nuestro equipo seguirá contigo en español.",
    "pt": "Obrigada! Nossa equipe vai continuar com você em português.",
    "de": "Danke! Unser Team schreibt Ihnen weiter auf Deutsch.",
    "fr": "Merci ! Notre équipe continuera avec vous en français.",
    "it": "Grazie! Il nostro team continuerà con te in italiano.",
    "nl": "Bedankt! Ons team gaat in het Nederlands met je verder.",
}
_CHOSEN_TRANSLATE = {
    "en": "Thanks! Keep writing in English: our team's replies will be machine-translated for you, and you can "
          "always see what they wrote.",
    "es": "¡Gracias! Sigue escribiendo en español: las respuestas del equipo se traducirán automáticamente y "
          "siempre podrás ver el original.",
    "pt": "Obrigada! Continue escrevendo em português: as respostas da equipe serão traduzidas automaticamente e "
          "você sempre poderá ver o original.",
    "de": "Danke! Schreiben Sie einfach weiter auf Deutsch: Die Antworten unseres Teams werden maschinell "
          "übersetzt, und Sie können jederzeit das Original sehen.",
    "fr": "Merci ! Continuez à écrire en français : les réponses de l'équipe seront traduites automatiquement, et "
          "vous pourrez toujours voir l'original.",
    "it": "Grazie! Continua a scrivere in italiano: le risposte del team saranno tradotte automaticamente e potrai "
          "sempre vedere l'originale.",
    "nl": "Bedankt! Schrijf gewoon verder in het Nederlands: de antwoorden van ons team worden automatisch "
          "vertaald, en je kunt altijd het origineel zien.",
}


@dataclass(frozen=True)
class LanguageOption:
    value: str          # a staff language code, or "translate"
    label: str          # in the customer's language


@dataclass(frozen=True)
class LanguageOffer:
    language: str                           # the customer's language
    question: str
    options: tuple[LanguageOption, ...]

    def to_json(self) -> dict:
        return {"language": self.language, "question": self.question,
                "options": [{"value": option.value, "label": option.label} for option in self.options]}


def language_offer(language: str | None, staff_languages: tuple[str, ...],
                   machine_translation: bool) -> LanguageOffer | None:
    """The buttons for a customer whose language the team does not speak (None when it does)."""
    if not language or language in staff_languages or not staff_languages:
        return None
    lang = reply_language(language)
    names = LANGUAGE_NAMES_IN.get(lang, LANGUAGE_NAMES)
    options = [LanguageOption(code, _CONTINUE_IN.get(lang, _CONTINUE_IN["en"]).format(name=names.get(code, code)))
               for code in staff_languages]
    if machine_translation:
        options.append(LanguageOption(TRANSLATE, _KEEP_MINE.get(lang, _KEEP_MINE["en"]).format(
            name=names.get(language, language))))
    return LanguageOffer(language, _QUESTION.get(lang, _QUESTION["en"]), tuple(options))


def valid_choice(choice: object, staff_languages: tuple[str, ...], machine_translation: bool) -> bool:
    return isinstance(choice, str) and (choice in staff_languages or (choice == TRANSLATE and machine_translation))


def machine_translation_on(language: str | None, choice: str | None, staff_languages: tuple[str, ...],
                           available: bool) -> bool:
    """Messages are translated both ways: a translator is configured, the customer's language is not one the
    staff speak, and the customer has not chosen to continue in a staff language (before they choose, the
    team's replies are translated: nobody is left with words they cannot read)."""
    return bool(available and language and language not in staff_languages
                and (choice is None or choice == TRANSLATE))


def conversation_language(language: str | None, choice: str | None) -> str | None:
    """The language Llamita's lines go out in: the staff language the customer chose, else their own."""
    return choice if choice and choice != TRANSLATE else language


def chosen_line(choice: str, language: str | None) -> str:
    if choice == TRANSLATE:
        lang = reply_language(language or "en")
        return _CHOSEN_TRANSLATE.get(lang, _CHOSEN_TRANSLATE["en"])
    return _CHOSEN_STAFF.get(choice, _CHOSEN_STAFF["en"])


def choice_label(choice: str | None, language: str | None) -> str:
    """What a card says about the choice, in English (staff's words)."""
    name = LANGUAGE_NAMES.get(language or "", language or "their language")
    if choice is None:
        return "not chosen yet"
    if choice == TRANSLATE:
        return f"keeps writing {name}, machine-translated both ways"
    return f"chose to continue in {LANGUAGE_NAMES.get(choice, choice)}"
