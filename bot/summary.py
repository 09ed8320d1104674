"""The paragraph prepared for the person who takes over: what they need to jump in and solve it.

Written in English (a staff language everywhere in the demo), one short paragraph: who the customer
is, what they want in their own words (quoted, shortened), why Llamita handed over and to whom,
what was already tried, details collected, how the customer feels and the language to answer in.
"""
from __future__ import annotations

from bot.decision import BookingFacts, CustomerProfile, Memory, Signal
from bot.language import LANGUAGE_NAMES

_QUOTE_CHARS = 160
_BOOKINGS_LISTED = 3


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS - 1].rstrip() + "…"


def feeling(score: float) -> str:
    if score <= -0.5:
        return "very upset"
    if score < -0.1:
        return "unhappy"
    if score >= 0.4:
        return "positive"
    return "calm"


def hand_over_summary(*, message: str, reason: str | None, team: str | None, language: str,
                      staff_languages: tuple[str, ...], memory: Memory, signals: tuple[Signal, ...],
                      customer: CustomerProfile | None, first_message: str | None, action: str,
                      account_frozen: bool) -> str:
    parts = []
    who = "The customer"
    if customer and customer.name:
        who = customer.name
    profile = []
    if customer and customer.tier:
        profile.append(f"{customer.tier} tier")
    if customer and customer.booking:
        profile.append(f"booking {customer.booking}")
    if customer and customer.verified:
        profile.append("verified identity")
    who_line = who + (f" ({', '.join(profile)})" if profile else "")
    lang_name = LANGUAGE_NAMES.get(language, language)
    staff = language in staff_languages
    parts.append(f"{who_line} writes in {lang_name}"
                 + ("" if staff else " (not a staff language: offered our staff languages or machine translation)")
                 + ".")
    if action == "handover":
        why = ", ".join(f"{s.name}" + (f" ('{s.evidence}')" if s.evidence else "")
                        for s in signals if s.name.split(".")[0] in ("security", "legal", "distress",
                                                                     "human_request", "hot_topic",
                                                                     "edge_case", "classifier"))
        parts.append(f"Handed over for {reason} to {team}" + (f": {why}." if why else "."))
    else:
        parts.append("Llamita could not answer and asked for details.")
    parts.append(f'Latest message: "{_quote(message)}".')
    if first_message and first_message.strip() and first_message.strip() != message.strip():
        parts.append(f'First message: "{_quote(first_message)}".')
    tried = [t for t in memory.topics if t]
    if tried:
        parts.append("Already answered from: " + ", ".join(dict.fromkeys(tried)) + ".")
    unanswered = sum(1 for t in memory.topics if t is None)
    if memory.unanswered_streak:
        parts.append(f"{memory.unanswered_streak} question(s) in a row Llamita could not answer.")
    elif unanswered and action == "handover" and reason == "edge_case":
        parts.append(f"{unanswered} unanswered question(s).")
    bookings = _bookings_on_file(customer, memory.collected.get("booking"))
    if bookings:
        parts.append(bookings)
    if memory.collected:
        parts.append("Details: " + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in memory.collected.items()) + ".")
    if memory.sentiments:
        now = memory.sentiments[-1]
        trend = ""
        if len(memory.sentiments) > 1 and memory.sentiments[0] - now >= 0.3:
            trend = ", getting worse"
        elif len(memory.sentiments) > 1 and now - memory.sentiments[0] >= 0.3:
            trend = ", improving"
        parts.append(f"Mood: {feeling(now)} ({now:+.1f}{trend}) after {len(memory.sentiments)} message(s).")
    if account_frozen:
        parts.append("Llamita froze the customer's account; confirm with the customer before unfreezing.")
    elif customer is not None and customer.verified and customer.account_frozen:
        parts.append("The customer's account is frozen (from an earlier hand-over): no bookings or payments "
                     "until someone unfreezes it; confirm who they are first.")
    elif reason == "security":
        parts.append("No account id known: secure the account after confirming identity.")
    return " ".join(parts)


