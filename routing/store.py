"""The database: every transaction runs whole in a worker thread, one hop from the event loop.

Callers hand the store a plain function `work(session, ...)` that reads and writes through a sync
SQLModel session; the store runs it in a transaction off the event loop and returns its result.
A transaction therefore never waits for the event loop between its statements: it holds its
locks only as long as its own statements take, however busy the loop is.

SQLite has one writer at a time. Rather than let a pool of connections fight over that lock
(each loser sleeps in SQLite's busy handler, 1, 2, 5, 10 ... ms), all writes go to one writer
thread with one connection, in the order they were asked for. Reads use their own connections
(WAL lets them run beside the writer). PostgreSQL takes many writers: a thread per pooled connection.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x11A3_17A  # any constant shared by every Llamita worker
POSTGRES_POOL = 10

T = TypeVar("T")
Work = Callable[..., T]


class Rollback(Exception, Generic[T]):
    """Raised by a piece of work to undo what it wrote and still return `value` to its caller
    (a resent message: give back the sequence number taken, answer with the stored copy)."""

    def __init__(self, value: T):
        super().__init__("rolled back on purpose")
        self.value = value


def sync_url(url: str) -> str:
    """The driver the worker threads use: the standard library's sqlite3, or psycopg (sync mode)."""
    for async_driver, sync_driver in (("sqlite+aiosqlite:", "sqlite+pysqlite:"),
                                      ("postgresql+asyncpg:", "postgresql+psycopg:")):
        if url.startswith(async_driver):
            return sync_driver + url[len(async_driver):]
    return url


