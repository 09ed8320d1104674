"""The offline brain: decides what Llamita does with a message, without network or API key.

Layers, in order (the first that decides wins, so precedence follows the hand-over reasons):
 1. normalise the text and detect the language (bot/normalise.py, bot/language.py);
 2. critical and human-request detectors: multilingual lexicon rules (bot/lexicon/, bot/signals.py)
    plus the classifier's own reading of the message — security, legal, distress, human_request;
 3. the operator's hot topics from the Policy (bot/hot_topics.py);
 4. small talk, then a knowledge topic or an explicit "out of scope" (bot/topics.py);
 5. out of scope: a clarifying question that collects a booking reference and dates; the second
    such turn in a row hands over as edge_case.
Every decision carries the signals that fired, a sentiment score, and (when it hands over or asks)
a summary for the person who takes over. The brain never raises on customer input.
"""
from __future__ import annotations

import logging
import re
from datetime import date
from functools import cached_property
from typing import Sequence

from bot.answers import account_frozen, knowledge_answer
from bot.decision import REASONS, TOPICS, Action, CustomerProfile, Decision, Memory, Policy, Signal, ToolCall, Turn
from bot.details import extract, merge
from bot.examples import load_examples
from bot.hot_topics import HotTopicMatcher
from bot.kb import KnowledgeBase, default_knowledge_base
from bot.language import FUNCTION_WORDS
from bot.model import build_model
from bot.normalise import MAX_ANALYSED_CHARS, has_words, normalise, shape, tokens
from bot.replies import reply_language, say, staff_language_notice
from bot.summary import hand_over_summary
from bot.topics import (
    OUT_OF_SCOPE,
    TopicChoice,
    choose_topic,
    continues_the_subject,
    follow_up_strength,
    question_part,
    topic_shares,
)

log = logging.getLogger(__name__)

# The classifier alone hands over when a reason is its best reading of the message with at least
# this probability. Rules fire on their own; the classifier adds recall for unseen phrasings.
CLASSIFIER_REASON_MIN = {"security": 0.50, "legal": 0.75, "distress": 0.70, "human_request": 0.50}
# A message plainly about something we do not serve ("can I get more checkbooks mailed to me?")
# resembles a request for a person only by its wording: the classifier alone needs more there.
CLASSIFIER_HUMAN_REQUEST_OUTSIDE_MIN = 0.80
CRITICAL_ORDER = ("security", "legal", "distress", "human_request")
# ... but a classifier reading alone, below these, yields to a rule that fired for another reason:
# an explicit security or legal rule is better evidence than a resemblance; an explicit request for
# a person, or a distress rule, outweighs only a faint one (fear about a phishing text is still a
# security matter; "everyone would be better off without me" is not a security one).
CLASSIFIER_YIELDS_BELOW = {"security": 0.85, "legal": 0.85, "distress": 0.6, "human_request": 0.6}
# The question of a message of several sentences decides the topic when the whole message is read
# as no topic, and the question alone is read as one at least this surely.
QUESTION_TOPIC_MIN = 0.5
# A follow-up to an answered question is critical by the classifier alone only this surely.
FOLLOW_UP_CRITICAL_MIN = 0.75
# A message about a hot topic's subject is a basic question after all when its question alone is
# read as the knowledge topic at least this surely.
BASIC_QUESTION_MIN = 0.8
# How much a follow-up's topic reading comes from reading it together with the previous message,
# unless it is this sure of a topic of its own.
CONTEXT_WEIGHT = 0.5
OWN_TOPIC_SURE = 0.8
# The knowledge base chooses between readings (OfflineBrain._weigh_the_knowledge): topics read at
# least this likely are candidates; a topic read this surely keeps its answer; an out-of-scope reading
# becomes a topic only when that topic is the best reading with at least this share.
KNOWLEDGE_CANDIDATE_MIN = 0.08
KNOWLEDGE_KEEPS_A_SURE_TOPIC = 0.8
KNOWLEDGE_OVERRIDES_OUT_OF_SCOPE = 0.25
_RAW_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
# Words after which a name of a place usually follows ("to Aguas Calientes", "pra Gramado").
_PLACE_PREPOSITIONS = frozenset({"to", "from", "in", "near", "via", "en", "para", "pra", "desde", "hasta", "em",
                                 "nach", "von", "aus", "bei", "vers", "au", "aux", "per", "naar", "uit", "te"})
