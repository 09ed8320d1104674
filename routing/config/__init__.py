"""Configuration, in one typed place, read once at start-up.

Two sources: the operator file (`operator`: teams, languages, channels, hot topics, service levels;
YAML, validated, errors name the file and line) and the environment (`integrations`: Slack, Teams, the
language model, translation, attachments; `settings`: the whole, with addresses, database and secrets).
Nothing is read at import time: `load_settings()` is called by the command line and the result is
passed down.
"""
from routing.config.integrations import (
    DEFAULT_MODEL,
    LOOPBACK_HOSTS,
    MAX_LLM_DEADLINE,
    OPENAI_DEFAULT_BASE_URL,
    TEAMS_ENV_PREFIX,
    TEAMS_GLOBAL_SERVICE_URL,
    TRANSLATORS,
    AttachmentSettings,
    ChatLimits,
    LLMSettings,
    S3Settings,
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
from routing.config.operator import (
    DEMO_CONFIG,
    STEP_MINUTES,
    AnswerFeedbackSettings,
    ConfigError,
    FeedbackSettings,
    HotTopicConfig,
    OperatorConfig,
    RatingSettings,
    ServiceLevelOverrides,
    ServiceLevels,
    Supervisor,
    TeamConfig,
    TrainingSettings,
    WorkingHours,
    load_operator_config,
    parse_spans,
)
from routing.config.settings import (
    Settings,
    database_url_from,
    load_settings,
)

__all__ = [
    "AnswerFeedbackSettings", "AttachmentSettings", "ChatLimits", "ConfigError", "DEFAULT_MODEL",
    "DEMO_CONFIG", "FeedbackSettings", "HotTopicConfig", "LLMSettings", "LOOPBACK_HOSTS", "MAX_LLM_DEADLINE",
    "OPENAI_DEFAULT_BASE_URL", "OperatorConfig", "RatingSettings", "S3Settings", "STEP_MINUTES",
    "ServiceLevelOverrides", "ServiceLevels", "Settings", "SlackCredentials", "Supervisor",
    "TEAMS_ENV_PREFIX", "TEAMS_GLOBAL_SERVICE_URL", "TRANSLATORS", "TeamConfig", "TeamsSettings",
    "TrainingSettings", "TranslationSettings", "WorkingHours", "attachment_settings_from",
    "database_url_from", "env_hours", "env_number", "env_seconds", "load_llm_settings",
    "load_operator_config", "load_settings", "load_translation_settings", "parse_spans",
    "teams_settings_from",
]
