"""How Llamita decides: one behaviour per test, in the words a product owner would use."""
from __future__ import annotations

import json

from bot.decision import Action, CustomerProfile, Memory
from tests.transcript import say

# -- security -------------------------------------------------------------------------------

def test_a_customer_whose_card_was_stolen_is_handed_to_technical_and_their_account_is_frozen(brain):
    customer = CustomerProfile(name="Ana", account_id="ACC-1042", booking="LT-4821")
    decision = say(brain, "My credit card was stolen yesterday and someone is booking flights with it",
                   customer=customer)[-1]

    assert (decision.action, decision.reason, decision.team) == (Action.HANDOVER, "security", "technical")
    assert [(t.name, t.arguments) for t in decision.tools] == [("freeze_account", {"account_id": "ACC-1042"})]
    assert "frozen" in decision.reply and "security team" in decision.reply


def test_without_a_known_account_the_reply_says_a_specialist_will_secure_it_and_no_tool_is_called(brain):
    decision = say(brain, "there are charges on my card from Llama Travel that I never made")[-1]

    assert decision.reason == "security"
    assert decision.tools == ()
    assert "specialist" in decision.reply and "secure" in decision.reply


def test_the_freeze_notice_is_written_in_the_customers_language(brain):
    decision = say(brain, "Me robaron la tarjeta y hay compras que no hice",
                   customer=CustomerProfile(account_id="ACC-7"))[-1]

    assert decision.reason == "security" and decision.language == "es"
    assert "congelado tu cuenta" in decision.reply


def test_being_charged_twice_is_a_payment_question_not_a_security_incident(brain):
    decision = say(brain, "I was charged twice for the same hotel booking, can you refund one?")[-1]

    assert decision.action is Action.ANSWER and decision.topic == "payment"


# -- legal, distress, people -----------------------------------------------------------------

def test_a_passenger_rights_claim_goes_to_compliance(brain):
    decision = say(brain, "My flight was 5 hours late. Under EU261 I'm claiming the 400 euro compensation.")[-1]

    assert (decision.reason, decision.team) == ("legal", "compliance")


def test_a_lawyer_mentioned_in_passing_is_not_a_legal_matter(brain):
    decision = say(brain, "my dad is a lawyer going to a conference in Lima, does he need a visa?")[-1]

    assert decision.action is Action.ANSWER and decision.topic == "travel_documents"


def test_im_dying_to_visit_cusco_is_not_distress(brain):
    decision = say(brain, "I'm dying to visit Cusco! Do you have tour packages in May?")[-1]

    assert not decision.hands_over


def test_enthusiasm_in_capitals_is_not_shouting(brain):
    decision = say(brain, "WE'RE GETTING MARRIED IN CANCUN, SO EXCITED!!! can we book a package?")[-1]

    assert not decision.hands_over


def test_shouting_in_capitals_about_a_problem_is_distress(brain):
    decision = say(brain, "NOBODY HAS ANSWERED MY EMAILS FOR TWO WEEKS AND MY TRIP IS ON FRIDAY")[-1]

    assert (decision.reason, decision.team) == ("distress", "general")


def test_a_family_stranded_at_night_is_distress_even_when_they_also_ask_for_a_person(brain):
    decision = say(brain, "GET ME A HUMAN. our flight was cancelled, it's 1am, "
                          "we're stuck at the airport with a baby")[-1]

    assert decision.reason == "distress"


def test_asking_for_a_person_in_portuguese_hands_over_to_general(brain):
    decision = say(brain, "Quero falar com um atendente humano, por favor")[-1]

    assert (decision.reason, decision.team, decision.language) == ("human_request", "general", "pt")


def test_asking_whether_llamita_is_a_bot_is_small_talk(brain):
    decision = say(brain, "are you a bot?")[-1]

    assert decision.action is Action.ANSWER and decision.topic is None and not decision.hands_over


