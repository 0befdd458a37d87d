"""Shared fixtures: no real network in any test, and a fresh migrated database per test.

The database fixtures run on SQLite always and on PostgreSQL too when BAOCAO_TEST_DATABASE_URL is
set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test). That URL is only used to create two
scratch databases for this test process (`<name>_<pid>` and `<name>_<pid>_empty`), migrated once
and emptied between tests, and dropped at the end; so parallel test runs do not disturb each other.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database, async_url
from storage.migrate import upgrade

PG_URL_ENV = "BAOCAO_TEST_DATABASE_URL"
BACKENDS = ["sqlite", *(["postgresql"] if os.environ.get(PG_URL_ENV) else [])]
T = TypeVar("T")


# --- no network ------------------------------------------------------------------------------------


class RealNetworkInTest(RuntimeError):
    """A test tried to reach a real host; fake the transport instead."""


def _is_local_host(host: object) -> bool:
    if host is None or host in ("localhost", b"localhost", ""):
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        address = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_local_address(address: Any) -> bool:
    if isinstance(address, str | bytes):  # a unix socket path
        return True
    if isinstance(address, tuple) and address:
        return _is_local_host(address[0])
    return False


@pytest.fixture(scope="session", autouse=True)
def _no_network() -> Iterator[None]:
    """Refuse every connection outside 127.0.0.0/8, ::1 and unix sockets, for the whole session."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create_connection, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def guard(address: Any) -> None:
        if not _is_local_address(address):
            raise RealNetworkInTest(f"a test tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        guard(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard(address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        guard(address)
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # Name lookups leave the machine too (DNS), before any connect could be refused.
        if not _is_local_host(host):
            raise RealNetworkInTest(f"a test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "create_connection", create_connection)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


# --- databases -----------------------------------------------------------------------------------


def run_in_thread(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on its own loop in a worker thread, from synchronous code."""

    async def main() -> T:
        return await make()

    # A thread of its own, so that the test's event loop (if any) is neither reused nor replaced.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; every test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "baocao.db"
    run_in_thread(lambda: upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@dataclass
class _PostgresScratch:
    """The scratch databases of this test process, and the tables of those migrated right now."""

    urls: dict[str, str]
    tables: dict[str, list[str]] = field(default_factory=dict)


async def _execute(url: str, *statements: str, autocommit: bool = False) -> None:
    engine = create_async_engine(
        async_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT" if autocommit else None
    )
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


async def _tables(url: str) -> list[str]:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version'"
                )
            )
            return list(result.scalars())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_PostgresScratch | None]:
    """Two scratch PostgreSQL databases for this process, if BAOCAO_TEST_DATABASE_URL is set."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        yield None
        return
    parsed = make_url(base)
    names = {
        "migrated": f"{parsed.database}_{os.getpid()}",
        "empty": f"{parsed.database}_{os.getpid()}_empty",
    }
    urls = {
        kind: parsed.set(database=name).render_as_string(hide_password=False) for kind, name in names.items()
    }
    for name in names.values():
        drop, create = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        run_in_thread(partial(_execute, base, drop, create, autocommit=True))
    yield _PostgresScratch(urls)
    for name in names.values():
        run_in_thread(
            partial(_execute, base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', autocommit=True)
        )


def _prepare_postgres(scratch: _PostgresScratch, kind: str, migrated: bool) -> str:
    url = scratch.urls[kind]
    tables = scratch.tables.get(kind)
    if migrated and tables is not None:
        if tables:
            names = ", ".join(f'"{table}"' for table in tables)
            run_in_thread(partial(_execute, url, f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return url
    run_in_thread(partial(_execute, url, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public"))
    scratch.tables.pop(kind, None)
    if migrated:
        run_in_thread(partial(upgrade, url))
        scratch.tables[kind] = run_in_thread(partial(_tables, url))
    return url


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    _sqlite_template: Path,
    _postgres: _PostgresScratch | None,
) -> str:
    """The URL of an empty database migrated to the newest revision (SQLite file, or PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "baocao.db"
        shutil.copyfile(_sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    assert _postgres is not None
    return _prepare_postgres(_postgres, "migrated", migrated=True)


@pytest.fixture(params=BACKENDS)
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _postgres: _PostgresScratch | None
) -> str:
    """The URL of a database with no tables at all (not migrated)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert _postgres is not None
    return _prepare_postgres(_postgres, "empty", migrated=False)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty `Database` (ids `sqlite` / `postgresql`)."""
    db = Database.connect(database_url)
    try:
        yield db
    finally:
        await db.dispose()
