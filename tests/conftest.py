"""Shared fixtures: a migrated database (SQLite and, where reachable, PostgreSQL) and the service.

PostgreSQL tests use TEST_DATABASE_URL (default: the local server at 127.0.0.1:5432) and create a
throw-away database for the run. Where it is not reachable they skip and say so, unless
LLAMITA_REQUIRE_POSTGRES=1 (as .ci/run sets), which turns the skip into a failure.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.offline import OfflineBrain
from routing.config import load_operator_config
from routing.demo_store import seed_demo_store
from routing.hub import LocalHub
from routing.service import RoutingService
from routing.store import Store

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES = ("reminder", "staffthread", "staffpost", "caseevent", "claim", "message", "case", "conversation", "customer",
          "demobooking", "demoaccount")


def _postgres_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:  # the reason is shown in the skip line
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh database for this test run on the local PostgreSQL server; dropped afterwards."""
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("LLAMITA_REQUIRE_POSTGRES") == "1":
            pytest.fail(problem + " (LLAMITA_REQUIRE_POSTGRES=1)")
        pytest.skip(problem)
    import psycopg

    name = f"llamita_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'llamita.sqlite3'}"
    return request.getfixturevalue("postgres_database")


async def prepared_store(url: str) -> Store:
    """A migrated, empty database with the demo accounts seeded."""
    store = Store(url)
    await store.migrate()
    if not store.is_sqlite:
        await store.write(lambda session: session.execute(text(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in TABLES) + " RESTART IDENTITY CASCADE")))
    await seed_demo_store(store)
    return store


@pytest.fixture
async def store(database_url: str):
    store = await prepared_store(database_url)
    yield store
    await store.close()


@pytest.fixture
async def postgres_store(postgres_database: str):
    """For behaviour that only exists on PostgreSQL (several workers sharing one database)."""
    store = await prepared_store(postgres_database)
    yield store
    await store.close()


@pytest.fixture
def operator():
    return load_operator_config()


@pytest.fixture
def hub():
    return LocalHub()


@pytest.fixture
def service(store, hub, operator):
    return RoutingService(store, hub, operator, OfflineBrain(operator.policy()))


@pytest.fixture
async def server(store, database_url, tmp_path):
    """The real Llamita server on a free port, on a freshly prepared database."""
    from tests.servers import running_server

    async with running_server(tmp_path, database_url) as running:
        yield running


@pytest.fixture
async def http():
    import aiohttp

    async with aiohttp.ClientSession() as session:
        yield session
