"""The policy, last: how the model's judgement and the offline brain's decision become one Decision (pure).

 - A hand-over the policy found for security, legal, distress, a request for a person or a hot topic
   stands whatever the model says; the model only writes its summary. Its disagreement is recorded
   (`llm.overruled`) for the people who train Llamita.
 - The model may add a hand-over (any reason but edge_case); the reply is Llamita's own vetted words.
 - The model may answer from a knowledge topic it was given (this is where it beats the offline
   brain), ask instead of answering, or answer where the offline brain would have handed over as an
   edge case after two unanswered turns.
 - Tools come from the policy only: `freeze_account` runs when the policy itself found a security
   reason and the customer's identity is verified, never on the model's say-so.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Sequence

from bot.bookings import booking_note
from bot.decision import Action, CustomerProfile, Decision, Memory, Policy, Signal, ToolCall, Turn
from bot.llm.schema import Judgement
from bot.replies import reply_language, say, staff_language_notice
from bot.summary import hand_over_summary

FROZEN_NOTE = "Llamita froze the customer's account; confirm with the customer before unfreezing."


def combine(policy_decision: Decision, judgement: Judgement, *, previous: Memory, message: str,
            history: Sequence[Turn], customer: CustomerProfile | None, policy: Policy, today: date) -> Decision:
    """The turn's decision: the policy's where it must stand, the model's where it may speak."""
    why = judgement.why.strip()[:200]
    if policy_decision.hands_over and policy_decision.reason != "edge_case":
        decision = _with_summary(policy_decision, judgement.staff_summary)
        if judgement.action != "handover" or judgement.handover_reason != policy_decision.reason:
            said = judgement.action if judgement.action != "handover" else f"handover for {judgement.handover_reason}"
            decision = _signal(decision, "llm.overruled", f"the model said {said}; the policy's "
                               f"{policy_decision.reason} hand-over stands")
        return policy_tools_only(decision, customer)

    if judgement.action == "handover":
        reason = judgement.handover_reason or "human_request"
        team = _team(reason, judgement.hot_topic_id, policy)
        return _hand_over(policy_decision, reason, team, previous=previous, message=message, history=history,
                          customer=customer, policy=policy, summary=judgement.staff_summary,
                          signals=(Signal(f"llm.handover.{reason}", judgement.hot_topic_id or why),))

    if judgement.action == "ask":
        streak = previous.unanswered_streak + 1
        if streak >= 2:
            return _hand_over(policy_decision, "edge_case", policy.team_for("edge_case"), previous=previous,
                              message=message, history=history, customer=customer, policy=policy,
                              summary=judgement.staff_summary, unanswered=True,
                              signals=(Signal("llm.ask", why), Signal("edge_case.second_unanswered_in_a_row",
                                                                       f"streak {streak}")))
        memory = _remember(policy_decision.memory, previous, topic=None, kind="unanswered", streak=streak)
        summary = judgement.staff_summary.strip() or policy_decision.summary or _offline_summary(
            policy_decision, memory, message, history, customer, policy, None, None, "ask")
        return Decision(Action.ASK, judgement.reply.strip(), policy_decision.language, memory,
                        signals=policy_decision.signals + (Signal("llm.ask", why),),
                        sentiment=policy_decision.sentiment, summary=summary)

    # answer
    if judgement.topic is None:  # small talk (the guard allows it only when the policy read small talk)
        memory = policy_decision.memory if policy_decision.action is Action.ANSWER and policy_decision.topic is None \
            else _remember(policy_decision.memory, previous, topic=None, kind="small_talk",
                           streak=previous.unanswered_streak)
        return Decision(Action.ANSWER, judgement.reply.strip(), policy_decision.language, memory,
                        signals=policy_decision.signals + (Signal("llm.small_talk", why),),
                        sentiment=policy_decision.sentiment)
    memory = _remember(policy_decision.memory, previous, topic=judgement.topic, kind="topic", streak=0)
    signals = tuple(s for s in policy_decision.signals if not s.name.startswith("booking."))
    signals += (Signal(f"llm.answer.{judgement.topic}", why),)
    reply = judgement.reply.strip()
    note = booking_note(judgement.topic, message, customer, previous.collected.get("booking"),
                        reply_language(policy_decision.language), today)
    if note.signal is not None:
        reply = f"{note.line}\n\n{reply}" if note.line else reply
        signals += (note.signal,)
    if policy_decision.hands_over:
        signals += (Signal("llm.answered_edge_case", "a grounded answer instead of a second unanswered turn"),)
    return Decision(Action.ANSWER, reply, policy_decision.language, memory, topic=judgement.topic,
                    signals=signals, sentiment=policy_decision.sentiment)


