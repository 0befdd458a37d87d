"""Applying Zalo Bot updates, from the webhook or long polling: each once, a member's in order.

As for Telegram (bot/channels/telegram/runner.py), an update is acknowledged (the webhook answers
2xx, polling moves on) only once its turn has committed with its replies queued in the outbox. The
platform's getUpdates hands each update out once and has no offset, so an update whose turn failed
is held here and applied again before anything new is fetched; a repeat the platform sends anyway
(same `message_id`) is recognised by the service's claim and changes nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from bot.channels.base import ChannelAdapter, DeliveryError, RateLimits, RenderedMessage
from bot.channels.polling import GIVE_UP_AFTER, FailedTries, LongPolling, NotApplied, polling_adapter
from bot.channels.zalo_bot import CAPABILITIES, CHANNEL, mapping
from bot.channels.zalo_bot.client import ApiError, ZaloBotClient
from bot.config import Settings
from bot.i18n import LOCALES, t
from bot.outbox import Outbox
from bot.service import ReportService
from storage.members import member_by_identity
from storage.transaction import turn_transaction
from storage.turns import claim_update

if TYPE_CHECKING:
    from fastapi import APIRouter

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/bot/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
# An update is a few hundred bytes; anything much larger is not one (and is not read into memory).
MAX_BODY = 256 * 1024

Numbered = tuple[int, mapping.Update]  # an update and the number polling gives it (the platform gives none)


class ZaloBotUpdates:
    """Feeds Zalo Bot updates to the report service and the outbox."""

    def __init__(
        self,
        service: ReportService,
        outbox: Outbox,
        client: ZaloBotClient,
        *,
        webhook_secret: str | None = None,
        give_up_after: int = GIVE_UP_AFTER,
    ) -> None:
        self.service = service
        self.outbox = outbox
        self.client = client
        self.webhook_secret = webhook_secret
        self.tries = FailedTries(give_up_after)
        self._numbered = 0
        self._held: list[Numbered] = []
        self._in_flight: asyncio.Future[list[mapping.Update]] | None = None
        self.polling_timeout = 30
        self._background: set[asyncio.Task[None]] = set()
        self.polling: LongPolling[Numbered] = LongPolling(
            fetch=self._fetch,
            apply=self._apply_polled,
            update_id=lambda numbered: numbered[0],
            member_key=lambda numbered: mapping.member_key(numbered[1]),
            fetch_errors=(ApiError, httpx.HTTPError, OSError),
        )

    # --- one update -----------------------------------------------------------------------------------

    async def apply(self, update: mapping.Update) -> None:
        """Apply one update. Raises NotApplied to have it again."""
        key = mapping.update_key(update) or "?"
        try:
            await self._apply(update)
        except Exception as error:  # noqa: BLE001 - decided below: deliver again, or tell the member
            await self._failed(update, key, error)
            return
        self.tries.succeeded(key)

    async def _apply(self, update: mapping.Update) -> None:
        self.client.health.seen()
        inbound = mapping.inbound_from_update(update)
        if inbound is None:
            notice = mapping.notice_for(update)
            if notice is not None:
                await self._tell(notice)
            return  # unknown events, groups, the bot's own messages: acknowledged, nothing done
        queued = self.outbox.within(CHANNEL)
        outbound = await self.service.handle(inbound, within=queued)
        self.outbox.dispatch(queued)
        if outbound is not None and outbound.jobs:
            # A compile takes seconds: "typing…" until its links arrive.
            self._in_background(self.client.send_chat_action(inbound.chat_id, "typing"))

    async def _failed(self, update: mapping.Update, key: str, error: Exception) -> None:
        count = self.tries.failed(key, error)  # raises NotApplied unless it is time to give up
        inbound = mapping.inbound_from_update(update)
        if inbound is not None:
            try:
                await self.client.send(inbound.chat_id, RenderedMessage(t("service.retry", "vi")))
            except DeliveryError as send_error:
                self.tries.retry_later(key, count or 0)
                raise NotApplied() from send_error

    async def _tell(self, notice: mapping.Notice) -> None:
        """Answer a message the report cannot take, once even if it is delivered twice."""
        async with turn_transaction(self.service.db) as scope:
            session = await scope.session()
            run = await scope.executor()
            if not await claim_update(run, CHANNEL, notice.update_id, datetime.now(UTC)):
                return
            member = await member_by_identity(session, CHANNEL, notice.user_id)
            locale = member.locale if member is not None and member.locale in LOCALES else "vi"
            text = t(notice.text_id, locale)
            await self.outbox.queue_messages(session, CHANNEL, notice.chat_id, [RenderedMessage(text)])
        self.outbox.wake()

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Apply what a long poll cut short by stopping still brought; wait for the typing notices."""
        request, self._in_flight = self._in_flight, None
        if request is not None and not request.done():
            await asyncio.wait([request], timeout=self.polling_timeout + 5)
        if request is not None and request.done() and not request.cancelled() and request.exception() is None:
            held = {id(update) for _, update in self._held}
            for update in request.result():
                if id(update) in held:
                    continue  # fetched by the loop, already applied or held
                try:
                    await self.apply(update)
                except NotApplied:
                    log.error("an update fetched while stopping could not be applied")
        if self._background:
            await asyncio.wait(list(self._background), timeout=5)

    # --- webhook --------------------------------------------------------------------------------------

    def secret_matches(self, given: str | None) -> bool:
        """Whether a webhook request carries our secret (compared in constant time)."""
        if not self.webhook_secret or given is None:
            return False
        return hmac.compare_digest(given.encode(), self.webhook_secret.encode())

    async def webhook(self, body: bytes) -> None:
        """Apply one webhook body. Raises mapping.NotAnUpdate (answer 400), NotApplied (answer 5xx)."""
        await self.apply(mapping.parse_update(body))

    # --- long polling ---------------------------------------------------------------------------------

    async def _fetch(self, offset: int | None, timeout: int) -> list[Numbered]:
        if timeout == 0:
            # LongPolling confirms its offset on stop; the Zalo Bot has none, and a call would hand
            # out (and lose) an update nobody applies.
            return []
        if self._held:
            # What the last batch did not apply comes back first, in order, before anything new.
            self._held = [numbered for numbered in self._held if offset is None or numbered[0] >= offset]
            if self._held:
                return list(self._held)
        # Shielded: a long poll cancelled on our side may still hand out an update on the platform's
        # side, and with no offsets it would never come again; close() waits for it and applies it.
        request = asyncio.ensure_future(self.client.get_updates(None, timeout))
        self._in_flight = request
        updates = await asyncio.shield(request)
        batch: list[Numbered] = []
        for update in updates:
            self._numbered += 1
            batch.append((self._numbered, update))
        self._held = batch
        return batch

    async def _apply_polled(self, numbered: Numbered) -> None:
        await self.apply(numbered[1])

    async def poll(self, stop: asyncio.Event, *, timeout: int = 30) -> None:
        """Long-poll until `stop` is set (a poll under way then ends in close())."""
        self.polling_timeout = timeout
        await self.polling.run(stop, timeout=timeout)


