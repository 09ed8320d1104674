"""Configuration, in one typed place, read once at start-up.

Two sources: the operator file (teams, languages, channels, hot topics, service levels; YAML,
validated, errors name the file and line) and the environment (secrets, addresses, database).
Nothing is read at import time: `load_settings()` is called by the command line and the result
is passed down.
"""
from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.decision import REASONS, TOPICS, HotTopic, Policy

DEMO_CONFIG = Path(__file__).parent / "demo" / "llama-travel.yml"
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


@dataclass(frozen=True)
class SlackCredentials:
    bot_token: str
    signing_secret: str
    app_token: str | None = None          # set: Socket Mode; unset: HTTP mode on /slack/events
    api_url: str | None = None            # Web API base URL, for self-hosted gateways and tests
    timeout: float = 10.0                 # seconds a Web API call may take (SLACK_API_TIMEOUT)

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TEAMS_GLOBAL_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
# The Microsoft 365 Agents SDK's own names for the bot's Entra ID app registration (one connection).
TEAMS_ENV_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


@dataclass(frozen=True)
class TeamsSettings:
    """Teams through the Microsoft 365 Agents SDK: the Azure Bot's app registration and where to post.

    `app_id` empty means the local-emulator mode (TEAMS_EMULATOR=1, loopback only): no JWTs are
    checked and no tokens are sent. Otherwise inbound requests must carry a valid Bot Framework JWT.
    """
    app_id: str = ""                        # ...CLIENTID: the Azure Bot's Microsoft App ID
    client_secret: str = field(default="", repr=False)   # ...CLIENTSECRET
    tenant_id: str = ""                     # ...TENANTID: single-tenant bots (Microsoft's default now)
    service_url: str = TEAMS_GLOBAL_SERVICE_URL   # the Bot Connector for proactive posts (TEAMS_SERVICE_URL)
    token_keys_url: str | None = None       # where token signing keys are published (TEAMS_TOKEN_KEYS_URL);
                                            # unset: the SDK's choice (login.botframework.com)
    request_timeout: float = 10.0           # seconds for one call to the Bot Connector

    @property
    def emulator(self) -> bool:
        return not self.app_id


@dataclass(frozen=True)
class ChatLimits:
    """What the web chat lets one address, and one worker, open (0 turns a limit off)."""
    connections: int = 10_000               # open chat sockets per worker
    connections_per_address: int = 200      # open chat sockets per client address (offices share one)
    new_conversations_per_minute: int = 60  # per client address, with a burst of as many
    trust_forwarded_for: bool = False       # behind a proxy: the client address is X-Forwarded-For's last hop


@dataclass(frozen=True)
class S3Settings:
    """An S3-compatible object store for attachments (AWS S3, MinIO, Ceph, R2...): boto3, imported only when set."""
    bucket: str
    endpoint_url: str | None = None       # None: AWS; else the store's URL (http://minio:9000)
    region: str | None = None
    prefix: str = "attachments/"
    # Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an IAM role).


@dataclass(frozen=True)
class AttachmentSettings:
    """Photos and documents in the chat (docs/attachments.md)."""
    max_bytes: int = 10 * 1024 * 1024     # per file, as sent
    max_pixels: int = 40_000_000          # an image declaring more is refused before it is decoded (bombs)
    link_seconds: int = 3600              # how long a signed link to an attachment works
    uploads_burst: int = 5                # per conversation: a burst of uploads ...
    uploads_per_minute: int = 6           # ... then this many a minute
    s3: S3Settings | None = None          # None: files in <data dir>/attachments


OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
MAX_LLM_DEADLINE = 14.0   # the widget shows "Llamita is typing…" for 15 s: an answer must come before it hides


