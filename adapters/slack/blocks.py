"""Block Kit for Slack: the case card and the messages relayed into its thread (pure functions).

Everything that came from outside (the customer's words and name, the booking, the summary Llamita
wrote from the customer's words) goes into plain_text objects through `text.plain`/`text.fit`, so it
can never ping, link or format. mrkdwn is used only for text we write ourselves: labels, staff
mentions (<@U...>) and Slack's local-time dates (<!date^...>).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from adapters.labels import (
    abandoned_label,
    card_message_text,
    customer_label,
    details,
    follow_up_label,
    language_label,
    late_translation,
    mood_label,
    reason_label,
    relayed,
    summary_fields,
    waiting_label,
)
from adapters.labels import author_label as _author_label
from adapters.slack.text import chunks, mrkdwn_literal, plain
from routing.views import CaseView, MessageView, format_wait

CLAIM, TAKE_OVER, RESOLVE, TRANSFER = "llamita_claim", "llamita_take_over", "llamita_resolve", "llamita_transfer"
UNFREEZE = "llamita_unfreeze"
BLOCK_PREFIX = "llamita_case:"       # block_id of the actions block: carries the case id for the select

CARD_MESSAGE_CHARS = 500             # each of the last messages on the card
NOTIFICATION_CHARS = 300             # the `text` shown in notifications
SECTION_CHARS = 3000                 # Slack's limit for a section's text
_SLACK_USER = re.compile(r"^slack:([UW][A-Z0-9]{2,})$")


@dataclass(frozen=True)
class Team:
    id: str
    name: str


def staff_mention(staff_id: str | None, name: str | None) -> str:
    """mrkdwn for a staff member: a real mention for Slack users, the (escaped) name for everyone else."""
    match = _SLACK_USER.match(staff_id or "")
    if match:
        return f"<@{match.group(1)}>"
    return mrkdwn_literal(name or "someone")


def slack_time(moment: datetime | None) -> str:
    """A time every viewer sees in their own time zone (with a UTC fallback for old clients)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f"<!date^{int(moment.timestamp())}^{{time}}|{moment.astimezone(timezone.utc):%H:%M} UTC>"


def status_mrkdwn(case: CaseView, *, moved_away: bool) -> str:
    """One line of our own mrkdwn saying where the case stands."""
    waited = format_wait(case.waited_seconds)
    team = mrkdwn_literal(case.team_name or "another team")
    if moved_away:
        return f":arrow_right: *Transferred to {team}*: the case continues in that team's channel."
    if case.state == "waiting":
        since = slack_time(case.waiting_since or case.handed_over_at)
        return f":hourglass_flowing_sand: *Waiting for a person* since {since} · {waiting_label(case)}"
    if case.state == "claimed":
        return (f":raising_hand: *Claimed by {staff_mention(case.claimed_by, case.claimed_by_name)}, "
                f"{slack_time(case.claimed_at)}* (waited {waited})")
    if case.state == "resolved":
        who = f" (handled by {staff_mention(case.claimed_by, case.claimed_by_name)})" if case.claimed_by else ""
        return f":white_check_mark: *Resolved, {slack_time(case.closed_at)}*{who}"
    if case.state == "abandoned":
        return f":zzz: *Abandoned: {abandoned_label(case)}*, {slack_time(case.closed_at)}"
    return f"*{mrkdwn_literal(case.state)}*"


