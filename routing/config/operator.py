"""The operator's file: teams, languages, channels, hot topics, service levels, working hours.

YAML, validated strictly; an error names the file and the line it is about.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.decision import REASONS, TOPICS, HotTopic, Policy

DEMO_CONFIG = Path(__file__).parent.parent / "demo" / "llama-travel.yml"
_LANGUAGE = re.compile(r"^[a-z]{2}$")


class ConfigError(ValueError):
    """The operator file is wrong; the message names the file, the line and what to change."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HotTopicConfig(_Strict):
    id: str
    team: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    expires: date | None = None
    knowledge_topic: str | None = None

    @field_validator("knowledge_topic")
    @classmethod
    def _known_topic(cls, value: str | None) -> str | None:
        if value is not None and value not in TOPICS:
            raise ValueError(f"unknown knowledge topic {value!r}; known: {', '.join(TOPICS)}")
        return value

    @model_validator(mode="after")
    def _recognisable(self) -> "HotTopicConfig":
        if not self.keywords and not self.examples:
            raise ValueError("a hot topic needs keywords or examples, or Llamita cannot recognise it")
        return self


STEP_MINUTES = ("remind_after_minutes", "remind_loudly_after_minutes", "escalate_after_minutes",
                "nudge_after_minutes", "offer_back_after_minutes", "abandon_after_minutes",
                "update_customer_every_minutes")