@dataclass(frozen=True)
class LLMSettings:
    """A language model behind the offline brain (docs/llm.md). None in Settings: the offline brain alone."""
    api_key: str = field(repr=False)
    model: str = DEFAULT_MODEL
    base_url: str | None = None           # None: OpenAI; any OpenAI-compatible server otherwise
    deadline_seconds: float = 8.0         # per customer turn, retry and repair included

    @property
    def endpoint(self) -> str:
        return self.base_url or OPENAI_DEFAULT_BASE_URL


def load_llm_settings(env: Mapping[str, str] | None = None) -> LLMSettings | None:
    """The model configuration from the openai SDK's own variables plus LLAMITA_MODEL; None when off.

    On when OPENAI_API_KEY is set (a self-hosted server that needs no key takes any value), unless
    LLAMITA_BRAIN=offline. Read once by `load_settings` and by `llamita triage`.
    """
    env = os.environ if env is None else env
    brain = (env.get("LLAMITA_BRAIN") or "auto").strip().lower()
    if brain not in ("auto", "offline", "llm"):
        raise ConfigError(f"LLAMITA_BRAIN must be auto, offline or llm, got {env.get('LLAMITA_BRAIN')!r}")
    key = (env.get("OPENAI_API_KEY") or "").strip()
    if brain == "offline" or (not key and brain == "auto"):
        return None
    if not key:
        raise ConfigError("LLAMITA_BRAIN=llm needs OPENAI_API_KEY (any value for a server that needs no key)")
    raw = env.get("LLAMITA_LLM_DEADLINE") or "8"
    try:
        deadline = float(raw)
    except ValueError:
        raise ConfigError(f"LLAMITA_LLM_DEADLINE must be a number of seconds, got {raw!r}") from None
    if not 0 < deadline <= MAX_LLM_DEADLINE:
        raise ConfigError(f"LLAMITA_LLM_DEADLINE must be more than 0 and at most {MAX_LLM_DEADLINE:g} seconds "
                          f"(the chat shows the typing indicator for 15 s), got {raw!r}")
    base_url = (env.get("OPENAI_BASE_URL") or "").strip() or None
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"OPENAI_BASE_URL must be an http(s) URL such as http://localhost:11434/v1, got {base_url!r}")
    return LLMSettings(api_key=key, model=(env.get("LLAMITA_MODEL") or "").strip() or DEFAULT_MODEL,
                       base_url=base_url, deadline_seconds=deadline)


TRANSLATORS = ("libre", "google", "microsoft", "deepl", "llm")


@dataclass(frozen=True)
class TranslationSettings:
    """Machine translation (docs/translation.md). None in Settings: off (customers are offered staff languages)."""
    provider: str                              # one of TRANSLATORS
    url: str | None = None                     # LibreTranslate's URL; DeepL's server URL (a proxy, a test)
    api_key: str = field(default="", repr=False)
    region: str | None = None                  # Microsoft's resource region
    deadline_seconds: float = 3.0              # a translation that takes longer is given up (the original goes)
    workers: int = 4                           # threads for a blocking provider (deep-translator, DeepL)