def card(case: CaseView, teams: list[Team], staff_languages: tuple[str, ...], *,
         moved_away: bool = False, copy: bool = False) -> tuple[str, list[dict]]:
    """The case card: (notification text, blocks). `moved_away`: this card is in a channel the case
    has since been transferred out of (it shows where the case went, without buttons). `copy`: a second
    copy of the card (a post that landed twice): it says so and has no buttons."""
    reason = reason_label(case)
    team_name = case.team_name or "Support"
    title = f"Case #{case.id} · {reason} · {team_name}"
    blocks: list[dict] = [
        {"type": "header", "text": plain(title, 150)},
        {"type": "section", "text": {"type": "mrkdwn", "text": status_mrkdwn(case, moved_away=moved_away)}},
    ]
    if copy:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
            ":link: A second copy of this case's card. Replies here still reach the case; use the other card's "
            "buttons.")}]})
    blocks.extend(summary_blocks(case))

    customer = case.customer
    fields = [
        plain(f"Customer: {customer_label(case)}", 2000),
        plain(f"Tier: {customer.tier or 'unknown'}", 2000),
        plain(f"Booking: {customer.booking or 'none linked'}", 2000),
        *([plain("Account: frozen (no bookings or payments)", 2000)] if customer.account_frozen else []),
        plain(f"Language: {language_label(case, staff_languages)}", 2000),
        plain(f"Mood: {mood_label(case)}", 2000),
        plain(f"Waited: {format_wait(case.waited_seconds)}", 2000),
    ]
    blocks.append({"type": "section", "fields": fields})
    if follow_up := follow_up_label(case):
        fields.append(plain(follow_up, 2000))
    if lines := details(case):
        blocks.append({"type": "context", "elements": [plain(" · ".join(lines), 2000)]})

    recent = [m for m in case.recent if m.author in ("customer", "bot", "staff")]
    if recent:
        blocks.append({"type": "divider"})
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "*Last messages*"}]})
        for message in recent:
            blocks.append({"type": "section", "text": plain(
                f"{_author_label(message, case)}: {card_message_text(message)}", CARD_MESSAGE_CHARS)})

    open_here = case.state in ("waiting", "claimed") and not moved_away and not copy
    if open_here:
        blocks.append(_actions(case, teams))
    footer = f"Case {case.id}"
    if case.state == "waiting" and not moved_away:
        footer += " · Claim it, then reply in this thread: your replies go to the customer."
    elif case.state == "claimed" and not moved_away:
        footer += (" · Replies in this thread from the person who claimed it go to the customer; "
                   f"anyone else's stay internal notes. `/llamita resolve {case.id}` closes it.")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})

    text = f"Case #{case.id} for {team_name}: {reason} ({'moved' if moved_away else case.state})"
    return notification(text), blocks


def _actions(case: CaseView, teams: list[Team]) -> dict:
    value = str(case.id)
    elements: list[dict] = []
    if case.state == "waiting":
        elements.append({"type": "button", "action_id": CLAIM, "style": "primary", "value": value,
                         "text": plain("Claim", 75)})
    else:
        elements.append({"type": "button", "action_id": TAKE_OVER, "value": value,
                         "text": plain("Take over", 75),
                         "confirm": _confirm("Take over this case?",
                                             "You become the person talking to the customer; "
                                             "the current holder's messages become internal notes.",
                                             "Take over")})
    others = [team for team in teams if team.id != case.team][:100]
    if others:
        elements.append({"type": "static_select", "action_id": TRANSFER,
                         "placeholder": plain("Transfer to…", 150),
                         "options": [{"text": plain(team.name, 75), "value": team.id} for team in others]})
    elements.append({"type": "button", "action_id": RESOLVE, "value": value, "text": plain("Resolve", 75),
                     "confirm": _confirm("Resolve this case?",
                                         "The customer is told the conversation is resolved.", "Resolve")})
    if case.customer.account_frozen:
        elements.append({"type": "button", "action_id": UNFREEZE, "value": value, "style": "danger",
                         "text": plain("Unfreeze account", 75),
                         "confirm": _confirm("Unfreeze the customer's account?",
                                             "Only once you have confirmed who the customer is: they can book "
                                             "and pay with the account again, and they are told.", "Unfreeze")})
    return {"type": "actions", "block_id": f"{BLOCK_PREFIX}{case.id}", "elements": elements}


def _confirm(title: str, text: str, confirm: str) -> dict:
    return {"title": plain(title, 100), "text": plain(text, 300), "confirm": plain(confirm, 30),
            "deny": plain("Cancel", 30)}


