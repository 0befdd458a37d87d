"""Applying the OA's webhook events, and the channel as the runtime registers it.

An event is applied only once its signature (on the raw bytes) and its timestamp are checked; a
repeated `msg_id` is applied once (the service's `claim_update`, channel "zalo_oa"). Replies are queued
in the outbox in the turn's own transaction, with "last heard from" (Zalo only lets the OA write back
for a while after the member's last message).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.channels.base import ChannelAdapter, RateLimits, RenderedMessage
from bot.channels.zalo_oa import CAPABILITIES, CHANNEL, mapping
from bot.channels.zalo_oa.client import ZaloOAClient
from bot.channels.zalo_oa.sender import ZaloOASender
from bot.channels.zalo_oa.tokens import TokenManager
from bot.config import Settings
from bot.i18n import LOCALES, t
from bot.outbox import Outbox
from bot.service import Outbound, ReportService
from storage.members import member_by_identity
from storage.transaction import turn_transaction
from storage.turns import claim_update
from storage.zalo_oa import heard_from, load_pair, set_following

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/oa/webhook"


class ZaloOAUpdates:
    """Checks and applies webhook bodies; answers with the HTTP status the route returns."""

    def __init__(
        self,
        service: ReportService,
        outbox: Outbox,
        *,
        app_id: str,
        secret_key: str,
        clock_ms: Any = None,
    ) -> None:
        self.service = service
        self.outbox = outbox
        self.app_id = app_id
        self._secret_key = secret_key
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self.last_event_at: datetime | None = None

    async def webhook(self, body: bytes, signature: str | None) -> int:
        """200 applied (or ignored), 400 not JSON, 401 not signed by Zalo or stale; 500: not applied."""
        try:
            raw = json.loads(body)
        except ValueError:
            return 400
        timestamp = str(raw.get("timestamp", "")) if isinstance(raw, dict) else ""
        if not mapping.signature_ok(signature, self.app_id, body, timestamp, self._secret_key):
            return 401
        if not mapping.fresh(timestamp, self._clock_ms()):
            return 401
        self.last_event_at = datetime.now(UTC)
        await self.apply(mapping.parse_event(raw))
        return 200

    async def apply(self, event: mapping.Event) -> None:
        inbound = mapping.inbound(event)
        if inbound is not None:
            queued = self.outbox.within(CHANNEL)
            now = self.service.clock()

            async def within(connection: AsyncConnection, outbound: Outbound) -> None:
                await queued(connection, outbound)
                await heard_from(connection, event.user_id, now)

            await self.service.handle(inbound, within=within)
            self.outbox.dispatch(queued)
        elif event.kind in ("follow", "unfollow", "unsupported"):
            await self._other(event)

    async def _other(self, event: mapping.Event) -> None:
        """Follow (greet, ask for the invite code), unfollow (recorded, no reply), a message the
        report cannot take (told so): each once even if Zalo sends it twice."""
        now = self.service.clock()
        async with turn_transaction(self.service.db) as scope:
            run = await scope.executor()
            if not await claim_update(run, CHANNEL, event.event_id[:64], now):
                return
            session = await scope.session()
            if event.kind == "unfollow":
                await set_following(scope.connection, event.user_id, following=False, now=now)
                return
            member = await member_by_identity(session, CHANNEL, event.user_id)
            locale = member.locale if member is not None and member.locale in LOCALES else "vi"
            if event.kind == "follow":
                await set_following(scope.connection, event.user_id, following=True, now=now)
                text_id = "zalo_oa.follow.again" if member is not None else "zalo_oa.follow.greeting"
            else:
                text_id = "zalo_oa.notice.unsupported"
            await heard_from(scope.connection, event.user_id, now)
            await self.outbox.queue_messages(
                session, CHANNEL, event.user_id, [RenderedMessage(t(text_id, locale))]
            )
        self.outbox.wake()


def configured(settings: Settings) -> bool:
    """Whether BAOCAO_ZALO_OA_APP_ID, _SECRET_KEY and _APP_SECRET are all set."""
    oa = settings.zalo_oa
    return bool(oa.app_id and oa.secret_key and oa.app_secret)


def client_from(settings: Settings) -> ZaloOAClient:
    oa = settings.zalo_oa
    return ZaloOAClient(
        app_id=oa.app_id or "",
        app_secret=oa.app_secret.get_secret_value() if oa.app_secret else "",
        api_base=oa.api_base,
        oauth_base=oa.oauth_base,
    )


def limits_from(settings: Settings) -> RateLimits:
    return RateLimits.of(settings.zalo_oa)


def zalo_oa_channel(
    settings: Settings, service: ReportService, outbox: Outbox, client: ZaloOAClient | None = None
) -> ChannelAdapter:
    """The OA as the runtime registers it: the sender, the webhook route, its health."""
    from bot.channels.zalo_oa.routes import webhook_router

    client = client or client_from(settings)
    tokens = TokenManager(service.db, client, clock=service.clock)
    sender = ZaloOASender(client, tokens, limits=limits_from(settings))
    oa = settings.zalo_oa
    updates = ZaloOAUpdates(
        service,
        outbox,
        app_id=oa.app_id or "",
        secret_key=oa.secret_key.get_secret_value() if oa.secret_key else "",
    )

    async def health() -> dict[str, Any]:
        pair = await load_pair(service.db, client.app_id)
        now = service.clock()
        return {
            "token_valid": pair is not None and pair.expires_at > now,
            "token_expires_at": pair.expires_at.isoformat() if pair is not None else None,
            "last_event_at": updates.last_event_at.isoformat() if updates.last_event_at else None,
        }

    return ChannelAdapter(
        CHANNEL,
        CAPABILITIES,
        sender=sender,
        updates=updates,
        close=sender.close,
        routes=webhook_router(updates),
        health=health,
    )
