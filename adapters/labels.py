"""What a case card says, in words shared by every staff platform (pure functions).

Slack's Block Kit card and Teams' Adaptive Card show the same fields with the same labels; only the
markup and the escaping differ, and those stay in each platform's module.
"""
from __future__ import annotations

from datetime import datetime

from routing.views import CaseView, MessageView, format_wait, reminded_label
from routing.waiting import mask_email

REASONS = {
    "security": "Security", "legal": "Legal", "distress": "Customer in distress",
    "human_request": "Asked for a person", "hot_topic": "Hot topic", "edge_case": "Edge case",
}
AUTHORS = {"customer": "Customer", "bot": "Llamita", "staff": "Staff", "system": "Status", "note": "Note"}


def sentiment_label(value: float) -> str:
    if value <= -0.6:
        mood = "very negative"
    elif value <= -0.2:
        mood = "negative"
    elif value < 0.2:
        mood = "neutral"
    else:
        mood = "positive"
    return f"{mood} ({value:+.1f})"


def reason_label(case: CaseView) -> str:
    return REASONS.get(case.reason or "", (case.reason or "hand-over").replace("_", " ").capitalize())


def language_label(case: CaseView, staff_languages: tuple[str, ...]) -> str:
    if not case.language:
        return "unknown"
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
        lines.append(f"Llamita's action: {action.get('action', '?')} {done}")
    return lines


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
