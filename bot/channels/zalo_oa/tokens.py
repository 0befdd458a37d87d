"""The OA's access token, kept valid: refreshed before it expires, or at once when Zalo refuses it.

The pair lives in the database (storage/zalo_oa.py); this process keeps a copy. A refresh goes
through `refresh_locked`, which re-reads the row under a lock that holds across processes and only
spends the (single-use) refresh token if nobody did meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.channels.zalo_oa.client import ZaloOAClient
from storage.db import Database
from storage.zalo_oa import NoTokens, TokenPair, load_pair, refresh_locked

# Refresh this long before the access token expires (it lives about 25 hours).
REFRESH_MARGIN = timedelta(minutes=30)

__all__ = ["NoTokens", "REFRESH_MARGIN", "TokenManager"]


class TokenManager:
    """`access_token()` for every call; `rejected(token)` when Zalo refused it."""

    def __init__(
        self,
        db: Database,
        client: ZaloOAClient,
        *,
        clock: Callable[[], datetime] | None = None,
        margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self.db = db
        self.client = client
        self.app_id = client.app_id
        self.clock = clock or (lambda: datetime.now(UTC))
        self.margin = margin
        self.pair: TokenPair | None = None
        self.refreshes = 0  # refresh tokens this manager presented to Zalo
        self._lock = asyncio.Lock()  # one refresh at a time in this process

    def _good(self, pair: TokenPair | None, stale: str | None = None) -> bool:
        return (
            pair is not None and pair.access_token != stale and pair.expires_at - self.margin > self.clock()
        )

    async def access_token(self) -> str:
        """A valid access token; raises NoTokens before `baocao zalo oa-auth`, ZaloOAuthError when
        Zalo refuses the refresh token (an operator must authorise again)."""
        if self._good(self.pair):
            return self.pair.access_token  # type: ignore[union-attr]
        return (await self._renew(None)).access_token

    async def rejected(self, token: str) -> str:
        """Zalo refused `token`: a new one (refreshed unless another process already did)."""
        return (await self._renew(token)).access_token

    async def _renew(self, stale: str | None) -> TokenPair:
        async with self._lock:
            if self._good(self.pair, stale):
                return self.pair  # type: ignore[return-value]
            stored = await load_pair(self.db, self.app_id)
            if stored is None:
                raise NoTokens()
            if not self._good(stored, stale):
                stored = await refresh_locked(
                    self.db,
                    self.app_id,
                    still_good=lambda pair: self._good(pair, stale),
                    refresh=self._refresh,
                    now=self.clock(),
                )
            self.pair = stored
            return stored

    async def _refresh(self, refresh_token: str) -> TokenPair:
        self.refreshes += 1
        return await self.client.refresh(refresh_token, self.clock())

    def expires_at(self) -> datetime | None:
        return self.pair.expires_at if self.pair is not None else None
