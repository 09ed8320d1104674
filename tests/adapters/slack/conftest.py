"""Fixtures for the Slack tests: the Slack stand-in, and the real Llamita server wired to it."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from adapters.server import RUNTIME, Runtime, create_app
from adapters.slack import SlackChannel
from routing.config import load_settings
from tests.adapters.slack.helpers import Customer
from tests.adapters.slack.stand_in import SlackSide, SlackStandIn, free_port

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ANA, BRUNO, CARLA = "UANA0001", "UBRUNO02", "UCARLA03"     # Carla is not in the Compliance channel
COMPLIANCE = "C0COMPLIANCE"


@pytest.fixture
async def stand_in():
    slack = SlackStandIn()
    slack.add_user(ANA, "ana", "Ana Lima")
    slack.add_user(BRUNO, "Bruno", "Bruno Costa")
    slack.add_user(CARLA, "carla", "Carla Dias")
    for channel in ("C0COMPLIANCE", "C0TECHNICAL", "C0ACCOUNTS", "C0GENERAL"):
        slack.members[channel] = [ANA, BRUNO, "UBOTLLAMA"]
    await slack.start()
    yield slack
    await slack.stop()


@dataclass
class Llamita:
    url: str
    runner: web.AppRunner
    slack: SlackSide

    @property
    def runtime(self) -> Runtime:
        return self.runner.app[RUNTIME]

    @property
    def channel(self) -> SlackChannel:
        return next(edge for edge in self.runtime.edges if isinstance(edge, SlackChannel))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/chat/ws"


@asynccontextmanager
async def running_llamita(tmp_path: Path, database_url: str, stand_in: SlackStandIn,
                          session: aiohttp.ClientSession, clock=None, **env: str) -> AsyncIterator[Llamita]:
    port = free_port()
    settings = load_settings({
        "LLAMITA_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "LLAMITA_PORT": str(port),
        "LLAMITA_STAFF_TOKEN": "staff-token", "LLAMITA_IDENTITY_SECRET": "identity-secret",
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": stand_in.api_url, **env})
    runner = web.AppRunner(create_app(settings, **({"clock": clock} if clock else {})))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    server = Llamita(url, runner, SlackSide(session, url, SIGNING_SECRET, stand_in))
    try:
        yield server
    finally:
        await settle(server)
        await runner.cleanup()


async def settle(server: Llamita) -> None:
    """Let in-flight work finish before the server shuts down. Its shutdown cancels the outbox task
    wherever it is, even inside a transaction (SQLAlchemy then logs "Exception during reset ...
    CancelledError" and leaks the connection), which once in a while left a task that never finished
    and hung the event loop's teardown."""
    await Customer.close_all()
    await server.channel.drain()
    await asyncio.sleep(0.1)


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def llamita(store, tmp_path, database_url, stand_in, session):
    """The real server (create_app) on a free port, its Slack Web API pointed at the stand-in.
    Depends on `store` so the database is migrated and emptied first (SQLite and PostgreSQL)."""
    async with running_llamita(tmp_path, database_url, stand_in, session) as server:
        yield server

