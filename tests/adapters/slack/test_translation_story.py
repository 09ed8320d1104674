"""Issue 11's story over real sockets: a German-speaking customer with a security problem.

Llamita freezes the account and hands over to Technical; the card's summary has every field, the card
number masked; the widget offers the language choice; German ↔ English messages are machine-translated
both ways through a LibreTranslate stand-in (deep-translator talks to it over HTTP), on Slack and on the
desk; a transfer updates the card. Then the translator goes down: the conversation goes on, staff see
"translation failed", and the translation follows once it is back.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from adapters.identity import sign_identity
from routing.models import Message
from routing.redact import mask_card_numbers
from tests.adapters.slack.conftest import ANA, running_llamita
from tests.adapters.slack.helpers import Customer, button, hand_over, in_thread
from tests.translation_stand_ins import LibreTranslateStandIn

TECHNICAL, COMPLIANCE = "C0TECHNICAL", "C0COMPLIANCE"
BAGGAGE = "Hallo, wie viel Gepäck darf ich mitnehmen?"
FRAUD = ("Jemand hat meine Kreditkarte 4111 1111 1111 1111 benutzt: zwei Abbuchungen über 480 € am 3. März, "
         "die ich nicht kenne! Meine Buchung ist LT-6120, Flug LH1234. Erreichbar unter stefan.k@example.com.")
FRAUD_EN = ("Someone used my credit card [card ending 1111]: two charges of 480 € on 3 March that I don't "
            "recognise! My booking is LT-6120, flight LH1234. Reachable at stefan.k@example.com.")
LATER = "Ich habe die Karte schon bei meiner Bank sperren lassen."
LATER_EN = "I have already had the card blocked at my bank."
REPLY = "Thanks, Stefan. I have checked the charges: we will refund both."
REPLY_DE = "Danke, Stefan. Ich habe die Abbuchungen geprüft: Wir erstatten beide."


@pytest.fixture
async def libre():
    translator = LibreTranslateStandIn()
    translator.teach("de", "en", BAGGAGE, "Hello, how much luggage can I take?")
    translator.teach("de", "en", mask_card_numbers(FRAUD), FRAUD_EN)   # stored (and translated) masked
    translator.teach("de", "en", LATER, LATER_EN)
    translator.teach("en", "de", REPLY, REPLY_DE)
    await translator.start()
    yield translator
    await translator.stop()


@pytest.fixture
async def llamita_translating(store, tmp_path, database_url, stand_in, session, libre):
    async with running_llamita(tmp_path, database_url, stand_in, session, LIBRETRANSLATE_URL=libre.url,
                               LLAMITA_TRANSLATION_DEADLINE="1") as server:
        yield server


def summary_of(call) -> dict[str, str]:
    """The summary's labelled lines on a Slack card (plain text, as Slack shows it)."""
    import html

    rows = {}
    for block in call.args["blocks"]:
        text = (block.get("text") or {}).get("text", "") if block.get("type") == "section" else ""
        for line in text.split("\n"):
            label, _, value = line.partition(": ")
            if value:
                rows.setdefault(label, html.unescape(value))
    return rows


