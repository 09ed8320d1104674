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


LADDER = "  remind_loudly_after_minutes: 5   # unclaimed: a reminder in the card's thread (@here in Slack)\n"


def test_a_negative_reminder_time_names_its_line(tmp_path):
    text = DEMO_TEXT.replace("remind_loudly_after_minutes: 5 ", "remind_loudly_after_minutes: -5 ")
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    assert f"operator.yml:{line_number(text, 'remind_loudly_after_minutes: -5')}: " \
           "service_levels.remind_loudly_after_minutes" in str(error.value)
    assert "greater than 0" in str(error.value)


def test_a_ladder_out_of_order_names_its_line(tmp_path):
    text = DEMO_TEXT.replace("escalate_after_minutes: 10 ", "escalate_after_minutes: 3 ")
    with pytest.raises(ConfigError, match=r"remind_loudly_after_minutes \(5\) comes after escalate_after_minutes"):
        load_operator_config(write(tmp_path, text))


def test_escalating_to_an_unknown_team_names_its_line(tmp_path):
    text = DEMO_TEXT.replace("escalate_to: general ", "escalate_to: supervisors ")
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    assert f":{line_number(text, 'escalate_to: supervisors')}: service_levels.escalate_to: unknown team " \
           "'supervisors'" in str(error.value)


def test_escalating_to_a_team_without_the_channel_names_the_line(tmp_path):
    # Accounts escalates to Compliance, which has no Slack channel: the escalation could not be posted.
    text = DEMO_TEXT.replace('    channels: {slack: C0COMPLIANCE, teams: "19:llama-compliance@thread.tacv2"}\n',
                             '    channels: {teams: "19:llama-compliance@thread.tacv2"}\n')
    text = text.replace("    working_hours:\n      time_zone: America/Sao_Paulo",
                        "    service_levels: {escalate_to: compliance}\n    working_hours:\n"
                        "      time_zone: America/Sao_Paulo")
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    assert f":{line_number(text, 'escalate_to: compliance')}: teams.2.service_levels.escalate_to: team 'accounts' " \
           "escalates to 'compliance', which has no slack channel" in str(error.value)


def test_working_hours_with_a_bad_time_zone_or_span_name_their_lines(tmp_path):
    text = DEMO_TEXT.replace("time_zone: America/Sao_Paulo", "time_zone: Mars/Olympus").replace(
        'sat: "09:00-13:00"', 'sat: "13:00-09:00"')
    with pytest.raises(ConfigError) as error:
        load_operator_config(write(tmp_path, text))
    message = str(error.value)
    assert f":{line_number(text, 'Mars/Olympus')}: teams.2.working_hours.time_zone: unknown time zone" in message
    assert f":{line_number(text, '13:00-09:00')}: teams.2.working_hours.sat" in message


def test_a_team_may_set_its_own_service_levels_and_keeps_the_rest(tmp_path):
    text = DEMO_TEXT.replace("    working_hours:\n      time_zone: America/Sao_Paulo",
                             "    service_levels: {remind_after_minutes: 1, escalate_after_minutes: null}\n"
                             "    working_hours:\n      time_zone: America/Sao_Paulo")
    config = load_operator_config(write(tmp_path, text))
    accounts = config.levels("accounts")
    assert (accounts.remind_after_minutes, accounts.remind_loudly_after_minutes, accounts.escalate_after_minutes) \
        == (1, 5, None)
    assert config.levels("general").remind_after_minutes == 2