def load_translation_settings(env: Mapping[str, str], llm: LLMSettings | None = None) -> TranslationSettings | None:
    """LLAMITA_TRANSLATOR (auto, off, libre, google, microsoft, deepl, llm) and each provider's own variables.

    auto: LibreTranslate when LIBRETRANSLATE_URL is set (the self-hosted default), else DeepL when
    DEEPL_AUTH_KEY is set, else off. Google (through deep-translator, no key) is only used when chosen.
    """
    raw = (env.get("LLAMITA_TRANSLATOR") or "auto").strip().lower()
    if raw not in ("auto", "off", *TRANSLATORS):
        raise ConfigError(f"LLAMITA_TRANSLATOR must be auto, off or one of {', '.join(TRANSLATORS)}, got {raw!r}")
    libre_url = (env.get("LIBRETRANSLATE_URL") or "").strip() or None
    deepl_key = (env.get("DEEPL_AUTH_KEY") or "").strip()
    if raw == "auto":
        raw = "libre" if libre_url else ("deepl" if deepl_key else "off")
    if raw == "off":
        return None
    common = {"deadline_seconds": _seconds(env, "LLAMITA_TRANSLATION_DEADLINE", 3.0),
              "workers": max(1, _number(env, "LLAMITA_TRANSLATION_WORKERS", 4))}
    if raw == "libre":
        if not libre_url or not libre_url.startswith(("http://", "https://")):
            raise ConfigError("LLAMITA_TRANSLATOR=libre needs LIBRETRANSLATE_URL, the http(s) address of your "
                              f"LibreTranslate server (such as http://localhost:5000), got {libre_url!r}")
        return TranslationSettings("libre", libre_url, (env.get("LIBRETRANSLATE_API_KEY") or "").strip(), **common)
    if raw == "deepl":
        if not deepl_key:
            raise ConfigError("LLAMITA_TRANSLATOR=deepl needs DEEPL_AUTH_KEY")
        return TranslationSettings("deepl", (env.get("DEEPL_SERVER_URL") or "").strip() or None, deepl_key, **common)
    if raw == "microsoft":
        key = (env.get("MICROSOFT_TRANSLATOR_KEY") or "").strip()
        if not key:
            raise ConfigError("LLAMITA_TRANSLATOR=microsoft needs MICROSOFT_TRANSLATOR_KEY "
                              "(and MICROSOFT_TRANSLATOR_REGION for a regional resource)")
        return TranslationSettings("microsoft", None, key, (env.get("MICROSOFT_TRANSLATOR_REGION") or "").strip()
                                   or None, **common)
    if raw == "llm" and llm is None:
        raise ConfigError("LLAMITA_TRANSLATOR=llm translates with the language model: set OPENAI_API_KEY too")
    return TranslationSettings(raw, **common)


@dataclass(frozen=True)
class Settings:
    operator: OperatorConfig
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    data_dir: Path = Path("var")
    staff_token: str = ""
    staff_token_generated: bool = False
    identity_secret: str = ""
    identity_secret_generated: bool = False
    slack: SlackCredentials | None = None
    teams: TeamsSettings | None = None
    redis_url: str | None = None
    llm: LLMSettings | None = None   # a language model behind the offline brain; None: the offline brain alone
    translation: TranslationSettings | None = None   # machine translation; None: off
    demo_sign_in: bool = False   # /chat/demo-identity signs anyone in as a demo customer: demo config only
    chat_limits: ChatLimits = field(default_factory=ChatLimits)
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    desk_session_hours: float = 12.0  # how long a desk sign-in lasts (a working day); then the token again
    scheduler_seconds: int = 5   # how often each worker's scheduler ticks (LLAMITA_SCHEDULER_SECONDS; 0: off)
    missing: tuple[str, ...] = field(default=())  # integrations that are off, with how to turn them on

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def database_kind(self) -> str:
        return "PostgreSQL" if self.database_url.startswith("postgresql") else "SQLite"


def database_url_from(raw: str | None, data_dir: Path) -> str:
    """Accept the usual spellings (postgres://, postgresql://) and pick the async drivers we ship."""
    if not raw:
        return f"sqlite+aiosqlite:///{(data_dir / 'llamita.sqlite3').resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    if raw.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + raw[len("sqlite:///"):]
    return raw


def _persistent_secret(path: Path, given: str | None) -> tuple[str, bool]:
    """Use the given secret, or one generated once and kept in the data directory."""
    if given:
        return given, False
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    try:
        # Created exclusively and private from the first byte: two workers starting together agree.
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        for _ in range(50):   # the other worker may still be writing it
            kept = path.read_text().strip()
            if kept:
                return kept, False
            time.sleep(0.01)
        raise ConfigError(f"{path} is empty; delete it to generate a new secret, or set the variable") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    return value, True


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 600:
        raise ConfigError(f"{name} must be more than 0 and at most 600 seconds, got {raw!r}")
    return value


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} cannot be negative (0 turns the limit off), got {value}")
    return value


