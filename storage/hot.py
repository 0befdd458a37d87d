"""Running the few statements of the hot path (every message of every cadre) cheaply.

Measured on this machine: one statement through SQLAlchemy's async engine costs about 190 µs on
aiosqlite against 64 µs on the aiosqlite connection itself, and a turn runs about ten. So the
statements go to the driver directly, inside the transaction SQLAlchemy began on the same
connection: BEGIN IMMEDIATE on SQLite; on PostgreSQL SQLAlchemy begins lazily, so the first statement
of a transaction goes through SQLAlchemy (which begins it) and the rest to asyncpg.
Values are converted here exactly as SQLAlchemy's types store them, so either path reads the other's rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import UTCDateTime

_TIMESTAMP, _JSON = UTCDateTime(), JSON()


@dataclass(frozen=True)
class Sql:
    """One statement in `:name` parameter style (both SQLite and SQLAlchemy read it as is)."""

    sql: str
    json_in: frozenset[str] = frozenset()  # parameters holding JSON values
    time_in: frozenset[str] = frozenset()  # parameters holding aware datetimes
    json_out: frozenset[str] = frozenset()  # result columns holding JSON
    _clause: list[TextClause] = field(default_factory=list, compare=False, repr=False)

    def clause(self) -> TextClause:
        """The statement as a typed SQLAlchemy text clause, built once."""
        if not self._clause:
            clause = text(self.sql).bindparams(
                *(bindparam(name, type_=_JSON) for name in self.json_in),
                *(bindparam(name, type_=_TIMESTAMP) for name in self.time_in),
            )
            if self.json_out:
                clause = clause.columns(**{name: _JSON for name in self.json_out})  # type: ignore[assignment]
            self._clause.append(clause)
        return self._clause[0]


class OutsideTransaction(RuntimeError):
    """A hot-path statement was about to run on SQLite outside BEGIN IMMEDIATE."""


class Executor:
    """Runs `Sql` statements on one connection inside the current transaction."""

    async def fetch(self, statement: Sql, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        raise NotImplementedError

    async def run(self, statement: Sql, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        raise NotImplementedError


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@cache
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters as asyncpg's `$1`, `$2`..., with the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return _NAMED.sub(number, sql), tuple(names)


class _PostgresExecutor(Executor):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.driver: Any = None  # asyncpg.Connection, once SQLAlchemy has begun the transaction

    async def _begun(self, statement: Sql, params: Any) -> Any:
        """Run through SQLAlchemy the first time (it begins the transaction); None afterwards."""
        if self.driver is not None:
            return None
        result = await self.conn.execute(statement.clause(), params)
        self.driver = (await self.conn.get_raw_connection()).driver_connection
        return result

    @staticmethod
    def _args(statement: Sql, names: tuple[str, ...], params: Mapping[str, Any]) -> list[Any]:
        # SQLAlchemy's codec on these connections takes JSON as text and decodes it on the way out.
        return [
            json.dumps(params[name], ensure_ascii=False) if name in statement.json_in else params[name]
            for name in names
        ]

    async def fetch(self, statement: Sql, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        result = await self._begun(statement, params)
        if result is not None:
            return result.all()  # type: ignore[no-any-return]
        sql, names = _positional(statement.sql)
        return await self.driver.fetch(sql, *self._args(statement, names, params))  # type: ignore[no-any-return]

    async def run(self, statement: Sql, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        result = await self._begun(statement, params)
        if result is not None:
            return int(result.rowcount)
        sql, names = _positional(statement.sql)
        if isinstance(params, Mapping):
            status = await self.driver.execute(sql, *self._args(statement, names, params))
            # asyncpg answers with the command tag, e.g. "INSERT 0 1" or "UPDATE 0".
            return int(status.rsplit(" ", 1)[-1])
        await self.driver.executemany(sql, [self._args(statement, names, p) for p in params])
        return len(params)


def _sqlite_time(value: datetime) -> str:
    # The format SQLAlchemy's SQLite DateTime type writes (naive UTC); UTCDateTime reads it back.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class _SqliteExecutor(Executor):
    """Statements run synchronously on the sqlite3 connection, in the event loop's thread.

    Inside a transaction begun with BEGIN IMMEDIATE this process already holds SQLite's write lock,
    so none of these statements can wait on another process: each takes microseconds, less than
    the hand-off to aiosqlite's thread and back (about 60 µs, measured). BEGIN and COMMIT, which can
    wait, still go through aiosqlite.
    """

    def __init__(self, driver: Any) -> None:
        self.sqlite = driver._conn  # aiosqlite.Connection's sqlite3.Connection (aiosqlite pinned < 0.23)

    def _execute(self, statement: Sql, params: Any, many: bool = False) -> Any:
        # Outside a transaction a statement takes its own lock and may wait busy_timeout for another
        # process, here in the event loop's thread: every member of this process would wait with it.
        # Every transaction on our connections begins IMMEDIATE (storage/db.py's "begin" listener),
        # so being inside one means holding the write lock already.
        if not self.sqlite.in_transaction:
            raise OutsideTransaction(
                "a hot-path statement on SQLite must run inside BEGIN IMMEDIATE "
                "(open it with storage.transaction.turn_transaction)"
            )
        if many:
            return self.sqlite.executemany(statement.sql, params)
        return self.sqlite.execute(statement.sql, params)

    @staticmethod
    def _params(statement: Sql, params: Mapping[str, Any]) -> dict[str, Any]:
        converted = dict(params)
        for name in statement.json_in:
            converted[name] = json.dumps(converted[name], ensure_ascii=False)
        for name in statement.time_in:
            value = converted[name]
            converted[name] = None if value is None else _sqlite_time(value)
        return converted

    async def fetch(self, statement: Sql, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        cursor = self._execute(statement, self._params(statement, params))
        rows = cursor.fetchall()
        if not statement.json_out or not rows:
            return rows  # type: ignore[no-any-return]
        # The result's own column names: a select list may hold expressions with commas in them.
        names = [column[0] for column in cursor.description]
        positions = [index for index, name in enumerate(names) if name in statement.json_out]
        decoded = []
        for row in rows:
            values = list(row)
            for position in positions:
                raw = values[position]
                # A JSON column has NUMERIC affinity in SQLite: a number comes back as a number.
                values[position] = json.loads(raw) if isinstance(raw, str | bytes) else raw
            decoded.append(values)
        return decoded

    async def run(self, statement: Sql, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
        if isinstance(params, Mapping):
            cursor = self._execute(statement, self._params(statement, params))
        else:
            cursor = self._execute(statement, [self._params(statement, p) for p in params], many=True)
        count = cursor.rowcount
        cursor.close()
        return int(count)


async def executor(conn: AsyncConnection) -> Executor:
    """The cheapest executor for this connection, inside its current transaction."""
    if conn.dialect.name == "sqlite":
        raw = await conn.get_raw_connection()
        return _SqliteExecutor(raw.driver_connection)
    return _PostgresExecutor(conn)
