"""The supervisors' report over a known history: every figure, worked out by hand (tests/stats/history.py).

Six conversations in the period (and one 40 days before it, which must not count):
  bags     answered by Llamita (baggage), "Did this help?" yes                        -> kept by Llamita
  refund   refund answer, "not helpful", then "a person, please": general team; claimed 120 s after the
           hand-over, resolved after 600 s, rated 2                                      -> insisted after a no
  legal    legal threat: Compliance; claimed after 300 s, resolved after 1200 s, rated 5
  waiting  legal threat nobody claims, abandoned                                      -> abandoned waiting
  left     check-in answer, then the customer left: abandoned with Llamita
  es       a Spanish baggage question, answered                                        -> kept by Llamita
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.sentiment import sentiment_of
from routing.report import Period, Spread
from tests.stats.history import ANA, LEGAL, START

DAY = Period("test", START - timedelta(days=1), START + timedelta(days=1))


def mean(*values: float) -> float:
    return sum(values) / len(values)


async def test_every_figure_of_a_known_history(history):
    report = await history.service.learning.report(DAY)
    data = report.to_json()

    assert report.conversations == 6
    assert data["handed_over"] == {"n": 3, "of": 6, "share": 0.5}
    assert [(line.key, line.n) for line in report.by_reason] == [("legal", 2), ("human_request", 1)]
    assert [(line.label, line.n) for line in report.by_team] == [("Compliance", 2), ("Customer Engagement", 1)]
    assert data["kept_by_llamita"] == {"n": 2, "of": 6, "share": pytest.approx(1 / 3)}

    # Messages the customer saw exchanged: bags and es 2 each; refund 6 (question, answer, "a person", the
    # hand-over line, Ana's reply, the customer's answer), legal 4. Status lines do not count.
    assert report.messages_llamita == Spread(2, 2.0, 2.0)
    assert report.messages_people == Spread(2, 5.0, 6.0)

    assert (report.abandoned.n, report.abandoned.of) == (2, 6)
    assert (report.abandoned_with_llamita.n, report.abandoned_with_llamita.of) == (1, 3)
    assert (report.abandoned_waiting.n, report.abandoned_waiting.of) == (1, 3)
    assert (report.abandoned_with_person.n, report.abandoned_with_person.of) == (0, 3)

    assert report.time_to_claim == Spread(2, 210.0, 300.0)
    assert report.time_to_resolve == Spread(2, 900.0, 1200.0)
    assert [(line.key, line.n, line.value) for line in report.resolve_by_reason] == [
        ("human_request", 1, 600.0), ("legal", 1, 1200.0)]

    # Mood: first turn -> end. The waiting case has no words after its hand-over, so no end.
    legal, furious, thanks = sentiment_of(LEGAL), sentiment_of("This is ridiculous, I am furious"), \
        sentiment_of("Thank you so much, that was great!")
    assert furious < 0 < thanks and legal < 0
    mood = report.sentiment
    assert (mood.n, mood.improved, mood.worsened) == (5, 1, 1)
    assert mood.before == pytest.approx(mean(0, 0, legal, 0, 0))
    assert mood.after == pytest.approx(mean(0, furious, thanks, 0, 0))
    before = report.sentiment_before_handover
    assert (before.n, before.improved, before.worsened) == (3, 0, 0)
    assert before.before == pytest.approx(mean(0, legal, legal)) == pytest.approx(before.after)
    after = report.sentiment_after_handover
    assert (after.n, after.improved, after.worsened) == (2, 1, 1)
    assert after.before == pytest.approx(mean(0, legal)) and after.after == pytest.approx(mean(furious, thanks))

    assert [(line.label, line.n) for line in report.topics_handed_over] == [("(no topic)", 2), ("refund", 1)]
    assert [(line.label, line.n) for line in report.topics_unresolved] == [("(no topic)", 1), ("check in", 1)]

    assert [(line.key, line.n, line.value, line.extra) for line in report.feedback_topics] == [("refund", 1, 1.0, 1)]
    [answer] = report.unhelpful_answers
    assert (answer.topic, answer.unhelpful, answer.n) == ("refund", 1, 1)
    refund_answer = [m.text for m in await history.service.messages_after(history.chats["refund"], 0)
                     if m.author == "bot"][0]
    # The excerpt is the answer that was rated, its spacing made one line.
    assert answer.excerpt and " ".join(refund_answer.split()).startswith(answer.excerpt.rstrip("…")[:60])
    assert (report.helpful.n, report.helpful.of) == (1, 2)

    assert (report.ratings.n, report.ratings.of) == (2, 2)
    assert report.rating_mean == 3.5
    assert report.rating_counts == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert (report.satisfied.n, report.satisfied.of) == (1, 2)
    assert [(line.key, line.n, line.value) for line in report.rating_by_language] == [("en", 2, 3.5)]

    assert (report.insisted_after_no.n, report.insisted_after_no.of) == (1, 3)
    assert [(line.key, line.n) for line in report.insisted_topics] == [("refund", 1)]
    assert [(line.key, line.n, line.value) for line in report.handover_by_topic] == [
        ("baggage", 2, 0.0), ("check_in", 1, 0.0), ("refund", 1, 1.0)]

    assert (report.flagged.n, report.flagged.of) == (4, 6)
    assert {line.key: line.n for line in report.flagged_by_reason} == {
        "handed_over": 3, "abandoned": 2, "bad_rating": 1, "unhelpful_answer": 1, "insisted_after_no": 1}
    assert (report.model_turns, report.model_fallbacks, report.model_tokens) == (0, 0, 0)


async def test_a_team_sees_its_own_hand_overs_against_every_conversation(history):
    report = await history.service.learning.report(DAY, team="compliance")
    assert report.team_name == "Compliance"
    assert (report.handed_over.n, report.handed_over.of) == (2, 6)
    assert report.kept_by_llamita is None and report.abandoned_with_llamita is None
    assert report.time_to_claim == Spread(1, 300.0, 300.0)
    assert report.time_to_resolve == Spread(1, 1200.0, 1200.0)
    assert (report.abandoned_waiting.n, report.abandoned_waiting.of) == (1, 2)
    assert (report.ratings.n, report.rating_mean) == (1, 5.0)
    assert (report.flagged.n, report.flagged.of) == (2, 2)
    assert report.notes


async def test_a_language_narrows_every_figure(history):
    report = await history.service.learning.report(DAY, language="es")
    assert report.conversations == 1
    assert (report.handed_over.n, report.kept_by_llamita.n) == (0, 1)
    assert report.flagged.n == 0


async def test_the_notes_staff_write_flag_a_conversation_llamita_kept(history):
    learning = history.service.learning
    await learning.add_note(history.cases["bags"], ANA, "The baggage answer misses the sports kit rule.")
    report = await learning.report(DAY)
    assert (report.flagged.n, {line.key: line.n for line in report.flagged_by_reason}["noted"]) == (5, 1)


async def test_a_period_with_no_data_says_so(history):
    report = await history.service.learning.report(Period("later", START + timedelta(days=2),
                                                          START + timedelta(days=3)))
    assert report.empty and report.conversations == 0
    assert report.time_to_claim == Spread(0, None, None) and report.rating_mean is None


async def test_an_unknown_team_is_refused(history):
    with pytest.raises(ValueError):
        await history.service.learning.report(DAY, team="bananas")


def test_periods_are_today_7d_and_30d_in_utc():
    now = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc)
    assert Period.named("today", now).start == datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert Period.named("7d", now).start == now - timedelta(days=7)
    assert Period.named("30D", now).end == now
    for bad in ("17", "bananas", "1y"):
        with pytest.raises(ValueError):
            Period.named(bad, now)


def test_medians_and_the_90th_percentile_are_exact():
    assert Spread.of([5, 1, 3]) == Spread(3, 3.0, 5.0)
    assert Spread.of(list(range(1, 11))) == Spread(10, 5.5, 9.0)
    assert Spread.of_histogram({2: 3, 7: 1}) == Spread(4, 2.0, 7.0)
