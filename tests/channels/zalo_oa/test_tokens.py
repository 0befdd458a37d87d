"""The single-use refresh token: two processes refreshing at the same moment present it once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.channels.zalo_oa.tokens import TokenManager
from storage.db import Database
from storage.zalo_oa import TokenPair, load_pair, store_pair
from tests.channels.zalo_oa.fake_oa import APP_ID, FakeOA
from tests.channels.zalo_oa.test_sender import client_for


async def test_two_processes_refreshing_at_once_present_the_refresh_token_once(database_url: str) -> None:
    # Two Database objects are two connections, as two processes would hold; the OAuth server is slow,
    # so both find the token expiring while the other is still refreshing.
    with FakeOA(refresh_delay=0.3) as fake:
        access, refresh = fake.issue_pair()
        now = datetime.now(UTC)
        first_db, second_db = Database.connect(database_url), Database.connect(database_url)
        clients = [client_for(fake), client_for(fake)]
        try:
            await store_pair(first_db, APP_ID, TokenPair(access, refresh, now + timedelta(minutes=1)), now)
            managers = [TokenManager(first_db, clients[0]), TokenManager(second_db, clients[1])]
            tokens = await asyncio.gather(*(manager.access_token() for manager in managers))
            stored = await load_pair(first_db, APP_ID)
        finally:
            for client in clients:
                await client.close()
            await first_db.dispose()
            await second_db.dispose()
    assert fake.presented == [refresh]  # once: the second found the new pair under the lock
    assert stored is not None and tokens[0] == tokens[1] == stored.access_token
    assert stored.refresh_token != refresh


async def test_both_refusing_the_same_token_refresh_it_once(database_url: str) -> None:
    with FakeOA(refresh_delay=0.2) as fake:
        access, refresh = fake.issue_pair()
        now = datetime.now(UTC)
        dbs = [Database.connect(database_url) for _ in range(3)]
        clients = [client_for(fake) for _ in dbs]
        try:
            await store_pair(dbs[0], APP_ID, TokenPair(access, refresh, now + timedelta(hours=20)), now)
            managers = [TokenManager(db, client) for db, client in zip(dbs, clients, strict=True)]
            # Zalo refused `access` to each of them (revoked early): each asks for a new one.
            tokens = await asyncio.gather(*(manager.rejected(access) for manager in managers))
        finally:
            for client in clients:
                await client.close()
            for db in dbs:
                await db.dispose()
    assert fake.presented == [refresh]
    assert len(set(tokens)) == 1 and access not in tokens
