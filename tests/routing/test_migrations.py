"""The Alembic migrations create exactly the tables the models describe (on SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import routing.models  # noqa: F401  (registers every table)


async def test_the_migrated_schema_matches_the_models(store):
    def differences(session) -> list:
        return compare_metadata(MigrationContext.configure(session.connection()), SQLModel.metadata)

    assert await store.read(differences) == []
