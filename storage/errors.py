"""What a database error means for the update that caused it: try again later, or never.

An update whose turn failed is delivered again. Whether to count the failure depends on what it
means. A *transient* error (the database cannot be reached, the connection dropped, a lock or
serialization conflict) says nothing about the update: it is delivered again for as long as it
takes, never counted, so a restart of PostgreSQL loses no answer. Anything else is *permanent* for
that update (a value the database refuses, a bug): trying it again gives the same error, so after a
few tries the member is told and the update is let go, rather than pinning every later update behind it.

The hot path runs statements on the raw drivers (storage/hot.py), so an error may arrive as
SQLAlchemy's `DBAPIError` (the driver's error in `.orig`, asyncpg's under that as `__cause__`), or
straight from asyncpg or sqlite3. All are unwrapped and judged by their code, not their class name
alone: sqlite3's `OperationalError` covers both "database is locked" and "no such table".
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa

# PostgreSQL SQLSTATE classes and codes that say "the same statement may work a moment later".
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})  # connection, rollback, resources,
# operator intervention (admin shutdown, cannot connect now, query cancelled), system I/O
_TRANSIENT_SQLSTATES = frozenset({"55P03", "55006"})  # lock not available, object in use

# SQLite primary result codes (the low byte of the extended code) that pass with time.
_SQLITE_TRANSIENT = frozenset(
    {
        5,  # SQLITE_BUSY: another process holds the write lock past busy_timeout
        6,  # SQLITE_LOCKED
        7,  # SQLITE_NOMEM
        9,  # SQLITE_INTERRUPT
        10,  # SQLITE_IOERR
        13,  # SQLITE_FULL: the disk is full; the operator frees space, nothing is lost meanwhile
        14,  # SQLITE_CANTOPEN
        15,  # SQLITE_PROTOCOL
    }
)


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps, outermost first (DBAPIError.orig, then explicit causes)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 8:
        chain.append(current)
        if isinstance(current, sa.DBAPIError) and isinstance(current.orig, BaseException):
            current = current.orig
        else:
            current = current.__cause__
    return chain


def _sqlstate(error: BaseException) -> str | None:
    code = getattr(error, "sqlstate", None)
    return code if isinstance(code, str) and len(code) == 5 else None


def _judge(error: BaseException) -> bool | None:
    """True transient, False permanent, None: this layer cannot tell (look at what it wraps)."""
    code = _sqlstate(error)
    if code is not None:
        return code[:2] in _TRANSIENT_SQLSTATE_CLASSES or code in _TRANSIENT_SQLSTATES
    if isinstance(error, sqlite3.Error):
        number = getattr(error, "sqlite_errorcode", None)
        if isinstance(number, int):
            return number & 0xFF in _SQLITE_TRANSIENT
        if isinstance(error, sqlite3.ProgrammingError) and "closed" in str(error):
            return True  # the connection was closed under the turn: a new one will do
        return isinstance(error, sqlite3.OperationalError | sqlite3.InterfaceError)
    # asyncpg's connection-level errors carry no SQLSTATE (they never reached the server).
    module = type(error).__module__
    if module.startswith("asyncpg"):
        name = type(error).__name__
        # Its InterfaceError also means "another operation is in progress" (a bug): only "closed" counts.
        return name == "ConnectionDoesNotExistError" or "closed" in str(error)
    if isinstance(error, sa.DBAPIError):
        if error.connection_invalidated:
            return True
        return None
    if isinstance(error, sa.TimeoutError | sa.DisconnectionError):
        return True  # no connection free in the pool in time, or a connection found dead
    if isinstance(error, OSError | ConnectionError | TimeoutError):
        return True
    return None


def is_transient(error: BaseException) -> bool:
    """Whether the update should simply be delivered again, without counting the failure."""
    for layer in reversed(_causes(error)):
        verdict = _judge(layer)
        if verdict is not None:
            return verdict
    # Only SQLAlchemy's wrapper, with nothing recognisable inside: judge by the DB-API class.
    outer = _causes(error)[0]
    return isinstance(outer, sa.OperationalError | sa.InterfaceError)


def is_database_down(error: BaseException) -> bool:
    """The older name of `is_transient`, kept for callers not yet moved."""
    return is_transient(error)
