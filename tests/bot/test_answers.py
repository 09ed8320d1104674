"""Answers that answer the question (issue 16), at the level the customer sees them: a message in,
the reply out. One behaviour per test, in several languages where customers ask in several."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.decision import Action, BookingFacts, CustomerProfile
from bot.replies import say as template
from tests.transcript import say

LISBON = BookingFacts("LT-4821", "Lisbon → Toronto, 2 adults", "2026-12-14", "confirmed")
ANA = CustomerProfile(name="Ana Souza", tier="premium", booking="LT-4821", account_id="ACC-1001",
                      verified=True, bookings=(LISBON,))
FROZEN = replace(ANA, account_frozen=True)


def answer(brain, message: str, customer=None):
    return say(brain, message, customer=customer)[-1]


# -- the passage that answers the question, not the nearest article --------------------------------

@pytest.mark.parametrize("language, message", [
    ("en", "Can I bring my surfboard?"),
    ("es", "¿Me dejan llevar mi tabla de surf en el vuelo?"),
    ("de", "Darf ich mein Surfbrett im Flieger mitnehmen?"),
    ("it", "Posso portare la mia tavola da surf sul volo?"),
])
def test_a_surfboard_is_answered_with_the_sports_equipment_passage(brain, language, message):
    decision = answer(brain, message)

    assert (decision.topic, decision.language) == ("baggage", language)
    assert decision.reply == brain.kb.passage("baggage", "sports", language).reply
    assert "48" in decision.reply


@pytest.mark.parametrize("language, message", [
    ("es", "¿Puedo llevar a mi perro en la cabina?"),
    ("pt", "Dá para levar meu cachorro comigo na cabine do avião?"),
    ("fr", "Mon chien peut-il voyager en cabine à mes pieds ?"),
    ("it", "Il mio gatto può stare in cabina con me durante il volo?"),
    ("nl", "Kan mijn kat met mij mee in de cabine van het vliegtuig?"),
    ("de", "Kann meine Katze bei mir in der Kabine mitfliegen?"),
])
def test_a_pet_in_the_cabin_is_a_pets_question_answered_with_the_cabin_passage(brain, language, message):
    decision = answer(brain, message)

    assert (decision.topic, decision.language) == ("pets", language)
    assert decision.reply == brain.kb.passage("pets", "cabin", language).reply


@pytest.mark.parametrize("language, message", [
    ("en", "my hotel in Lima cancelled my room"),
    ("es", "El hotel de Cusco me canceló la habitación sin avisar"),
    ("pt", "O hotel em Salvador cancelou o meu quarto"),
])
def test_a_hotel_that_cancelled_the_room_gets_what_happens_when_a_supplier_cancels(brain, language, message):
    decision = answer(brain, message)

    assert decision.topic == "cancellation"
    assert decision.reply == brain.kb.passage("cancellation", "supplier", language).reply


@pytest.mark.parametrize("language, message", [
    ("en", "change the date of my hotel booking"),
    ("fr", "Je voudrais changer les dates de ma réservation d'hôtel"),
    ("nl", "Kan ik de datum van mijn hotelboeking veranderen?"),
])
def test_a_hotel_date_change_is_a_booking_change_answered_with_the_hotel_passage(brain, language, message):
    decision = answer(brain, message)

    assert decision.topic == "booking_change"     # what the triage contract reports
    assert decision.reply == brain.kb.passage("booking_change", "hotels", language).reply
    assert "USD 90" not in decision.reply          # not the flight change fees


def test_a_general_question_still_gets_the_topics_overview(brain):
    decision = answer(brain, "How many bags can I bring?")

    assert decision.reply == brain.kb.article("baggage", "en").answer


def test_a_question_the_notes_do_not_cover_is_told_so_with_what_they_cover(brain):
    decision = answer(brain, "can I bring a hoverboard in my luggage?")

    assert decision.topic == "baggage"
    assert decision.reply.startswith("My notes on Baggage allowance don't cover that exactly")
    assert "Sports equipment and oversized items" in decision.reply
    assert decision.reply != brain.kb.article("baggage", "en").answer
    assert any(s.name == "knowledge.not_covered" for s in decision.signals)


# -- booking facts that agree --------------------------------------------------------------------

def test_an_anonymous_visitor_giving_a_reference_is_never_asked_for_it(brain):
    decision = answer(brain, "Is my flight on time? My booking is LT-4821")

    assert decision.reply.startswith(template("booking_sign_in", "en"))
    assert "send me" not in decision.reply.lower() and "booking reference" not in decision.reply
    assert "Toronto" not in decision.reply


def test_a_signed_in_customer_asking_if_the_flight_is_on_time_gets_the_status_it_has_and_where_live_status_is(brain):
    decision = answer(brain, "Is my flight on time?", customer=ANA)

    assert decision.reply.startswith("Your booking LT-4821 (Lisbon → Toronto, 2 adults) departs 14 Dec 2026 and is "
                                     "confirmed. I can't see live flight times from here")
    assert '"My trips"' in decision.reply          # where the live status is
    assert "booking reference" not in decision.reply and "send me" not in decision.reply.lower()


def test_a_flight_status_the_booking_store_knows_is_told(brain):
    delayed = replace(ANA, bookings=(replace(LISBON, flight_status="delayed"),))

    decision = answer(brain, "Is my flight on time?", customer=delayed)

    assert "Its flight shows as delayed right now." in decision.reply
    assert "I can't see live flight times" not in decision.reply


def test_a_follow_up_about_the_terminal_is_answered_with_terminal_and_gate_without_asking_for_the_booking(brain):
    decisions = say(brain, "Is my flight on time?", "and which terminal does it leave from?", customer=ANA)

    assert decisions[-1].topic == "flight_status"
    assert brain.kb.passage("flight_status", "terminal_gate", "en").reply in decisions[-1].reply
    assert "booking reference" not in decisions[-1].reply


def test_booking_something_new_is_not_answered_with_the_booking_the_customer_already_has(brain):
    decision = answer(brain, "I want to book a hotel in Toronto for 3 nights", customer=ANA)

    assert decision.topic == "booking" and "LT-4821" not in decision.reply


# -- replies entirely in the customer's language --------------------------------------------------

@pytest.mark.parametrize("language, message, trip", [
    ("es", "¿Mi vuelo sale a tiempo?", "(Lisboa → Toronto, 2 adultos)"),
    ("pt", "O meu voo está no horário?", "(Lisboa → Toronto, 2 adultos)"),
    ("de", "Ist mein Flug pünktlich?", "(Lissabon → Toronto, 2 Erwachsene)"),
    ("fr", "Mon vol est-il à l'heure ?", "(Lisbonne → Toronto, 2 adultes)"),
    ("it", "Il mio volo è in orario?", "(Lisbona → Toronto, 2 adulti)"),
    ("nl", "Is mijn vlucht op tijd?", "(Lissabon → Toronto, 2 volwassenen)"),
])
def test_the_booking_line_tells_the_trip_in_the_customers_language(brain, language, message, trip):
    decision = answer(brain, message, customer=ANA)

    assert decision.language == language and decision.reply_language is None
    assert trip in decision.reply
    for english in ("Lisbon ", "adults", "confirmed", "booking", "departs"):
        assert english not in decision.reply, english


@pytest.mark.parametrize("language, message", [
    ("de", "Lohnt sich eure Reiseversicherung für eine Woche Peru?"),
    ("fr", "Comment je cumule des Llama Miles sur un hôtel ?"),
    ("it", "Quali documenti servono a mia figlia di 10 anni per andare in Brasile?"),
    ("nl", "Welke betaalmiddelen accepteren jullie voor een pakketreis?"),
])
def test_topics_that_were_english_only_now_answer_in_the_customers_language(brain, language, message):
    decision = answer(brain, message)

    assert decision.language == language and decision.reply_language is None
    assert template("answer_in_english", language) not in decision.reply


# -- the frozen account ---------------------------------------------------------------------------

@pytest.mark.parametrize("language, message, topic", [
    ("en", "I'd like to pay the rest of my trip with my card", "payment"),
    ("es", "Quiero reservar un hotel en Toronto para tres noches", "booking"),
    ("fr", "Je voudrais payer le solde de mon voyage", "payment"),
    ("de", "Ich möchte Llama Premium abschließen, wie bezahle ich?", "premium_package"),
])
def test_a_frozen_account_asked_to_pay_is_told_why_not_and_handed_to_security_to_unfreeze(brain, language, message,
                                                                                         topic):
    decision = answer(brain, message, customer=FROZEN)

    # Only a person can unfreeze the account: the promise in the reply ("a specialist will contact you")
    # is kept by a case for the security team, even when the case that froze it was resolved meanwhile.
    assert (decision.action, decision.reason, decision.team) == (Action.HANDOVER, "security", "technical")
    assert decision.tools == ()                                           # nothing to freeze again
    assert decision.reply.startswith(template("account_frozen", language))   # (then the staff's languages)
    assert any(s.name == "account.frozen" for s in decision.signals)
    assert any(s.name == f"topic.{topic}" for s in decision.signals)       # what they wanted, for the staff


def test_a_frozen_account_still_gets_answers_that_move_no_money(brain):
    decision = answer(brain, "How many bags can I bring?", customer=FROZEN)

    assert decision.reply == brain.kb.article("baggage", "en").answer


def test_a_security_problem_on_a_frozen_account_hands_over_without_freezing_it_again(brain):
    decision = answer(brain, "Someone used my card for charges I don't recognise", customer=FROZEN)

    assert decision.hands_over and decision.reason == "security"
    assert decision.tools == ()
    assert decision.reply.startswith(template("handover_security_already_frozen", "en"))
    assert "account is frozen (from an earlier hand-over)" in decision.summary


def test_an_account_that_is_not_frozen_is_frozen_on_a_security_hand_over(brain):
    decision = answer(brain, "Someone used my card for charges I don't recognise", customer=ANA)

    assert [tool.name for tool in decision.tools] == ["freeze_account"]
