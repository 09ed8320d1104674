"""Which language the customer writes in — right on short messages, stable across a conversation.

Two kinds of evidence, both written by the project:
- function words (articles, pronouns, prepositions, greetings): a few words decide most messages,
  and they are what short messages consist of ("y si llevo una extra?", "und noch etwas");
- character trigram profiles per language, built at start-up from the project's own example
  sentences (bot/data/examples/<lang>/): they catch content words ("Gepäck", "bagagem").

Rules that keep it stable:
- Capitalised words inside a sentence are names (Cancún, São Paulo, La Paz): they are ignored,
  so a place name never flips the language.
- A message too short or too ambiguous to tell ("ok", "LT-4821", "👍") keeps the previous language;
  with no previous language, English (the site's default).
- Another language must win clearly before the conversation's language changes.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from typing import Iterable

from bot.normalise import MAX_ANALYSED_CHARS, fold

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "de", "fr", "it", "nl")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "pt": "Portuguese", "de": "German", "fr": "French",
                  "it": "Italian", "nl": "Dutch"}

# Frequent short words of each language (accent-folded). A word listed for several languages
# counts less for each (see _WORD_WEIGHTS).
FUNCTION_WORDS: dict[str, str] = {
    "en": """the a an and or but of to in on at for with from by about is are was were be been am
        i you he she it we they me my your our their this that these those there here what which who
        how when where why can could would should will shall do does did have has had not no yes
        please thanks thank hi hello hey if just any some get got want need ok okay im dont cant its
        also still again very too much many more than then only yet after before into up out over
        pls thx u ur wanna gonna whats hows theres didnt doesnt isnt wasnt wont ive id youre lol""",
    "es": """el la los las un una unos unas y o pero de del al en con por para sin sobre es son
        esta estan estoy era fue ser estar soy eres hay tengo tiene tienen yo tu usted ustedes mi mis
        su sus nuestro que como cuando donde porque cual quien cuanto cuanta cuantos cuantas puedo
        puede pueden quiero quisiera necesito me te se le les lo nos este esta esto eso esa ese muy mas
        tambien ya todavia aun hola gracias buenas buenos dias tardes noches favor si no pero mañana
        hoy ayer vuelo vuelos maleta maletas equipaje reserva viaje llevar cuanto cuesta hacer algo
        alguien nadie nada mucho poco otra otro ahora luego pues vale bueno genial claro oye ud
        algun alguna alguno algunos algunas puedes tienes quieres sabes hacen dicen estoy llevo
        mismo misma todo toda todos cada ningun ninguna desde hasta entre pero aunque entonces""",
    "pt": """o a os as um uma uns umas e ou mas de do da dos das no na nos nas em com por para sem
        sobre e sao esta estao estou era foi ser estar sou tem tenho temos eu voce voces meu minha
        meus minhas seu sua nosso nossa que como quando onde porque qual quem quanto quanta posso pode
        podem quero queria preciso me te se lhe isso isto esse essa este muito mais tambem ja ainda
        ola oi obrigado obrigada valeu tchau bom dia boa tarde noite favor sim nao hoje amanha ontem agora
        voo mala bagagem reserva viagem levar custa fazer alguem ninguem nada agora entao tudo bem
        pra pro vc vcs ta to né ne fiz consigo gostaria meu minha""",
    "de": """der die das den dem des ein eine einen einem einer und oder aber von zu im in am an auf
        mit aus bei nach fur uber um ist sind war waren bin bist sein habe hat haben hatte ich du er sie
        es wir ihr mich mir dich dir mein meine meinen meinem ihre ihren unser was wie wann wo warum
        welche welcher wer kann konnen kannst mochte mochten will wollen muss mussen brauche nicht kein
        keine ja nein bitte danke hallo guten tag morgen abend auch noch schon sehr mehr nur dass
        wenn weil ob auch jetzt heute gestern flug flugs koffer gepack buchung reise mitnehmen kostet
        gibt etwas jemand niemand nichts viel viele hier dort da doch mal denn tschuss vielen""",
    "fr": """le la les un une des et ou mais de du au aux en dans sur avec pour par sans sous est
        sont etait suis es etre ai as avons avez ont je tu il elle nous vous ils elles me te se mon ma
        mes ton ta tes son sa ses notre votre leur que qui quoi comment quand ou pourquoi quel quelle
        quels combien puis peux peut pouvez voudrais veux voulez dois faut ne pas plus non oui merci
        bonjour bonsoir salut svp sil plait tres aussi encore deja bien ce cette ces cet ca il y
        aujourd hui demain hier vol vols valise bagage bagages reservation voyage apporter coute
        faire quelque quelqu personne rien beaucoup ici maintenant alors est-ce""",
    "it": """il lo la i gli le un uno una e o ma di del della dei delle da dal dalla in nel nella
        con per su sul sulla senza tra fra e sono era ero essere sei siamo siete ho hai ha abbiamo
        hanno io tu lui lei noi voi loro mi ti si ci vi mio mia miei mie tuo tua suo sua nostro vostro
        che chi cosa come quando dove perche quale quanto quanta quanti posso puo possiamo potete vorrei
        voglio devo bisogna non si no grazie ciao buongiorno buonasera salve prego molto anche ancora
        gia bene questo questa quello quella oggi domani ieri volo voli valigia bagaglio bagagli
        prenotazione viaggio portare costa fare qualcosa qualcuno nessuno niente tanto qui adesso
        allora sto sta""",
    "nl": """de het een en of maar van voor in op aan met uit bij naar over om tot is zijn was waren
        ben bent heb hebt heeft hebben had ik jij je hij zij ze wij we jullie mij me mijn jouw zijn
        haar ons onze wat hoe wanneer waar waarom welke wie kan kun kunt kunnen wil wilt willen moet
        moeten mag mogen niet geen ja nee alsjeblieft alstublieft dank bedankt hallo hoi goedemorgen
        goedemiddag goedenavond ook nog al zeer heel meer alleen dat als omdat of nu vandaag morgen
        gisteren vlucht koffer bagage boeking reis meenemen kost iets iemand niemand niks veel hier
        daar er graag dus even toch mee""",
}

# Words that settle a short message on their own ("hola", "danke"): greetings, thanks, typical
# one-word replies. Checked before the keep-previous rule.
MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("hello", "thanks", "thank you", "hi there", "good morning", "good afternoon", "good evening",
           "cheers", "thx", "please", "yes please", "no thanks", "how are you", "what", "where", "when",
           "how"),
    "es": ("hola", "gracias", "muchas gracias", "buenas", "buenos dias", "buenas tardes", "buenas noches",
           "vale", "genial", "por favor", "de nada", "adios", "hasta luego", "que tal", "perfecto gracias"),
    "pt": ("ola", "oi", "obrigado", "obrigada", "valeu", "bom dia", "boa tarde", "boa noite", "tchau",
           "tudo bem", "beleza", "por favor", "muito obrigado", "muito obrigada", "ate logo", "blz"),
    "de": ("hallo", "danke", "danke schon", "vielen dank", "guten tag", "guten morgen", "guten abend",
           "tschuss", "bitte", "super danke", "alles klar", "servus", "moin", "gruss gott"),
    "fr": ("bonjour", "bonsoir", "merci", "merci beaucoup", "salut", "au revoir", "s il vous plait",
           "d accord", "bonne journee", "coucou", "oui merci"),
    "it": ("ciao", "grazie", "grazie mille", "buongiorno", "buonasera", "salve", "arrivederci", "per favore",
           "prego", "va bene", "perfetto grazie"),
    "nl": ("hallo daar", "dank je", "dank u", "dankjewel", "bedankt", "goedemorgen", "goedemiddag",
           "goedenavond", "hoi", "doei", "alsjeblieft", "alstublieft", "dag", "tot ziens"),
}

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?¿¡:;\n]")


def _content_words(text: str) -> list[str]:
    """Lower-case words of a message without the names in it (capitalised inside a sentence)."""
    text = text[:MAX_ANALYSED_CHARS]
    words: list[str] = []
    sentence_start = True
    position = 0
    for match in _WORD.finditer(text):
        if _SENTENCE_END.search(text, position, match.start()):
            sentence_start = True
        position = match.end()
        word = match.group(0)
        is_name = (not sentence_start and word[:1].isupper() and not word.isupper()) or (
            word.isupper() and len(word) <= 4 and len(word) >= 2 and not sentence_start)
        sentence_start = False
        if not is_name:
            words.append(word.lower())
    return words


def _trigrams(word: str) -> Iterable[str]:
    padded = f" {word} "
    return (padded[i:i + 3] for i in range(len(padded) - 2))


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confident: bool          # False: too short or too close to tell; the previous language was kept
    scores: dict[str, float]


class LanguageDetector:
    """Built once from sample texts per language; `detect` is cheap and pure."""

    def __init__(self, samples: dict[str, Iterable[str]]):
        self._log_prob: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for language in LANGUAGES:
            words: Counter[str] = Counter()
            texts = list(samples.get(language, ()))
            texts.append(FUNCTION_WORDS[language])
            for text in texts:
                words.update(_content_words(text))
            counts: Counter[str] = Counter()
            for word, n in words.items():  # count each distinct word's trigrams once, times its frequency
                for gram in _trigrams(word):
                    counts[gram] += n
            total = sum(counts.values()) + len(counts) + 1
            self._log_prob[language] = {g: math.log((c + 1) / total) for g, c in counts.items()}
            self._unseen[language] = math.log(1 / total)
        owners: dict[str, list[str]] = {}
        for language, words in FUNCTION_WORDS.items():
            for word in set(fold(words).split()):
                owners.setdefault(word, []).append(language)
        self._word_weights = {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in owners.items()}
        owners_of: dict[str, set[str]] = {}
        for lang, ms in MARKERS.items():
            for m in ms:
                owners_of.setdefault(fold(m), set()).add(lang)
        # A marker shared by two languages ("por favor") settles nothing on its own.
        self._markers = {m: next(iter(langs)) for m, langs in owners_of.items() if len(langs) == 1}

    def detect(self, text: str, previous: str | None = None) -> LanguageGuess:
        fallback = previous or DEFAULT_LANGUAGE
        words = _content_words(text)
        folded_words = [fold(w) for w in words]
        letters = sum(len(w) for w in words)
        if not words:
            return LanguageGuess(fallback, False, {})

        # A message that is only a greeting / thanks / one-word reply is settled by that word.
        phrase = " ".join(folded_words)
        if len(folded_words) <= 4:
            for size in (3, 2, 1):
                for start in range(0, len(folded_words) - size + 1):
                    marker = self._markers.get(" ".join(folded_words[start:start + size]))
                    if marker and (len(folded_words) <= 2 or size >= 2 or marker != "en"):
                        if marker == "en" and previous and previous != "en" and len(folded_words) <= 2 \
                                and phrase not in ("thanks", "thank you", "hello"):
                            return LanguageGuess(previous, False, {})
                        return LanguageGuess(marker, True, {})

        function = {lang: 0.0 for lang in LANGUAGES}
        # Inverted marks exist only in Spanish.
        if "¿" in text or "¡" in text:
            function["es"] += 1.5
        hits = 0
        for word in folded_words:
            weights = self._word_weights.get(word)
            if weights:
                hits += 1
                for lang, weight in weights.items():
                    function[lang] += weight
        ngram = {lang: 0.0 for lang in LANGUAGES}
        grams = [g for w in words for g in _trigrams(w)]
        for lang in LANGUAGES:
            table, unseen = self._log_prob[lang], self._unseen[lang]
            # map() rather than a generator: the same sum in the same order, a third of the time.
            ngram[lang] = sum(map(table.get, grams, repeat(unseen))) / max(1, len(grams))
        best_ngram = max(ngram.values())
        # Function words dominate; the trigram average (a per-character log-probability gap) breaks
        # ties and decides messages made only of content words.
        scores = {lang: function[lang] + 6.0 * (ngram[lang] - best_ngram) for lang in LANGUAGES}
        ranked = sorted(scores, key=scores.get, reverse=True)
        best, second = ranked[0], ranked[1]
        margin = scores[best] - scores[second]

        too_short = letters < 8 or (len(words) <= 2 and hits == 0)
        if too_short and previous is None:
            # A first message of two or three words can still be unmistakable by its function
            # words ("sí, por favor", "ja, graag", "y ahora?").
            by_function = sorted(function, key=function.get, reverse=True)
            top, runner_up = by_function[0], by_function[1]
            needed = 0.3 if hits >= 3 else 0.5
            if hits >= 2 and function[top] >= 1.0 and function[top] - function[runner_up] >= needed:
                return LanguageGuess(top, True, scores)
        if too_short:
            return LanguageGuess(fallback, False, scores)
        if previous and best != previous:
            # Switching needs clear evidence: a margin over the current language too.
            if scores[best] - scores.get(previous, -99.0) < 1.0 or len(words) < 3:
                return LanguageGuess(previous, False, scores)
        if best != fallback and function[best] < 1.0 and not _has_foreign_letters(words) and (
                margin < 3.0 or len(words) < 5 or function[best] < 0.3):
            # No function word of that language at all: content words alone are too weak evidence
            # to leave the conversation's language (or English) — think "acquire an article" —
            # unless the spelling of every word points clearly one way ("c possible de parler a un
            # conseiller ?").
            return LanguageGuess(fallback, False, scores)
        if margin < 0.35:
            choice = previous if previous in (best, second) else (
                DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in (best, second) else best)
            return LanguageGuess(choice, False, scores)
        return LanguageGuess(best, True, scores)


_FOREIGN_LETTERS = set("ñçãõáéíóúàèìòùâêîôûäöüßœ¿¡")


def _has_foreign_letters(words: list[str]) -> bool:
    return sum(1 for w in words for ch in w if ch in _FOREIGN_LETTERS) >= 2


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