def _with_summary(decision: Decision, summary: str) -> Decision:
    summary = summary.strip()
    if not summary:
        return decision
    frozen = any(tool.name == "freeze_account" for tool in decision.tools)
    if frozen and FROZEN_NOTE not in summary:
        summary = f"{summary} {FROZEN_NOTE}"   # a safety fact the model must not be able to leave out
    return _signal(replace(decision, summary=summary), "llm.summary", "written by the model")


def policy_tools_only(decision: Decision, customer: CustomerProfile | None) -> Decision:
    """Freezing needs the policy's own security reading and a verified identity, whatever anyone said."""
    security_found = decision.reason == "security" and any(
        s.name.startswith(("security.", "classifier.security")) for s in decision.signals)
    verified = customer is not None and customer.verified and bool(customer.account_id)
    kept: tuple[ToolCall, ...] = tuple(
        tool for tool in decision.tools if tool.name != "freeze_account" or (security_found and verified))
    return decision if kept == decision.tools else replace(decision, tools=kept)


def _team(reason: str, hot_topic_id: str | None, policy: Policy) -> str:
    if reason == "hot_topic":
        topic = next((t for t in policy.hot_topics if t.id == hot_topic_id), None)
        return topic.team if topic and topic.team else policy.default_team
    return policy.team_for(reason)


def _hand_over(policy_decision: Decision, reason: str, team: str, *, previous: Memory, message: str,
               history: Sequence[Turn], customer: CustomerProfile | None, policy: Policy, summary: str,
               signals: tuple[Signal, ...], unanswered: bool = False) -> Decision:
    """A hand-over the model asked for: Llamita's own words to the customer, and no tools."""
    language = policy_decision.language
    lang = reply_language(language)
    reply = say(f"handover_{reason}", lang)
    notice = staff_language_notice(language, policy.staff_languages, policy.machine_translation)
    if notice:
        reply = f"{reply} {notice}"
    streak = previous.unanswered_streak + 1 if unanswered else previous.unanswered_streak
    memory = _remember(policy_decision.memory, previous, topic=None, kind="handover", streak=streak)
    all_signals = policy_decision.signals + signals
    summary = summary.strip() or _offline_summary(policy_decision, memory, message, history, customer, policy,
                                                  reason, team, "handover", all_signals)
    return Decision(Action.HANDOVER, reply, language, memory, reason=reason, team=team, signals=all_signals,
                    sentiment=policy_decision.sentiment, summary=summary,
                    reply_language=None if lang == language else lang)


def _offline_summary(decision: Decision, memory: Memory, message: str, history: Sequence[Turn],
                     customer: CustomerProfile | None, policy: Policy, reason: str | None, team: str | None,
                     action: str, signals: tuple[Signal, ...] | None = None) -> str:
    said = [turn.text for turn in history if turn.author == "customer" and turn.text]
    return hand_over_summary(message=message, reason=reason, team=team, language=decision.language,
                             staff_languages=policy.staff_languages, memory=memory,
                             signals=signals if signals is not None else decision.signals, customer=customer,
                             first_message=said[0] if said else None, action=action, account_frozen=False)


def _remember(after_policy: Memory, previous: Memory, *, topic: str | None, kind: str, streak: int) -> Memory:
    """The policy's memory of this turn (language, details, mood), with the outcome the turn really had."""
    if kind == "small_talk":
        last_topic, last_kind = previous.last_topic, previous.last_kind or "small_talk"
    else:
        last_topic, last_kind = (topic if kind == "topic" else None), kind
    return replace(after_policy, topics=previous.topics + (topic,), unanswered_streak=streak,
                   last_topic=last_topic, last_kind=last_kind)


def _signal(decision: Decision, name: str, evidence: str) -> Decision:
    return replace(decision, signals=decision.signals + (Signal(name, evidence),))
