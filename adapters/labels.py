"""What a case card says, in words shared by every staff platform (pure functions).

Slack's Block Kit card and Teams' Adaptive Card show the same fields with the same labels; only the
markup and the escaping differ, and those stay in each platform's module.
"""
from __future__ import annotations

from datetime import datetime

from bot.language import LANGUAGE_NAMES
from bot.summary import mask_contacts, mood_words
from routing.views import CaseView, MessageView, format_wait, reminded_label
from routing.waiting import mask_email

REASONS = {
    "security": "Security", "legal": "Legal", "distress": "Customer in distress",
    "human_request": "Asked for a person", "hot_topic": "Hot topic", "edge_case": "Edge case",
}
AUTHORS = {"customer": "Customer", "bot": "Llamita", "staff": "Staff", "system": "Status", "note": "Note"}


def sentiment_label(value: float) -> str:
    """The mood now, in the same words as the hand-over summary (bot.summary.mood_words) everywhere."""
    return f"{mood_words(value)} ({value:+.1f})"


def mood_label(case: CaseView) -> str:
    """The mood at the start and now, with its trend (the summary's), else the latest score."""
    return case.handover.mood if case.handover else sentiment_label(case.sentiment)


def reason_label(case: CaseView) -> str:
    return REASONS.get(case.reason or "", (case.reason or "hand-over").replace("_", " ").capitalize())


def language_label(case: CaseView, staff_languages: tuple[str, ...]) -> str:
    if not case.language:
        return "unknown"
    if case.translating:
        chosen = ", the customer's choice" if case.language_choice == "translate" else ""
        return f"{case.language}, machine translation both ways{chosen} (staff: {', '.join(staff_languages)})"
    if case.needs_translation and case.language_choice:
        return f"{case.language}, the customer chose to continue in {case.language_choice}"
    if case.needs_translation:
        return f"{case.language}, needs translation (staff: {', '.join(staff_languages)})"
    return case.language


def author_label(message: MessageView, case: CaseView) -> str:
    """Who wrote a message, as a card or a thread shows it."""
    if message.author == "customer":
        return message.name or case.customer.name or "Customer"
    if message.author == "note":
        return f"Internal note by {message.name or 'staff'}"
    if message.author == "staff":
        return f"{message.name or 'Staff'} (to the customer)"
    return message.name or AUTHORS.get(message.author, message.author)


def customer_label(case: CaseView) -> str:
    who = case.customer.name or "Anonymous visitor"
    return who + " (signed in)" if case.customer.verified else who


def summary_text(case: CaseView) -> str:
    return case.summary.strip() or (case.topic or "").replace("_", " ") or "no summary yet"


def details(case: CaseView) -> list[str]:
    """The signals behind the hand-over and what Llamita already did (e.g. froze an account)."""
    lines = []
    if case.signals:
        lines.append("Signals: " + ", ".join(case.signals))
    for action in case.actions:
        done = "done" if action.get("done") else f"not done ({action.get('why', 'unknown')})"
        who = f"{action['by']}'s" if action.get("by") else "Llamita's"
        lines.append(f"{who} action: {action.get('action', '?')} {done}")
    return lines


def summary_fields(case: CaseView) -> list[tuple[str, str]]:
    """The hand-over summary as (label, text) rows, e-mail addresses and phone numbers partly masked;
    a case without one (never handed over) shows what it has."""
    if case.handover is None:
        return [("Summary", summary_text(case))]
    return [(label, mask_contacts(text)) for label, text in case.handover.fields()]


def card_message_text(message: MessageView) -> str:
    """A message as a card quotes it: in the staff's language where translated, contacts partly masked."""
    if message.author == "customer" and message.translation_state == "done" and message.translation:
        return mask_contacts(message.translation)
    return mask_contacts(message.text)


def relayed(message: MessageView) -> tuple[str, str | None, str | None]:
    """A message relayed into a thread: (what staff read first, the original one click away, a note).

    A customer's words machine-translated: the translation first, the original behind it. A translation
    that failed: the words as written, and a note that the translation follows when it works. A staff
    reply translated for the customer: what was written, and what the customer got.
    """
    language = LANGUAGE_NAMES.get(message.translation_language or "", message.translation_language or "")
    state = message.translation_state or ("done" if message.translation else None)
    if message.author == "customer":
        if state == "done" and message.translation:
            return message.translation, message.text, None
        if state == "failed":
            return (message.text, None,
                    "⚠ Translation failed: shown as written; the translation follows here when it works.")
        return message.text, None, None
    if message.author == "staff":
        if state == "done" and message.translation:
            return message.text, None, f"Sent to the customer in {language}: {message.translation}"
        if state == "failed":
            return message.text, None, "⚠ Translation failed: the customer got it as written; trying again."
    return message.text, None, None


def late_translation(message: MessageView, case: CaseView) -> str:
    """The thread line for a translation that came after its message (it had failed at first)."""
    return f"Translation of {author_label(message, case)}'s message (it had failed): {message.translation or ''}"
def waiting_label(case: CaseView, now: datetime | None = None) -> str:
    """How long an unclaimed case has waited this time, and how often the team was reminded:
    "waiting 7 min · reminded twice" (the scheduler edits the card in place as this grows)."""
    label = f"waiting {format_wait(case.waiting_for_claim_seconds(now))}"
    reminded = reminded_label(case.reminders_sent)
    return f"{label} · {reminded}" if reminded else label


def follow_up_label(case: CaseView) -> str | None:
    """The e-mail address the customer left for a follow-up, masked as staff channels show personal data."""
    return f"Follow-up e-mail: {mask_email(case.follow_up_email)}" if case.follow_up_email else None


def abandoned_label(case: CaseView) -> str:
    return "the customer left the chat" if case.handed_over_at else "closed without a person"