class Store:
    def __init__(self, url: str, *, echo: bool = False):
        self.url = sync_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            sqlite = {"connect_args": {"check_same_thread": False, "timeout": 30}, "echo": echo,
                      "hide_parameters": True}
            self.engine = _sqlite_engine(create_engine(self.url, poolclass=QueuePool, pool_size=3, **sqlite),
                                         begin="BEGIN")
            self._write_engine = _sqlite_engine(create_engine(self.url, poolclass=QueuePool, pool_size=2, **sqlite),
                                                begin="BEGIN IMMEDIATE")
            self._readers = ThreadPoolExecutor(3, thread_name_prefix="db-read")
            self._writer: _Writer | None = None
        else:
            # hide_parameters: a failed statement's error names no customer's words, names or e-mails.
            # No pre-ping: it costs a round trip on every transaction. A connection the server dropped fails
            # its transaction instead (the caller retries: an unacknowledged message is sent again) and is
            # thrown away, so the next one is fresh.
            self.engine = create_engine(self.url, echo=echo, pool_size=POSTGRES_POOL, max_overflow=0,
                                        pool_recycle=3600, hide_parameters=True)
            self._write_engine = self.engine
            self._readers = ThreadPoolExecutor(POSTGRES_POOL, thread_name_prefix="db")

    # ------------------------------------------------------------------ running work

    async def write(self, work: Work[T], *args: Any) -> T:
        """Run `work(session, *args)` in a transaction and commit it; returns what it returned.
        An exception rolls the work back and reaches the caller; `Rollback(value)` returns value."""
        return await self._write(_in_transaction, self._write_engine, work, args)

    async def write_raw(self, work: Work[T], *args: Any) -> T:
        """As `write`, for the message path: `work(sql: Raw, *args)` on the driver's own connection."""
        return await self._write(self._raw_transaction, self._write_engine, work, args)

    async def read(self, work: Work[T], *args: Any) -> T:
        """Run `work(session, *args)` on a consistent snapshot; nothing it does is kept."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, _read_only, self.engine, work, args)

    async def read_raw(self, work: Work[T], *args: Any) -> T:
        """As `read`, for the message path: `work(sql: Raw, *args)`."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._raw_transaction, self.engine,
                                                                 work, args, False)

    async def _write(self, runner, engine: Engine, work: Work[T], args: tuple) -> T:
        if self.is_sqlite:
            if self._writer is None:
                self._writer = _Writer()
            return await self._writer.submit(runner, engine, work, args)
        return await asyncio.get_running_loop().run_in_executor(self._readers, runner, engine, work, args)

    def _raw_transaction(self, engine: Engine, work: Work[T], args: tuple, keep: bool = True) -> T:
        """One transaction on a pooled driver connection, managed by hand (a SQLAlchemy Session costs
        more to open and close than the message path's statements cost to run)."""
        pooled = engine.raw_connection()
        try:
            driver = pooled.driver_connection
            if self.is_sqlite:
                driver.execute("BEGIN IMMEDIATE" if keep else "BEGIN")
            try:
                result = work(Raw(driver, self.is_sqlite), *args)
            except Rollback as undo:
                driver.rollback()
                return undo.value
            except BaseException as error:
                if _connection_lost(error):
                    pooled.invalidate()
                    raise
                driver.rollback()
                raise
            if keep:
                driver.commit()
            else:
                driver.rollback()
            return result
        finally:
            pooled.close()

    # ------------------------------------------------------------------ schema and lifetime

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent; safe on every start, on every worker)."""
        await asyncio.get_running_loop().run_in_executor(self._readers, self._migrate)

    def _migrate(self) -> None:
        with self._write_engine.begin() as connection:
            if not self.is_sqlite:
                # Workers starting together take turns; the lock ends with this transaction.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), "head")

    async def close(self) -> None:
        if self.is_sqlite and self._writer is not None:
            await self._writer.close()
            self._writer = None
        self._readers.shutdown(wait=True)
        self.engine.dispose()
        self._write_engine.dispose()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _in_transaction(engine: Engine, work: Work[T], args: tuple) -> T:
    with Session(engine, expire_on_commit=False) as session:
        try:
            result = work(session, *args)
        except Rollback as undo:
            session.rollback()
            return undo.value
        session.commit()
        return result


def _read_only(engine: Engine, work: Work[T], args: tuple) -> T:
    # Closing the session ends its transaction without a commit; what it loaded stays readable.
    with Session(engine, expire_on_commit=False) as session:
        return work(session, *args)


class _Writer:
    """SQLite's one writer: a thread taking queued work one transaction at a time.

    One writer means no transaction ever waits in SQLite's busy handler. Each piece of work commits on
    its own: with WAL and synchronous=NORMAL a commit is a write to the WAL, tens of microseconds, less
    than batching several under one COMMIT (a SAVEPOINT each) costs in SQLAlchemy.
    """

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="db-write", daemon=True)
        self._thread.start()

    async def submit(self, runner, engine: Engine, work: Work[T], args: tuple) -> T:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((runner, engine, work, args, loop, future))
        return await future

    async def close(self) -> None:
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            runner, engine, work, args, loop, future = item
            try:
                outcome = (True, runner(engine, work, args))
            except Exception as error:
                outcome = (False, error)
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:   # the caller's event loop is closed: nobody is waiting any more
                log.warning("a database write finished after its event loop closed")


def integrity_error(error: BaseException) -> bool:
    """A constraint refused the write: SQLAlchemy's wrapper on the ORM path, or the driver's own error
    (sqlite3's, psycopg's) on the raw one."""
    return any(cls.__name__ == "IntegrityError" for cls in type(error).__mro__)


def _connection_lost(error: BaseException) -> bool:
    """The database connection itself broke (server restarted, network): not this transaction's fault."""
    return type(error).__name__ in ("OperationalError", "InterfaceError") and not isinstance(error, Rollback)


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _sqlite_engine(engine: Engine, *, begin: str) -> Engine:
    """pysqlite manages transactions its own way (and breaks SAVEPOINTs): take that over."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never wait for the writer. NORMAL: a commit survives a crash of this process
        # (the WAL is in the file system before the caller hears back); only a power cut can take the
        # last commits, which FULL would keep at about 0.4 ms of fsync per commit.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Raw:
    """The message path's statements, run straight on the driver's connection.

    Building a SQLAlchemy statement and its cache key costs about 100 times what SQLite then takes to
    run it; the handful of statements every customer message pays for are therefore written once as
    SQL both databases accept (RETURNING, ON CONFLICT, quoted "case"), with `:name` parameters turned
    into the driver's own style once, and timestamps stored the way SQLAlchemy stores them, so the
    ORM reads these rows like any other.
    """

    def __init__(self, driver_connection: Any, sqlite: bool):
        self._connection = driver_connection
        self.sqlite = sqlite

    @classmethod
    def of(cls, session: Session) -> "Raw":
        """The session's own connection, inside its transaction (for ORM work that shares a statement)."""
        connection = session.connection()
        return cls(connection.connection.driver_connection, connection.dialect.name == "sqlite")

    def run(self, sql: str, **params: Any):
        return self._connection.execute(_driver_sql(sql, self.sqlite), params)

    def one(self, sql: str, **params: Any):
        return self.run(sql, **params).fetchone()

    def all(self, sql: str, **params: Any) -> list:
        return self.run(sql, **params).fetchall()

    def value(self, sql: str, **params: Any):
        row = self.run(sql, **params).fetchone()
        return row[0] if row else None

    def stamp(self, moment: datetime):
        """A timestamp as stored: naive UTC text on SQLite (SQLAlchemy's format), aware on PostgreSQL."""
        moment = moment.astimezone(timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else moment


@lru_cache(maxsize=256)
def _driver_sql(sql: str, sqlite: bool) -> str:
    return sql if sqlite else re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
