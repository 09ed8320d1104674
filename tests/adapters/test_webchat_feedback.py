"""Customers' feedback through the real chat socket: "Did this help?" under Llamita's answers, a 1-5 rating
after people resolved the case; both land in the supervisors' figures (docs/webchat-protocol.md)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from routing.config import AnswerFeedbackSettings, RatingSettings
from routing.feedback import ask_about_answer, ask_for_rating, sampled
from routing.report import Period
from routing.views import StaffMember
from tests.chat_client import ChatClient

ANA = StaffMember("desk:ana", "Ana", "desk")


def everything(service) -> Period:
    now = service.clock()
    return Period("all", now - timedelta(days=1), now + timedelta(days=1))


async def test_feedback_and_rating_from_the_widget_land_in_the_figures(server, http):
    service = server.runtime.service
    customer = ChatClient(http, server.ws_url)
    await customer.connect()

    await customer.send("How many bags can I bring?")
    answer = await customer.next_frame(lambda f: f["type"] == "message" and f["author"] == "bot")
    assert answer["feedback"] is True
    question = await customer.next_frame(lambda f: f["type"] == "message" and f["author"] == "customer")
    assert "feedback" not in question

    await customer.ws.send_json({"type": "feedback", "seq": question["seq"], "helpful": True})
    refused = await customer.next_frame(lambda f: f["type"] == "error")
    assert refused["code"] == "bad_feedback" and refused["seq"] == question["seq"]
    await customer.ws.send_json({"type": "feedback", "seq": answer["seq"], "helpful": True})
    await customer.ws.send_json({"type": "feedback", "seq": answer["seq"], "helpful": False})   # changed their mind
    for helpful in (True, False):
        saved = await customer.next_frame(lambda f: f["type"] == "feedback_saved")
        assert saved == {"type": "feedback_saved", "seq": answer["seq"], "helpful": helpful}

    await customer.send("I want to talk to a person")
    hand_over = await customer.next_frame(lambda f: f["type"] == "message" and f["author"] == "bot")
    assert "feedback" not in hand_over                  # not an answer from the knowledge base
    [case] = await service.open_cases()
    await customer.ws.send_json({"type": "rating", "case": case.id, "score": 5})
    early = await customer.next_frame(lambda f: f["type"] == "error")
    assert early["code"] == "bad_rating" and early["case"] == case.id

    await service.claim(case.id, ANA)
    await service.resolve(case.id, ANA)
    resolved = await customer.next_frame(lambda f: f["type"] == "status" and f["state"] == "resolved")
    assert resolved["rating"] == {"case": case.id}

    # Coming back before rating: the welcome asks again.
    await customer.close()
    again = ChatClient(http, server.ws_url)
    welcome = await again.connect(token=customer.token, last_seq=customer.last_seq)
    assert welcome["rating"] == {"case": case.id} and welcome["limits"]["max_comment_chars"] == 1000

    await again.ws.send_json({"type": "rating", "case": case.id, "score": 9})
    assert (await again.next_frame(lambda f: f["type"] == "error"))["code"] == "bad_rating"
    await again.ws.send_json({"type": "rating", "case": case.id, "score": 4,
                              "comment": "Ana was great. Write to me at ana.souza@example.com"})
    saved = await again.next_frame(lambda f: f["type"] == "rating_saved")
    assert saved == {"type": "rating_saved", "case": case.id, "score": 4}

    report = await service.learning.report(everything(service))
    assert (report.helpful.n, report.helpful.of) == (0, 1)
    assert [(line.key, line.n, line.value) for line in report.feedback_topics] == [("baggage", 1, 1.0)]
    assert (report.ratings.n, report.ratings.of, report.rating_mean) == (1, 1, 4.0)
    assert report.rating_counts[4] == 1
    assert {line.key: line.n for line in report.flagged_by_reason}["unhelpful_answer"] == 1

    await again.close()
    rated = ChatClient(http, server.ws_url)
    assert "rating" not in await rated.connect(token=customer.token)
    await rated.close()


async def test_malformed_feedback_frames_are_answered_not_stored(server, http):
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    for frame in ({"type": "feedback", "seq": "3", "helpful": True}, {"type": "feedback", "seq": 1, "helpful": "yes"},
                  {"type": "feedback", "seq": True, "helpful": True}, {"type": "rating", "case": 1, "score": "5"},
                  {"type": "rating", "case": 99999999999, "score": 5}):
        await customer.ws.send_json(frame)
        error = await customer.next_frame(lambda f: f["type"] == "error")
        assert error["code"] in ("bad_feedback", "bad_rating")
    await customer.ws.send_json({"type": "rating", "case": 1, "score": 5})   # no such case in this conversation
    assert (await customer.next_frame(lambda f: f["type"] == "error"))["code"] == "bad_rating"
    await customer.close()


def test_sampling_is_the_same_for_the_same_answer_on_every_worker_and_a_share_overall():
    keys = [f"answer:c:{seq}" for seq in range(2000)]
    assert all(sampled(key, 1.0) for key in keys) and not any(sampled(key, 0.0) for key in keys)
    chosen = [key for key in keys if sampled(key, 0.25)]
    assert 400 < len(chosen) < 600 and chosen == [key for key in keys if sampled(key, 0.25)]


def test_a_customer_asked_recently_is_not_asked_again_until_the_cool_down_ends():
    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    answers = AnswerFeedbackSettings(sample=1.0, cooldown_minutes=10)
    assert ask_about_answer(answers, "c", 4, None, now)
    assert not ask_about_answer(answers, "c", 6, now - timedelta(minutes=9), now)
    assert ask_about_answer(answers, "c", 6, now - timedelta(minutes=10), now)
    ratings = RatingSettings(sample=1.0, cooldown_days=7)
    assert not ask_for_rating(ratings, 12, now - timedelta(days=6), now)
    assert ask_for_rating(ratings, 12, (now - timedelta(days=8)).replace(tzinfo=None), now)   # stored naive UTC
    assert not ask_for_rating(RatingSettings(sample=0.0), 12, None, now)
