"""The case card and thread messages as Block Kit: what staff see, and that outside text stays literal."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from adapters.slack.blocks import Team, card, case_id_of_block, text_only, thread_message
from routing.views import CaseView, CustomerView, MessageView

HOSTILE = "<!channel> *bold* <@U123> <http://evil|click>"
TEAMS = [Team("technical", "Technical & Security"), Team("compliance", "Compliance"),
         Team("accounts", "Accounts"), Team("general", "Customer Engagement")]
STAFF_LANGUAGES = ("en", "es", "pt")
HANDED_OVER = datetime(2026, 11, 25, 10, 29, tzinfo=timezone.utc)


def a_case(**changes) -> CaseView:
    base = CaseView(
        id=12, conversation_id="conv", state="waiting", reason="legal", team="compliance", team_name="Compliance",
        topic="refund", summary="Threatens legal action over an EU261 compensation claim.", language="en",
        needs_translation=False, sentiment=-0.7,
        customer=CustomerView(name="Ana Souza", tier="gold", booking="LT-4821", verified=True, email="a@b.c"),
        signals=("legal.keyword",), actions=({"action": "freeze_account", "done": True, "account": "ACC-1"},),
        opened_at=HANDED_OVER - timedelta(minutes=2), handed_over_at=HANDED_OVER, claimed_by=None,
        claimed_by_name=None, claimed_at=None, closed_at=None,
        recent=(MessageView(1, "customer", None, "I'm going to sue you", HANDED_OVER),
                MessageView(2, "bot", "Llamita", "I'm passing you to our Compliance team.", HANDED_OVER)))
    return replace(base, **changes)


def elements(blocks: list[dict]) -> list[dict]:
    """The interactive elements (buttons, menus) of a layout."""
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(blocks)
    return found


def test_a_waiting_card_shows_the_case_and_offers_claim_transfer_and_resolve():
    text, blocks = card(a_case(), TEAMS, STAFF_LANGUAGES)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Case #12 · Legal · Compliance",
                                                    "emoji": False}}
    for expected in ("Threatens legal action", "Customer: Ana Souza (signed in)", "Tier: gold", "Booking: LT-4821",
                     "Language: en", "Mood: very upset (-0.7)", "Waited:", "I'm going to sue you",
                     "freeze_account done", "Waiting for a person* since <!date^"):
        assert expected in shown, expected
    assert "a@b.c" not in shown   # e-mail stays out of the staff channel
    actions = {element.get("action_id"): element for element in elements(blocks)}
    assert actions["llamita_claim"]["value"] == "12" and actions["llamita_claim"]["style"] == "primary"
    assert "llamita_take_over" not in actions
    options = actions["llamita_transfer"]["options"]
    assert [option["value"] for option in options] == ["technical", "accounts", "general"]
    assert "confirm" in actions["llamita_resolve"]
    [action_block] = [block for block in blocks if block["type"] == "actions"]
    assert case_id_of_block(action_block["block_id"]) == 12
    assert text == "Case #12 for Compliance: Legal (waiting)"


def test_a_claimed_card_names_the_claimer_with_a_mention_and_a_local_time():
    claimed_at = datetime(2026, 11, 25, 10, 32, tzinfo=timezone.utc)
    _, blocks = card(a_case(state="claimed", claimed_by="slack:UANA0001", claimed_by_name="ana",
                            claimed_at=claimed_at), TEAMS, STAFF_LANGUAGES)
    status = mrkdwn_texts(blocks)[0]
    assert f"Claimed by <@UANA0001>, <!date^{int(claimed_at.timestamp())}^{{time}}|10:32 UTC>" in status
    assert "waited 3 min" in status
    actions = {element.get("action_id") for element in elements(blocks)}
    assert actions == {"llamita_take_over", "llamita_transfer", "llamita_resolve"}


def test_a_case_claimed_on_the_desk_shows_the_name_literally():
    _, blocks = card(a_case(state="claimed", claimed_by="desk:<!here>", claimed_by_name="*Bob* <!here>",
                            claimed_at=HANDED_OVER), TEAMS, STAFF_LANGUAGES)
    status = mrkdwn_texts(blocks)[0]
    assert "<!here>" not in status and "*Bob*" not in status and "&lt;!here&gt;" in status


def test_resolved_and_transferred_away_cards_have_no_buttons():
    _, resolved = card(a_case(state="resolved", claimed_by="slack:UANA0001", claimed_by_name="ana",
                              claimed_at=HANDED_OVER, closed_at=HANDED_OVER + timedelta(minutes=9)),
                       TEAMS, STAFF_LANGUAGES)
    assert not [b for b in resolved if b["type"] == "actions"]
    assert "Resolved" in mrkdwn_texts(resolved)[0] and "<@UANA0001>" in mrkdwn_texts(resolved)[0]

    _, moved = card(a_case(team="accounts", team_name="Accounts"), TEAMS, STAFF_LANGUAGES, moved_away=True)
    assert not [b for b in moved if b["type"] == "actions"]
    assert "Transferred to Accounts" in mrkdwn_texts(moved)[0]


def test_a_language_the_staff_do_not_speak_is_flagged_for_translation():
    _, blocks = card(a_case(language="de", needs_translation=True), TEAMS, STAFF_LANGUAGES)
    assert "Language: de, needs translation (staff: en, es, pt)" in json.dumps(blocks)


def test_outside_text_is_never_mrkdwn_and_never_pings():
    hostile = a_case(summary=HOSTILE, customer=CustomerView(HOSTILE, HOSTILE, HOSTILE, False),
                     recent=(MessageView(1, "customer", HOSTILE, HOSTILE, HANDED_OVER),))
    text, blocks = card(hostile, TEAMS, STAFF_LANGUAGES)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in shown and "<@U123>" not in shown and "<http://evil" not in shown
    assert "&lt;!channel&gt; *bold* &lt;@U123&gt; &lt;http://evil|click&gt;" in shown   # literal, in plain_text
    assert all("channel&gt;" not in mrkdwn and "bold" not in mrkdwn for mrkdwn in mrkdwn_texts(blocks))
    assert "<" not in text.replace("<!date", "")


def test_a_thread_message_says_who_wrote_it_and_keeps_the_words_literal():
    case = a_case()
    text, blocks = thread_message(MessageView(3, "customer", None, HOSTILE + " 4111 1111 1111 1111", HANDED_OVER),
                                  case)
    assert blocks[0]["elements"][0]["text"] == "Ana Souza (customer)"
    assert blocks[1]["text"] == {"type": "plain_text", "emoji": False,
                                 "text": "&lt;!channel&gt; *bold* &lt;@U123&gt; &lt;http://evil|click&gt; "
                                         "[card ending 1111]"}
    assert "<" not in text and "*" not in text and "4111" not in text

    _, note = thread_message(MessageView(4, "note", "Bruno", "called her yesterday", HANDED_OVER), case)
    assert note[0]["elements"][0]["text"] == "Internal note by Bruno"


def test_a_long_message_is_split_across_sections_within_slacks_limit():
    _, blocks = thread_message(MessageView(5, "customer", None, "lorem ipsum " * 700, HANDED_OVER), a_case())
    sections = [block for block in blocks if block["type"] == "section"]
    assert len(sections) == 3 and all(len(block["text"]["text"]) <= 3000 for block in sections)


def test_the_plain_fallback_layout_keeps_the_escaped_texts_without_escaping_them_again():
    _, blocks = thread_message(MessageView(3, "customer", None, "a < b & c", HANDED_OVER), a_case())
    [section] = text_only(blocks)
    assert section["text"]["text"] == "a &lt; b &amp; c"
    _, card_blocks = card(a_case(), TEAMS, STAFF_LANGUAGES)
    [card_section] = text_only(card_blocks)
    assert card_section["text"]["text"].startswith("Case #12 · Legal · Compliance\nSummary:")
    [long] = text_only([{"type": "section", "text": {"type": "plain_text", "text": "&lt;" * 1000}}])
    assert len(long["text"]["text"]) <= 3000 and long["text"]["text"][:-1].replace("&lt;", "") == ""


def test_the_unfreeze_button_shows_only_while_the_customers_account_is_frozen():
    frozen = a_case(customer=replace(a_case().customer, account_frozen=True))
    _, frozen_blocks = card(frozen, TEAMS, STAFF_LANGUAGES)
    _, plain_blocks = card(a_case(), TEAMS, STAFF_LANGUAGES)

    unfreeze = [e for e in elements(frozen_blocks) if e.get("action_id") == "llamita_unfreeze"]
    assert len(unfreeze) == 1 and unfreeze[0]["confirm"] and unfreeze[0]["value"] == "12"
    assert "Account: frozen" in json.dumps(frozen_blocks)
    assert not [e for e in elements(plain_blocks) if e.get("action_id") == "llamita_unfreeze"]
    assert "Account: frozen" not in json.dumps(plain_blocks)
