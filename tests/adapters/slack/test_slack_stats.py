"""/llamita stats and the trainers' notes in Slack, over real HTTP with Slack's signatures.

The supervisor is the demo operator file's (Marta, U0MARTA01); Ana and Bruno are staff, not supervisors.
"""
from __future__ import annotations

import json

from adapters.report_text import parse_stats
from adapters.slack.stats import NOTE_SHORTCUT, NOTE_VIEW
from tests.adapters.slack.conftest import ANA, BRUNO, COMPLIANCE
from tests.adapters.slack.helpers import Customer, hand_over

MARTA = "U0MARTA01"
PNG = b"\x89PNG\r\n\x1a\n"


def report_posts(stand_in, where=lambda call: True):
    return [call for call in stand_in.calls_to("response_url") if where(call)]


def is_report(call) -> bool:
    return any(block.get("type") == "header" and "Llamita stats" in block["text"]["text"]
               for block in call.args.get("blocks") or [])


async def a_hand_over(llamita, stand_in, session) -> int:
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, _, _ = await hand_over(llamita, customer, stand_in, COMPLIANCE)
    return case_id


async def test_a_supervisor_gets_the_report_and_its_chart_ephemerally_after_an_immediate_ack(llamita, stand_in,
                                                                                           session):
    await a_hand_over(llamita, stand_in, session)
    stand_in.delays["files.getUploadURLExternal"] = 0.5     # Slack slow to upload: the ack must not wait

    answer = await llamita.slack.command(MARTA, "stats 7d")

    assert answer.status == 200 and answer.seconds < 3
    assert answer.json()["response_type"] == "ephemeral" and "Gathering the stats" in answer.json()["text"]
    assert not stand_in.calls_to("upload", answered=None)          # acknowledged before any chart work reached Slack
    [post] = await stand_in.wait_for("response_url", is_report, timeout=15)
    assert post.args["response_type"] == "ephemeral"
    text = post.text_everywhere()
    assert "Conversations" in text and "Handed to people" in text and "1 of 1 (100%)" in text

    # The chart went through the external upload (URL, bytes, completion), privately, and is shown by id.
    [url] = stand_in.calls_to("files.getUploadURLExternal")
    [upload] = stand_in.calls_to("upload")
    [done] = stand_in.calls_to("files.completeUploadExternal")
    file_id = url.response["file_id"]
    stored = stand_in.files[file_id]
    assert stored["completed"] and stored["data"].startswith(PNG) and upload.args["bytes"] == stored["length"]
    assert not stored["shared_to"]                                 # not posted into any channel: the report is private
    assert json.loads(done.args["files"])[0]["id"] == file_id
    [image] = [block for block in post.args["blocks"] if block["type"] == "image"]
    assert image["slack_file"] == {"id": file_id} and image["alt_text"]
    await llamita.channel.drain()


async def test_someone_who_is_not_a_supervisor_is_told_so_and_nothing_is_computed(llamita, stand_in, session):
    answer = await llamita.slack.command(ANA, "stats")
    assert answer.status == 200
    assert "only supervisors" in answer.json()["text"] and answer.json()["response_type"] == "ephemeral"
    await llamita.channel.drain()
    assert not report_posts(stand_in) and not stand_in.calls_to("files.getUploadURLExternal", answered=None)


async def test_bad_input_gets_a_one_line_usage(llamita, stand_in):
    for text in ("stats 17 bananas", "stats 7d 30d", "stats <!channel>"):
        answer = await llamita.slack.command(MARTA, text)
        body = answer.json()
        assert answer.status == 200 and body["text"].startswith("Usage: /llamita stats") and "\n" not in body["text"]
    await llamita.channel.drain()
    assert not report_posts(stand_in)


async def test_a_period_with_no_data_says_so_without_a_chart(llamita, stand_in):
    answer = await llamita.slack.command(MARTA, "stats today compliance")
    assert answer.status == 200
    [post] = await stand_in.wait_for("response_url", is_report)
    assert "No conversations in today for Compliance" in post.text_everywhere()
    assert not stand_in.calls_to("files.getUploadURLExternal", answered=None)


