"""The Alembic migrations create exactly the tables the models describe (on SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import routing.models  # noqa: F401  (registers every table)


async def test_the_migrated_schema_matches_the_models(store):
    def compare():
        with store.engine.connect() as connection:   # the store's engine is synchronous (worker threads)
            return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    differences = await asyncio.to_thread(compare)
    assert differences == []
