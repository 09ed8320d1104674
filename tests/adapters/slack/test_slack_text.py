"""Customer text shown in Slack never pings, links or formats; staff text reaches the customer as they saw it."""
from __future__ import annotations

import pytest

from adapters.slack.text import chunks, escape, fit, mentioned_users, mrkdwn_literal, plain, slack_to_plain

HOSTILE = "<!channel> <!here> *bold* <@U123> <http://evil|click>"


def test_slack_control_characters_become_entities():
    assert escape(HOSTILE) == ("&lt;!channel&gt; &lt;!here&gt; *bold* &lt;@U123&gt; &lt;http://evil|click&gt;")
    assert escape("Q&A") == "Q&amp;A"
    assert escape("already &lt; escaped") == "already &amp;lt; escaped"   # shows literally, as typed


@pytest.mark.parametrize("text", [
    "<!channel>", "<!here|here>", "<!everyone>", "<@U123>", "<#C123|general>", "<!subteam^S1|@team>",
    "<http://evil|click>", "<mailto:a@b.c|mail>", "<!date^1700000000^{time}|x>",
])
def test_no_mention_link_or_date_survives_in_any_form(text):
    for rendered in (escape(text), mrkdwn_literal(text), plain(text)["text"], fit(text, 100), *chunks(text, 100)):
        assert "<" not in rendered and ">" not in rendered


def test_formatting_markers_are_neutralised_in_mrkdwn():
    shown = mrkdwn_literal("*bold* _it_ ~strike~ `code` ```block```")
    for marker in "*_~`":
        assert marker not in shown
    assert "bold" in shown and "strike" in shown and "code" in shown


@pytest.mark.parametrize("text", ["> quoted", "&gt; quoted", "line one\n   > quoted", "＞ full width"])
def test_a_leading_quote_marker_does_not_open_a_block_quote(text):
    shown = mrkdwn_literal(text)
    for line in shown.splitlines():
        stripped = line.lstrip(" \t")
        assert not stripped.startswith("&gt;") and not stripped.startswith("＞")


def test_no_zero_width_space_is_used_it_would_force_formatting():
    assert "\u200b" not in mrkdwn_literal("*bold* _it_")


def test_plain_text_objects_keep_markers_literally_and_never_render_emoji_codes():
    block = plain("*bold* :tada: " + HOSTILE)
    assert block["type"] == "plain_text" and block["emoji"] is False
    assert block["text"].startswith("*bold* :tada: &lt;!channel&gt;")


def plain_text_of(text: str) -> str:
    return plain(text)["text"]


@pytest.mark.parametrize("render", [mrkdwn_literal, plain_text_of, lambda t: fit(t, 200),
                                    lambda t: "".join(chunks(t, 200))])
def test_card_numbers_are_masked_again_in_slack(render):
    shown = render("card 4111 1111 1111 1111 and 4111-1111-1111-1111")
    assert "4111 1111" not in shown and "4111-1111" not in shown
    assert "[card ending 1111]" in shown


def test_fit_respects_the_limit_after_escaping_and_never_cuts_an_entity():
    text = "<" * 100
    fitted = fit(text, 50)
    assert len(fitted) <= 50 and fitted.endswith("…")
    assert fitted[:-1].replace("&lt;", "") == ""
    assert fit("short", 50) == "short"


def test_long_messages_are_split_into_pieces_within_the_limit_at_word_boundaries():
    text = ("word & <tag> " * 700).strip()
    pieces = chunks(text, 3000)
    assert len(pieces) > 1
    assert all(len(piece) <= 3000 for piece in pieces)
    rebuilt = " ".join(pieces)
    assert rebuilt.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").split() == text.split()
    assert all(not piece.endswith("&") and "&l " not in piece for piece in pieces)


def test_one_enormous_word_is_still_split():
    pieces = chunks("x" * 7000, 3000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_staff_markup_reaches_the_customer_as_the_staff_member_saw_it():
    names = {"U1": "Bruno"}.get
    assert slack_to_plain("Hi, I'm with <@U1> &amp; <@U2>", names) == "Hi, I'm with @Bruno & a colleague"
    assert slack_to_plain("See <https://llama.travel/faq|the FAQ> or <https://llama.travel>") == \
        "See the FAQ (https://llama.travel/faq) or https://llama.travel"
    assert slack_to_plain("<mailto:help@llama.travel|help@llama.travel>") == "help@llama.travel"
    assert slack_to_plain("<#C1|refunds> <!here> <!subteam^S1|@oncall>") == "#refunds @here @oncall"
    assert slack_to_plain("1 &lt; 2 &amp;&amp; 3 &gt; 2") == "1 < 2 && 3 > 2"
    assert slack_to_plain("<https://x.y/a?b=1&amp;c=2>") == "https://x.y/a?b=1&c=2"


def test_mentions_are_found_to_look_their_names_up():
    assert mentioned_users("<@U1> and <@W2|someone> but not <#C3>") == ["U1", "W2"]
