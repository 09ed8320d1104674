"""Alembic environment: runs on the connection the application hands it (see routing/store.py)."""
from alembic import context
from sqlmodel import SQLModel

import routing.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through routing.store.Store.migrate(), which provides the connection")

context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
