"""The database connection: one `Database` per process, built from a URL by `Database.connect`."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from dialogs.events import Msg

# Milliseconds a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Seconds a coroutine waits for the process's single SQLite connection; writers queue here, in order.
SQLITE_POOL_TIMEOUT_S = 60

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


class Refused(Exception):
    """A request the stored data does not allow; the reasons are catalog messages."""

    def __init__(self, *messages: Msg) -> None:
        super().__init__(*(message.id for message in messages))
        self.messages: tuple[Msg, ...] = messages


class NestedSession(RuntimeError):
    """A task asked for a second SQLite connection while holding the only one; it would wait forever."""


class _OneConnectionPool(AsyncAdaptedQueuePool):
    """The single SQLite connection of the process, refusing a nested checkout by its holder at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holder: asyncio.Task[Any] | None = None

    def _do_get(self) -> ConnectionPoolEntry:
        task = _current_task()
        if task is not None and task is self._holder:
            raise NestedSession(
                "this task already holds the SQLite connection: close its session before opening another"
            )
        record = super()._do_get()
        self._holder = task
        return record

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        self._holder = None
        super()._do_return_conn(record)


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous caller
        return None


def async_url(url: str | URL) -> URL:
    """The URL with its async driver: `sqlite://` and `postgresql://` are accepted as shorthands."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # PRAGMAs outside any transaction: journal_mode and foreign_keys are silently ignored inside one.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    # Take the write lock up front. A deferred BEGIN that reads and then writes cannot upgrade when
    # another process committed in between: SQLite fails at once with "database is locked" instead
    # of waiting busy_timeout. One connection per process makes the cost (no parallel readers) moot.
    #
    # First try without waiting, right here in the event loop's thread (microseconds, where the
    # hand-off to aiosqlite's thread costs a few hundred): only when another process holds the
    # lock does it go the slow way, waiting up to busy_timeout in aiosqlite's thread.
    sqlite = connection.connection.driver_connection._conn  # type: ignore[union-attr]
    sqlite.execute("PRAGMA busy_timeout=0")
    try:
        sqlite.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError:
        pass
    finally:
        sqlite.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An async engine and its session factory; build it with `Database.connect`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._reader_engine: AsyncEngine | None = None
        self._readers: async_sessionmaker[AsyncSession] | None = None

    @classmethod
    def connect(cls, url: str | URL, pool_size: int = 10) -> Database:
        """An engine for `url` (no connection is opened until first use)."""
        parsed = async_url(url)
        if parsed.get_backend_name() == "sqlite":
            return cls(_sqlite_engine(parsed))
        if parsed.get_backend_name() != "postgresql":
            raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")
        # pre-ping costs a round trip per checkout; a dropped connection fails one transaction instead.
        return cls(create_async_engine(parsed, pool_size=pool_size, pool_pre_ping=False))

    def session(self) -> AsyncSession:
        """A new session; use `async with db.session() as s, s.begin():`."""
        return self._sessions()

    def reader(self) -> AsyncSession:
        """A session for a long read that writes nothing (a compile's gathering of a whole province).

        On a SQLite file it has a connection of its own that begins a deferred (read) transaction: in
        WAL mode it reads a snapshot while the process's writer connection goes on committing turns.
        Through `session()` the read would hold the one connection, and its write lock, for its whole
        length: every member's turn waited behind a 1,000-unit gather (measured: turns of ~1 s while a
        province compiled inside `baocao serve`). PostgreSQL's pool, or a memory database, needs none.
        """
        if self._readers is None:
            url = self.engine.url
            if not self.is_sqlite or _is_memory(url):
                return self._sessions()
            self._reader_engine = _sqlite_engine(url, reader=True)
            self._readers = async_sessionmaker(self._reader_engine, expire_on_commit=False)
        return self._readers()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._reader_engine is not None:
            await self._reader_engine.dispose()


def _on_sqlite_read_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    _on_sqlite_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA query_only=ON")  # a reader that tried to write would fail, not lock
    finally:
        cursor.close()


def _on_sqlite_read_begin(connection: Connection) -> None:
    # Deferred: a read transaction in WAL mode takes no write lock and blocks no writer.
    connection.exec_driver_sql("BEGIN")


def _sqlite_engine(url: URL, *, reader: bool = False) -> AsyncEngine:
    # isolation_level=None stops sqlite3 from issuing its own (deferred, DML-only) BEGIN, so the
    # "begin" listener below decides how every transaction starts (SQLAlchemy's documented recipe).
    # check_same_thread=False: storage/hot.py runs the hot path's statements on this connection from
    # the event loop's thread (while it holds the connection, so never two threads at once).
    connect_args = {
        "isolation_level": None,
        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        "check_same_thread": False,
    }
    if _is_memory(url):
        # The dialect's StaticPool already shares one connection, which a memory database requires.
        engine = create_async_engine(url, connect_args=connect_args)
    else:
        # Exactly one connection per process: SQLite has one writer anyway, and a pool of several
        # connections to one file made writers fail with "database is locked" under load. Here
        # coroutines queue for the connection in the pool instead, where waiting cannot fail.
        engine = create_async_engine(
            url,
            connect_args=connect_args,
            poolclass=_OneConnectionPool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_POOL_TIMEOUT_S,
        )
    event.listen(engine.sync_engine, "connect", _on_sqlite_read_connect if reader else _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_read_begin if reader else _on_sqlite_begin)
    return engine