async def test_a_german_customer_with_a_security_problem_is_understood_both_ways(
        llamita_translating, stand_in, session, libre):
    llamita = llamita_translating
    customer = Customer(session, llamita.ws_url)
    await customer.connect(identity=sign_identity("identity-secret", {"id": "stefan.krueger",
                                                                      "exp": time.time() + 60}))

    # Llamita answers in German, entirely.
    await customer.say(BAGGAGE)
    answer = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "bot")
    assert "Gepäck" in answer["text"] or "Handgepäck" in answer["text"]

    # The card fraud: the account is frozen, a Technical card is posted, the widget offers the languages.
    case_id, card_ts, card = await hand_over(llamita, customer, stand_in, TECHNICAL, FRAUD)
    told = await customer.expect(
        lambda f: f["type"] == "message" and f["author"] == "bot" and "eingefroren" in f["text"])
    assert "Englisch, Spanisch oder Portugiesisch" in told["text"]
    offer = (await customer.expect(lambda f: f["type"] == "language_offer"))["offer"]
    assert [o["value"] for o in offer["options"]] == ["en", "es", "pt", "translate"]
    assert offer["options"][-1]["label"] == "Weiter auf Deutsch (maschinelle Übersetzung)"

    shown = card.text_everywhere()
    assert "Technical &amp; Security" in shown and "4111 1111" not in shown and "4111111111111111" not in shown
    summary = summary_of(card)
    assert summary["Wants"].startswith("Reports someone else using their card or account. In their words: "
                                       "“Someone used my credit card [card ending 1111]")
    assert "security" in summary["Why a person"] and "confirm who the customer is" in summary["Why a person"]
    assert summary["Status"] == "Waiting for a person in Technical & Security"
    assert summary["Language"].startswith("German, not a staff language: machine translation both ways")
    assert summary["Attempts"] == "two messages; first contact"
    assert "baggage" in summary["Topics"]
    assert summary["Customer"].startswith("Stefan Krüger · standard tier · one booking: LT-6120 Frankfurt → Lisbon")
    assert "no past cases" in summary["Customer"] and "account frozen" in summary["Customer"]
    assert summary["Mood"].startswith("calm at the start, very upset now")
    for fact in ("booking LT-6120", "flight LH1234", "480 €", "s•••@example.com"):
        assert fact in summary["Facts"], fact
    assert "stefan.k@example.com" not in shown                     # partly masked on cards
    assert "answered one question (baggage)" in summary["Llamita did"]
    assert "froze account ACC-1004" in summary["Llamita did"]
    assert summary["Next step"].startswith("Confirm who the customer is") and "translated into German" in \
        summary["Next step"]
    assert button(card, "llamita_unfreeze")

    # The customer keeps German, with machine translation: stored, said, and shown on the card.
    await customer.ws.send_json({"type": "language", "choice": "translate"})
    await customer.expect(lambda f: f["type"] == "language")
    line = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    assert "maschinell übersetzt" in line["text"]
    await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts and "the customer chose it" in
                            c.text_everywhere())

    # Ana claims it on Slack; the customer is told in German.
    await llamita.slack.click(ANA, TECHNICAL, card_ts, "llamita_claim", case_id)
    joined = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")
    assert "beigetreten" in joined["text"]
    await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts
                            and "ana in Technical &amp; Security has it" in c.text_everywhere())

    # German → English: the thread shows the translation, the original in a context block under it.
    await customer.say(LATER)
    [relayed] = await stand_in.wait_for("chat.postMessage", lambda c: in_thread(card_ts)(c)
                                        and LATER_EN in c.text_everywhere())
    sections = [b["text"]["text"] for b in relayed.args["blocks"] if b["type"] == "section"]
    contexts = [e["text"] for b in relayed.args["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert sections == [LATER_EN] and f"Original: {LATER}" in contexts
    # ... and on the desk: the translation, with the original kept.
    desk = await session.get(f"{llamita.url}/desk/api/cases/{case_id}",
                             headers={"Authorization": "Bearer staff-token"})
    data = await desk.json()
    later = next(m for m in data["messages"] if m["text"] == LATER)
    assert later["translation"] == LATER_EN and later["translation_state"] == "done"
    first = next(m for m in data["messages"] if m["author"] == "customer")
    assert first["translation"] == "Hello, how much luggage can I take?"
    assert dict(data["case"]["handover"]["fields"])["Status"] == "ana in Technical & Security has it"

    # English → German: Ana's reply reaches the customer translated, with her words one click away.
    await llamita.slack.reply_in_thread(ANA, TECHNICAL, card_ts, REPLY)
    reply = await customer.expect(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert reply["text"] == REPLY_DE and reply["original"] == REPLY and reply["translation"] == "done"
    assert [(r.source, r.target) for r in libre.requests if r.text == REPLY] == [("en", "de")]

    # A transfer updates the card: the old one says where it went, the new one has the same summary, current.
    await llamita.slack.choose_team(ANA, TECHNICAL, card_ts, case_id, "compliance")
    await stand_in.wait_for("chat.update", lambda c: c.args["ts"] == card_ts and "Transferred to Compliance"
                            in c.text_everywhere())
    [moved] = await stand_in.wait_for("chat.postMessage", lambda c: c.args.get("channel") == COMPLIANCE
                                      and "thread_ts" not in c.args)
    assert summary_of(moved)["Status"] == "Waiting for a person in Compliance (transferred from Technical & Security)"
    assert summary_of(moved)["Attempts"].startswith("three messages")
    transferred = await customer.expect(lambda f: f["type"] == "message" and "Compliance" in f["text"])
    assert "weitergegeben" in transferred["text"]
    await customer.close()


async def test_the_translator_down_slow_or_erroring_never_holds_a_message_and_staff_see_it_failed(
        llamita_translating, stand_in, session, libre):
    llamita = llamita_translating
    service = llamita.runtime.service
    customer = Customer(session, llamita.ws_url)
    await customer.connect()
    case_id, card_ts, _card = await hand_over(llamita, customer, stand_in, "C0GENERAL",
                                              "Ich möchte bitte mit einem Mitarbeiter sprechen.")
    await llamita.slack.click(ANA, "C0GENERAL", card_ts, "llamita_claim", case_id)
    await customer.expect(lambda f: f["type"] == "message" and f["author"] == "system")

    # Erroring, slow (past the 1 s deadline), down: every message still reaches the thread, marked.
    for mode, words in (("erroring", "Erster Versuch mit Fehler"), ("slow", "Zweiter Versuch, langsam"),
                        ("down", "Dritter Versuch, Server aus")):
        libre.erroring, libre.delay = mode == "erroring", 3.0 if mode == "slow" else 0.0
        if mode == "down":
            await libre.stop()
        started = time.monotonic()
        await customer.say(words)
        [relayed] = await stand_in.wait_for("chat.postMessage", lambda c, w=words: in_thread(card_ts)(c)
                                            and w in c.text_everywhere(), timeout=8)
        assert time.monotonic() - started < 6, mode
        assert "Translation failed" in relayed.text_everywhere(), mode
    libre.erroring, libre.delay = False, 0.0

    # The translator is back: the failed translations are tried again and follow in the thread.
    await libre.start()
    failed = await llamita.runtime.store.read(
        lambda db: db.exec(select(Message).where(Message.translation_state == "failed")).all())
    assert len(failed) == 3
    # Their time to be tried again has come (instead of waiting RETRY_AFTER), and the breaker's cooldown too.
    due = service.clock() - timedelta(seconds=1)
    await llamita.runtime.store.write(lambda db: db.execute(
        update(Message).where(Message.translation_state == "failed").values(translation_retry_at=due)))
    service.translations.translator.breaker.open_until = 0.0
    assert await service.translations.retry_due() == 3
    await stand_in.wait_for("chat.postMessage", lambda c: in_thread(card_ts)(c)
                            and "Translation of" in c.text_everywhere() and "[en]" in c.text_everywhere())
    await customer.close()