# -- answers, out of scope and edge cases ------------------------------------------------------

def test_answers_come_from_the_matching_article_in_the_customers_language(brain):
    decision = say(brain, "¿Cuánto equipaje incluye mi tarifa?")[-1]

    assert decision.topic == "baggage" and decision.language == "es"
    assert decision.reply == brain.kb.article("baggage", "es").answer


def test_a_precise_question_is_answered_with_the_passage_that_answers_it_in_the_customers_language(brain):
    decision = say(brain, "¿Cuántas maletas puedo facturar con tarifa Classic?")[-1]

    assert decision.topic == "baggage" and decision.language == "es"
    assert decision.reply == brain.kb.passage("baggage", "checked", "es").reply


def test_an_article_missing_in_the_customers_language_is_sent_in_english_with_a_note(policy):
    from bot.kb import Article, KnowledgeBase
    from bot.offline import OfflineBrain

    english_only = KnowledgeBase({("travel_advisory", "en"): Article(
        "travel_advisory", "en", "Travel advice", "Check vaccines with your doctor.", "")})
    decision = say(OfflineBrain(policy, english_only), "Welche Impfungen brauche ich für Peru?")[-1]

    assert decision.topic == "travel_advisory" and decision.language == "de"
    assert decision.reply_language == "en"
    assert decision.reply == ("(Diese Information habe ich im Moment nur auf Englisch.)\n\n"
                              "Check vaccines with your doctor.")


def test_an_out_of_scope_question_gets_a_clarifying_reply_that_asks_for_booking_and_dates(brain):
    decision = say(brain, "what's a good recipe for paella?")[-1]

    assert decision.action is Action.ASK and decision.topic is None
    assert "booking reference" in decision.reply and "dates" in decision.reply
    assert decision.memory.unanswered_streak == 1


def test_the_clarifying_reply_does_not_ask_again_for_a_booking_reference_it_already_has(brain):
    decision = say(brain, "can you fix my printer?", customer=CustomerProfile(booking="LT-1000"))[-1]

    assert "booking reference" not in decision.reply


def test_two_out_of_scope_turns_in_a_row_hand_over_as_edge_case(brain):
    decisions = say(brain, "who won the football last night?", "and the basketball?")

    assert [d.action for d in decisions] == [Action.ASK, Action.HANDOVER]
    assert (decisions[-1].reason, decisions[-1].team) == ("edge_case", "general")


def test_an_answerable_question_after_an_out_of_scope_one_is_answered_and_resets_the_streak(brain):
    decisions = say(brain, "what time is it in Tokyo?", "ok. can my cat travel in the cabin?")

    assert decisions[-1].topic == "pets"
    assert decisions[-1].memory.unanswered_streak == 0


def test_small_talk_neither_counts_as_unanswered_nor_resets_the_streak(brain):
    decisions = say(brain, "recommend me a netflix series", "thanks", "and a horror movie?")

    assert decisions[1].action is Action.ANSWER and decisions[1].memory.unanswered_streak == 1
    assert decisions[-1].reason == "edge_case"


def test_a_short_follow_up_continues_the_previous_topic(brain):
    decisions = say(brain, "Can my dog fly with me in the cabin?", "what kind of carrier do i need for him?")

    assert [d.topic for d in decisions] == ["pets", "pets"]


def test_a_banking_question_is_not_answered_from_an_unrelated_topic(brain):
    decision = say(brain, "how do I change the PIN of my debit card?")[-1]

    assert decision.topic is None and decision.action is Action.ASK


# -- hand-over quality --------------------------------------------------------------------------

def test_a_customer_writing_german_is_offered_the_staff_languages_or_machine_translation(brain):
    decision = say(brain, "Ich möchte bitte mit einem Mitarbeiter sprechen.")[-1]

    assert decision.hands_over and decision.language == "de"
    assert "Englisch, Spanisch oder Portugiesisch" in decision.reply
    assert "maschinelle Übersetzung" in decision.reply


