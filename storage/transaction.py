"""One turn's transaction: the hot path's executor, and an ORM session only where something asks.

Everything outside storage/ opens its transactions here, so the hot path's driver-level statements
(storage/hot.py) never leak out of the storage package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.db import Database
from storage.hot import Executor, executor


class TurnScope:
    """The open transaction of one turn: a connection, its hot-path executor, a lazy ORM session."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._executor: Executor | None = None
        self._session: AsyncSession | None = None

    async def executor(self) -> Executor:
        """The hot-path executor on this transaction's connection (built on first use)."""
        if self._executor is None:
            self._executor = await executor(self.connection)
        return self._executor

    async def session(self) -> AsyncSession:
        """An ORM session joined to this transaction; committing stays with the transaction."""
        if self._session is None:
            self._session = AsyncSession(bind=self.connection, expire_on_commit=False)
        return self._session

    async def _close(self) -> None:
        if self._session is not None:
            await self._session.flush()
            await self._session.close()


@asynccontextmanager
async def turn_transaction(db: Database) -> AsyncIterator[TurnScope]:
    """Begin a transaction (BEGIN IMMEDIATE on SQLite), commit on exit, roll back on an error."""
    # A plain connection transaction: the ORM session's own begin/commit cost more than half of a
    # turn's CPU (profiled). The rare paths that want a session get one bound to it.
    async with db.engine.connect() as connection, connection.begin():
        scope = TurnScope(connection)
        yield scope
        await scope._close()
