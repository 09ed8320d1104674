"""RoutingService's side for supervisors and trainers: the report, customers' feedback, trainers' notes,
the training export. Adapters reach it as `service.learning`.
"""
from __future__ import annotations

from datetime import datetime
from typing import AsyncIterator, Callable

from routing import feedback, training
from routing.cases import MAX_CASE_ID, CaseNotFound
from routing.config import OperatorConfig
from routing.feedback import MAX_COMMENT_CHARS, FeedbackRefused, Saved
from routing.metrics import Metrics
from routing.models import Case
from routing.redact import mask_card_numbers
from routing.report import Period, Report
from routing.store import Store
from routing.training import MAX_NOTE_CHARS, REASONS, Note
from routing.views import StaffMember

EXPORT_BATCH = 200


class Learning:
    def __init__(self, store: Store, operator: OperatorConfig, clock: Callable[[], datetime]):
        self.store = store
        self.operator = operator
        self.clock = clock
        self.metrics = Metrics(operator)

    # ------------------------------------------------------------------ the report

    async def report(self, period: Period, team: str | None = None, language: str | None = None) -> Report:
        if team is not None and team not in {known.id for known in self.operator.teams}:
            raise ValueError(f"unknown team {team!r}")
        return await self.store.read_raw(self.metrics.report, period, team, language, self.clock())

    def period(self, name: str) -> Period:
        return Period.named(name, self.clock())

    # ------------------------------------------------------------------ customers' feedback

    def ask_about_answer(self, conversation_id: str, seq: int, last_asked: datetime | None) -> bool:
        return feedback.ask_about_answer(self.operator.feedback.answers, conversation_id, seq, last_asked,
                                         self.clock())

    @property
    def answers_cooldown(self) -> bool:
        return self.operator.feedback.answers.cooldown_minutes > 0

    async def answers_asked_at(self, conversation_id: str) -> datetime | None:
        return await self.store.read(feedback.answers_asked_at, conversation_id)

    async def mark_answers_asked(self, conversation_id: str) -> datetime:
        now = self.clock()
        await self.store.write(feedback.mark_answers_asked, conversation_id, now)
        return now

    async def answer_feedback(self, conversation_id: str, seq: int, helpful: bool) -> Saved:
        """"Did this help?" on one of Llamita's answers; FeedbackRefused when `seq` is not one."""
        return await self.store.write(feedback.record_answer_feedback, conversation_id, seq, helpful, self.clock())

    async def rate(self, conversation_id: str, case_id: int, score: int | None, comment: str | None = None) -> Saved:
        """A 1-5 rating (score None: no thanks) of a case people resolved in this conversation."""
        if score is not None and (isinstance(score, bool) or score not in range(1, 6)):
            raise FeedbackRefused("a rating is a whole number from 1 to 5")
        if comment is not None:
            comment = comment.strip()
            if len(comment) > MAX_COMMENT_CHARS:
                raise FeedbackRefused(f"a comment is limited to {MAX_COMMENT_CHARS} characters")
            comment = mask_card_numbers(comment) if comment else None
        return await self.store.write(feedback.record_rating, conversation_id, case_id, score, comment, self.clock())

    # ------------------------------------------------------------------ trainers' notes

    async def add_note(self, case_id: int, staff: StaffMember, text: str) -> Note:
        text = " ".join(text.split()) if "\n" not in text else text.strip()
        if not text:
            raise ValueError("a note needs some text")
        if len(text) > MAX_NOTE_CHARS:
            raise ValueError(f"a note is limited to {MAX_NOTE_CHARS} characters")
        if "\x00" in text:
            raise ValueError("a note cannot contain NUL characters")

        def add(session) -> Note:
            if not 0 < case_id <= MAX_CASE_ID or session.get(Case, case_id) is None:
                raise CaseNotFound(f"no case {case_id}")
            return training.add_note(session, case_id, staff, mask_card_numbers(text), self.clock())

        return await self.store.write(add)

    async def notes(self, case_id: int) -> list[Note]:
        return await self.store.read(training.notes_of, case_id)

    # ------------------------------------------------------------------ the export

    async def export(self, since: datetime | None = None,
                     reasons: frozenset[str] | None = None) -> AsyncIterator[dict]:
        """Flagged conversations, one record each (routing/training.py), read a batch at a time."""
        unknown = set(reasons or ()) - set(REASONS)
        if unknown:
            raise ValueError(f"unknown reasons {sorted(unknown)}; known: {', '.join(REASONS)}")
        ids = await self.store.read(training.flagged_conversations, self.operator, since, reasons)
        for start in range(0, len(ids), EXPORT_BATCH):
            batch = ids[start:start + EXPORT_BATCH]
            for record in await self.store.read(training.export_records, self.operator, batch):
                yield record
