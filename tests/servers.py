"""Run the real Llamita server in-process on a free port, for tests that speak HTTP and WebSockets."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from adapters.server import RUNTIME, Runtime, create_app
from routing.config import load_settings
from tests.sockets import free_port

STAFF_TOKEN = "test-staff-token"
IDENTITY_SECRET = "test-identity-secret"


class RunningServer:
    def __init__(self, runner: web.AppRunner, port: int):
        self.runner, self.port = runner, port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"

    @property
    def runtime(self) -> Runtime:
        return self.runner.app[RUNTIME]


@asynccontextmanager
async def running_server(data_dir: Path, database_url: str, port: int | None = None, clock=None,
                         **env: str) -> AsyncIterator[RunningServer]:
    port = port or free_port()
    settings = load_settings({
        "LLAMITA_DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "LLAMITA_PORT": str(port),
        "LLAMITA_STAFF_TOKEN": STAFF_TOKEN, "LLAMITA_IDENTITY_SECRET": IDENTITY_SECRET, **env})
    runner = web.AppRunner(create_app(settings, **({"clock": clock} if clock else {})))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield RunningServer(runner, port)
    finally:
        await runner.cleanup()