def _hours(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of hours, got {raw!r}") from None
    if not 0 < value <= 24 * 30:
        raise ConfigError(f"{name} must be more than 0 and at most 720 hours (30 days), got {raw!r}")
    return value


def attachment_settings_from(env: Mapping[str, str]) -> AttachmentSettings:
    defaults = AttachmentSettings()
    max_mb = env.get("LLAMITA_ATTACHMENT_MAX_MB")
    try:
        max_bytes = int(float(max_mb) * 1024 * 1024) if max_mb else defaults.max_bytes
    except ValueError:
        raise ConfigError(f"LLAMITA_ATTACHMENT_MAX_MB must be a number of megabytes, got {max_mb!r}") from None
    if max_bytes <= 0 or max_bytes > 100 * 1024 * 1024:
        raise ConfigError(f"LLAMITA_ATTACHMENT_MAX_MB must be more than 0 and at most 100, got {max_mb!r}")
    s3 = None
    bucket = (env.get("LLAMITA_S3_BUCKET") or "").strip()
    if bucket:
        endpoint = (env.get("LLAMITA_S3_ENDPOINT_URL") or "").strip() or None
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"LLAMITA_S3_ENDPOINT_URL must be an http(s) URL, got {endpoint!r}")
        prefix = env.get("LLAMITA_S3_PREFIX", "attachments/")
        s3 = S3Settings(bucket=bucket, endpoint_url=endpoint, region=(env.get("LLAMITA_S3_REGION") or None),
                        prefix=prefix if not prefix or prefix.endswith("/") else prefix + "/")
    link_seconds = _number(env, "LLAMITA_ATTACHMENT_LINK_SECONDS", defaults.link_seconds)
    if link_seconds < 60:
        raise ConfigError(f"LLAMITA_ATTACHMENT_LINK_SECONDS must be at least 60, got {link_seconds}")
    return AttachmentSettings(
        max_bytes=max_bytes, link_seconds=link_seconds,
        uploads_burst=_number(env, "LLAMITA_UPLOADS_BURST", defaults.uploads_burst),
        uploads_per_minute=_number(env, "LLAMITA_UPLOADS_PER_MINUTE", defaults.uploads_per_minute),
        s3=s3)


def teams_settings_from(env: Mapping[str, str], host: str) -> TeamsSettings | None:
    """Teams is on with an app id (and its secret and tenant), or in the local-emulator mode on loopback."""
    app_id = env.get(TEAMS_ENV_PREFIX + "CLIENTID", "").strip()
    emulator = env.get("TEAMS_EMULATOR", "0") == "1"
    common = {"service_url": env.get("TEAMS_SERVICE_URL") or TEAMS_GLOBAL_SERVICE_URL,
              "token_keys_url": env.get("TEAMS_TOKEN_KEYS_URL") or None}
    if not app_id:
        if not emulator:
            return None
        if host not in LOOPBACK_HOSTS:
            raise ConfigError(f"TEAMS_EMULATOR=1 accepts unauthenticated Teams requests, so it is only allowed "
                              f"on a loopback address (LLAMITA_HOST=127.0.0.1), not {host!r}")
        return TeamsSettings(**common)
    if emulator:
        raise ConfigError(f"TEAMS_EMULATOR=1 and {TEAMS_ENV_PREFIX}CLIENTID are both set: the emulator mode "
                          "checks no tokens; unset one of them")
    secret = env.get(TEAMS_ENV_PREFIX + "CLIENTSECRET", "")
    tenant = env.get(TEAMS_ENV_PREFIX + "TENANTID", "").strip()
    lacking = [name for name, value in (("CLIENTSECRET", secret), ("TENANTID", tenant)) if not value]
    if lacking:
        names = " and ".join(TEAMS_ENV_PREFIX + name for name in lacking)
        raise ConfigError(f"{TEAMS_ENV_PREFIX}CLIENTID is set but {names} not: Teams needs the bot's client "
                          "secret and its Entra tenant id too")
    return TeamsSettings(app_id=app_id, client_secret=secret, tenant_id=tenant, **common)


