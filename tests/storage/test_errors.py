"""What a database error means for the update behind it: deliver again forever, or count the try."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg.exceptions as pg
import pytest
from sqlalchemy import exc as sa

from storage.errors import is_transient


def sqlite_error(sql: str, path: Path | None = None) -> sqlite3.Error:
    """The error SQLite itself raises for `sql` (with its result code, as the hot path sees it)."""
    connection = sqlite3.connect(path or ":memory:", timeout=0, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER NOT NULL)")
    try:
        connection.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError(f"{sql} did not fail")


def locked(tmp_path: Path) -> sqlite3.Error:
    """'database is locked': another process holds the write lock past busy_timeout."""
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER NOT NULL)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        return sqlite_error("BEGIN IMMEDIATE", path)
    finally:
        holder.close()


def wrapped(cls: type[sa.DBAPIError], orig: BaseException) -> sa.DBAPIError:
    """As SQLAlchemy raises it: the driver's error in `.orig`."""
    return cls("SELECT 1", {}, orig)  # type: ignore[arg-type]


TRANSIENT = {
    "asyncpg: connection dropped (from the hot path, unwrapped)": pg.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    "asyncpg: connection closed": pg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
    "asyncpg: backend terminated by the administrator": pg.AdminShutdownError("terminating connection"),
    "asyncpg: server starting up": pg.CannotConnectNowError("the database system is starting up"),
    "asyncpg: too many connections": pg.TooManyConnectionsError("sorry, too many clients already"),
    "asyncpg: serialization failure": pg.SerializationError("could not serialize access"),
    "asyncpg: deadlock": pg.DeadlockDetectedError("deadlock detected"),
    "asyncpg: lock timeout": pg.LockNotAvailableError("canceling statement due to lock timeout"),
    "SQLAlchemy around a dropped asyncpg connection": wrapped(
        sa.DBAPIError, pg.ConnectionDoesNotExistError("connection was closed")
    ),
    "SQLAlchemy OperationalError around an unreachable server": wrapped(
        sa.OperationalError, ConnectionRefusedError("connection refused")
    ),
    "socket error before any driver": ConnectionResetError("reset by peer"),
    "connect timed out": TimeoutError(),
    "SQLAlchemy pool timeout": sa.TimeoutError("QueuePool limit reached"),
}

PERMANENT = {
    "asyncpg: NUL or bad byte in text": pg.CharacterNotInRepertoireError("invalid byte sequence"),
    "asyncpg: not a number": pg.InvalidTextRepresentationError("invalid input syntax for type integer"),
    "asyncpg: number out of range": pg.NumericValueOutOfRangeError("integer out of range"),
    "asyncpg: duplicate key": pg.UniqueViolationError("duplicate key value"),
    "asyncpg: missing table": pg.UndefinedTableError('relation "t" does not exist'),
    "SQLAlchemy DataError (asyncpg inside)": wrapped(sa.DataError, pg.InvalidTextRepresentationError("bad")),
    "SQLAlchemy DataError (nothing known inside)": wrapped(sa.DataError, ValueError("bad value")),
    "SQLAlchemy IntegrityError": wrapped(sa.IntegrityError, pg.UniqueViolationError("duplicate key")),
    "SQLAlchemy DBAPIError around a bug": wrapped(sa.DBAPIError, ValueError("bad value")),
    "a bug": RuntimeError("a bug"),
    "a KeyError": KeyError("x"),
}


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_an_outage_or_a_conflict_is_delivered_again_without_counting(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", PERMANENT.values(), ids=PERMANENT.keys())
def test_a_value_the_database_refuses_or_a_bug_is_counted(error: BaseException) -> None:
    assert not is_transient(error)


def test_sqlite_errors_straight_from_the_driver_are_judged_by_their_code(tmp_path: Path) -> None:
    busy = locked(tmp_path)
    assert isinstance(busy, sqlite3.OperationalError) and is_transient(busy)
    assert is_transient(wrapped(sa.OperationalError, busy)), "the same, wrapped by SQLAlchemy"
    no_table = sqlite_error("SELECT * FROM missing")
    assert isinstance(no_table, sqlite3.OperationalError), "the same class as 'database is locked'..."
    assert not is_transient(no_table), "...but trying again cannot help"
    assert not is_transient(wrapped(sa.OperationalError, no_table))
    assert not is_transient(sqlite_error("INSERT INTO t (x) VALUES (NULL)")), "NOT NULL"
    assert not is_transient(wrapped(sa.IntegrityError, sqlite_error("INSERT INTO t (x) VALUES (NULL)")))


def adapted(original: Exception) -> Exception:
    """SQLAlchemy's asyncpg adapter raises its own DB-API error `from` asyncpg's."""
    try:
        try:
            raise original
        except Exception as error:
            raise Exception("adapted") from error
    except Exception as error:
        return error


def test_sqlalchemys_asyncpg_errors_are_judged_by_asyncpgs_error_beneath() -> None:
    dropped = wrapped(sa.DBAPIError, adapted(pg.ConnectionDoesNotExistError("closed mid-operation")))
    assert is_transient(dropped)
    nul = wrapped(sa.DBAPIError, adapted(pg.CharacterNotInRepertoireError("invalid byte sequence")))
    assert not is_transient(nul)
