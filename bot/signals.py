"""Rule-based detectors: the multilingual lexicons in bot/lexicon/, compiled once, matched fast.

Why rules next to a classifier: the reasons that put the company at risk (security, legal,
distress) must be caught even in phrasings the classifier has never seen, and every hand-over must
be explainable ("security.unknown_charges: 'charges i didnt make'"). The lexicons are readable
YAML that trainers extend; each pattern is checked on the normalised text of every message, in
every language, because customers mix languages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.normalise import Shape
from bot.prefilter import Alternation, Prefilter
from bot.start_cache import KnownStarts, cache_dir

LEXICON_DIR = Path(__file__).parent / "lexicon"
RULE_REASONS = ("security", "legal", "distress", "human_request")
# A payment card named in any language (a stolen wallet with no card named is not a card case).
_CARD = re.compile(r"\b(cards?|credit|debit|visa|mastercard|amex|tarjetas?|cartao|cartoes|karten?|kreditkarte|"
                   r"ec-karte|cartes? (bancaires?|de credit)|carta di credito|carte|carta|bancomat|kaart|creditcard|"
                   r"pinpas|bankpas)\b")
# Reasons a hypothetical question does not raise: it asks what would happen, it does not report it.
HYPOTHETICAL_REASONS = frozenset({"security", "distress"})
# What a laugh around a question sets aside: a past fright told as a story ("I totally panicked haha").
# Never someone at the door, following or threatening, being stuck without money, grief, self-harm, a
# theft or a card: those stand however they are told.
LIGHT_HEARTED_FRIGHTS = frozenset({"panicked"})   # "I'm freaked out lol" is now, not a story
_STORY = re.compile(r"\b(" + "|".join(sorted(LIGHT_HEARTED_FRIGHTS)) + r")\b")
_PUNCT = re.compile(r"[^\w\s/-]+")


@dataclass(frozen=True)
class Hit:
    """One lexicon signal that fired on a message."""
    reason: str
    name: str          # "security.unknown_charges"
    evidence: str      # the matched words


@dataclass(frozen=True)
class _Veto:
    reason: str
    pattern: Alternation


@dataclass(frozen=True)
class _Rule:
    reason: str
    name: str
    pattern: Alternation
    unless: Alternation | None


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    patterns = [p for p in patterns if p]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _searcher(patterns: list[str], prefilter: Prefilter) -> Alternation | None:
    """What `_compile` makes of the patterns, to `search` only where one of them can start
    (bot/prefilter.py: the same matches, faster)."""
    patterns = [p for p in patterns if p]
    return prefilter.alternation(patterns) if patterns else None


def _load_rules(root: Path, prefilter: Prefilter) -> tuple[tuple[_Rule, ...], tuple[_Veto, ...]]:
    rules, vetoes = [], []
    for reason in RULE_REASONS:
        data = yaml.load((root / f"{reason}.yml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader
                         if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
        for signal, spec in data["signals"].items():
            patterns = [p for key, value in spec.items() if key != "unless" for p in value]
            rules.append(_Rule(reason, f"{reason}.{signal}", _searcher(patterns, prefilter),
                               _searcher(spec.get("unless", []), prefilter)))
        if data.get("vetoes"):
            vetoes.append(_Veto(reason, _searcher(data["vetoes"], prefilter)))
    return tuple(rules), tuple(vetoes)


# A country's flag or a celebration emoji next to the capitals: "WE'RE FLYING TO PERU!!! 🇵🇪".
_JOY_EMOJI = re.compile("[\U0001F1E6-\U0001F1FF\U0001F389\U0001F973\U0001F60D\U0001F48D\U0001F942\U0001F37E]")


_COURTEOUS = re.compile(r"\b(hello|hi|good (morning|afternoon|evening)|please|thank you|thanks|hola|buenos dias|buenas|"
                        r"por favor|gracias|ola|bom dia|boa tarde|obrigad[oa]|hallo|guten (tag|morgen|abend)|bitte|"
                        r"danke|bonjour|bonsoir|s il vous plait|merci|ciao|buongiorno|buonasera|per favore|grazie|"
                        r"hoi|goedemorgen|goedemiddag|alstublieft|alsjeblieft|dank u|dank je)\b")


class Lexicon:
    """All rule detectors, small-talk patterns and tone words, loaded once."""

    def __init__(self, root: Path = LEXICON_DIR):
        # Every pattern searched with `search` shares one prefilter: a message's words are looked up
        # once for all of them.
        known_starts = KnownStarts(cache_dir())
        self.prefilter = prefilter = Prefilter(known_starts)
        self.rules, self.vetoes = _load_rules(root, prefilter)
        small = yaml.safe_load((root / "smalltalk.yml").read_text(encoding="utf-8"))
        self.small_talk = {kind: re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + r")")
                           for kind, patterns in small.items()}
        outside = yaml.safe_load((root / "out_of_scope.yml").read_text(encoding="utf-8"))
        self.out_of_scope_domains = {name: _searcher(patterns, prefilter)
                                     for name, patterns in outside["domains"].items()}
        self.travel_words = _searcher(outside["travel_words"], prefilter)
        self.out_of_scope_despite_travel_words = {
            name: _searcher(patterns, prefilter) for name, patterns in outside.get("despite_travel_words", {}).items()}
        frames = yaml.safe_load((root / "frames.yml").read_text(encoding="utf-8"))
        self.hypothetical = _searcher(frames["hypothetical"], prefilter)
        self.reported = _searcher(frames["reported"], prefilter)
        self.laughing = _compile(frames["laughing"])
        self.idioms = _compile(frames["idioms"])
        self.other_people = prefilter.alternation([frames["someone_else"]["people"]])
        self.sharing = prefilter.alternation([frames["someone_else"]["sharing"]])
        known_starts.save()
        tone = yaml.safe_load((root / "tone.yml").read_text(encoding="utf-8"))
        self.positive = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in tone["positive"]) + r")\b")
        self.negative = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in tone["negative"]) + r")\b")
        self.enthusiasm = re.compile(r"\b(?:" + "|".join(tone["enthusiasm"]) + r")")
        self.not_joking = re.compile(r"\b(?:" + "|".join(tone["not_joking"]) + r")\b")

    # -- hand-over reasons -------------------------------------------------------------------

    def detect(self, folded: str, shape: Shape, vetoed: set[str] | None = None) -> list[Hit]:
        """Every rule signal that fires on the message, in lexicon order (precedence is applied later).

        When a rule matched but its `unless` cancelled it ("my card wasn't stolen", "no need for a
        human"), its reason is added to `vetoed`: explicit counter-evidence the classifier, which
        does not read negation, must not override.
        """
        hits = []
        for rule in self.rules:
            match = rule.pattern.search(folded)
            if not match:
                continue
            if rule.unless and rule.unless.search(folded):
                if vetoed is not None:
                    vetoed.add(rule.reason)
                continue
            hits.append(Hit(rule.reason, rule.name, match.group(0).strip()[:80]))
        if vetoed is not None:
            vetoed.update(veto.reason for veto in self.vetoes if veto.pattern.search(folded))
        if (hits and {hit.name for hit in hits if hit.reason == "security"} == {"security.card_lost_or_stolen"}
                and not _CARD.search(folded) and any(hit.reason == "distress" for hit in hits)):
            # "They stole my bag with my passport and my wallet, I'm shaking": documents and cash
            # gone and panic, no card named: a person for the distress, not the card team.
            hits = [hit for hit in hits if hit.reason != "security"]
        if self.asks_what_if(folded):
            # "What if my card gets stolen abroad, can I pay by transfer?": a question about what
            # would happen, not a report; the classifier, which reads words and not frames, agrees.
            hits = [hit for hit in hits if hit.reason not in HYPOTHETICAL_REASONS]
            if vetoed is not None:
                vetoed.update(HYPOTHETICAL_REASONS)
        if self.light_hearted(folded, shape) and any(_told_as_a_story(hit) for hit in hits):
            hits = [self._beyond_the_story(hit, folded) if _told_as_a_story(hit) else hit for hit in hits]
            hits = [hit for hit in hits if hit is not None]
            if vetoed is not None and not any(hit.reason == "distress" for hit in hits):
                vetoed.add("distress")
        if shape.shouting and not self.enthusiastic(folded, shape) and not self.calm_caps(folded, shape):
            hits.append(Hit("distress", "distress.shouting", f"{shape.caps_words} words in capitals"))
        elif (shape.loud_words >= 2 and shape.exclamations >= 3 and not self.enthusiastic(folded, shape)
              and self.negative.search(folded)):
            # "I want my money back NOW, you cancelled MY flight!!!": loud and angry even if short.
            hits.append(Hit("distress", "distress.shouting",
                            f"{shape.caps_words} words in capitals, {shape.exclamations} exclamation marks"))
        return hits

    def without_idioms(self, folded: str) -> str:
        """The message with idioms blanked out ("a hunger strike"), for keyword matching."""
        return self.idioms.sub(" ", folded) if self.idioms else folded

    def about_someone_else(self, folded: str) -> bool:
        """Sharing, giving or transferring something with another person ("can my wife use my passes?")."""
        return bool(self.other_people.search(folded) and self.sharing.search(folded))

    def asks_what_if(self, folded: str) -> bool:
        """A hypothetical question ("what if", "y si", "angenommen", "et si") that reports nothing."""
        return bool(self.hypothetical and self.hypothetical.search(folded)
                    and not (self.reported and self.reported.search(folded)))

    def _beyond_the_story(self, hit: Hit, folded: str) -> Hit | None:
        """The same rule on the message without the fright told as a story: "I panicked haha, someone tried
        to open my door last night" still has someone at the door."""
        rule = next(rule for rule in self.rules if rule.name == hit.name)
        match = rule.pattern.search(_STORY.sub(" ", folded))
        return Hit(hit.reason, hit.name, match.group(0).strip()[:80]) if match else None

    def light_hearted(self, folded: str, shape: Shape) -> bool:
        """A laugh around a question ("I totally panicked haha. Can I print my boarding pass?"): a fright
        told as a story, not an emergency now ("HAHA NOT FUNNY" is not a laugh)."""
        return bool(shape.questions and self.laughing and self.laughing.search(folded)
                    and not self.not_joking.search(folded))

    def calm_caps(self, folded: str, shape: Shape) -> bool:
        """Caps lock left on, not anger: no angry word or emoji, and either courteous ("HELLO! IS MY
        FLIGHT ON TIME?", at most one '!') or a plain question ("AND IS THE RETURN ALSO ON TIME?")."""
        calm = not shape.crying_emoji and not self.negative.search(folded)
        courteous = bool(_COURTEOUS.search(folded)) and shape.exclamations <= 1
        plain_question = folded.rstrip().endswith("?") and shape.exclamations == 0
        return calm and (courteous or plain_question)

    def enthusiastic(self, folded: str, shape: Shape) -> bool:
        """Capitals and exclamation marks of joy ("SO EXCITED FOR CUSCO!!!"), not of anger."""
        negative = len(self.negative.findall(folded)) + shape.crying_emoji
        if negative >= 2 or self.not_joking.search(folded):
            return False
        return bool(self.enthusiasm.search(folded) or _JOY_EMOJI.search(folded)) or shape.laughing_emoji > 0 or (
            len(self.positive.findall(folded)) > negative)

    # -- domains we do not serve -------------------------------------------------------------

    def outside_domain(self, folded: str) -> str | None:
        """The non-travel domain a message is plainly about ("bills_and_loans"), or None."""
        for name, pattern in self.out_of_scope_despite_travel_words.items():
            if pattern.search(folded):
                return name
        if self.travel_words.search(folded):
            return None
        for name, pattern in self.out_of_scope_domains.items():
            if pattern.search(folded):
                return name
        return None

    # -- small talk ---------------------------------------------------------------------------

    def small_talk_kind(self, folded: str) -> str | None:
        """'greeting', 'thanks', 'bye', 'yes_no' or 'about_llamita' when that is the whole message."""
        bare = " ".join(_PUNCT.sub(" ", folded).split())
        if not bare:
            return None
        for kind, pattern in self.small_talk.items():
            if pattern.fullmatch(bare):
                return kind
        # A few small-talk words in a row ("lol ok", "ok great thanks", "haha yes"): the most
        # meaningful one decides the reply.
        words = bare.split()
        if len(words) <= 5:
            kinds = [next((k for k, p in self.small_talk.items() if p.fullmatch(w)), None) for w in words]
            if all(kinds):
                for preferred in ("thanks", "bye", "about_llamita", "greeting", "yes_no"):
                    if preferred in kinds:
                        return preferred
        return None

    def greeting_prefix(self, folded: str) -> bool:
        bare = " ".join(_PUNCT.sub(" ", folded).split())
        first = " ".join(bare.split()[:3])
        return any(self.small_talk["greeting"].match(first[:n]) for n in (len(first),))

    # -- tone ---------------------------------------------------------------------------------

    def sentiment(self, folded: str, shape: Shape, hits: list[Hit]) -> float:
        """A rough -1..1 score: tone words, crying/laughing emoji, shouting and distress signals."""
        positive = len(self.positive.findall(folded)) + shape.laughing_emoji
        negative = len(self.negative.findall(folded)) + 2 * shape.crying_emoji
        negative += sum(2 for hit in hits if hit.reason == "distress")
        negative += sum(1 for hit in hits if hit.reason in ("security", "legal"))
        if shape.shouting and not self.enthusiastic(folded, shape):
            negative += 2
        if shape.exclamations >= 3 and negative > positive:
            negative += 1
        total = positive + negative
        if total == 0:
            return 0.0
        return round(max(-1.0, min(1.0, (positive - negative) / (total + 1))), 2)


def _told_as_a_story(hit: Hit) -> bool:
    return hit.name == "distress.fear_or_danger" and hit.evidence in LIGHT_HEARTED_FRIGHTS


@cache
def default_lexicon() -> Lexicon:
    return Lexicon()