async def test_a_chart_that_cannot_be_uploaded_still_leaves_the_text_report(llamita, stand_in, session):
    await a_hand_over(llamita, stand_in, session)
    stand_in.fail("files.getUploadURLExternal", status=200, error="internal_error")
    await llamita.slack.command(MARTA, "stats 30d")
    [post] = await stand_in.wait_for("response_url", is_report, timeout=15)
    assert "Handed to people" in post.text_everywhere()
    assert not [block for block in post.args["blocks"] if block["type"] == "image"]


async def test_the_note_shortcut_on_a_case_thread_opens_a_modal_and_keeps_the_note(llamita, stand_in, session):
    case_id = await a_hand_over(llamita, stand_in, session)
    [card] = stand_in.calls_to("chat.postMessage")
    card_ts = card.response["ts"]
    payload = llamita.slack.shortcut_payload(BRUNO, COMPLIANCE, NOTE_SHORTCUT,
                                             {"ts": stand_in.next_ts(), "thread_ts": card_ts, "user": BRUNO,
                                              "text": "the customer quoted the wrong regulation"})
    assert (await llamita.slack.interact(payload)).status == 200
    [opened] = await stand_in.wait_for("views.open")
    view = json.loads(opened.args["view"]) if isinstance(opened.args["view"], str) else opened.args["view"]
    assert view["callback_id"] == NOTE_VIEW and f"Case #{case_id}" in json.dumps(view)

    empty = await llamita.slack.interact(llamita.slack.submission_payload(BRUNO, view, {"note": {"text": {
        "type": "plain_text_input", "value": "  "}}}))
    assert empty.json()["response_action"] == "errors"
    note = "Llamita should have offered the EU261 form before handing over."
    submitted = await llamita.slack.interact(llamita.slack.submission_payload(BRUNO, view, {"note": {"text": {
        "type": "plain_text_input", "value": note}}}))
    assert submitted.status == 200 and not submitted.text
    await stand_in.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == BRUNO and "Thanks" in c.args["text"])
    [kept] = await llamita.runtime.service.learning.notes(case_id)
    assert (kept.text, kept.author_id, kept.author_name, kept.channel) == (note, f"slack:{BRUNO}", "Bruno", "slack")


async def test_a_note_by_command_and_the_shortcut_outside_a_case(llamita, stand_in, session):
    case_id = await a_hand_over(llamita, stand_in, session)
    answer = await llamita.slack.command(ANA, f"note {case_id} The refund answer was right; the policy is unclear.")
    assert answer.status == 200
    await stand_in.wait_for("response_url", lambda c: "Thanks" in c.args.get("text", ""))
    [kept] = await llamita.runtime.service.learning.notes(case_id)
    assert kept.author_name == "ana"
    usage = await llamita.slack.command(ANA, "note bananas")
    assert usage.json()["text"].startswith("Usage: /llamita note")

    elsewhere = llamita.slack.shortcut_payload(ANA, "C0RANDOM", NOTE_SHORTCUT, {"ts": stand_in.next_ts()})
    await llamita.slack.interact(elsewhere)
    await stand_in.wait_for("chat.postEphemeral", lambda c: "use this on a case card" in c.args.get("text", ""))
    assert not stand_in.calls_to("views.open", answered=None)


def test_the_words_after_stats_are_a_period_and_a_team_in_any_order():
    teams = {"compliance": "compliance", "customer engagement": "general", "general": "general"}
    assert parse_stats([], teams) == ("7d", None)
    assert parse_stats(["30d", "Compliance"], teams) == ("30d", "compliance")
    assert parse_stats(["customer", "engagement", "today"], teams) == ("today", "general")
    for bad in (["17", "bananas"], ["7d", "30d"], ["week"]):
        try:
            parse_stats(bad, teams)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")
