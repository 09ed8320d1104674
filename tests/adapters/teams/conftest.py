"""Fixtures for the Teams tests: the Bot Connector stand-in, and the real Llamita server wired to it."""
from __future__ import annotations

import asyncio
import dataclasses
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from adapters.server import RUNTIME, Runtime, create_app
from adapters.teams import TeamsChannel
from routing.config import load_settings
from tests.adapters.slack.helpers import Customer
from tests.adapters.teams.stand_in import APP_ID, TENANT, BotConnectorStandIn, StandInTokens, TeamsSide, free_port

TECHNICAL = "19:llama-technical@thread.tacv2"
COMPLIANCE = "19:llama-compliance@thread.tacv2"
ANA = {"id": "29:1ana-lima", "name": "Ana Lima", "aadObjectId": "a1a1a1a1-0000-4000-8000-00000000a1a1"}
BRUNO = {"id": "29:1bruno-costa", "name": "Bruno Costa", "aadObjectId": "b2b2b2b2-0000-4000-8000-00000000b2b2"}
CARLA = {"id": "29:1carla-dias", "name": "Carla Dias", "aadObjectId": "c3c3c3c3-0000-4000-8000-00000000c3c3"}
TEAMS_ENV = {
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": APP_ID,
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET": "stand-in-client-secret",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": TENANT,
}


@pytest.fixture
async def connector():
    """The Bot Connector stand-in. Ana and Bruno are in every team's channel; Carla in none."""
    stand_in = BotConnectorStandIn()
    for channel in (TECHNICAL, COMPLIANCE, "19:llama-accounts@thread.tacv2", "19:llama-general@thread.tacv2"):
        stand_in.add_member(channel, ANA)
        stand_in.add_member(channel, BRUNO)
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@dataclass
class Llamita:
    url: str
    runner: web.AppRunner
    teams: TeamsSide

    @property
    def runtime(self) -> Runtime:
        return self.runner.app[RUNTIME]

    @property
    def channel(self) -> TeamsChannel:
        return next(edge for edge in self.runtime.edges if isinstance(edge, TeamsChannel))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/chat/ws"


@asynccontextmanager
async def running_llamita(tmp_path: Path, database_url: str, connector: BotConnectorStandIn,
                          session: aiohttp.ClientSession, *, request_timeout: float = 10.0,
                          **env: str) -> AsyncIterator[Llamita]:
    port = free_port()
    settings = load_settings({
        "LLAMITA_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "LLAMITA_PORT": str(port),
        "LLAMITA_STAFF_TOKEN": "staff-token", "LLAMITA_IDENTITY_SECRET": "identity-secret",
        **TEAMS_ENV, "TEAMS_SERVICE_URL": connector.service_url, "TEAMS_TOKEN_KEYS_URL": connector.keys_url, **env})
    settings = dataclasses.replace(settings, teams=dataclasses.replace(settings.teams, request_timeout=request_timeout))
    runner = web.AppRunner(create_app(settings, teams_tokens=StandInTokens))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    server = Llamita(url, runner, TeamsSide(session, url, connector))
    try:
        yield server
    finally:
        await Customer.close_all()
        for edge in server.runtime.edges:
            if drain := getattr(edge, "drain", None):
                await drain()
        await asyncio.sleep(0.1)
        await runner.cleanup()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def llamita(store, tmp_path, database_url, connector, session):
    """The real server (create_app) on a free port, Teams pointed at the stand-in. Depends on `store` so
    the database is migrated and emptied first (SQLite and PostgreSQL)."""
    async with running_llamita(tmp_path, database_url, connector, session) as server:
        yield server
