"""The database connection: SQLite settings, one connection per process, no lost writes under load."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from storage.db import Database, NestedSession, async_url
from storage.models import Base, Member


async def members(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def read_then_write(db: Database, n: int) -> None:
    # Reading first, then writing, in one transaction: the pattern of every dialog turn.
    async with db.session() as session, session.begin():
        await session.scalar(select(func.count()).select_from(Member))
        await asyncio.sleep(0)
        await session.execute(insert(Member).values(display_name=f"m{n}"))


def test_shorthand_urls_get_their_async_driver() -> None:
    assert async_url("sqlite:///baocao.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert async_url("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"


async def test_sqlite_connections_are_set_up_for_concurrent_use(tmp_path: Path) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        assert db.is_sqlite
        async with db.engine.connect() as connection:
            pragmas = [
                (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
            ]
        assert pragmas == ["wal", 30000, 1, 1]
        assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (1, 0)  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def test_every_sqlite_transaction_begins_immediate(tmp_path: Path) -> None:
    """A transaction holds the write lock from its first statement, even one that only reads."""
    path = tmp_path / "a.db"
    db = Database.connect(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.session() as session, session.begin():
            await session.scalar(text("SELECT 1"))
            other = sqlite3.connect(path, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
    finally:
        await db.dispose()


async def test_a_transaction_waits_for_another_process_holding_the_lock(tmp_path: Path) -> None:
    """The quick lock attempt fails while another process writes; the turn waits instead of failing."""
    path = tmp_path / "a.db"
    db = Database.connect(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.session() as session, session.begin():  # creates the file in WAL mode
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
        async with db.session() as session, session.begin():
            await session.execute(text("INSERT INTO t VALUES (1)"))
        other.close()
        async with db.session() as session:
            assert await session.scalar(text("SELECT count(*) FROM t")) == 1
    finally:
        await db.dispose()


async def test_a_rolled_back_transaction_leaves_nothing_and_savepoints_work(database: Database) -> None:
    async with database.session() as session:
        async with session.begin():
            await session.execute(insert(Member).values(display_name="kept"))
            try:
                async with session.begin_nested():
                    await session.execute(insert(Member).values(display_name="undone"))
                    raise RuntimeError("roll back the savepoint")
            except RuntimeError:
                pass
        with pytest.raises(RuntimeError):
            async with session.begin():
                await session.execute(insert(Member).values(display_name="lost"))
                raise RuntimeError("roll back the transaction")
    async with database.session() as session:
        assert list(await session.scalars(select(Member.display_name))) == ["kept"]


async def test_fifty_concurrent_writers_all_succeed(database: Database) -> None:
    await asyncio.gather(*(read_then_write(database, n) for n in range(50)))
    assert await members(database) == 50


async def test_two_engines_on_one_sqlite_file_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    # Two Database objects are two connections, as two processes would have.
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    first, second = Database.connect(url), Database.connect(url)
    try:
        async with first.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        await asyncio.gather(*(read_then_write(first if n % 2 else second, n) for n in range(100)))
        assert await members(first) == 100
    finally:
        await first.dispose()
        await second.dispose()


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from sqlalchemy import func, insert, select
    from storage.db import Database
    from storage.models import Base, Member

    async def main(url, tag):
        db = Database.connect(url)
        for n in range(40):
            async with db.session() as session, session.begin():
                await session.scalar(select(func.count()).select_from(Member))
                await session.execute(insert(Member).values(display_name=f"{tag}-{n}"))
        await db.dispose()

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_several_processes_on_one_sqlite_file_lose_no_write(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    db = Database.connect(url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        root = Path(__file__).resolve().parents[2]
        processes = [
            subprocess.Popen([sys.executable, "-c", WRITER, url, str(tag)], cwd=root, stderr=subprocess.PIPE)
            for tag in range(4)
        ]
        for process in processes:
            _, err = await asyncio.to_thread(process.communicate)
            assert process.returncode == 0, err.decode()
        assert await members(db) == 160
    finally:
        await db.dispose()


async def test_a_nested_session_on_sqlite_fails_at_once_instead_of_waiting_forever(tmp_path: Path) -> None:
    # The one connection is held by the outer session; waiting for it inside would never end.
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    try:
        async with db.session() as outer, outer.begin():
            await outer.scalar(text("SELECT 1"))
            with pytest.raises(NestedSession):
                async with db.session() as inner:
                    await inner.scalar(text("SELECT 1"))
        async with db.session() as after:  # the connection is free again
            assert await after.scalar(text("SELECT 1")) == 1
    finally:
        await db.dispose()


async def test_a_memory_database_works_for_quick_experiments() -> None:
    db = Database.connect("sqlite+aiosqlite://")
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        await read_then_write(db, 1)
        assert await members(db) == 1
    finally:
        await db.dispose()


async def test_postgresql_gets_the_requested_pool_and_no_pre_ping() -> None:
    db = Database.connect("postgresql://baocao@127.0.0.1/nowhere", pool_size=3)  # connects lazily
    try:
        assert not db.is_sqlite
        assert db.engine.pool.size() == 3  # type: ignore[attr-defined]
        assert db.engine.pool._pre_ping is False
    finally:
        await db.dispose()