def _bookings_on_file(customer: CustomerProfile | None, mentioned: str | None) -> str:
    """The verified customer's bookings (at most three), and whether a reference they gave is not theirs."""
    if customer is None or not customer.verified or not customer.bookings:
        return ""
    listed = "; ".join(_booking_words(booking) for booking in customer.bookings[:_BOOKINGS_LISTED])
    more = len(customer.bookings) - _BOOKINGS_LISTED
    part = f"Bookings on file: {listed}" + (f"; and {more} more." if more > 0 else ".")
    if mentioned and mentioned not in {booking.reference for booking in customer.bookings}:
        part += f" The customer mentioned {mentioned}, which is not one of their bookings."
    return part


def _booking_words(booking: BookingFacts) -> str:
    departs = f", departs {booking.departure}" if booking.departure else ""
    return f"{booking.reference} {booking.summary}{departs}, {booking.status}"


# ---------------------------------------------------------------------------------------------------
# The hand-over card: one structure every staff channel renders (desk, Slack, Teams), written for people.
# Built from stored facts at the moment a card is shown, so a transfer, a claim or a new message is on
# it the next time it is drawn. The technical signals stay in Case.signals for trainers.

import re as _re  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402

from bot.details import booking_references as _booking_references  # noqa: E402
from bot.details import extract as _extract  # noqa: E402
from bot.language_choice import choice_label as _choice_label  # noqa: E402
from bot.replies import TOPIC_NAMES as _TOPIC_NAMES  # noqa: E402

_SUBJECTS = {
    "security.card_lost_or_stolen": "a lost or stolen payment card",
    "security.phone_lost_or_stolen": "a lost or stolen phone",
    "security.unknown_charges": "card charges they don't recognise",
    "security.someone_else_using": "someone else using their card or account",
    "security.account_takeover": "their account being taken over",
    "security.phishing": "a suspicious message asking for their details",
    "security.balance_drained": "money taken from their account",
    "security.contact_details_changed": "contact details changed without them",
    "security.impersonation": "someone pretending to be Llama Travel",
    "security.booking_never_made": "a booking they never made",
    "security.account_changed_not_by_me": "changes to their account they didn't make",
    "security.unknown_device": "a sign-in from a device they don't know",
    "security.someone_elses_data": "seeing someone else's personal data",
    "security.data_breach": "a possible leak of their data",
    "security.freeze_request": "having their account frozen",
    "security.fraud_report": "fraud",
    "legal.lawyer_involved": "a dispute their lawyer is involved in",
    "legal.lawsuit": "legal action",
    "legal.regulator_complaint": "a complaint to a regulator",
    "legal.passenger_rights_law": "their rights under passenger law",
    "legal.compensation_claim": "a compensation claim",
    "legal.passenger_compensation": "compensation for a disrupted flight",
    "legal.data_protection_request": "a request about their personal data",
    "distress.shouting": "wrote in capitals",
    "distress.profanity": "swore",
    "distress.despair": "sounds desperate",
    "distress.hopelessness": "sounds hopeless",
    "distress.fear_or_danger": "is afraid or in danger",
    "distress.danger": "may be in danger",
    "distress.crying": "is crying",
    "distress.grief_or_emergency": "faces a bereavement or an emergency",
    "distress.stranded": "is stranded",
    "distress.stranded_without_means": "is stranded without money or documents",
    "distress.rage": "is furious",
    "distress.threat": "made a threat",
    "distress.insult": "insulted Llamita",
    "distress.unwell_inside": "feels unwell",
    "distress.unsafe_driver": "feels unsafe with a driver",
}
_REASON_TOPIC = {"security": "account security", "legal": "a legal claim", "distress": "a customer in distress",
                 "human_request": "a request for a person", "edge_case": "a question Llamita could not answer"}
_QUOTE_WANTS = 180
_EMAIL = _re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_PHONE = _re.compile(r"(?<![\w-])(\+?\d[\d ()./-]{6,}\d)(?![\w-])")
_AMOUNT = _re.compile(r"(?:(?:€|\$|£|R\$|US\$)\s?\d[\d.,]*\d|(?:€|\$|£)\s?\d|\b\d[\d.,]*\s?(?:€|\$|£|"
                      r"(?:eur|euros?|usd|dollars?|d[oó]lares|reais|brl|gbp)\b))", _re.IGNORECASE)
