"""A database a benchmark may fill and forget: SQLite in a temporary directory, or a fresh PostgreSQL
database made on the given server and dropped afterwards (so a rerun never meets the last run's rows)."""
from __future__ import annotations

import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def throwaway_database(server_url: str | None, *, driver: str = "aiosqlite", keep: bool = False) -> Iterator[str]:
    """Yields a SQLAlchemy URL. server_url is postgresql://user@host[:port]/any-existing-db, or None for SQLite."""
    if not server_url:
        folder = Path(tempfile.mkdtemp(prefix="llamita-bench-"))
        try:
            yield f"sqlite+{driver}:///{folder / 'bench.sqlite3'}"
        finally:
            if keep:
                print(f"kept: {folder / 'bench.sqlite3'}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"llamita_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    finally:
        if keep:
            print(f"kept: database {name}")
        else:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