def thread_message(message: MessageView, case: CaseView) -> tuple[str, list[dict]]:
    """A message relayed into the case's thread: (notification text, blocks). A machine-translated
    customer message shows the translation, and its original in a context block under it."""
    label = _author_label(message, case)
    if message.author == "customer":
        label = f"{label} (customer)"
    first, original, note = relayed(message)
    blocks: list[dict] = [{"type": "context", "elements": [plain(label, 2000)]}]
    for piece in chunks(first, SECTION_CHARS):
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": piece or " ", "emoji": False}})
    blocks.extend(translation_context(original, note))
    return notification(f"{label}: {first}"), blocks


def translation_context(original: str | None, note: str | None) -> list[dict]:
    """The original of a translated message, and what became of its translation, as context blocks."""
    found = []
    if original:
        found.append({"type": "context", "elements": [plain(f"Original: {original}", 2000)]})
    if note:
        found.append({"type": "context", "elements": [plain(note, 2000)]})
    return found


def late_translation_message(message: MessageView, case: CaseView) -> tuple[str, list[dict]]:
    """A translation that came after its message (it had failed at first), posted in the thread."""
    text = late_translation(message, case)
    return notification(text), [{"type": "section", "text": plain(text, SECTION_CHARS)}]


def summary_blocks(case: CaseView) -> list[dict]:
    """The hand-over summary (adapters.labels.summary_fields): what the customer wants first, the rest
    as one section of labelled lines."""
    rows = summary_fields(case)
    blocks = [{"type": "section", "text": plain(f"{rows[0][0]}: {rows[0][1]}", SECTION_CHARS)}]
    if len(rows) > 1:
        blocks.append({"type": "section", "text": plain("\n".join(f"{label}: {text}" for label, text in rows[1:]),
                                                        SECTION_CHARS)})
    return blocks


def fallbacks(layout: list[dict]) -> list[list[dict]]:
    """Simpler layouts to try, in order, when Slack refuses one (invalid_blocks): the text as one section
    with the card's buttons kept (so the case can still be claimed from Slack), then the text alone."""
    actions = [block for block in layout if block.get("type") == "actions"]
    simpler = [text_only(layout)]
    if actions:
        simpler.insert(0, text_only(layout) + actions)
    return simpler


def reminder(message: MessageView, case: CaseView, *, loud: bool) -> tuple[str, list[dict]]:
    """The scheduler's reminder in the case's thread (Llamita's own words, kept as a note). Only this
    prefix of ours may ping: `@here` for the team, or a mention of the person who holds the case. The
    words themselves are made literal (they name teams and people, never customer text)."""
    who = "<!here>" if loud else staff_mention(case.claimed_by, case.claimed_by_name)
    words = mrkdwn_literal(message.text)
    return f"{who} {words}"[:NOTIFICATION_CHARS], [
        {"type": "section", "text": {"type": "mrkdwn", "text": f":bell: {who} {words}"[:SECTION_CHARS]}}]


def text_only(layout: list[dict]) -> list[dict]:
    """The plain text of a layout as one section: what is sent when Slack refuses the rich one
    (invalid_blocks). The texts are already escaped, so they are joined and cut, not escaped again."""
    texts = [block["text"]["text"] for block in layout
             if block.get("type") in ("header", "section") and (block.get("text") or {}).get("type") == "plain_text"]
    joined = "\n".join(texts)
    if len(joined) > SECTION_CHARS:
        joined = re.sub(r"&[a-z]{0,3}$", "", joined[:SECTION_CHARS - 1]) + "…"
    return [{"type": "section", "text": {"type": "plain_text", "text": joined or " ", "emoji": False}}]


def notification(text: str) -> str:
    """The top-level `text` of a message (notifications, screen readers): short, and literal in mrkdwn."""
    if len(text) > NOTIFICATION_CHARS:
        text = text[:NOTIFICATION_CHARS - 1].rstrip() + "…"
    return mrkdwn_literal(text)


def case_id_of_block(block_id: str | None) -> int | None:
    if block_id and block_id.startswith(BLOCK_PREFIX) and block_id[len(BLOCK_PREFIX):].isdigit():
        return int(block_id[len(BLOCK_PREFIX):])
    return None
