"""The supervisors' report as one plain data structure: every place that shows the stats (Slack, Teams,
the command line, the desk) renders this, and nothing else.

Figures are about the conversations (cases: one query from the customer's first message to its
close; a chat that goes on after a resolution is a new one) opened in the period. Every share keeps
its base and every breakdown the number of cases behind each line, so a supervisor can tell a
pattern from noise. Medians are the middle value (the mean of the two middle ones for an even
count); the 90th percentile is the nearest rank (the smallest value at or above 90% of them).
"""
from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone

PERIODS = {"today": "today", "7d": "the last 7 days", "30d": "the last 30 days"}


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime      # inclusive, UTC
    end: datetime        # exclusive, UTC

    @classmethod
    def named(cls, name: str, now: datetime) -> "Period":
        """today (since 00:00 UTC), 7d or 30d (up to now); ValueError for anything else."""
        name = name.lower()
        if name == "today":
            return cls(PERIODS[name], datetime.combine(now.date(), time(), tzinfo=timezone.utc), now)
        if name in ("7d", "30d"):
            return cls(PERIODS[name], now - timedelta(days=int(name[:-1])), now)
        raise ValueError(f"unknown period {name!r}; use today, 7d or 30d")

    @classmethod
    def between(cls, since: date, until: date | None, now: datetime) -> "Period":
        """From the start of `since` to the end of `until` (or now), UTC."""
        start = datetime.combine(since, time(), tzinfo=timezone.utc)
        end = datetime.combine(until + timedelta(days=1), time(), tzinfo=timezone.utc) if until else now
        if end <= start:
            raise ValueError("the period ends before it starts")
        return cls(f"{since.isoformat()} to {(until or now.date()).isoformat()}", start, end)


@dataclass(frozen=True)
class Share:
    n: int               # how many
    of: int              # out of how many

    @property
    def share(self) -> float | None:
        return self.n / self.of if self.of else None


@dataclass(frozen=True)
class Spread:
    """Durations (seconds) or counts: how many values, their median and 90th percentile."""
    n: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls(0, None, None)
        ordered = sorted(values)
        return cls(len(ordered), float(statistics.median(ordered)),
                   float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]))

    @classmethod
    def of_histogram(cls, counts: dict[int, int]) -> "Spread":
        """The same from {value: how many times} (messages per case: no need to fetch every case)."""
        values: list[float] = []
        for value in sorted(counts):
            values.extend([float(value)] * counts[value])
        return cls.of(values)


@dataclass(frozen=True)
class Change:
    """How the customers' mood moved between two moments (sentiment -1..+1), over `n` cases."""
    n: int
    before: float | None     # mean at the first moment
    after: float | None      # mean at the second
    improved: int            # cases whose score went up
    worsened: int            # ... down

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: what (`key`, shown as `label`), how many cases are behind it, and a value."""
    key: str
    label: str
    n: int
    value: float | None = None       # a share, a mean, a median: said by the section
    extra: float | None = None


@dataclass(frozen=True)
class Answer:
    """A Llamita answer customers found unhelpful."""
    topic: str | None
    excerpt: str
    unhelpful: int
    n: int                           # every "Did this help?" answer it got
    language: str | None = None


@dataclass(frozen=True)
class Report:
    period: Period
    team: str | None
    team_name: str | None
    language: str | None
    generated_at: datetime
    conversations: int                         # opened in the period (all teams: hand-overs are a share of these)
    handed_over: Share                         # to people (to this team, with a team)
    by_reason: list[Line]                      # value: share of the hand-overs
    by_team: list[Line]
    kept_by_llamita: Share | None              # never handed over and not abandoned (None for a team)
    messages_llamita: Spread                   # messages until resolved, Llamita alone
    messages_people: Spread                    # ... with people (resolved cases)
    abandoned: Share
    abandoned_with_llamita: Share | None       # of the conversations Llamita kept
    abandoned_waiting: Share                   # of the hand-overs, before anyone claimed
    abandoned_with_person: Share               # of the hand-overs, after a claim
    time_to_claim: Spread                      # seconds from hand-over to the first claim
    time_to_resolve: Spread                    # seconds from hand-over to resolved
    sentiment: Change                          # first turn -> end
    sentiment_before_handover: Change          # first turn -> hand-over
    sentiment_after_handover: Change           # hand-over -> the customer's last words with people
    topics_handed_over: list[Line]
    topics_unresolved: list[Line]              # abandoned conversations
    feedback_topics: list[Line]                # value: share unhelpful; n: answers rated
    unhelpful_answers: list[Answer]
    helpful: Share                             # "Did this help?": yes, of all answered
    ratings: Share                             # rated, of asked
    rating_mean: float | None
    rating_counts: dict[int, int]              # 1..5
    satisfied: Share                           # ratings of 4 or 5, of all ratings
    insisted_after_no: Share                   # of the hand-overs
    insisted_topics: list[Line]
    resolve_by_reason: list[Line]              # value: median seconds to resolve
    rating_by_language: list[Line]             # value: mean rating
    handover_by_topic: list[Line]              # value: hand-over rate; n: conversations on the topic
    flagged: Share                             # for the trainers, of the conversations
    flagged_by_reason: list[Line]
    model_turns: int = 0                       # turns a language model took part in
    model_fallbacks: int = 0                   # ... where the offline brain had to decide
    model_tokens: int = 0
    notes: list[str] = field(default_factory=list)   # what the figures cannot say (no team for Llamita's cases)

    @property
    def empty(self) -> bool:
        return self.conversations == 0

    @property
    def scope(self) -> str:
        parts = [self.period.label]
        if self.team:
            parts.append(f"team {self.team_name or self.team}")
        if self.language:
            parts.append(f"language {self.language}")
        return ", ".join(parts)

    def to_json(self) -> dict:
        """Plain JSON (for `llamita stats --json`, the desk): shares and changes computed, times in ISO 8601."""
        def convert(value):
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {str(key): convert(item) for key, item in value.items()}
            if isinstance(value, list):
                return [convert(item) for item in value]
            return value

        data = convert(asdict(self))
        for name in ("handed_over", "kept_by_llamita", "abandoned", "abandoned_with_llamita", "abandoned_waiting",
                     "abandoned_with_person", "helpful", "ratings", "satisfied", "insisted_after_no", "flagged"):
            if data[name] is not None:
                data[name]["share"] = getattr(self, name).share
        for name in ("sentiment", "sentiment_before_handover", "sentiment_after_handover"):
            data[name]["change"] = getattr(self, name).change
        return data