class ServiceLevels(_Strict):
    """How the scheduler chases a team's cases (docs/scheduler.md). Minutes; null turns a step off.

    Unclaimed: remind (the card says it is overdue), remind loudly (a reminder in the thread, @here in
    Slack), escalate (the case goes to `escalate_to` with who was reminded). Claimed: nudge the claimer
    when the customer has waited for a reply, then offer the case back to the team. Counted in the
    team's working hours; abandonment (the customer left) in plain time.
    """
    remind_after_minutes: float | None = Field(5, gt=0)
    remind_loudly_after_minutes: float | None = Field(10, gt=0)
    escalate_after_minutes: float | None = Field(15, gt=0)
    escalate_to: str | None = None          # a team id; None: the fallback team (default_team, else general)
    nudge_after_minutes: float | None = Field(5, gt=0)
    offer_back_after_minutes: float | None = Field(15, gt=0)
    abandon_after_minutes: float | None = Field(30, gt=0)
    update_customer_every_minutes: float = Field(2, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "ServiceLevels":
        for earlier, later in (("remind_after_minutes", "remind_loudly_after_minutes"),
                               ("remind_loudly_after_minutes", "escalate_after_minutes"),
                               ("remind_after_minutes", "escalate_after_minutes"),
                               ("nudge_after_minutes", "offer_back_after_minutes")):
            first, then = getattr(self, earlier), getattr(self, later)
            if first is not None and then is not None and first > then:
                raise ValueError(f"{earlier} ({first:g}) comes after {later} ({then:g}); "
                                 "each step of the ladder must come no earlier than the one before")
        return self


class ServiceLevelOverrides(_Strict):
    """A team's own service levels: whatever it leaves out comes from the file's `service_levels`."""
    remind_after_minutes: float | None = Field(None, gt=0)
    remind_loudly_after_minutes: float | None = Field(None, gt=0)
    escalate_after_minutes: float | None = Field(None, gt=0)
    escalate_to: str | None = None
    nudge_after_minutes: float | None = Field(None, gt=0)
    offer_back_after_minutes: float | None = Field(None, gt=0)
    abandon_after_minutes: float | None = Field(None, gt=0)
    update_customer_every_minutes: float | None = Field(None, gt=0)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class WorkingHours(_Strict):
    """When a team answers: opening spans per weekday in its time zone ("09:00-13:00, 14:00-18:00";
    a day left out is closed; "24:00" ends at midnight), and holidays (closed all day)."""
    time_zone: str = "UTC"
    mon: str | None = None
    tue: str | None = None
    wed: str | None = None
    thu: str | None = None
    fri: str | None = None
    sat: str | None = None
    sun: str | None = None
    holidays: tuple[date, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Madrid") from None
        return value

    @field_validator(*_DAYS)
    @classmethod
    def _spans(cls, value: str | None) -> str | None:
        if value is not None:
            parse_spans(value)
        return value

    @model_validator(mode="after")
    def _some_day_open(self) -> "WorkingHours":
        if not any(getattr(self, day) for day in _DAYS):
            raise ValueError("working hours open on no day; give at least one day (mon: \"09:00-18:00\")")
        return self

    def week(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Opening spans as (start, end) minutes after midnight, Monday first."""
        return tuple(parse_spans(getattr(self, day)) if getattr(self, day) else () for day in _DAYS)


def parse_spans(text: str) -> tuple[tuple[int, int], ...]:
    """"09:00-13:00, 14:00-18:00" -> ((540, 780), (840, 1080)); ValueError naming what is wrong."""
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not a span of time like \"09:00-18:00\"")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60 or start >= end:
            raise ValueError(f"{part.strip()!r} is not a span of time within one day (start before end, "
                             "at most 24:00)")
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ValueError(f"the spans in {text!r} overlap")
    return tuple(spans)


class TeamConfig(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    languages: tuple[str, ...] = ("en",)
    # adapter name -> that platform's channel id ("slack": "C0123ABC", "teams": "19:abc@thread.tacv2")
    channels: dict[str, str] = Field(default_factory=dict)
    service_levels: ServiceLevelOverrides | None = None   # what differs from the file's service_levels
    working_hours: WorkingHours | None = None             # None: the team answers at any hour

    @field_validator("languages")
    @classmethod
    def _languages_are_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _language_codes(value)
class Supervisor(_Strict):
    """Someone who may ask for the stats in Slack or Teams (`/llamita stats`, `stats`)."""
    name: str
    slack: str | None = Field(None, pattern=r"^[UW][A-Z0-9]{2,}$")   # Slack user id (profile -> Copy member ID)
    teams: str | None = None     # Teams: the user's Entra object id (or the 29:... id Teams sends)

    @model_validator(mode="after")
    def _somewhere(self) -> "Supervisor":
        if not self.slack and not self.teams:
            raise ValueError(f"supervisor {self.name!r} needs a slack user id or a teams id")
        return self


class AnswerFeedbackSettings(_Strict):
    """ "Did this help?" under Llamita's answers."""
    sample: float = Field(1.0, ge=0, le=1)             # share of answers that ask (0: never)
    cooldown_minutes: float = Field(0, ge=0)           # after asking a customer, wait this long to ask again


class RatingSettings(_Strict):
    """A 1-5 rating (and an optional comment) after a person resolved the case."""
    sample: float = Field(1.0, ge=0, le=1)             # share of resolved hand-overs that ask
    cooldown_days: float = Field(7, ge=0)              # a customer asked this recently is not asked again


class FeedbackSettings(_Strict):
    answers: AnswerFeedbackSettings = AnswerFeedbackSettings()
    rating: RatingSettings = RatingSettings()


class TrainingSettings(_Strict):
    """What flags a conversation for the people who train Llamita (besides hand-overs and abandonment)."""
    low_rating: int = Field(2, ge=1, le=5)             # a rating at or below this flags the case
    # Topics where the answer is often no whatever happens (a refund outside the policy): a customer who
    # asks for a person after Llamita answered one of them "insisted after a no".
    firm_policy_topics: tuple[str, ...] = ("refund",)

    @field_validator("firm_policy_topics")
    @classmethod
    def _known_topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [topic for topic in value if topic not in TOPICS]
        if unknown:
            raise ValueError(f"unknown knowledge topics {unknown}; known: {', '.join(TOPICS)}")
        return value


class OperatorConfig(_Strict):
    company: str = "Llama Travel"
    agent_name: str = "Llamita"
    staff_languages: tuple[str, ...] = ("en",)
    teams: tuple[TeamConfig, ...]
    routing: dict[str, str] = Field(default_factory=dict)
    default_team: str | None = None
    hot_topics: tuple[HotTopicConfig, ...] = ()
    service_levels: ServiceLevels = ServiceLevels()
    supervisors: tuple[Supervisor, ...] = ()
    feedback: FeedbackSettings = FeedbackSettings()
    training: TrainingSettings = TrainingSettings()

    def supervisor(self, platform: str, *user_ids: str | None) -> Supervisor | None:
        """The supervisor with one of these ids on `platform` ("slack", "teams"), or None."""
        wanted = {user_id for user_id in user_ids if user_id}
        return next((person for person in self.supervisors if getattr(person, platform, None) in wanted), None)

    @field_validator("staff_languages")
    @classmethod
    def _staff_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one language your staff work in")
        return _language_codes(value)

    def reference_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Cross-references the schema alone cannot check, each with where in the file it is."""
        ids = [team.id for team in self.teams]
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if not ids:
            problems.append((("teams",), "configure at least one team"))
        for index, team_id in enumerate(ids):
            if team_id in ids[:index]:
                problems.append((("teams", index, "id"), f"team id {team_id!r} is used twice"))
        for reason, team in self.routing.items():
            if reason not in REASONS or reason == "hot_topic":
                problems.append((("routing", reason), f"{reason!r} is not a hand-over reason (one of "
                                 f"{', '.join(r for r in REASONS if r != 'hot_topic')})"))
            elif team not in ids:
                problems.append((("routing", reason), f"unknown team {team!r}; teams are {ids}"))
        for index, topic in enumerate(self.hot_topics):
            if topic.team not in ids:
                problems.append((("hot_topics", index, "team"),
                                 f"hot topic {topic.id!r} goes to unknown team {topic.team!r}; teams are {ids}"))
        if self.default_team is not None and self.default_team not in ids:
            problems.append((("default_team",), f"{self.default_team!r} is not one of the teams {ids}"))
        if problems:
            return problems
        problems += self._ladder_problems()
        return problems

    def _ladder_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Each team's service levels (the file's, with the team's own on top) must make a ladder that works."""
        ids = [team.id for team in self.teams]
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.service_levels.escalate_to is not None and self.service_levels.escalate_to not in ids:
            problems.append((("service_levels", "escalate_to"),
                             f"unknown team {self.service_levels.escalate_to!r}; teams are {ids}"))
            return problems
        for index, team in enumerate(self.teams):
            where = ("teams", index, "service_levels")
            own = team.service_levels
            if own is not None and own.escalate_to is not None and own.escalate_to not in ids:
                problems.append((where + ("escalate_to",), f"unknown team {own.escalate_to!r}; teams are {ids}"))
                continue
            try:
                levels = self.levels(team.id)
            except ValidationError as error:
                message = error.errors()[0]["msg"].removeprefix("Value error, ")
                problems.append((where if own is not None else ("service_levels",),
                                 f"for team {team.id!r}: {message}"))
                continue
            target = self.team(self.escalation_team(team.id))
            if levels.escalate_after_minutes is None or target.id == team.id:
                continue
            lacking = sorted(set(team.channels) - set(target.channels))
            if lacking:
                source = where + ("escalate_to",) if own is not None and own.escalate_to else \
                    ("service_levels", "escalate_to") if self.service_levels.escalate_to else ("teams", index, "id")
                problems.append((source, f"team {team.id!r} escalates to {target.id!r}, which has no "
                                 f"{' or '.join(lacking)} channel: give {target.id!r} one, or escalate elsewhere"))
        return problems

    def levels(self, team_id: str) -> ServiceLevels:
        """A team's service levels: the file's, with what the team sets itself on top (validated)."""
        base = self.service_levels
        own = next((team.service_levels for team in self.teams if team.id == team_id), None)
        if own is None:
            return base
        values = base.model_dump()
        values.update({key: value for key, value in own.model_dump(exclude_unset=True).items()})
        return ServiceLevels.model_validate(values)

    def escalation_team(self, team_id: str) -> str:
        """Where a team's unclaimed cases go in the end: its escalate_to, else the fallback team."""
        return self.levels(team_id).escalate_to or self.fallback_team

    @property
    def fallback_team(self) -> str:
        return self.default_team or ("general" if any(t.id == "general" for t in self.teams) else self.teams[0].id)

    def team(self, team_id: str) -> TeamConfig:
        for team in self.teams:
            if team.id == team_id:
                return team
        return self.team(self.fallback_team)

    def policy(self, today: date | None = None, *, machine_translation: bool = True) -> Policy:
        """The part of the configuration Llamita's mind needs (`machine_translation`: a translator is on)."""
        return Policy(
            staff_languages=self.staff_languages,
            hot_topics=tuple(HotTopic(**topic.model_dump()) for topic in self.hot_topics),
            reason_teams={reason: self.routing.get(reason, self.fallback_team)
                          for reason in REASONS if reason != "hot_topic"},
            default_team=self.fallback_team,
            machine_translation=machine_translation,
            today=today,
        )


def _language_codes(value: tuple[str, ...]) -> tuple[str, ...]:
    bad = [code for code in value if not _LANGUAGE.match(code)]
    if bad:
        raise ValueError(f"languages are two-letter ISO 639-1 codes such as 'en' or 'pt', not {bad}")
    return tuple(value)


def load_operator_config(path: Path | None = None) -> OperatorConfig:
    path = Path(path) if path else DEMO_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the operator config {path}: {error.strerror}") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of settings (company, teams, ...)")
    try:
        config = OperatorConfig.model_validate(data)
        found = config.reference_problems()
    except ValidationError as error:
        found = [(item["loc"], item["msg"].removeprefix("Value error, ")) for item in error.errors()]
    if not found:
        return config
    problems = [f"{path}:{_line_of(root, loc)}: {'.'.join(str(part) for part in loc) or '(top level)'}: {message}"
                for loc, message in found]
    raise ConfigError("the operator config has problems:\n  " + "\n  ".join(problems))


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node a validation error points at (its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
            if child is None:
                # The key is missing or mistyped: point at the mapping, or at the key if present.
                key_node = next((key for key, _ in node.value if key.value == part), None)
                return (key_node.start_mark.line + 1) if key_node else line
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line

