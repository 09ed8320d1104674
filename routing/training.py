"""The learning loop: which conversations go to the people who train Llamita, their notes, and the export.

A case is flagged, with its reasons, when it was handed over, abandoned, badly rated, when the
customer found one of Llamita's answers unhelpful, when they insisted on a person after Llamita had
to say no (a hand-over because they asked for a person, after an answer on one of the operator's
firm-policy topics), or when a staff member wrote a note for the trainers. Flags are not stored: they
are these rules over what is (the same ones the report counts, routing/metrics.py), so a case the
scheduler abandons, or a rating given later, flags it without anyone having to remember to.

`export_records` gives one JSON-ready record per conversation, personal data masked
(routing/personal.py); docs/training-export.md describes the format.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select
from sqlmodel import Session

from routing.config import OperatorConfig
from routing.models import (
    AnswerFeedback,
    Author,
    Case,
    CaseRating,
    Conversation,
    Customer,
    DemoAccount,
    DemoBooking,
    Message,
    TrainingNote,
)
from routing.personal import Profile, masker
from routing.views import StaffMember

FORMAT = "llamita-training/1"
REASONS = ("handed_over", "abandoned", "bad_rating", "unhelpful_answer", "insisted_after_no", "noted")
MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class Note:
    id: int
    case_id: int
    author_id: str
    author_name: str
    channel: str
    text: str
    at: datetime

    @classmethod
    def of(cls, row: TrainingNote) -> "Note":
        return cls(row.id, row.case_id, row.author_id, row.author_name, row.channel, row.text, row.at)

    def to_json(self) -> dict:
        return {"case": self.case_id, "by": self.author_name, "channel": self.channel, "text": self.text,
                "at": self.at.isoformat()}


# ---------------------------------------------------------------------- notes

def add_note(session: Session, case_id: int, staff: StaffMember, text: str, now: datetime) -> Note:
    row = TrainingNote(case_id=case_id, author_id=staff.id, author_name=staff.name, channel=staff.channel,
                       text=text, at=now)
    session.add(row)
    session.flush()
    return Note.of(row)


def notes_of(session: Session, case_id: int) -> list[Note]:
    return [Note.of(row) for row in session.scalars(
        select(TrainingNote).where(TrainingNote.case_id == case_id).order_by(TrainingNote.id))]


# ---------------------------------------------------------------------- flags

def case_flags(case: Case, rating: int | None, unhelpful: bool, noted: bool, operator: OperatorConfig) -> list[str]:
    """The reasons a case goes to the trainers (pure; the SQL in routing/metrics.py counts the same)."""
    flags = []
    if case.handed_over_at is not None:
        flags.append("handed_over")
    if case.state == "abandoned":
        flags.append("abandoned")
    if rating is not None and rating <= operator.training.low_rating:
        flags.append("bad_rating")
    if unhelpful:
        flags.append("unhelpful_answer")
    if (case.handed_over_at is not None and case.reason == "human_request"
            and case.topic in operator.training.firm_policy_topics):
        flags.append("insisted_after_no")
    if noted:
        flags.append("noted")
    return flags


def flagged_conversations(session: Session, operator: OperatorConfig, since: datetime | None,
                          reasons: frozenset[str] | None) -> list[str]:
    """Conversations with a flagged case opened since `since` (with one of `reasons`, if given), oldest first."""
    query = select(Case.id, Case.conversation_id, Case.state, Case.reason, Case.topic, Case.handed_over_at)
    if since is not None:
        query = query.where(Case.opened_at >= since)
    unhelpful = set(session.scalars(select(AnswerFeedback.case_id).where(AnswerFeedback.helpful.is_(False))))
    noted = set(session.scalars(select(TrainingNote.case_id)))
    ratings = dict(session.execute(select(CaseRating.case_id, CaseRating.score)
                                   .where(CaseRating.score.is_not(None))).all())
    found: dict[str, None] = {}
    for case_id, conversation_id, state, reason, topic, handed_over_at in session.execute(
            query.order_by(Case.opened_at, Case.id)):
        case = SimpleNamespace(state=state, reason=reason, topic=topic, handed_over_at=handed_over_at)
        flags = case_flags(case, ratings.get(case_id), case_id in unhelpful, case_id in noted, operator)
        if flags and (reasons is None or reasons.intersection(flags)):
            found.setdefault(conversation_id, None)
    return list(found)


# ---------------------------------------------------------------------- the export

def export_records(session: Session, operator: OperatorConfig, conversation_ids: list[str]) -> list[dict]:
    """The records of these conversations (one each), personal data masked."""
    if not conversation_ids:
        return []
    conversations = {row.id: row for row in session.scalars(
        select(Conversation).where(Conversation.id.in_(conversation_ids)))}
    customers = {row.id: row for row in session.scalars(
        select(Customer).where(Customer.id.in_({c.customer_id for c in conversations.values()})))}
    cases: dict[str, list[Case]] = {}
    for case in session.scalars(select(Case).where(Case.conversation_id.in_(conversation_ids)).order_by(Case.id)):
        cases.setdefault(case.conversation_id, []).append(case)
    case_ids = [case.id for found in cases.values() for case in found]
    messages: dict[str, list[Message]] = {}
    for message in session.scalars(select(Message).where(Message.conversation_id.in_(conversation_ids))
                                   .order_by(Message.conversation_id, Message.seq)):
        messages.setdefault(message.conversation_id, []).append(message)
    helpful = {(row.conversation_id, row.seq): row.helpful for row in session.scalars(
        select(AnswerFeedback).where(AnswerFeedback.conversation_id.in_(conversation_ids)))}
    ratings = {row.case_id: row for row in session.scalars(select(CaseRating).where(CaseRating.case_id.in_(case_ids)))}
    notes: dict[int, list[TrainingNote]] = {}
    for note in session.scalars(select(TrainingNote).where(TrainingNote.case_id.in_(case_ids))
                                .order_by(TrainingNote.id)):
        notes.setdefault(note.case_id, []).append(note)

    records = []
    for conversation_id in conversation_ids:
        conversation = conversations.get(conversation_id)
        if conversation is None:
            continue
        mask = masker(_profile(session, customers.get(conversation.customer_id)))
        record_cases, reasons = [], []
        for case in cases.get(conversation_id, []):
            rating = ratings.get(case.id)
            unhelpful = any(helpful.get((conversation_id, m.seq)) is False
                            for m in messages.get(conversation_id, []) if m.case_id == case.id)
            flags = case_flags(case, rating.score if rating else None, unhelpful, case.id in notes, operator)
            reasons.extend(flag for flag in flags if flag not in reasons)
            record_cases.append(_case_record(case, flags, rating, notes.get(case.id, []), mask))
        record_messages = [
            {"seq": m.seq, "case": m.case_id, "author": m.author, "text": mask(m.text), "at": m.created_at.isoformat(),
             "language": m.language, "topic": m.topic, "helpful": helpful.get((conversation_id, m.seq)),
             **({"name": m.author_name} if m.author in (Author.STAFF.value, Author.NOTE.value) else {})}
            for m in messages.get(conversation_id, [])]
        records.append({"format": FORMAT, "conversation": conversation_id, "channel": conversation.channel,
                        "language": conversation.language, "started_at": conversation.created_at.isoformat(),
                        "reasons": reasons, "cases": record_cases, "messages": record_messages})
    return records


def _case_record(case: Case, flags: list[str], rating: CaseRating | None, notes: list[TrainingNote], mask) -> dict:
    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    def seconds(start: datetime | None, end: datetime | None) -> float | None:
        return round((end - start).total_seconds(), 3) if start and end else None

    return {
        "case": case.id, "flags": flags, "reason": case.reason, "team": case.team, "topic": case.topic,
        "language": case.language, "signals": json.loads(case.signals or "[]"),
        "actions": json.loads(case.actions or "[]"), "summary": mask(case.summary),
        "sentiment": {"start": case.first_sentiment, "at_hand_over": case.handover_sentiment,
                      "end": case.closing_sentiment if case.closing_sentiment is not None or case.handed_over_at
                      else case.sentiment},
        "outcome": {
            "state": case.state, "handed_over": case.handed_over_at is not None,
            "claimed": case.claimed_at is not None,
            "opened_at": moment(case.opened_at), "handed_over_at": moment(case.handed_over_at),
            "closed_at": moment(case.closed_at),
            "seconds_to_resolve": seconds(case.handed_over_at, case.closed_at) if case.state == "resolved" else None,
            "rating": rating.score if rating else None,
            "rating_comment": mask(rating.comment) if rating else None,
        },
        "notes": [{"by": note.author_name, "channel": note.channel, "text": mask(note.text),
                   "at": note.at.isoformat()} for note in notes],
    }


def _profile(session: Session, customer: Customer | None) -> Profile | None:
    """What the verified profile says (only a signed-in customer has one: a visitor typed nothing we can trust
    as theirs, though e-mails, phones and cards in their words are masked all the same)."""
    if customer is None:
        return None
    names, emails, references = [customer.name], [customer.email], [customer.external_id, customer.account_id]
    if customer.account_id:
        account = session.get(DemoAccount, customer.account_id)
        if account is not None:
            names.append(account.name)
            emails.append(account.email)
        references.extend(session.scalars(select(DemoBooking.reference)
                                          .where(DemoBooking.account_id == customer.account_id)))
    return Profile(tuple(n for n in names if n), tuple(e for e in emails if e), tuple(r for r in references if r))
