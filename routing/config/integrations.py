"""The integrations, each from the environment: Slack, Teams, the language model, translation, attachments.

Each loader returns None (or raises a ConfigError saying what to set) so that the server can say
which integrations are off and how to turn them on.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from routing.config.operator import ConfigError


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
    common = {"deadline_seconds": env_seconds(env, "LLAMITA_TRANSLATION_DEADLINE", 3.0),
              "workers": max(1, env_number(env, "LLAMITA_TRANSLATION_WORKERS", 4))}
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


def _env_value(env: Mapping[str, str], name: str, default, convert, what: str, allowed, limits: str):
    """A number from the environment: the default when unset or empty, else `convert`ed and checked;
    a clear ConfigError naming the variable otherwise."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from None
    if not allowed(value):
        raise ConfigError(f"{name} {limits}, got {raw if convert is int else repr(raw)}")
    return value


def env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    return _env_value(env, name, default, float, "a number of seconds", lambda value: 0 < value <= 600,
                      "must be more than 0 and at most 600 seconds")


def env_number(env: Mapping[str, str], name: str, default: int) -> int:
    return _env_value(env, name, default, int, "a whole number", lambda value: value >= 0,
                      "cannot be negative (0 turns the limit off)")


def env_hours(env: Mapping[str, str], name: str, default: float) -> float:
    return _env_value(env, name, default, float, "a number of hours", lambda value: 0 < value <= 24 * 30,
                      "must be more than 0 and at most 720 hours (30 days)")


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
    link_seconds = env_number(env, "LLAMITA_ATTACHMENT_LINK_SECONDS", defaults.link_seconds)
    if link_seconds < 60:
        raise ConfigError(f"LLAMITA_ATTACHMENT_LINK_SECONDS must be at least 60, got {link_seconds}")
    return AttachmentSettings(
        max_bytes=max_bytes, link_seconds=link_seconds,
        uploads_burst=env_number(env, "LLAMITA_UPLOADS_BURST", defaults.uploads_burst),
        uploads_per_minute=env_number(env, "LLAMITA_UPLOADS_PER_MINUTE", defaults.uploads_per_minute),
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