def test_a_customer_writing_a_staff_language_is_not_offered_translation(brain):
    decision = say(brain, "Quiero hablar con una persona")[-1]

    assert decision.hands_over and "traducción" not in decision.reply


def test_the_summary_tells_the_person_taking_over_what_they_need(brain):
    customer = CustomerProfile(name="Marta", tier="premium", booking="LT-31337")
    decisions = say(brain, "Is my flight IB6845 on time on March 3rd?",
                    "I'M FURIOUS, IT WAS CANCELLED AND NOBODY TELLS ME ANYTHING", customer=customer)
    summary = decisions[-1].summary

    for expected in ("Marta", "premium", "LT-31337", "distress", "general", "flight_status", "IB6845", "upset"):
        assert expected in summary, expected


def test_every_decision_records_its_signals_and_explains_itself_in_one_line(brain):
    for message in ("Hi!", "how many bags can I bring?", "my account was hacked", "what's 2+2?"):
        decision = say(brain, message)[-1]
        assert decision.signals, message
        assert "\n" not in decision.explain() and decision.explain()


def test_sentiment_is_negative_for_an_angry_customer_and_positive_for_a_happy_one(brain):
    angry = say(brain, "this is terrible, I'm so frustrated, nobody helps me")[-1]
    happy = say(brain, "thanks a lot, that was really helpful!")[-1]

    assert -1.0 <= angry.sentiment < 0 < happy.sentiment <= 1.0


def test_memory_survives_a_json_round_trip(brain):
    memory = say(brain, "Hallo", "Mein Koffer ist nicht angekommen, Referenz MUC12345")[-1].memory

    assert Memory.from_json(memory.to_json()) == memory
    assert json.loads(memory.to_json())["collected"]["reference"] == "MUC12345"


def test_decisions_are_deterministic(brain, policy):
    from bot.offline import OfflineBrain

    other = OfflineBrain(policy)
    for message in ("hola, puedo llevar mi perro?", "someone took money from my account", "tell me a joke"):
        first, second = brain.decide(message, Memory()), other.decide(message, Memory())
        assert (first.action, first.topic, first.reason, first.reply) == \
               (second.action, second.topic, second.reason, second.reply)


def test_a_classifier_loaded_from_the_start_up_cache_decides_exactly_like_a_fresh_one(brain, tmp_path, monkeypatch):
    from bot import model

    monkeypatch.setenv("LLAMITA_CACHE_DIR", str(tmp_path))
    texts = ["my card was stolen", "how many bags can i bring", "hello there", "what is the weather"]
    labels = ["security", "baggage", "smalltalk", "out_of_scope"]
    fresh = model.trained_classifier(texts, labels, [1.0] * 4)
    cached = model.trained_classifier(texts, labels, [1.0] * 4)

    assert len(list(tmp_path.glob("classifier-*.npz"))) == 1
    for text in ("someone stole my card", "can i bring two bags", "hi"):
        assert cached.probabilities(text) == fresh.probabilities(text)


def test_the_start_up_cache_can_be_turned_off(tmp_path, monkeypatch):
    from bot import model

    monkeypatch.setenv("LLAMITA_CACHE_DIR", "off")
    model.trained_classifier(["a b", "c d"], ["x", "y"], [1.0, 1.0])

    assert model._cache_dir() is None


def test_a_few_small_talk_words_in_a_row_are_small_talk(brain):
    for message in ("lol ok", "ok great thanks", "haha yes", "hola, gracias!"):
        decision = say(brain, message)[-1]
        assert decision.action is Action.ANSWER and decision.topic is None, message


def test_a_continuation_of_an_unanswered_question_is_still_unanswered(brain):
    decisions = say(brain, "can you reserve a table at a tapas bar in Seville?", "for 4 people at 8pm on Friday")

    assert decisions[-1].reason == "edge_case"
