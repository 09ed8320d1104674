"""Llamita tells a signed-in customer the facts of their own booking: one behaviour per test."""
from __future__ import annotations

from dataclasses import replace

from bot.bookings import BOOKING_TOPICS, departure_text
from bot.decision import Action, BookingFacts, CustomerProfile
from tests.transcript import say as _say


def say(brain, *messages, customer=None):
    """The decisions of a whole conversation, hand-overs included (the line comes with answers only)."""
    return _say(brain, *messages, customer=customer, stop_at_hand_over=False)


LISBON = BookingFacts("LT-4821", "Lisbon → Toronto, 2 adults", "2026-12-14T08:40", "confirmed")
PALMA = BookingFacts("LT-40127", "Madrid → Palma de Mallorca, hotel + flight", "2027-01-08", "confirmed")
CUSCO = BookingFacts("LT-40388", "Bogotá → Cusco, 1 adult", "2027-02-20", "pending")

ANA = CustomerProfile(name="Ana Souza", tier="premium", booking="LT-4821", account_id="ACC-1001",
                      verified=True, bookings=(LISBON,))
CARLOS = CustomerProfile(name="Carlos Méndez", booking="LT-40127", account_id="ACC-1002", verified=True,
                         bookings=(PALMA, CUSCO))


def test_a_signed_in_customer_asking_about_their_flight_is_told_their_bookings_facts_first(brain):
    decision = say(brain, "Is my flight on time?", customer=ANA)[-1]

    assert decision.topic == "flight_status"
    assert decision.reply.startswith(
        "Your booking LT-4821 (Lisbon → Toronto, 2 adults) departs 14 Dec 2026 08:40 and is confirmed. ")


def test_the_facts_line_comes_before_the_usual_answer_not_instead_of_it(brain):
    with_facts = say(brain, "Is my flight on time?", customer=ANA)[-1]
    without = say(brain, "Is my flight on time?")[-1]

    assert with_facts.reply.endswith(without.reply)


def test_the_booking_the_customer_mentions_is_the_one_described(brain):
    decision = say(brain, "What's the status of my flight LT-40388?", customer=CARLOS)[-1]

    assert "LT-40388 (Bogotá → Cusco, 1 adult) departs 20 Feb 2027 and is pending" in decision.reply
    assert "LT-40127" not in decision.reply


def test_a_reference_given_earlier_in_the_conversation_chooses_the_booking_later(brain):
    decisions = say(brain, "I'd like to change my booking LT-40388", "and can I check in online?", customer=CARLOS)

    assert decisions[-1].topic == "check_in"
    assert "LT-40388" in decisions[-1].reply and "LT-40127" not in decisions[-1].reply


def test_with_several_bookings_and_none_mentioned_the_next_one_is_described_with_how_many_there_are(brain):
    decision = say(brain, "Is my flight on time?", customer=CARLOS)[-1]

    assert decision.reply.startswith("You have 2 bookings with us; the next one, LT-40127 "
                                     "(Madrid → Palma de Mallorca, hotel + flight), departs 8 Jan 2027")


def test_a_spanish_question_gets_the_line_in_spanish_with_the_trip_told_in_spanish_too(brain):
    decision = say(brain, "¿Mi vuelo sale a tiempo?", customer=ANA)[-1]

    assert decision.language == "es"
    assert decision.reply.startswith(
        "Tu reserva LT-4821 (Lisboa → Toronto, 2 adultos) sale el 14 dic 2026 08:40 y está confirmada.")


def test_every_booking_related_topic_gets_the_line_and_others_do_not(brain):
    asked = {"Can I cancel my trip?": "cancellation", "Can I change the date of my flight?": "booking_change",
             "When does online check-in open?": "check_in", "When will I get my refund?": "refund",
             "How many bags can I bring?": "baggage"}
    for message, topic in asked.items():
        decision = say(brain, message, customer=ANA)[-1]
        assert decision.topic == topic, message
        assert ("LT-4821" in decision.reply) == (topic != "baggage"), message


def test_the_look_up_is_recorded_as_a_signal_with_the_reference(brain):
    decision = say(brain, "What's the status of my flight LT-40388?", customer=CARLOS)[-1]

    assert any(s.name == "booking.looked_up" and s.evidence.startswith("LT-40388") for s in decision.signals)
    assert "booking.looked_up" in decision.explain()


def test_an_unverified_profile_gets_no_booking_facts(brain):
    typed_not_signed = replace(ANA, verified=False)
    decision = say(brain, "Is my flight on time?", customer=typed_not_signed)[-1]

    assert "LT-4821" not in decision.reply and "Toronto" not in decision.reply
    assert not any(s.name == "booking.looked_up" for s in decision.signals)


def test_a_reference_that_is_not_theirs_reveals_nothing_and_says_what_llamita_can_look_up(brain):
    decision = say(brain, "What's the status of my flight LT-40388?", customer=ANA)[-1]

    assert decision.topic in BOOKING_TOPICS  # a question where Ana's own booking would have been told
    assert "LT-40388" not in decision.reply and "Cusco" not in decision.reply
    assert "Toronto" not in decision.reply  # nor their own booking, which they did not ask about
    assert decision.reply.startswith("I can only look up the bookings on the account you're signed in with.")


def test_an_anonymous_visitor_typing_a_reference_is_told_only_signed_in_customers_bookings_are_looked_up(brain):
    decision = say(brain, "What's the status of my flight LT-4821?")[-1]

    assert decision.topic in BOOKING_TOPICS
    assert "Toronto" not in decision.reply and "LT-4821" not in decision.reply
    assert decision.reply.startswith("I can only look up bookings for customers signed in on our website.")


def test_the_booking_line_changes_neither_the_action_nor_the_topic_nor_the_memory(brain):
    for message in ("Is my flight on time?", "Can I cancel LT-40388?", "my account was hacked, LT-40127"):
        with_facts = say(brain, message, customer=CARLOS)[-1]
        without = say(brain, message, customer=replace(CARLOS, bookings=()))[-1]
        assert (with_facts.action, with_facts.topic, with_facts.reason, with_facts.memory) == (
            without.action, without.topic, without.reason, without.memory), message


def test_a_hand_over_summary_lists_the_verified_customers_bookings(brain):
    decision = say(brain, "I want to talk to a person about LT-40388", customer=CARLOS)[-1]

    assert decision.action is Action.HANDOVER
    assert "Bookings on file: LT-40127 Madrid → Palma de Mallorca" in decision.summary
    assert "LT-40388 Bogotá → Cusco, 1 adult, departs 2027-02-20, pending" in decision.summary


def test_a_departure_is_written_the_way_each_language_writes_dates():
    written = {lang: departure_text("2027-01-08", lang) for lang in ("en", "de", "fr", "nl")}

    assert written == {"en": "8 Jan 2027", "de": "8. Jan. 2027", "fr": "8 janv. 2027", "nl": "8 jan 2027"}
    assert departure_text("after the strike", "en") == "after the strike"
