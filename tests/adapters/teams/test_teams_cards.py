"""The Adaptive Cards and the text rules, as pure functions: what staff see in Teams, what the customer gets."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from adapters.slack import blocks as slack_blocks
from adapters.teams import cards
from adapters.teams.text import SOFT_HYPHEN, literal, teams_to_plain
from routing.views import CaseView, CustomerView, MessageView

NOW = datetime(2026, 3, 2, 10, 29, tzinfo=timezone.utc)
TEAMS = [cards.Team("technical", "Technical & Security"), cards.Team("compliance", "Compliance")]


def case(**changes) -> CaseView:
    values = dict(
        id=12, conversation_id="c1", state="waiting", reason="security", team="technical",
        team_name="Technical & Security", topic="payment", summary="Unknown charges on the customer's card.",
        language="de", needs_translation=True, sentiment=-0.7,
        customer=CustomerView("Carlos *Mendes*", "gold", "LT-4821", True, "carlos@example.com"),
        signals=("security.card",), actions=({"action": "freeze_account", "done": True},), opened_at=NOW,
        handed_over_at=NOW, claimed_by=None, claimed_by_name=None, claimed_at=None, closed_at=None,
        recent=(MessageView(1, "customer", None, "Someone used my card [here](https://evil.example)", NOW),))
    values.update(changes)
    return CaseView(**values)


@pytest.mark.parametrize("typed, shown", [
    ("*bold* and _italic_ and ~strike~ and `code`", "∗bold∗ and ˍitalicˍ and ∼strike∼ and ˋcodeˋ"),
    ("[click](https://evil.example)", f"[click]{SOFT_HYPHEN}(https://evil.example)"),
    ("<at>Ana</at> and <b>x</b>", f"<{SOFT_HYPHEN}at>Ana<{SOFT_HYPHEN}/at> and <{SOFT_HYPHEN}b>x<{SOFT_HYPHEN}/b>"),
    ("&amp; &#42;", f"&{SOFT_HYPHEN}amp; &{SOFT_HYPHEN}#42;"),
    ("# title\n> quote\n- item\n1. first", f"{SOFT_HYPHEN}# title\n\n{SOFT_HYPHEN}> quote\n\n{SOFT_HYPHEN}- item\n\n"
                                            f"{SOFT_HYPHEN}1. first"),
    ("a < b & c > d, 3 * 4", "a < b & c > d, 3 ∗ 4"),
    ("card 4111 1111 1111 1111", "card [card ending 1111]"),
])
def test_outside_text_shows_literally_in_card_markdown(typed, shown):
    assert literal(typed) == shown


def test_staff_markup_from_teams_reads_naturally_for_the_customer():
    assert teams_to_plain("<at>Bruno Costa</at> will call &amp; confirm&nbsp;it<br>Thanks") == \
        "@Bruno Costa will call & confirm it\nThanks"


def test_the_card_shows_the_same_fields_as_the_slack_card():
    card = cards.case_card(case(), TEAMS, ("en", "es", "pt"))
    facts = {fact["title"]: fact["value"] for block in card["body"] if block["type"] == "FactSet"
             for fact in block["facts"]}
    assert list(facts) == ["Customer", "Tier", "Booking", "Language", "Mood", "Waited"]
    assert facts["Customer"] == "Carlos ∗Mendes∗ (signed in)" and facts["Booking"] == "LT-4821"
    assert facts["Language"] == "de, needs translation (staff: en, es, pt)"
    assert facts["Mood"] == "very upset (-0.7)"     # the same words as the summary's, everywhere
    _, slack = slack_blocks.card(case(), [slack_blocks.Team(t.id, t.name) for t in TEAMS], ("en", "es", "pt"))
    slack_fields = [field["text"].split(":")[0] for block in slack if block.get("fields") for field in block["fields"]]
    assert slack_fields == list(facts)
    shown = json.dumps(card, ensure_ascii=False)
    assert "Case #12 · Security · Technical & Security" in shown and "Unknown charges" in shown
    assert "freezeˍaccount done" in shown and "security.card" in shown
    assert "carlos@example.com" not in shown                         # e-mail addresses stay off cards
    assert "](" not in shown and "{{TIME(2026-03-02T10:29:00Z)}}" in shown
    verbs = {a["verb"] for a in card["actions"] if "verb" in a} | {
        inner["verb"] for a in card["actions"] for inner in (a.get("card") or {}).get("actions", [])}
    assert verbs == {"claim", "transfer", "resolve"}
    assert card["refresh"]["action"] == {"type": "Action.Execute", "verb": "refresh", "data": {"case": 12}}


def test_a_claimed_card_names_the_claimer_and_offers_take_over():
    claimed = case(state="claimed", claimed_by="teams:a1", claimed_by_name="Ana _Lima_",
                   claimed_at=NOW + timedelta(minutes=3))
    card = cards.case_card(claimed, TEAMS, ("en",))
    assert "Claimed by Ana ˍLimaˍ" in json.dumps(card, ensure_ascii=False)
    titles = [action["title"] for action in card["actions"]]
    assert titles == ["Take over…", "Transfer to…", "Resolve…"]


def test_a_card_the_case_moved_away_from_or_a_closed_one_has_no_actions():
    assert "actions" not in cards.case_card(case(), TEAMS, ("en",), moved_away=True)
    assert "actions" not in cards.case_card(case(state="resolved", closed_at=NOW), TEAMS, ("en",))
    duplicate = cards.duplicate_card(case())
    assert "actions" not in duplicate and "duplicate" in json.dumps(duplicate)


def test_a_relayed_message_is_a_small_card_with_a_plain_notification():
    message = MessageView(5, "customer", "Carlos", "It was **two** payments", NOW, translation="Es waren zwei")
    summary, card = cards.thread_message(message, case())
    assert summary == "Carlos (customer): Es waren zwei"     # notifications are never formatted
    texts = [block["text"] for block in card["body"]]
    # The translation first; what the customer wrote one click away ("Show original").
    assert texts == ["**Carlos (customer)**", "Es waren zwei", "**Original:** It was ∗∗two∗∗ payments"]
    assert card["body"][-1]["isVisible"] is False
    assert card["actions"] == [{"type": "Action.ToggleVisibility", "title": "Show original",
                                "targetElements": ["original"]}]


@pytest.mark.parametrize("data, expected", [
    ({"case": 12}, 12), ({"case": "12"}, 12), ({"case": 0}, None), ({"case": True}, None),
    ({"case": "12; DROP"}, None), ({}, None), ("12", None), ({"case": "9" * 20}, None),
])
def test_an_action_names_its_case_or_nothing(data, expected):
    assert cards.case_id_of(data) == expected
