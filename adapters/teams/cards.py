"""Adaptive Cards for Teams: the case card and the messages relayed into its reply chain (pure functions).

The same fields and summary as the Slack card (adapters/labels.py). Everything that came from outside
(the customer's words and name, the booking, the summary Llamita wrote from them, staff names) goes
through `text.literal`/`text.fit`, because TextBlocks and FactSet values are markdown. Our own words
use markdown for bold and Teams' {{TIME()}} so every viewer sees their own time zone.

Buttons are Action.Execute (Universal Actions): Teams sends an `adaptiveCard/action` invoke and shows
the card Llamita answers with. The card's `refresh` (verb "refresh") lets Teams fetch the current state
when someone opens it, which also retires duplicates (see docs/teams.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from adapters.labels import (
    abandoned_label,
    author_label,
    card_message_text,
    customer_label,
    details,
    language_label,
    late_translation,
    mood_label,
    reason_label,
    relayed,
    summary_fields,
    waiting_label,
)
from adapters.labels import follow_up_label as _follow_up_label
from adapters.teams.text import fit, literal, notification
from routing.views import CaseView, MessageView, format_wait

CLAIM, TAKE_OVER, RESOLVE, TRANSFER, REFRESH = "claim", "take_over", "resolve", "transfer", "refresh"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"                 # Action.Execute needs 1.4
CARD_MESSAGE_CHARS = 500        # each of the last messages on the card
MESSAGE_CHARS = 4000            # a relayed message (Llamita's own limit for a message)
FIELD_CHARS = 300


@dataclass(frozen=True)
class Team:
    id: str
    name: str


def teams_time(moment: datetime | None) -> str:
    """A time Teams shows in each viewer's own time zone."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return "{{TIME(" + moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") + ")}}"


def _text(text: str, **style) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def status_line(case: CaseView, *, moved_away: bool) -> str:
    """One line of our own markdown saying where the case stands (names escaped)."""
    team = fit(case.team_name or "another team", FIELD_CHARS)
    if moved_away:
        return f"➡️ **Transferred to {team}**: the case continues in that team's channel."
    if case.state == "waiting":
        return (f"⏳ **Waiting for a person** since {teams_time(case.waiting_since or case.handed_over_at)} · "
                f"{waiting_label(case)}")
    if case.state == "claimed":
        who = fit(case.claimed_by_name or "someone", FIELD_CHARS)
        return (f"🙋 **Claimed by {who}**, {teams_time(case.claimed_at)} "
                f"(waited {format_wait(case.waited_seconds)})")
    if case.state == "resolved":
        by = f" (handled by {fit(case.claimed_by_name, FIELD_CHARS)})" if case.claimed_by_name else ""
        return f"✅ **Resolved**, {teams_time(case.closed_at)}{by}"
    if case.state == "abandoned":
        return f"💤 **Abandoned: {abandoned_label(case)}**, {teams_time(case.closed_at)}"
    return f"**{literal(case.state)}**"


def title(case: CaseView) -> str:
    return f"Case #{case.id} · {reason_label(case)} · {case.team_name or 'Support'}"


def case_card(case: CaseView, teams: list[Team], staff_languages: tuple[str, ...], *,
              moved_away: bool = False) -> dict:
    """The case card. `moved_away`: this card is in a channel the case has since been transferred out
    of (it shows where the case went, without actions)."""
    body: list[dict] = [
        _text(fit(title(case), FIELD_CHARS), size="Medium", weight="Bolder"),
        _text(status_line(case, moved_away=moved_away)),
        *summary_body(case),
        {"type": "FactSet", "facts": [
            {"title": "Customer", "value": fit(customer_label(case), FIELD_CHARS)},
            {"title": "Tier", "value": fit(case.customer.tier or "unknown", FIELD_CHARS)},
            {"title": "Booking", "value": fit(case.customer.booking or "none linked", FIELD_CHARS)},
            {"title": "Language", "value": fit(language_label(case, staff_languages), FIELD_CHARS)},
            {"title": "Mood", "value": fit(mood_label(case), FIELD_CHARS)},
            {"title": "Waited", "value": format_wait(case.waited_seconds)},
        ]},
    ]
    if follow_up := _follow_up_label(case):
        body[-1]["facts"].append({"title": "Follow-up e-mail", "value": fit(follow_up.split(": ", 1)[1], FIELD_CHARS)})
    if lines := details(case):
        body.append(_text(fit(" · ".join(lines), 2000), isSubtle=True, size="Small"))
    recent = [m for m in case.recent if m.author in ("customer", "bot", "staff")]
    if recent:
        body.append(_text("**Last messages**", separator=True, spacing="Medium"))
        for message in recent:
            body.append(_text(f"**{fit(author_label(message, case), FIELD_CHARS)}:** "
                              f"{fit(card_message_text(message), CARD_MESSAGE_CHARS)}", spacing="Small"))
    open_here = case.state in ("waiting", "claimed") and not moved_away
    footer = f"Case {case.id}"
    if case.state == "waiting" and not moved_away:
        footer += " · Claim it, then reply under this card: your replies go to the customer."
    elif case.state == "claimed" and not moved_away:
        footer += (" · Replies under this card from the person who claimed it go to the customer; anyone "
                   "else's stay internal notes.")
    body.append(_text(footer, isSubtle=True, size="Small", separator=True))
    return _card(case, body, _actions(case, teams) if open_here else [])


