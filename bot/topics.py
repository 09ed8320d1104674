"""Which knowledge topic a message is about — or none: small talk, or out of scope.

The classifier gives a probability per label. Here they become one of three outcomes:
- a knowledge topic, when it is clearly the best reading of the message;
- small talk (greetings, thanks, "are you a bot?"), answered without a topic;
- out of scope, when the best reading is one of the domains a travel agency does not answer
  (banking products, cooking, home, cars, homework...) or no topic is convincing. Then Llamita
  asks instead of answering from an unrelated article.

Conversations have context: a short follow-up ("and how much is an extra one?", "la reserva es
LT-22950") continues the previous topic, and a follow-up to an out-of-scope question ("ok, and a
gluten-free version?") stays out of scope.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.decision import TOPICS

SMALL_TALK = "smalltalk"
OUT_OF_SCOPE = "out_of_scope"

# Tuned on the project's own judgement of what "clearly" means; see docs/brain.md for figures.
TOPIC_MIN = 0.35          # a topic needs at least this share of the (topic + oos + small talk) mass
SMALL_TALK_MIN = 0.55
OUTSIDE_DOMAIN_OVERRIDE = 0.9  # a topic this sure still answers a message in a non-travel domain
CLOSE_CALL = 0.05         # a topic this close behind "out of scope" still answers
FOLLOW_UP_BOOST = 0.35    # added to the previous topic for a short follow-up (times its strength)
UNANSWERED_FOLLOW_UP_BOOST = 0.8  # added to out of scope for a continuation of an unanswered question
SHORT_MESSAGE_WORDS = 14
CONTEXT_MESSAGE_WORDS = 20   # a message this long may still lean on the previous one for its subject

# A message that grammatically continues the previous one: "and ...", "what about ...", "for 4
# people ...", in seven languages.
_CONTINUES = re.compile(
    r"^(and|also|plus|what about|how about|and if|what if|or|for|at|on|with|from|in|its|it s|"
    r"y|e|o|ou|und|oder|et|ed|en|tambien|tambem|auch|aussi|anche|ook|y si|e se|und wenn|et si|en als|"
    r"para|pra|por|pour|fur|per|voor|con|com|mit|avec|met|es|e a|c est|das ist|het is|y el|y la|e o|e a)\b")
# Words pointing back at what was just discussed ("what carrier do I need for him?").
_REFERS_BACK = re.compile(r"\b(him|her|them|this one|that one|the same|ele|ela|dele|dela|lo|la|los|las|ihn|ihm|lui|lei|"
                          r"hem|haar|ihr|eux|elles)\b")
# Pronouns that stand for what was just discussed ("how much is it?"), besides those of _REFERS_BACK.
_STANDS_FOR_IT = re.compile(r"\b(it|its|they|that|those|these|this|one|le|les|eso|isso|isto|"
                            r"das|es|sie|ca|cela|ce|ne|dat|het|die)\b")
# Words announcing a new subject ("totally unrelated, but...", "otra cosa", "btw").
_NEW_SUBJECT = re.compile(r"\b(unrelated|another question|different question|other question|other thing|something else|"
                          r"by the way|btw|change of subject|otra cosa|otra pregunta|outra coisa|outra pergunta|"
                          r"noch was|andere frage|autre chose|autre question|altra cosa|altra domanda|iets anders|"
                          r"andere vraag)\b")
# A message that only gives a booking reference ("booking LT-20931", "la reserva es LT-4821").
_REFERENCE_ONLY = re.compile(r"((my |the |our )?(booking|reservation|reserva|buchung|boeking|prenotazione|reference|"
                             r"ref|number|numero|nummer)( is| es| e| ist| est| c est| it s|:)? ?|it s |its |es |e )?"
                             r"lt-?\d{3,}")
_THANKS = re.compile(r"^((ok|okay|great|cool|perfect|alright|no worries|no problem|all good|never mind|nevermind|"
                     r"vale|bueno|no pasa nada|tudo bem|sem problemas|gut|kein problem|schon gut|bon|d accord|"
                     r"pas de souci|pas grave|va bene|non importa|oke|geen probleem|geeft niet),? )?"
                     r"(thank you|thanks|thx|cheers|many thanks|gracias|muchas gracias|obrigad[oa]|muito obrigad[oa]|"
                     r"danke|vielen dank|merci|grazie|mille grazie|bedankt|dank je|dank u)\b")
# A fragment that only makes sense as the end of the previous sentence ("for 4 people at 8pm").
_FRAGMENT = re.compile(r"^(for|at|on|with|from|in|para|pra|pour|fur|per|voor|con|com|mit|avec|met)\b")
# An acknowledgement before the next question ("ok, ...", "great, ..."): often the same subject,
# but just as often a new one.
_ACKNOWLEDGES = re.compile(
    r"^(ok|okay|oh|alright|cool|great|perfect|thanks|but|then|so|ah|vale|bueno|bom|gut|bon|allora|dus|"
    r"pero|mas|aber|mais|ma|maar|super|genial|perfecto|perfeito|parfait|perfetto|prima)\b")
_DETAILS_ONLY = re.compile(r"\b(lt-?\d{3,}|[a-z]{2}\d{2,4}|\d{1,2}(st|nd|rd|th)|\d{1,2}/\d{1,2}|reference|ref|"
                           r"booking is|reserva es|la reserva|a reserva|buchung|reservation est|it s lt)\b")


# Sentence ends, and the turn to the actual request after chatter (", so what's ...", ", anyway ...").
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|,\s+(?=(?:so|anyway|anyhow|but|now|then|quick question)\b)|"
                           r"\s*[\U0001F300-\U0001FAFF\u2600-\u27BF]+\s*")  # an emoji ends a sentence too


def question_part(folded: str) -> str | None:
    """The sentences that carry the request in a message of several ("My dad's a lawyer lol. What
    does your policy say about cancelling?"): the questions, else the last sentence. None for a
    message of one sentence."""
    sentences = [s for s in _SENTENCE_END.split(folded.strip()) if s and any(c.isalpha() for c in s)]
    if len(sentences) < 2:
        return None
    questions = [s for s in sentences if s.rstrip().endswith("?")]
    return " ".join(questions or sentences[-1:])


def continues_the_subject(folded: str, words: int) -> bool:
    """A message that leans on the previous one for its subject: it starts as a continuation
    ("and ...", "y ...") or stands a pronoun for it ("how much is it?", "it's a black Samsonite with a
    yellow ribbon"), and announces nothing new."""
    if words > CONTEXT_MESSAGE_WORDS or _NEW_SUBJECT.search(folded):
        return False
    return bool(_CONTINUES.match(folded) or _STANDS_FOR_IT.search(folded) or _REFERS_BACK.search(folded))


@dataclass(frozen=True)
class TopicChoice:
    kind: str                 # "topic", "small_talk" or "out_of_scope"
    topic: str | None
    confidence: float
    evidence: str


def topic_shares(probabilities: dict[str, float]) -> dict[str, float]:
    """Probabilities renormalised over knowledge topics, small talk and out of scope."""
    keep = {k: v for k, v in probabilities.items() if k in TOPICS or k in (SMALL_TALK, OUT_OF_SCOPE)}
    total = sum(keep.values()) or 1.0
    return {k: v / total for k, v in keep.items()}


def follow_up_strength(folded: str, words: int) -> float:
    """How much a message reads as a continuation: 1 for "and for my cat?" or "it's LT-22950",
    0.5 for any other short message, 0 for a long one (a new request stands on its own)."""
    if words > SHORT_MESSAGE_WORDS:
        return 0.0
    if (words <= 4 and _CONTINUES.match(folded)) or words <= 3:
        return 1.6  # "and in the cabin?", "it weighs 7 kilos": almost certainly the same subject
    if (words <= 6 or _CONTINUES.match(folded) or _ACKNOWLEDGES.match(folded) or _DETAILS_ONLY.search(folded)
            or _REFERS_BACK.search(folded)):
        return 1.0
    return 0.5


def choose_topic(probabilities: dict[str, float], folded: str, words: int,
                 previous_topic: str | None, previous_unanswered: bool,
                 outside_domain: str | None = None, outside_domain_certain: bool = False,
                 mentions_travel: bool = False) -> TopicChoice:
    """`outside_domain_certain`: the domain was recognised by a phrase that is never about a trip
    ("car payment", "vacation days"), so no topic reading overrides it. `mentions_travel`: the message
    names a trip, flight, booking...: after an unanswered question it is not taken for a continuation
    of that question ("and will the balance for my trip be taken from the new card?")."""
    shares = topic_shares(probabilities)
    if outside_domain and not (previous_topic and follow_up_strength(folded, words) >= 1.0):
        best_topic = max((k for k in shares if k in TOPICS), key=shares.get, default=None)
        if best_topic is None or outside_domain_certain or shares[best_topic] < OUTSIDE_DOMAIN_OVERRIDE:
            return TopicChoice("out_of_scope", None, shares.get(OUT_OF_SCOPE, 0.0),
                               f"{outside_domain.replace('_', ' ')}, no travel words")
    if previous_topic and words <= 4 and _REFERENCE_ONLY.fullmatch(folded.strip(" .!?")):
        # "booking LT-20931", "it's LT-22950": the details for the question just answered.
        return TopicChoice("topic", previous_topic, 1.0, f"details for {previous_topic}")
    follow_up = follow_up_strength(folded, words)
    note = ""
    close_call = CLOSE_CALL
    if follow_up and previous_topic in shares:
        shares[previous_topic] += FOLLOW_UP_BOOST * follow_up
        note = f" (follow-up to {previous_topic})"
    elif previous_unanswered and not mentions_travel and (_CONTINUES.match(folded) or _DETAILS_ONLY.search(folded)) \
            and follow_up:
        # Right after a question Llamita could not answer, "and for 4 people?" continues it; a
        # fragment ("for 4 people at 8pm") cannot be a new question at all.
        boost = UNANSWERED_FOLLOW_UP_BOOST * (1.25 if _FRAGMENT.match(folded) else 0.75)
        shares[OUT_OF_SCOPE] = shares.get(OUT_OF_SCOPE, 0.0) + boost
        note = " (follow-up to an unanswered question)"
        close_call = 0.0  # the continuation decides, not a near tie
    if previous_unanswered and not _THANKS.match(folded):
        # Right after a question Llamita could not answer, chatty words ("come on, just yes or no")
        # are the customer insisting, not small talk; thanks ("thank you dear, that's very
        # helpful") are still thanks.
        shares[SMALL_TALK] = 0.0

    best = max(shares, key=shares.get)
    best_topic = max((k for k in shares if k in TOPICS), key=shares.get, default=None)
    if best == SMALL_TALK and shares[best] >= SMALL_TALK_MIN:
        return TopicChoice("small_talk", None, shares[best], f"small talk p={shares[best]:.2f}")
    near_best = best_topic and shares[best_topic] >= shares[best] - close_call
    if best_topic and (best == best_topic or (best == OUT_OF_SCOPE and near_best)) and shares[best_topic] >= TOPIC_MIN:
        return TopicChoice("topic", best_topic, shares[best_topic], f"p={shares[best_topic]:.2f}{note}")
    if best == SMALL_TALK:
        return TopicChoice("small_talk", None, shares[best], f"small talk p={shares[best]:.2f}")
    top = best_topic or "-"
    return TopicChoice("out_of_scope", None, shares.get(OUT_OF_SCOPE, 0.0),
                       f"best {best} p={shares[best]:.2f}; best topic {top} p={shares.get(top, 0.0):.2f}{note}")