_INSTRUCTIONS = re.compile(r"\b(ignore|disregard|forget) (all |any |your |the |previous |prior )*(instructions|rules|"
                           r"prompt|guidelines)\b|\bsystem prompt\b|\byou are now\b|\bjailbreak\b|"
                           r"\bmark (this|it|the case|the ticket) (as )?(resolved|closed|solved)\b")


class OfflineBrain:
    """Brain protocol implementation (bot.decision.Brain). Build once; `decide` is pure and fast."""

    def __init__(self, policy: Policy, kb: KnowledgeBase | None = None):
        self.policy = policy
        self.kb = kb if kb is not None else _load_knowledge_base()
        self.model = build_model(tuple(policy.hot_topics))
        self.hot_topics = HotTopicMatcher(tuple(policy.hot_topics), self.model.anchors)
        self.kb.prepare()
        self._known_words  # noqa: B018 -- built now, at start-up, so no customer waits for it

    # -- the contract ------------------------------------------------------------------------

    def decide(self, message: str, memory: Memory | None = None, history: Sequence[Turn] = (),
               customer: CustomerProfile | None = None) -> Decision:
        memory = memory if isinstance(memory, Memory) else Memory()
        try:
            return self._decide(message if isinstance(message, str) else str(message or ""), memory,
                                tuple(history or ()), customer)
        except Exception:  # never let one strange message break the conversation
            log.exception("offline brain failed on a message; asking the customer to rephrase")
            language = memory.language or "en"
            streak = memory.unanswered_streak + 1
            return Decision(Action.ASK, say("ask", reply_language(language), collect=""), language,
                            Memory(language, streak, memory.topics + (None,), dict(memory.collected),
                                   None, "unanswered", memory.sentiments),
                            signals=(Signal("brain.error"),))

    # -- the layers ----------------------------------------------------------------------------

    def _decide(self, text: str, memory: Memory, history: tuple[Turn, ...],
                customer: CustomerProfile | None) -> Decision:
        model = self.model
        folded = normalise(text)
        looks = shape(text)
        guess = model.languages.detect(text, memory.language)
        language = guess.language
        collected = merge(memory.collected, extract(text))
        signals: list[Signal] = [Signal(f"language.{language}", "detected" if guess.confident else "kept")]
        if _INSTRUCTIONS.search(folded):
            signals.append(Signal("input.instructions_in_text", "treated as plain text"))

        if not has_words(text):
            sentiment = -0.5 if looks.crying_emoji else (0.5 if looks.laughing_emoji else 0.0)
            kind = "empty" if not text.strip() else "yes_no"
            signals.append(Signal(f"small_talk.{kind}"))
            return self._small_talk(kind, language, memory, collected, signals, sentiment)

        vetoed: set[str] = set()
        hits = model.lexicon.detect(folded, looks, vetoed)
        domain = model.lexicon.outside_domain(folded)
        question = question_part(folded)
        probabilities = model.classifier.probabilities(folded)
        sentiment = model.lexicon.sentiment(folded, looks, hits)

        # 2. Critical reasons and requests for a person: rules, then the classifier's reading.
        fired: dict[str, list[Signal]] = {}
        for hit in hits:
            fired.setdefault(hit.reason, []).append(Signal(hit.name, hit.evidence))
        best_label = max(probabilities, key=probabilities.get)
        best_p = probabilities[best_label]
        if best_label in vetoed:
            signals.append(Signal(f"vetoed.{best_label}", "a rule matched but its exception applies"))
        elif (best_label in ("security", "legal", "distress") and memory.last_kind == "unanswered"
              and follow_up_strength(folded, max(1, looks.words)) >= 1.0):
            # A short follow-up to a question Llamita could not answer ("and of 169?", "and when did
            # he die?") continues that off-topic subject: only a rule, not the classifier, makes it critical.
            signals.append(Signal(f"classifier.{best_label}", f"p={best_p:.2f}, ignored: follow-up to an "
                                  "unanswered question"))
        elif (best_label in ("security", "legal", "distress") and memory.last_kind == "topic"
              and best_p < FOLLOW_UP_CRITICAL_MIN and continues_the_subject(folded, max(1, looks.words))):
            # "and does it cover my skis if they get lost?" after an insurance answer asks more about
            # that answer: a faint resemblance to a critical reason is not enough (rules still are).
            signals.append(Signal(f"classifier.{best_label}", f"p={best_p:.2f}, ignored: follow-up to an answer "
                                  f"from {memory.last_topic}"))
        elif best_label in CLASSIFIER_REASON_MIN and best_p >= _classifier_min(best_label, domain):
            fired.setdefault(best_label, []).append(Signal(f"classifier.{best_label}", f"p={best_p:.2f}", best_p))
        only_the_classifier = [signal.name for signal in fired.get(best_label, ())] == [f"classifier.{best_label}"]
        if only_the_classifier and any(
                hit.reason != best_label and best_p < CLASSIFIER_YIELDS_BELOW.get(hit.reason, 0.0) for hit in hits):
            # The classifier's reading alone, not very sure, against a rule that fired for another
            # critical reason ("what personal data do you hold and share?" read as security, a data-protection
            # rule says legal): the explicit rule is the better evidence.
            signals.append(Signal(f"classifier.{best_label}", f"p={best_p:.2f}, yields to a rule"))
            del fired[best_label]
        for reason in CRITICAL_ORDER:
            if reason in fired:
                # Keep every reason that fired (the summary shows them), but the first one decides.
                for other in CRITICAL_ORDER:
                    signals.extend(fired.get(other, ()))
                return self._hand_over(reason, self.policy.team_for(reason), text, language, memory, collected,
                                       signals, sentiment, history, customer)

        # 3. Operator hot topics.
        today = self.policy.today or date.today()
        previous_topic = memory.last_topic if memory.last_kind == "topic" else None
        hot = self.hot_topics.match(folded, probabilities, today, previous_topic,
                                    idioms_out=model.lexicon.without_idioms(folded),
                                    about_someone_else=model.lexicon.about_someone_else(folded))
        if hot and hot.by == "subject" and question:
            # "I GOT PROMOTED, I'll travel loads now 😍 how much is Llama Premium?": the chatter is not
            # the question, and the question alone is plainly one of the basic ones.
            asked = model.classifier.probabilities(question)
            if topic_shares(asked).get(hot.topic.knowledge_topic or "", 0.0) >= BASIC_QUESTION_MIN and \
                    self.hot_topics.match(question, asked, today, previous_topic,
                                          idioms_out=model.lexicon.without_idioms(question),
                                          about_someone_else=model.lexicon.about_someone_else(question)) is None:
                hot = None
        if hot:
            signals.append(Signal(f"hot_topic.{hot.topic.id}", f"{hot.by}: {hot.evidence}"))
            return self._hand_over("hot_topic", hot.topic.team or self.policy.default_team, text, language, memory,
                                   collected, signals, sentiment, history, customer)

        # 4. Small talk, a knowledge topic, or out of scope.
        kind = model.lexicon.small_talk_kind(folded)
        if kind:
            signals.append(Signal(f"small_talk.{kind}"))
            return self._small_talk(kind, language, memory, collected, signals, sentiment)
        reading = self._in_context(probabilities, folded, max(1, looks.words), previous_topic, history)
        choice = choose_topic(reading, folded, max(1, looks.words), previous_topic,
                              memory.last_kind == "unanswered", domain,
                              outside_domain_certain=domain in model.lexicon.out_of_scope_despite_travel_words,
                              mentions_travel=bool(model.lexicon.travel_words.search(folded)))
        choice = self._read_the_question(choice, None if domain else question, previous_topic, memory)
        choice = self._weigh_the_knowledge(choice, reading, folded, previous_topic, domain, language)
        if choice.kind == "small_talk":
            signals.append(Signal("small_talk.classifier", choice.evidence))
            return self._small_talk("chitchat", language, memory, collected, signals, sentiment)
        if choice.kind == "topic" and choice.topic:
            signals.append(Signal(f"topic.{choice.topic}", choice.evidence, choice.confidence))
            return self._answer(choice.topic, text, language, memory, collected, signals, sentiment, history,
                                customer, today)

        # 5. Out of scope: ask first, hand over on the second miss in a row.
        signals.append(Signal("topic.out_of_scope", choice.evidence))
        streak = memory.unanswered_streak + 1
        if streak >= 2:
            signals.append(Signal("edge_case.second_unanswered_in_a_row", f"streak {streak}"))
            return self._hand_over("edge_case", self.policy.team_for("edge_case"), text, language, memory,
                                   collected, signals, sentiment, history, customer, unanswered=True)
        return self._ask(text, language, memory, collected, signals, sentiment, history, customer,
                         customer_streak=streak)

    def _in_context(self, probabilities: dict[str, float], folded: str, words: int, previous_topic: str | None,
                    history: tuple[Turn, ...]) -> dict[str, float]:
        """A follow-up that leans on the previous message ("how much would it be for a family of four?",
        "¿y cómo me apunto?") is read together with it too: alone it names no subject, and its own
        words ("how much", "family") would pull it to an unrelated topic. Not when it is sure of a
        topic of its own ("and would you recommend travel insurance for that trip?")."""
        previous = _recent_customer_messages(history) if previous_topic else None
        if not previous or not continues_the_subject(folded, words) or max(
                (p for label, p in topic_shares(probabilities).items() if label in TOPICS),
                default=0.0) >= OWN_TOPIC_SURE:
            return probabilities
        together = self.model.classifier.probabilities(normalise(previous) + " " + folded)
        return {label: CONTEXT_WEIGHT * together.get(label, 0.0) + (1 - CONTEXT_WEIGHT) * p
                for label, p in probabilities.items()}

    def _read_the_question(self, choice: TopicChoice, question: str | None, previous_topic: str | None,
                           memory: Memory) -> TopicChoice:
        """In a message of several sentences, the question decides the topic when the whole is read as
        none: chatter around it ("the reviews are killing me haha", "my dad's a lawyer lol") blurs
        the whole message's reading but not the question's."""
        if not question or choice.kind == "topic":
            return choice
        asked = choose_topic(self.model.classifier.probabilities(question), question,
                             max(1, len(question.split())), previous_topic, memory.last_kind == "unanswered")
        if asked.kind == "topic" and asked.topic != choice.topic and asked.confidence >= QUESTION_TOPIC_MIN:
            return TopicChoice("topic", asked.topic, asked.confidence, f"{asked.evidence} (read from the question)")
        if choice.kind == "small_talk" and asked.kind != "small_talk":
            # "ok thanks. do you know if the hotel pool is heated?" is a question, not small talk; not
            # one a topic answers surely enough, so it is out of scope.
            return TopicChoice("out_of_scope", None, asked.confidence, f"{asked.evidence} (read from the question)")
        return choice

    def _weigh_the_knowledge(self, choice: TopicChoice, probabilities: dict[str, float], folded: str,
                             previous_topic: str | None, domain: str | None, language: str) -> TopicChoice:
        """Between close readings, the topic whose knowledge names what the customer asks about wins:
        "¿Puedo llevar a mi perro en la cabina?" reads as baggage about as much as pets, but only the
        pets passages know the dog. The words counted are those one reading's passages recognise and
        no other candidate's ("cabin" is both baggage and pets, "perro" only pets)."""
        if choice.kind == "small_talk" or domain:
            return choice
        shares = topic_shares(probabilities)
        if choice.kind == "topic" and shares.get(choice.topic or "", 0.0) >= KNOWLEDGE_KEEPS_A_SURE_TOPIC:
            return choice
        candidates = tuple(dict.fromkeys(
            [t for t in TOPICS if shares.get(t, 0.0) >= KNOWLEDGE_CANDIDATE_MIN]
            + ([choice.topic] if choice.topic else []) + ([previous_topic] if previous_topic else [])))
        if len(candidates) < 2 and choice.kind == "topic":
            return choice
        if choice.kind == "topic" and language not in self.kb.languages(choice.topic or ""):
            return choice  # its knowledge is not written in the customer's language yet: silence proves nothing
        evidence = self.kb.evidence(folded, candidates)
        if choice.kind == "topic" and evidence.get(choice.topic or ""):
            return choice  # its knowledge names something the others do not: the reading stands
        named = [t for t in candidates if t != choice.topic and evidence.get(t)]
        if choice.kind == "topic" and choice.topic == previous_topic:
            # A follow-up rarely names its subject again ("how much would that be for a baby?" after
            # an insurance answer): only strong evidence takes it elsewhere.
            named = [t for t in named if len(evidence[t]) >= 2]
        if choice.kind != "topic":
            # Out of scope by the numbers, but the knowledge of the best topic reading names several
            # things the customer asks about ("does my cat need a health certificate?").
            named = [t for t in named if shares.get(t, 0.0) >= KNOWLEDGE_OVERRIDES_OUT_OF_SCOPE
                     and len(evidence[t]) >= 2 and t == max(candidates, key=lambda c: shares.get(c, 0.0))]
        if not named:
            return choice
        best = max(named, key=lambda t: (len(evidence[t]), shares.get(t, 0.0)))
        return TopicChoice("topic", best, shares.get(best, 0.0),
                           f"knowledge names {', '.join(evidence[best])} (reading was {choice.kind} "
                           f"{choice.topic or ''} {choice.evidence})")

    def _unknown_words(self, text: str) -> tuple[str, ...]:
        """Words of the message nothing Llamita knows mentions: no article, no passage, no example
        sentence (a drone, a hoverboard). Names are not counted: a capitalised word inside a sentence,
        or the words after "to", "in", "para", "nach"... (places Llamita need not know)."""
        if "?" not in text:
            return ()  # not a question: nothing it asks can be uncovered
        known = self._known_words
        found = []
        after_place = False
        asked = question_part(text[:MAX_ANALYSED_CHARS]) or text[:MAX_ANALYSED_CHARS]
        for raw in _RAW_WORD.findall(asked):
            word = normalise(raw)
            if word in _PLACE_PREPOSITIONS:
                after_place = True
                continue
            name = raw[:1].isupper() and not raw.isupper()
            if (not after_place and not name and len(word) >= 5 and word.isalpha() and word not in known
                    and word[:5] not in known):
                found.append(word)
            after_place = after_place and (name or word not in known)
        found = list(dict.fromkeys(found))
        # One or two words nothing knows: the thing asked about. More: Llamita does not know the
        # customer's words at all, which says nothing about what they ask.
        return tuple(found) if len(found) <= 2 else ()

    @cached_property
    def _known_words(self) -> frozenset[str]:
        """Every word of the knowledge base, of the languages' little words and of the example messages
        (not those of the domains Llamita does not serve: "wifi" is known as a home question, not as a
        travel one), and the first five letters of each ("suitcases" is known from "suitcase")."""
        words = set(self.kb.vocabulary())
        words.update(w for function_words in FUNCTION_WORDS.values() for w in function_words.split())
        for example in load_examples():
            if example.label != OUT_OF_SCOPE:
                words.update(tokens(normalise(example.text)))
        return frozenset(words | {w[:5] for w in words if len(w) >= 5})

    # -- outcomes ------------------------------------------------------------------------------

    def _remember(self, memory: Memory, language: str, collected: dict[str, str], *, topic: str | None,
                  kind: str, streak: int, sentiment: float) -> Memory:
        # Small talk ("thanks", "ok") keeps the conversation's context: a follow-up after it still
        # continues the previous topic, and it neither breaks nor extends a run of unanswered turns.
        if kind == "small_talk":
            last_topic, last_kind = memory.last_topic, memory.last_kind or "small_talk"
        else:
            last_topic, last_kind = (topic if kind == "topic" else None), kind
        return Memory(language=language, unanswered_streak=streak, topics=memory.topics + (topic,),
                      collected=collected, last_topic=last_topic, last_kind=last_kind,
                      sentiments=memory.sentiments + (sentiment,))

    def _small_talk(self, kind: str, language: str, memory: Memory, collected: dict[str, str],
                    signals: list[Signal], sentiment: float) -> Decision:
        lang = reply_language(language)
        template = {"chitchat": "yes_no"}.get(kind, kind)
        reply = say(template, lang)
        new_memory = self._remember(memory, language, collected, topic=None, kind="small_talk",
                                    streak=memory.unanswered_streak, sentiment=sentiment)
        return Decision(Action.ANSWER, reply, language, new_memory, topic=None, signals=tuple(signals),
                        sentiment=sentiment, reply_language=None if lang == language else lang)

    def _answer(self, topic: str, text: str, language: str, memory: Memory, collected: dict[str, str],
                signals: list[Signal], sentiment: float, history: tuple[Turn, ...],
                customer: CustomerProfile | None, today: date) -> Decision:
        """The passage that answers the message, in the customer's language (bot/answers.py). What Llamita
        knows of the customer (their booking) changes the reply and the signals only: the action, topic and
        memory are what was decided without it. A frozen account asked to move money is the exception: the
        customer is told why not, and the security team gets the case, since only a person can unfreeze it."""
        answer = knowledge_answer(self.kb, topic, text, language, customer=customer,
                                  earlier_reference=memory.collected.get("booking"), today=today,
                                  unknown_words=self._unknown_words(text))
        if any(signal.name == "account.frozen" for signal in answer.signals):
            return self._hand_over("security", self.policy.team_for("security"), text, language, memory, collected,
                                   signals + list(answer.signals), sentiment, history, customer,
                                   reply_key="account_frozen")   # a person will unfreeze it
        new_memory = self._remember(memory, language, collected, topic=topic, kind="topic", streak=0,
                                    sentiment=sentiment)
        return Decision(Action.ANSWER, answer.reply, language, new_memory, topic=topic,
                        signals=tuple(signals) + answer.signals, sentiment=sentiment,
                        reply_language=None if answer.written_in == language else answer.written_in)

    def _ask(self, text: str, language: str, memory: Memory, collected: dict[str, str], signals: list[Signal],
             sentiment: float, history: tuple[Turn, ...], customer: CustomerProfile | None,
             customer_streak: int) -> Decision:
        lang = reply_language(language)
        has_booking = bool(collected.get("booking") or (customer and customer.booking))
        collect = "" if has_booking and collected.get("dates") else (
            say("collect_dates", lang) if has_booking else say("collect_booking_dates", lang))
        reply = say("ask", lang, collect=collect)
        new_memory = self._remember(memory, language, collected, topic=None, kind="unanswered",
                                    streak=customer_streak, sentiment=sentiment)
        summary = hand_over_summary(message=text, reason=None, team=None, language=language,
                                    staff_languages=self.policy.staff_languages, memory=new_memory,
                                    signals=tuple(signals), customer=customer,
                                    first_message=_first_customer_message(history), action="ask",
                                    account_frozen=False)
        return Decision(Action.ASK, reply, language, new_memory, topic=None, signals=tuple(signals),
                        sentiment=sentiment, summary=summary, reply_language=None if lang == language else lang)

    def _hand_over(self, reason: str, team: str, text: str, language: str, memory: Memory,
                   collected: dict[str, str], signals: list[Signal], sentiment: float, history: tuple[Turn, ...],
                   customer: CustomerProfile | None, unanswered: bool = False,
                   reply_key: str | None = None) -> Decision:
        assert reason in REASONS
        lang = reply_language(language)
        tools: tuple[ToolCall, ...] = ()
        frozen = False
        if reply_key:
            reply = say(reply_key, lang)
        elif reason == "security" and account_frozen(customer):
            reply = say("handover_security_already_frozen", lang)  # frozen before: nothing to freeze again
        elif reason == "security" and customer is not None and customer.account_id:
            tools = (ToolCall("freeze_account", {"account_id": customer.account_id}),)
            frozen = True
            reply = say("handover_security_frozen", lang)
        else:
            reply = say(f"handover_{reason}", lang)
        notice = staff_language_notice(language, self.policy.staff_languages, self.policy.machine_translation)
        if notice:
            reply = f"{reply} {notice}"
        streak = memory.unanswered_streak + 1 if unanswered else memory.unanswered_streak
        new_memory = self._remember(memory, language, collected, topic=None, kind="handover", streak=streak,
                                    sentiment=sentiment)
        summary = hand_over_summary(message=text, reason=reason, team=team, language=language,
                                    staff_languages=self.policy.staff_languages, memory=new_memory,
                                    signals=tuple(signals), customer=customer,
                                    first_message=_first_customer_message(history), action="handover",
                                    account_frozen=frozen)
        return Decision(Action.HANDOVER, reply, language, new_memory, topic=None, reason=reason, team=team,
                        signals=tuple(signals), tools=tools, sentiment=sentiment, summary=summary,
                        reply_language=None if lang == language else lang)


