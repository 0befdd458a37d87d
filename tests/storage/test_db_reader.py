"""`Database.reader()`: a long read (a compile's gathering) never holds up the writers' turns."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import OperationalError

from storage.db import Database
from storage.models import Unit


def unit(code: str) -> dict[str, object]:
    return {
        "code": code,
        "code_key": code,
        "name": f"Xã {code}",
        "level": "xa",
        "path": f"/{code}/",
        "depth": 0,
    }


async def test_a_write_commits_while_a_long_read_is_open(database: Database) -> None:
    async with database.session() as session, session.begin():
        await session.execute(insert(Unit), [unit("A")])
    async with database.reader() as reading:
        # The read's transaction is open (a snapshot of one unit) while a turn writes and commits.
        assert await reading.scalar(select(func.count()).select_from(Unit)) == 1

        async def turn() -> None:
            async with database.session() as session, session.begin():
                await session.execute(insert(Unit), [unit("B")])

        await asyncio.wait_for(turn(), timeout=5)
    async with database.reader() as reading:
        assert await reading.scalar(select(func.count()).select_from(Unit)) == 2


async def test_a_reader_on_sqlite_cannot_write(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("PostgreSQL's reader is a session of its pool")
    async with database.reader() as reading:
        with pytest.raises(OperationalError):
            await reading.execute(text("INSERT INTO units (code) VALUES ('X')"))