def duplicate_card(case: CaseView) -> dict:
    """A second copy of a case's card (posted again because Teams did not confirm the first one): it says
    so and has no actions, so everything happens on the one card Llamita keeps the case under."""
    body = [
        _text(fit(title(case), FIELD_CHARS), size="Medium", weight="Bolder"),
        _text(f"This is a duplicate of case #{case.id}'s card, posted again because Teams did not confirm "
              "the first post. The case continues under its other card in this channel; replies here are "
              "not relayed."),
    ]
    return _card(case, body, [])


def _card(case: CaseView, body: list[dict], actions: list[dict]) -> dict:
    card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
            "refresh": {"action": {"type": "Action.Execute", "verb": REFRESH, "data": {"case": case.id}}},
            "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _execute(title_: str, verb: str, case: CaseView, **extra) -> dict:
    return {"type": "Action.Execute", "title": title_, "verb": verb, "data": {"case": case.id}, **extra}


def _confirm(title_: str, question: str, action: dict) -> dict:
    """Adaptive Cards have no confirm dialog: a second step the person opens, then confirms."""
    return {"type": "Action.ShowCard", "title": title_,
            "card": {"type": "AdaptiveCard", "body": [_text(question)], "actions": [action]}}


def _actions(case: CaseView, teams: list[Team]) -> list[dict]:
    actions: list[dict] = []
    if case.state == "waiting":
        actions.append(_execute("Claim", CLAIM, case, style="positive"))
    else:
        actions.append(_confirm("Take over…", "You become the person talking to the customer; the current "
                                "holder's messages become internal notes.", _execute("Take over", TAKE_OVER, case)))
    others = [team for team in teams if team.id != case.team]
    if others:
        choices = [{"title": fit(team.name, FIELD_CHARS), "value": team.id} for team in others[:100]]
        actions.append({"type": "Action.ShowCard", "title": "Transfer to…", "card": {
            "type": "AdaptiveCard",
            "body": [{"type": "Input.ChoiceSet", "id": "team", "label": "Team", "isRequired": True,
                      "errorMessage": "Choose a team", "choices": choices, "value": others[0].id}],
            "actions": [_execute("Transfer", TRANSFER, case)]}})
    actions.append(_confirm("Resolve…", "The customer is told the conversation is resolved.",
                            _execute(f"Resolve case #{case.id}", RESOLVE, case)))
    return actions


def card_summary(case: CaseView, *, moved_away: bool = False) -> str:
    state = "moved" if moved_away else case.state
    return notification(f"Case #{case.id} for {case.team_name or 'Support'}: {reason_label(case)} ({state})")


def thread_message(message: MessageView, case: CaseView, attachment: dict | None = None) -> tuple[str, dict]:
    """A message relayed into the case's reply chain: (notification summary, card). A machine-translated
    customer message shows the translation; "Show original" reveals what they wrote. `attachment`: a photo
    or document it carries, as a signed link (adapters/attachments/links.py), opened with a button."""
    label = author_label(message, case)
    if message.author == "customer":
        label = f"{label} (customer)"
    first, original, note = relayed(message)
    body = [_text(f"**{fit(label, FIELD_CHARS)}**", isSubtle=True, size="Small"),
            _text(fit(first, MESSAGE_CHARS) or " ", spacing="None")]
    actions = original_toggle(body, original, note)
    card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if attachment is not None:
        what = "photo" if attachment["kind"] == "image" else "document"
        body.append(_text(f"Teams does not let a bot post files in a channel, so the {what} is a link "
                          "(it works for 7 days).", isSubtle=True, size="Small"))
        actions = [{"type": "Action.OpenUrl", "title": f"Open the {what}", "url": attachment["url"]}, *actions]
    if actions:
        card["actions"] = actions
    return notification(f"{label}: {first}"), card


def original_toggle(body: list[dict], original: str | None, note: str | None) -> list[dict]:
    """Adds the original (hidden until "Show original" is clicked) and a translation note to a body;
    returns the card's actions."""
    if note:
        body.append(_text(fit(note, MESSAGE_CHARS), isSubtle=True, size="Small"))
    if not original:
        return []
    body.append(_text("**Original:** " + fit(original, MESSAGE_CHARS), id="original", isVisible=False,
                      isSubtle=True))
    return [{"type": "Action.ToggleVisibility", "title": "Show original", "targetElements": ["original"]}]


def late_translation_message(message: MessageView, case: CaseView) -> tuple[str, dict]:
    """A translation that came after its message (it had failed at first), for the reply chain."""
    text = late_translation(message, case)
    return notification(text), {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION,
                                "body": [_text(fit(text, MESSAGE_CHARS))]}


def summary_body(case: CaseView) -> list[dict]:
    """The hand-over summary (adapters.labels.summary_fields): what the customer wants, then a FactSet."""
    rows = summary_fields(case)
    body = [_text(f"**{rows[0][0]}:** " + fit(rows[0][1], 3000))]
    if len(rows) > 1:
        body.append({"type": "FactSet", "facts": [{"title": label, "value": fit(text, 2000)}
                                                  for label, text in rows[1:]]})
    return body


def reminder(message: MessageView, case: CaseView) -> tuple[str, dict]:
    """The scheduler's reminder in the case's reply chain (Llamita's own words, kept as a note)."""
    body = [_text(f"🔔 {fit(message.text, MESSAGE_CHARS)}")]
    card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    return notification(f"Reminder on case #{case.id}"), card


def case_id_of(data: object) -> int | None:
    """The case id an action carries (`data.case`), or None when it carries none or nonsense."""
    value = data.get("case") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        return int(value)
    return None
