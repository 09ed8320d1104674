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

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.decision import REASONS, TOPICS, HotTopic, Policy

DEMO_CONFIG = Path(__file__).parent / "demo" / "llama-travel.yml"
_LANGUAGE = re.compile(r"^[a-z]{2}$")


class ConfigError(ValueError):
    """The operator file is wrong; the message names the file, the line and what to change."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamConfig(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    languages: tuple[str, ...] = ("en",)
    # adapter name -> that platform's channel id ("slack": "C0123ABC", "teams": "19:abc@thread.tacv2")
    channels: dict[str, str] = Field(default_factory=dict)

    @field_validator("languages")
    @classmethod
    def _languages_are_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _language_codes(value)


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


class ServiceLevels(_Strict):
    claim_within_minutes: float = Field(5, gt=0)
    escalate_after_minutes: float = Field(15, gt=0)
    abandon_after_minutes: float = Field(60, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "ServiceLevels":
        if not self.claim_within_minutes <= self.escalate_after_minutes <= self.abandon_after_minutes:
            raise ValueError("expected claim_within_minutes <= escalate_after_minutes <= abandon_after_minutes")
        return self


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
        return problems

    @property
    def fallback_team(self) -> str:
        return self.default_team or ("general" if any(t.id == "general" for t in self.teams) else self.teams[0].id)

    def team(self, team_id: str) -> TeamConfig:
        for team in self.teams:
            if team.id == team_id:
                return team
        return self.team(self.fallback_team)

    def policy(self, today: date | None = None) -> Policy:
        """The part of the configuration Llamita's mind needs."""
        return Policy(
            staff_languages=self.staff_languages,
            hot_topics=tuple(HotTopic(**topic.model_dump()) for topic in self.hot_topics),
            reason_teams={reason: self.routing.get(reason, self.fallback_team)
                          for reason in REASONS if reason != "hot_topic"},
            default_team=self.fallback_team,
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
    demo_sign_in: bool = False   # /chat/demo-identity signs anyone in as a demo customer: demo config only
    chat_limits: ChatLimits = field(default_factory=ChatLimits)
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
            app_token=env.get("SLACK_APP_TOKEN") or None, api_url=env.get("SLACK_API_URL") or None)
    else:
        missing.append("Slack: off. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for "
                       "Socket Mode) after creating the app from manifest.yml; see README, 'Connect Slack'.")
    llm = load_llm_settings(env)
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
        demo_sign_in=env.get("LLAMITA_DEMO_SIGN_IN", "1" if using_demo else "0") == "1",
        chat_limits=chat_limits,
        missing=tuple(missing),
    )
