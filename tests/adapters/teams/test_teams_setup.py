"""Turning Teams on: settings, the start-up report, the local emulator mode, and the app package."""
from __future__ import annotations

import json
import zipfile

import pytest

from adapters.server import startup_report
from adapters.teams import package
from routing.config import ConfigError, load_settings
from tests.adapters.slack.helpers import Customer
from tests.adapters.teams.conftest import ANA, TEAMS_ENV, TECHNICAL
from tests.adapters.teams.helpers import SECURITY, card_in
from tests.adapters.teams.stand_in import APP_ID


def test_without_an_app_id_teams_is_off_and_the_report_says_how_to_turn_it_on(tmp_path):
    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path)})
    assert settings.teams is None
    report = startup_report(settings)
    assert "Teams: off" in report and "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID" in report
    assert "make teams-package" in report


def test_with_the_sdks_variables_teams_is_on(tmp_path):
    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path), **TEAMS_ENV})
    assert settings.teams.app_id == APP_ID and not settings.teams.emulator
    assert settings.teams.service_url == "https://smba.trafficmanager.net/teams/"
    assert "stand-in-client-secret" not in repr(settings.teams)
    assert "Teams:      on (messages at http://127.0.0.1:8080/api/messages)" in startup_report(settings)


def test_an_app_id_without_its_secret_and_tenant_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="CLIENTSECRET and CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"):
        load_settings({"LLAMITA_DATA_DIR": str(tmp_path),
                       "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID})


def test_the_emulator_mode_is_refused_unless_llamita_listens_on_loopback(tmp_path):
    with pytest.raises(ConfigError, match="loopback"):
        load_settings({"LLAMITA_DATA_DIR": str(tmp_path), "TEAMS_EMULATOR": "1", "LLAMITA_HOST": "0.0.0.0"})
    settings = load_settings({"LLAMITA_DATA_DIR": str(tmp_path), "TEAMS_EMULATOR": "1"})
    assert settings.teams.emulator and "no authentication, loopback only" in startup_report(settings)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_in_the_emulator_mode_requests_need_no_token_and_none_is_sent(store, tmp_path, database_url,
                                                                             connector, session):
    from tests.adapters.teams.conftest import running_llamita

    connector.expected_token = None
    no_app = {key: "" for key in TEAMS_ENV}
    async with running_llamita(tmp_path, database_url, connector, session, TEAMS_EMULATOR="1", **no_app) as llamita:
        customer = Customer(session, llamita.ws_url)
        await customer.connect()
        await customer.say(SECURITY)
        [created] = await connector.wait_for("create", card_in(TECHNICAL))
        assert created.token is None
        thread = created.response["id"]
        case_id = created.card["refresh"]["action"]["data"]["case"]
        answer = await llamita.teams.post(llamita.teams.activity(
            "invoke", ANA, thread, name="adaptiveCard/action", replyToId=thread.split("=")[-1],
            value={"action": {"type": "Action.Execute", "verb": "claim", "data": {"case": case_id}}}),
            authorization="")
        assert answer.status == 200 and "Claimed by Ana Lima" in answer.text


def test_the_app_package_has_the_manifest_with_the_bots_id_its_commands_and_the_icons(tmp_path):
    path = package.build(tmp_path / "llamita-teams.zip", APP_ID, "https://llamita.example.org/")
    with zipfile.ZipFile(path) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        color, outline = zipped.read("color.png"), zipped.read("outline.png")
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["developer"]["privacyUrl"] == "https://llamita.example.org/privacy"
    [commands] = manifest["bots"][0]["commandLists"]
    assert [command["title"] for command in commands["commands"]] == ["help", "queue", "resolve", "note", "stats"]
    permissions = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in permissions   # hears thread replies
    assert "{{" not in json.dumps(manifest)
    assert color[16:24] == (192).to_bytes(4, "big") * 2 and outline[16:24] == (32).to_bytes(4, "big") * 2
    with pytest.raises(ValueError, match="GUID"):
        package.manifest("my-bot", "https://x")
    assert package.main({"LLAMITA_DATA_DIR": str(tmp_path)}) == 2