def _classifier_min(reason: str, outside_domain: str | None) -> float:
    if reason == "human_request" and outside_domain:
        return CLASSIFIER_HUMAN_REQUEST_OUTSIDE_MIN
    return CLASSIFIER_REASON_MIN[reason]


def _customer_said(history: tuple[Turn, ...]) -> list[str]:
    return [turn.text for turn in history if getattr(turn, "author", None) == "customer" and getattr(turn, "text", "")]


def _recent_customer_messages(history: tuple[Turn, ...], turns: int = 2) -> str | None:
    """The customer's last messages, oldest first: a run of follow-ups ("how much is it?", "and how
    do I sign up?") takes its subject from the message before them."""
    return " ".join(_customer_said(history)[-turns:]) or None


def _first_customer_message(history: tuple[Turn, ...]) -> str | None:
    said = _customer_said(history)
    return said[0] if said else None


def _load_knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base; a broken article must not take the whole brain down."""
    try:
        return default_knowledge_base()
    except Exception:
        log.exception("knowledge base failed to load; loading the articles that parse")
        from bot.decision import TOPICS
        from bot.kb import KNOWLEDGE_DIR, Article
        articles = {}
        for path in sorted(KNOWLEDGE_DIR.glob("*/*.md")):
            try:
                if path.stem in TOPICS:
                    articles[(path.stem, path.parent.name)] = Article.parse(
                        path.stem, path.parent.name, path.read_text(encoding="utf-8"))
            except Exception:
                log.warning("skipping knowledge article %s", path)
        return KnowledgeBase(articles)
