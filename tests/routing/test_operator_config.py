"""The operator file: the demo loads, and mistakes are reported with the file, the line and the fix."""
from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli import main
from routing.config import DEMO_CONFIG, ConfigError, load_operator_config, load_settings

DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "operator.yml"
    path.write_text(text, encoding="utf-8")
    return path


def line_number(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_demo_configuration_routes_every_reason_to_a_team():
    policy = load_operator_config().policy()
    assert policy.team_for("security") == "technical"
    assert policy.team_for("legal") == "compliance"
    assert {topic.team for topic in policy.hot_topics} == {"general", "accounts"}
    assert policy.staff_languages == ("en", "es", "pt")


def test_a_hot_topic_for_an_unknown_team_names_the_line(tmp_path):
    text = DEMO_TEXT.replace("team: accounts\n    description: In-depth", "team: acounts\n    description: In-depth")
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    assert f"operator.yml:{line_number(text, 'team: acounts')}: hot_topics.1.team" in str(error.value)
    assert "unknown team 'acounts'" in str(error.value)


def test_a_language_that_is_not_a_code_names_its_line(tmp_path):
    text = DEMO_TEXT.replace("languages: [en, pt]", "languages: [en, Portuguese]")
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    assert f":{line_number(text, 'Portuguese')}: teams.2.languages" in str(error.value)


def test_an_unknown_setting_is_refused_rather_than_ignored(tmp_path):
    text = DEMO_TEXT.replace("service_levels:\n", "service_levels:\n  claim_whithin_minutes: 3\n")
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    assert f":{line_number(text, 'claim_whithin')}: service_levels.claim_whithin_minutes" in str(error.value)


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"operator.yml:3: not valid YAML"):
        load_operator_config(write(tmp_path, "company: Llama Travel\nteams:\n\t- id: general\n"))


def test_check_config_says_ok_for_the_demo_and_fails_with_status_2_for_a_bad_file(tmp_path, capsys):
    assert main(["check-config", str(DEMO_CONFIG)]) == 0
    assert "OK (4 teams" in capsys.readouterr().out
    assert main(["check-config", str(write(tmp_path, "teams: []\n"))]) == 2
    assert "configure at least one team" in capsys.readouterr().err


def test_without_credentials_slack_is_off_and_the_settings_say_how_to_turn_it_on(tmp_path):
    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path)})
    assert settings.slack is None
    assert any("SLACK_BOT_TOKEN" in line for line in settings.missing)


def test_a_generated_staff_token_is_kept_across_restarts(tmp_path):
    first = load_settings({"LLAMITA_DATA_DIR": str(tmp_path)})
    second = load_settings({"LLAMITA_DATA_DIR": str(tmp_path)})
    assert first.staff_token_generated and not second.staff_token_generated
    assert first.staff_token == second.staff_token and len(first.staff_token) >= 24


def test_postgres_urls_use_the_async_driver(tmp_path):
    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://u@db/llamita"})
    assert settings.database_url == "postgresql+psycopg://u@db/llamita"
