"""The Zalo OA's token pair: read, stored, and refreshed under a lock that holds across processes.

Zalo's refresh token is single-use: presenting it returns a new pair and spends it. Two processes
refreshing at once would both present it and one of them would be refused (and with it the OA
lose its tokens until an operator authorises again). So `refresh_locked` takes the token row's lock
(PostgreSQL: SELECT … FOR UPDATE inside the transaction; SQLite: the BEGIN IMMEDIATE every
transaction starts with), re-reads the row, and only calls Zalo if nobody refreshed meanwhile; the
new pair is committed before anyone uses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.hot import Sql, executor
from storage.models import ZaloOAFollower, ZaloOAToken

_TABLE = ZaloOAToken.__table__
_FOLLOWERS = ZaloOAFollower.__table__
CHANNEL = "zalo_oa"


@dataclass(frozen=True)
class TokenPair:
    """An access token, the refresh token that replaces it, and when the access token expires (UTC)."""

    access_token: str
    refresh_token: str
    expires_at: datetime


async def load_pair(db: Database, app_id: str) -> TokenPair | None:
    """The stored pair, or None before the first `baocao zalo oa-auth`."""
    async with db.engine.connect() as connection, connection.begin():
        return await _read(connection, app_id, lock=False)


async def _read(connection: AsyncConnection, app_id: str, *, lock: bool) -> TokenPair | None:
    query = select(_TABLE.c.access_token, _TABLE.c.refresh_token, _TABLE.c.expires_at).where(
        _TABLE.c.app_id == app_id
    )
    if lock:
        query = query.with_for_update()  # nothing on SQLite, where BEGIN IMMEDIATE already serialises
    row = (await connection.execute(query)).first()
    if row is None or not row.access_token or not row.refresh_token or row.expires_at is None:
        return None
    return TokenPair(row.access_token, row.refresh_token, _aware(row.expires_at))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def _upsert(connection: AsyncConnection, app_id: str, values: dict[str, object]) -> None:
    changed = await connection.execute(update(_TABLE).where(_TABLE.c.app_id == app_id).values(**values))
    if changed.rowcount == 0:
        await connection.execute(_TABLE.insert().values(app_id=app_id, **values))


async def store_pair(db: Database, app_id: str, pair: TokenPair, now: datetime) -> None:
    """Store a pair obtained from an authorisation code (the verifier is spent with it)."""
    async with db.engine.connect() as connection, connection.begin():
        await _upsert(
            connection,
            app_id,
            {
                "access_token": pair.access_token,
                "refresh_token": pair.refresh_token,
                "expires_at": pair.expires_at,
                "code_verifier": None,
                "updated_at": now,
            },
        )


async def set_code_verifier(db: Database, app_id: str, verifier: str, now: datetime) -> None:
    """Keep the PKCE verifier between printing the consent URL and exchanging the code."""
    async with db.engine.connect() as connection, connection.begin():
        await _upsert(connection, app_id, {"code_verifier": verifier, "updated_at": now})


async def code_verifier(db: Database, app_id: str) -> str | None:
    async with db.engine.connect() as connection, connection.begin():
        query = select(_TABLE.c.code_verifier).where(_TABLE.c.app_id == app_id)
        return (await connection.execute(query)).scalar()


class NoTokens(Exception):
    """No token pair is stored: the OA was never authorised (`baocao zalo oa-auth`)."""


async def refresh_locked(
    db: Database,
    app_id: str,
    *,
    still_good: Callable[[TokenPair], bool],
    refresh: Callable[[str], Awaitable[TokenPair]],
    now: datetime,
) -> TokenPair:
    """The pair to use now: refreshed through `refresh(refresh_token)` unless, once the row is locked,
    `still_good` says another process already did. Zalo is called while the lock is held, and the new
    pair is committed before it is returned. Raises NoTokens, or what `refresh` raises (nothing stored).
    """
    async with db.engine.connect() as connection, connection.begin():
        current = await _read(connection, app_id, lock=True)
        if current is None:
            raise NoTokens()
        if still_good(current):
            return current
        fresh = await refresh(current.refresh_token)
        await connection.execute(
            update(_TABLE)
            .where(_TABLE.c.app_id == app_id)
            .values(
                access_token=fresh.access_token,
                refresh_token=fresh.refresh_token,
                expires_at=fresh.expires_at,
                updated_at=now,
            )
        )
    return fresh


# --- what the webhook records ---------------------------------------------------------------------


_HEARD = Sql(
    "UPDATE identities SET last_seen_at = :now WHERE channel = 'zalo_oa' AND external_id = :user_id",
    time_in=frozenset({"now"}),
)


async def heard_from(connection: AsyncConnection, user_id: str, now: datetime) -> None:
    """The member's Zalo identity was just heard from: the OA may write to them for 48 hours.

    On every event's path, so it runs on the driver inside the turn's transaction (storage/hot.py)."""
    run = await executor(connection)
    await run.run(_HEARD, {"now": now, "user_id": user_id})


async def set_following(connection: AsyncConnection, user_id: str, *, following: bool, now: datetime) -> None:
    """Record a follow or an unfollow of the OA."""
    changed = await connection.execute(
        update(_FOLLOWERS).where(_FOLLOWERS.c.user_id == user_id).values(following=following, changed_at=now)
    )
    if changed.rowcount == 0:
        await connection.execute(
            _FOLLOWERS.insert().values(user_id=user_id, following=following, changed_at=now)
        )


async def following(db: Database, user_id: str) -> bool | None:
    """Whether the user follows the OA (None: no follow or unfollow seen)."""
    async with db.engine.connect() as connection, connection.begin():
        query = select(_FOLLOWERS.c.following).where(_FOLLOWERS.c.user_id == user_id)
        value = (await connection.execute(query)).scalar()
        return None if value is None else bool(value)
