"""What the turn storage keeps about incoming updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.hot import executor
from storage.turns import claim_update, forget_updates

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def test_an_update_is_claimed_once_and_forgotten_after_a_week(database: Database) -> None:
    async with database.engine.begin() as connection:
        run = await executor(connection)
        assert await claim_update(run, "telegram", "1", NOW - timedelta(days=8))
        assert await claim_update(run, "telegram", "2", NOW)
        assert not await claim_update(run, "telegram", "2", NOW)  # a repeat
        assert await claim_update(run, "zalo_bot", "2", NOW)  # another channel's update 2
    async with database.session() as session, session.begin():
        assert await forget_updates(session, NOW - timedelta(days=7)) == 1
    async with database.engine.begin() as connection:
        run = await executor(connection)
        assert not await claim_update(run, "telegram", "2", NOW)  # the recent one is still known
