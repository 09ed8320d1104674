"""Settings: everything the process needs, read once at start-up from the environment and the operator file."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from routing.config.integrations import (
    TEAMS_ENV_PREFIX,
    AttachmentSettings,
    ChatLimits,
    LLMSettings,
    SlackCredentials,
    TeamsSettings,
    TranslationSettings,
    attachment_settings_from,
    env_hours,
    env_number,
    env_seconds,
    load_llm_settings,
    load_translation_settings,
    teams_settings_from,
)
from routing.config.operator import DEMO_CONFIG, ConfigError, OperatorConfig, load_operator_config


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
    staff_token_chosen: bool = False        # LLAMITA_STAFF_TOKEN set by the operator (else kept in the data dir)
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
            timeout=env_seconds(env, "SLACK_API_TIMEOUT", 10.0))
    else:
        missing.append("Slack: off. Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for "
                       "Socket Mode) after creating the app from manifest.yml; see README, 'Connect Slack'.")
    llm = load_llm_settings(env)
    translation = load_translation_settings(env, llm)   # the start-up report says how to turn it on
    port = env_number(env, "LLAMITA_PORT", 8080)
    defaults = ChatLimits()
    chat_limits = ChatLimits(
        connections=env_number(env, "LLAMITA_MAX_CONNECTIONS", defaults.connections),
        connections_per_address=env_number(env, "LLAMITA_MAX_CONNECTIONS_PER_ADDRESS",
                                           defaults.connections_per_address),
        new_conversations_per_minute=env_number(env, "LLAMITA_NEW_CONVERSATIONS_PER_MINUTE",
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
        staff_token_chosen=bool(env.get("LLAMITA_STAFF_TOKEN")),
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
        desk_session_hours=env_hours(env, "LLAMITA_DESK_SESSION_HOURS", 12.0),
        scheduler_seconds=env_number(env, "LLAMITA_SCHEDULER_SECONDS", 5),
        missing=tuple(missing),
    )