def webhook_routes(updates: ZaloBotUpdates) -> APIRouter:
    """POST /zalo/bot/webhook: 401 without the secret header, 403 with a wrong one, 400 for a body
    that is not an update, 503 to have it delivered again, 200 once applied."""
    from fastapi import APIRouter, HTTPException, Request, Response

    router = APIRouter()

    async def zalo_bot_webhook(request: Request) -> Response:
        secret = request.headers.get(SECRET_HEADER)
        if secret is None:
            raise HTTPException(status_code=401)
        if not updates.secret_matches(secret):
            raise HTTPException(status_code=403)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise HTTPException(status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            raise HTTPException(status_code=413)
        try:
            await updates.webhook(body)
        except mapping.NotAnUpdate:
            raise HTTPException(status_code=400) from None
        except NotApplied:
            return Response(status_code=503)
        return Response(status_code=200)

    # Added by call: the route is a closure over `updates`, built per runtime; its annotations are
    # strings here (postponed evaluation) naming local imports, so FastAPI is given the types.
    zalo_bot_webhook.__annotations__ = {"request": Request, "return": Response}
    router.add_api_route(WEBHOOK_PATH, zalo_bot_webhook, methods=["POST"])
    return router


def limits_from(settings: Settings) -> RateLimits:
    return RateLimits.of(settings.zalo_bot)


def client_from(settings: Settings) -> ZaloBotClient:
    """The client configured by BAOCAO_ZALO_BOT_*; raises ZaloBotUnavailable without a token."""
    token = settings.zalo_bot.token.get_secret_value() if settings.zalo_bot.token else None
    return ZaloBotClient(token, api_base=settings.zalo_bot.api_base, limits=limits_from(settings))


def configured(settings: Settings) -> bool:
    """Whether this process should run the Zalo Bot: its token is set."""
    return bool(settings.zalo_bot.token and settings.zalo_bot.token.get_secret_value())


def zalo_bot_channel(
    settings: Settings, service: ReportService, outbox: Outbox, client: ZaloBotClient | None = None
) -> ChannelAdapter:
    """The Zalo Bot as the runtime registers it: its client (the sender), webhook, polling, health."""
    client = client or client_from(settings)
    secret = settings.zalo_bot.webhook_secret
    updates = ZaloBotUpdates(
        service, outbox, client, webhook_secret=secret.get_secret_value() if secret else None
    )
    return polling_adapter(
        CHANNEL, CAPABILITIES, client, updates, settings.zalo_bot.polling_timeout, webhook_routes(updates)
    )
