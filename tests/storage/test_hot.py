"""The hot path's statements: only inside a transaction on SQLite, JSON columns found by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage.db import Database
from storage.hot import OutsideTransaction, Sql, executor
from storage.transaction import turn_transaction

_SELECT_JSON = Sql(
    # A function call with a comma in the select list: splitting the list on commas would put
    # `value` in the wrong place and decode the wrong column.
    "SELECT COALESCE(NULL, 'a,b') AS label, :value AS value, 2 AS n",
    json_out=frozenset({"value"}),
)


async def test_a_statement_outside_begin_immediate_is_refused_on_sqlite(tmp_path: object) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path}/hot.db")
    try:
        async with db.engine.connect() as connection:
            # No transaction begun: the statement would take its own lock and could wait
            # busy_timeout in the event loop's thread.
            run = await executor(connection)
            with pytest.raises(OutsideTransaction, match="BEGIN IMMEDIATE"):
                await run.fetch(Sql("SELECT 1"), {})
            with pytest.raises(OutsideTransaction):
                await run.run(Sql("CREATE TABLE t (x INTEGER)"), {})
        async with turn_transaction(db) as scope:
            run = await scope.executor()
            assert [tuple(row) for row in await run.fetch(Sql("SELECT 1"), {})] == [(1,)]
    finally:
        await db.dispose()


async def test_json_columns_are_decoded_by_their_result_name(tmp_path: object) -> None:
    # SQLite only: there the executor decodes JSON itself (on PostgreSQL the driver's codec does).
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path}/hot.db")
    try:
        async with turn_transaction(db) as scope:
            run = await scope.executor()
            rows = await run.fetch(_SELECT_JSON, {"value": '{"x": [1, 2]}'})
            assert [list(row) for row in rows] == [["a,b", {"x": [1, 2]}, 2]]
    finally:
        await db.dispose()


def test_nothing_outside_storage_runs_the_hot_path_itself() -> None:
    root = Path(__file__).resolve().parents[2]
    outside = [
        path.relative_to(root)
        for folder in ("bot", "dialogs", "bench")
        for path in (root / folder).rglob("*.py")
        if re.search(
            r"^\s*(from storage\.hot |import storage\.hot|from storage import hot)", path.read_text(), re.M
        )
    ]
    assert outside == [], "open a transaction with storage.transaction.turn_transaction instead"