def load_settings(env: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
    env = os.environ if env is None else env
    config_path = config_path or (Path(env["LLAMITA_CONFIG"]) if env.get("LLAMITA_CONFIG") else None)
    operator = load_operator_config(config_path)
    using_demo = config_path is None or Path(config_path).resolve() == DEMO_CONFIG.resolve()
    data_dir = Path(env.get("LLAMITA_DATA_DIR", "var"))
    data_dir.mkdir(parents=True, exist_ok=True)
    staff_token, staff_generated = _persistent_secret(data_dir / "staff-token", env.get("LLAMITA_STAFF_TOKEN"))
    identity_secret, identity_generated = _persistent_secret(
        data_dir / "identity-secret", env.get("LLAMITA_IDENTITY_SECRET"))

    missing = []
    slack = None
    if env.get("SLACK_BOT_TOKEN") and env.get("SLACK_SIGNING_SECRET"):
        slack = SlackCredentials(
            bot_token=env["SLACK_BOT_TOKEN"], signing_secret=env["SLACK_SIGNING_SECRET"],
            app_token=env.get("SLACK_APP_TOKEN") or None, api_url=env.get("SLACK_API_URL") or None,
            timeout=_seconds(env, "SLACK_API_TIMEOUT", 10.0))
    else:
        missing.append("Slack: off. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for "
                       "Socket Mode) after creating the app from manifest.yml; see README, 'Connect Slack'.")
    llm = load_llm_settings(env)
    translation = load_translation_settings(env, llm)   # the start-up report says how to turn it on
    port = _number(env, "LLAMITA_PORT", 8080)
    defaults = ChatLimits()
    chat_limits = ChatLimits(
        connections=_number(env, "LLAMITA_MAX_CONNECTIONS", defaults.connections),
        connections_per_address=_number(env, "LLAMITA_MAX_CONNECTIONS_PER_ADDRESS", defaults.connections_per_address),
        new_conversations_per_minute=_number(env, "LLAMITA_NEW_CONVERSATIONS_PER_MINUTE",
                                             defaults.new_conversations_per_minute),
        trust_forwarded_for=env.get("LLAMITA_TRUST_FORWARDED_FOR", "0") == "1")
    host = env.get("LLAMITA_HOST", "127.0.0.1")
    teams = teams_settings_from(env, host)
    if teams is None:
        missing.append(f"Teams: off. Register an Azure Bot, then set {TEAMS_ENV_PREFIX}CLIENTID, ...CLIENTSECRET "
                       "and ...TENANTID and upload the app package (make teams-package); see README, "
                       "'Connect Teams'. TEAMS_EMULATOR=1 tries it locally without Microsoft.")
    return Settings(
        operator=operator,
        database_url=database_url_from(env.get("DATABASE_URL"), data_dir),
        host=host,
        port=port,
        public_url=env.get("LLAMITA_PUBLIC_URL") or None,
        data_dir=data_dir,
        staff_token=staff_token,
        staff_token_generated=staff_generated,
        identity_secret=identity_secret,
        identity_secret_generated=identity_generated,
        slack=slack,
        teams=teams,
        redis_url=env.get("REDIS_URL") or None,
        llm=llm,
        translation=translation,
        demo_sign_in=env.get("LLAMITA_DEMO_SIGN_IN", "1" if using_demo else "0") == "1",
        chat_limits=chat_limits,
        attachments=attachment_settings_from(env),
        desk_session_hours=_hours(env, "LLAMITA_DESK_SESSION_HOURS", 12.0),
        scheduler_seconds=_number(env, "LLAMITA_SCHEDULER_SECONDS", 5),
        missing=tuple(missing),
    )