_FLIGHT = _re.compile(r"\b([A-Z]{2}|[A-Z]\d|\d[A-Z])\s?(\d{2,4})\b")
_NOT_FLIGHT = {"LT", "EU", "US", "UK", "OK", "MY", "TO", "IN", "ON", "AT", "NO", "SO", "IS", "IT", "AM", "PM",
               "CE", "EC", "DE", "ES", "EN", "PT", "FR", "NL"}


def mask_email(address: str) -> str:
    """c•••@example.com: enough to recognise it, not enough to use it."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}•••@{m.group(2)}", address)


def mask_phone(number: str) -> str:
    digits = [c for c in number if c.isdigit()]
    if len(digits) < 7:
        return number
    head = "+" if number.strip().startswith("+") else ""
    return f"{head}{''.join(digits[:2])}•••••{''.join(digits[-2:])}"


def mask_contacts(text: str) -> str:
    """E-mail addresses and phone numbers partly masked, for what a card shows."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}•••@{m.group(2)}", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)) if sum(c.isdigit() for c in m.group(1)) >= 7
                      and not _looks_like_date(m.group(1)) else m.group(1), text)


def _looks_like_date(text: str) -> bool:
    return bool(_re.fullmatch(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", text.strip()))


def mood_words(score: float) -> str:
    """The one wording of a sentiment score, everywhere it is shown."""
    return feeling(score)


@_dataclass(frozen=True)
class Mood:
    start: float
    now: float
    messages: int

    @property
    def trend(self) -> str:
        if self.messages < 2 or abs(self.now - self.start) < 0.3:
            return "steady"
        return "getting worse" if self.now < self.start else "improving"

    def words(self) -> str:
        if self.messages < 2:
            return f"{mood_words(self.now)} ({self.now:+.1f})"
        return (f"{mood_words(self.start)} at the start, {mood_words(self.now)} now ({self.start:+.1f} → "
                f"{self.now:+.1f}, {self.trend})")


@_dataclass(frozen=True)
class HandOverFacts:
    """What routing knows of a case, as plain values (routing/views.py gathers them)."""
    reason: str | None
    state: str
    team_name: str | None
    claimed_by_name: str | None
    language: str | None
    language_choice: str | None
    staff_languages: tuple[str, ...]
    translating: bool
    translator_available: bool
    signals: tuple[str, ...]
    actions: tuple[dict, ...]
    memory: Memory
    customer_messages: tuple[tuple[str, str | None], ...]    # (as written, translation), oldest first
    bot_replies: int
    earlier_conversations: int = 0
    earlier_cases: int = 0
    customer: CustomerProfile | None = None
    transferred_from: tuple[str, ...] = ()                    # team names, oldest first
    hot_topic: str | None = None                              # its description, for hot-topic hand-overs


@_dataclass(frozen=True)
class HandOver:
    """The card's summary: what a person needs to jump in and solve it, at a glance."""
    wants: str                          # one or two sentences, in the staff's language
    why: str                            # why Llamita handed over, in words
    status: str                         # where it stands now (kept current)
    language: str
    attempts: str
    topics: tuple[str, ...]
    profile: str | None                 # only for a verified customer
    mood: str
    mood_now: str                       # the mood's one word now (the same everywhere)
    facts: tuple[tuple[str, str], ...]  # (what, value), contacts partly masked
    done: tuple[str, ...]
    next_step: str

    def fields(self) -> list[tuple[str, str]]:
        """Every field as (label, text), in the order a card shows them."""
        rows = [("Wants", self.wants), ("Why a person", self.why), ("Status", self.status),
                ("Language", self.language), ("Attempts", self.attempts)]
        if self.topics:
            rows.append(("Topics", ", ".join(self.topics)))
        rows.append(("Customer", self.profile or "not signed in (identity not verified)"))
        rows.append(("Mood", self.mood))
        if self.facts:
            rows.append(("Facts", "; ".join(f"{what} {value}" for what, value in self.facts)))
        if self.done:
            rows.append(("Llamita did", "; ".join(self.done)))
        rows.append(("Next step", self.next_step))
        return rows

    def to_json(self) -> dict:
        return {"wants": self.wants, "why": self.why, "status": self.status, "language": self.language,
                "attempts": self.attempts, "topics": list(self.topics), "profile": self.profile,
                "mood": self.mood, "mood_now": self.mood_now, "facts": [list(f) for f in self.facts],
                "done": list(self.done), "next_step": self.next_step, "fields": [list(f) for f in self.fields()]}


def hand_over(facts: HandOverFacts) -> HandOver:
    subject_signals = [s for s in facts.signals if s in _SUBJECTS and s.split(".")[0] == (facts.reason or "")]
    subjects = list(dict.fromkeys(_SUBJECTS[s] for s in subject_signals))
    answered = [t for t in facts.memory.topics if t]
    topic_names = [_TOPIC_NAMES.get(t, t.replace("_", " ")) for t in dict.fromkeys(answered)]
    mood = Mood(facts.memory.sentiments[0] if facts.memory.sentiments else 0.0,
                facts.memory.sentiments[-1] if facts.memory.sentiments else 0.0, len(facts.memory.sentiments))
    return HandOver(
        wants=_wants(facts, subjects, topic_names),
        why=_why(facts, subjects, answered),
        status=_status(facts),
        language=_language(facts),
        attempts=_attempts(facts),
        topics=tuple(dict.fromkeys(_reason_topics(facts, subject_signals) + topic_names)),
        profile=_profile(facts),
        mood=mood.words(),
        mood_now=mood_words(mood.now),
        facts=_facts(facts),
        done=_done(facts, topic_names),
        next_step=_next_step(facts),
    )


def _said(facts: HandOverFacts) -> list[str]:
    """The customer's messages in the staff's language where a translation exists."""
    return [translation or text for text, translation in facts.customer_messages]


def _wants(facts: HandOverFacts, subjects: list[str], topics: list[str]) -> str:
    reason = facts.reason
    if reason == "security":
        first = f"Reports {_joined(subjects) or 'a security problem with their account or card'}"
    elif reason == "legal":
        first = f"Raises {_joined(subjects) or 'a legal matter'}"
    elif reason == "distress":
        first = f"Needs a person: the customer {_joined(subjects) or 'is upset'}"
    elif reason == "hot_topic":
        first = f"Asks about {facts.hot_topic or 'a topic the team handles by hand'}"
    elif reason == "human_request":
        first = "Wants to talk to a person" + (f" about {_joined(topics)}" if topics else "")
    elif reason == "edge_case":
        first = "Asks something Llamita's knowledge does not cover"
    else:
        first = "Needs a person"
    said = _said(facts)
    handed_over_at = len(facts.memory.sentiments) - 1     # Llamita read one message a turn until it handed over
    if reason in ("security", "legal", "distress", "hot_topic") and 0 <= handed_over_at < len(said):
        quoted = said[handed_over_at]          # the message that brought the hand-over
    else:
        quoted = next((text for text in said if len(text.split()) >= 3), said[0] if said else "")
    quote = f" In their words: “{_quote_to(quoted, _QUOTE_WANTS)}”" if quoted else ""
    return mask_contacts(f"{first}.{quote}")


def _why(facts: HandOverFacts, subjects: list[str], answered: list[str | None]) -> str:
    reason = facts.reason
    if "system.brain_error" in facts.signals:
        return "Llamita had a technical problem with a message and passed the conversation on."
    if reason == "security":
        return "A possible security problem (" + (_joined(subjects) or "account or card") + \
            "): a person must confirm who the customer is and secure the account."
    if reason == "legal":
        return "A legal matter (" + (_joined(subjects) or "a claim") + "): Llamita gives no legal answers."
    if reason == "distress":
        return "The customer " + (_joined(subjects) or "is upset") + ": this needs a person's empathy."
    if reason == "human_request":
        helped = len(answered)
        if helped:
            return (f"Asked for a person after {_count(helped, 'answer')} from Llamita that didn't settle it.")
        return "Asked for a person straight away."
    if reason == "hot_topic":
        return "The team handles this topic by hand for now."
    if reason == "edge_case":
        streak = max(2, facts.memory.unanswered_streak)
        return f"Llamita couldn't answer {_count(streak, 'question')} in a row."
    return "Llamita could not go on alone."


def _status(facts: HandOverFacts) -> str:
    team = facts.team_name or "the team"
    moved = f" (transferred from {', then '.join(facts.transferred_from)})" if facts.transferred_from else ""
    if facts.state == "waiting":
        return f"Waiting for a person in {team}{moved}"
    if facts.state == "claimed":
        return f"{facts.claimed_by_name or 'Someone'} in {team} has it{moved}"
    if facts.state == "resolved":
        return f"Resolved by {facts.claimed_by_name or team}"
    if facts.state == "abandoned":
        return "Closed without a person"
    return f"With Llamita ({team})"


def _language(facts: HandOverFacts) -> str:
    name = LANGUAGE_NAMES.get(facts.language or "", facts.language or "unknown")
    if not facts.language or facts.language in facts.staff_languages:
        return name
    if facts.translating:
        chosen = " (the customer chose it)" if facts.language_choice == "translate" else ""
        return f"{name}, not a staff language: machine translation both ways{chosen}"
    if facts.language_choice:
        return f"{name}, not a staff language: the customer {_choice_label(facts.language_choice, facts.language)}"
    if not facts.translator_available:
        return f"{name}, not a staff language; no machine translation configured: offered our staff languages"
    return f"{name}, not a staff language"


def _attempts(facts: HandOverFacts) -> str:
    sent = len(facts.customer_messages)
    parts = [_count(sent, "message")]
    rephrased = max(0, facts.memory.unanswered_streak - 1) + sum(
        1 for a, b in zip(facts.memory.topics, facts.memory.topics[1:], strict=False) if a and a == b)
    if rephrased:
        parts.append(f"rephrased {_count(rephrased, 'time')}")
    if facts.earlier_conversations or facts.earlier_cases:
        parts.append(f"{_count(facts.earlier_conversations, 'earlier conversation')}, "
                     f"{_count(facts.earlier_cases, 'earlier case')}")
    else:
        parts.append("first contact")
    return "; ".join(parts)


def _reason_topics(facts: HandOverFacts, subject_signals: list[str]) -> list[str]:
    if facts.reason == "hot_topic" and facts.hot_topic:
        return [facts.hot_topic]
    if facts.reason in ("security", "legal") and subject_signals:
        return [_SUBJECTS[subject_signals[0]]]
    return [_REASON_TOPIC[facts.reason]] if facts.reason in ("security", "legal") else []


def _profile(facts: HandOverFacts) -> str | None:
    customer = facts.customer
    if customer is None or not customer.verified:
        return None
    parts = [customer.name or "Signed-in customer", f"{customer.tier or 'standard'} tier"]
    if customer.bookings:
        listed = "; ".join(_booking_words(b) for b in customer.bookings[:_BOOKINGS_LISTED])
        more = len(customer.bookings) - _BOOKINGS_LISTED
        parts.append(f"{_count(len(customer.bookings), 'booking')}: {listed}" + (f"; and {more} more" if more > 0
                                                                                  else ""))
    else:
        parts.append("no bookings")
    parts.append(_count(facts.earlier_cases, "past case") if facts.earlier_cases else "no past cases")
    if customer.account_frozen:
        parts.append("account frozen")
    return " · ".join(parts)


def _facts(facts: HandOverFacts) -> tuple[tuple[str, str], ...]:
    found: dict[str, list[str]] = {}

    def add(what: str, value: str) -> None:
        values = found.setdefault(what, [])
        if value and value not in values:
            values.append(value)

    for text, _translation in facts.customer_messages:
        for reference in _booking_references(text):
            add("booking", reference)
        for match in _FLIGHT.finditer(text):
            if match.group(1) not in _NOT_FLIGHT and match.group(1).isupper():
                add("flight", f"{match.group(1)}{match.group(2)}")
        details = _extract(text)
        if details.get("dates"):
            for date_ in details["dates"].split(", "):
                add("date", date_)
        if details.get("reference"):
            add("reference", details["reference"])
        if details.get("card_ending"):
            add("card ending", details["card_ending"])
        for amount in _AMOUNT.findall(text):
            add("amount", amount.strip())
        for match in _EMAIL.finditer(text):
            add("e-mail", mask_email(match.group(0)))
        for match in _PHONE.finditer(text):
            number = match.group(1)
            if sum(c.isdigit() for c in number) >= 7 and not _looks_like_date(number) \
                    and not any(number in ref for ref in found.get("reference", [])):
                add("phone", mask_phone(number))
    return tuple((what, ", ".join(values)) for what, values in found.items() if values)


def _done(facts: HandOverFacts, topic_names: list[str]) -> tuple[str, ...]:
    done = []
    answered = sum(1 for t in facts.memory.topics if t)
    if answered:
        done.append(f"answered {_count(answered, 'question')}" + (f" ({', '.join(topic_names)})" if topic_names
                                                                  else ""))
    elif facts.bot_replies:
        done.append("answered nothing from its knowledge")
    for action in facts.actions:
        name, who = action.get("action"), action.get("by") or "Llamita"
        prefix = "" if who == "Llamita" else f"{who} "
        if name == "freeze_account":
            done.append(f"{prefix}froze account {action.get('account')} (no bookings or payments until unfrozen)"
                        if action.get("done") else f"could not freeze the account ({action.get('why', 'unknown')})")
        elif name == "unfreeze_account":
            done.append(f"{who} unfroze account {action.get('account')}")
        else:
            done.append(f"{prefix}{str(name).replace('_', ' ')}" + ("" if action.get("done") else " (not done)"))
    if facts.language and facts.language not in facts.staff_languages:
        done.append("told the customer which languages the team speaks"
                    + (" and offered machine translation" if facts.translator_available else ""))
    return tuple(done)


def _next_step(facts: HandOverFacts) -> str:
    frozen = any(a.get("action") == "freeze_account" and a.get("done") for a in facts.actions)
    thawed = any(a.get("action") == "unfreeze_account" for a in facts.actions)
    reason = facts.reason
    if reason == "security" and frozen and not thawed:
        step = ("Confirm who the customer is, go through what happened with them, then unfreeze the account "
                "(Unfreeze) once it is safe.")
    elif reason == "security":
        step = ("Confirm who the customer is, secure the account (freeze it if needed) and ask them to block "
                "the card with their bank.")
    elif reason == "legal":
        step = "Acknowledge the claim, explain the formal process, and make no legal statements in the chat."
    elif reason == "distress":
        step = "Reply personally and soon: acknowledge how they feel, then solve the practical problem."
    elif reason == "hot_topic":
        step = "Give the latest on this topic and rebook or advise as the team's current guidance says."
    elif reason == "edge_case":
        step = "Answer the question Llamita could not, and tell the trainers if the knowledge should cover it."
    else:
        step = "Greet them, say you have read the conversation, and pick up from their question."
    if facts.translating:
        step += f" Write in {LANGUAGE_NAMES.get(facts.staff_languages[0], 'English')}: your replies are " \
                f"translated into {LANGUAGE_NAMES.get(facts.language or '', facts.language)}."
    elif facts.language_choice and facts.language_choice != "translate":
        step += f" Reply in {LANGUAGE_NAMES.get(facts.language_choice, facts.language_choice)}, as they chose."
    return step


def _quote_to(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else (", ".join(items[:-1]) + " and " + items[-1] if items else "")


def _count(n: int, noun: str) -> str:
    words = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    return f"{words.get(n, str(n))} {noun}{'' if n == 1 else 's'}"
