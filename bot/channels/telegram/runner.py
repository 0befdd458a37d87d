"""Applying Telegram updates, from long polling or the webhook: each once, a member's in order.

An update is acknowledged (the polling offset moves past it, the webhook answers 2xx) only once its
turn has committed, replies queued in the outbox in the same transaction. A repeat of an update
already applied is recognised by the service (`claim_update`) and changes nothing. An update that
fails is delivered again: while the database is down, for as long as it takes; for any other error
a few times, after which the member is told to send it again rather than have it vanish.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Dispatcher
from aiogram.exceptions import AiogramError, TelegramAPIError
from aiogram.types import TelegramObject, Update

from bot.channels.base import DeliveryError, RateLimits, RenderedMessage
from bot.channels.telegram import mapping
from bot.channels.telegram.sender import TelegramSender
from bot.config import Settings
from bot.i18n import LOCALES, t
from bot.outbox import Outbox
from bot.service import ReportService
from storage.db import Database
from storage.errors import is_database_down
from storage.members import member_by_identity
from storage.transaction import turn_transaction
from storage.turns import claim_update

log = logging.getLogger(__name__)

GIVE_UP_AFTER = 3  # failed tries of one update (not counting a database outage)
_REMEMBERED_FAILURES = 10_000


class NotApplied(Exception):
    """The update was not applied and must be delivered again (do not acknowledge it)."""


class TelegramUpdates:
    """Feeds Telegram updates through an aiogram Dispatcher to the report service and the outbox."""

    def __init__(
        self,
        service: ReportService,
        outbox: Outbox,
        sender: TelegramSender,
        *,
        webhook_secret: str | None = None,
        give_up_after: int = GIVE_UP_AFTER,
    ) -> None:
        self.service = service
        self.outbox = outbox
        self.sender = sender
        self.webhook_secret = webhook_secret
        self.give_up_after = give_up_after
        self._failures: OrderedDict[int, int] = OrderedDict()
        # FSM off: the dialog state lives in the database, not in aiogram's storage.
        self.dispatcher = Dispatcher(disable_fsm=True, name="baocao")
        self.dispatcher.message.register(self._on_event)
        self.dispatcher.edited_message.register(self._on_event)
        self.dispatcher.callback_query.register(self._on_event)

    async def _on_event(self, event: TelegramObject, event_update: Update) -> str | None:
        inbound = mapping.inbound_from_update(event_update)
        if inbound is not None:
            queued = self.outbox.within(mapping.CHANNEL)
            await self.service.handle(inbound, within=queued)
            self.outbox.dispatch(queued)
        else:
            notice = mapping.notice_for(event_update)
            if notice is not None:
                await self._tell(notice)
        return mapping.callback_query_id(event_update)

    async def _tell(self, notice: mapping.Notice) -> None:
        """Answer a message the report cannot take, once even if Telegram delivers it twice."""
        db = self.service.db
        async with turn_transaction(db) as scope:
            session = await scope.session()
            run = await scope.executor()
            if not await claim_update(run, mapping.CHANNEL, notice.update_id, datetime.now(UTC)):
                return
            member = await member_by_identity(session, mapping.CHANNEL, notice.user_id)
            locale = member.locale if member is not None and member.locale in LOCALES else "vi"
            text = html.escape(t(notice.text_id, locale), quote=False)
            await self.outbox.queue_messages(
                session, mapping.CHANNEL, notice.chat_id, [RenderedMessage(text)]
            )
        self.outbox.wake()

    async def apply(self, update: Update) -> str | None:
        """Apply one update; the button press to answer, if any. Raises NotApplied to have it again."""
        try:
            result = await self.dispatcher.feed_update(self.sender.bot, update)
        except Exception as error:  # noqa: BLE001 - decided below: deliver again, or tell the member
            return await self._failed(update, error)
        self._failures.pop(update.update_id, None)
        return result if isinstance(result, str) else None

    async def _failed(self, update: Update, error: Exception) -> str | None:
        if is_database_down(error):
            log.warning(
                "update %d not applied, database unavailable: %s", update.update_id, type(error).__name__
            )
            raise NotApplied() from error
        count = self._failures.pop(update.update_id, 0) + 1
        if count < self.give_up_after:
            self._failures[update.update_id] = count
            while len(self._failures) > _REMEMBERED_FAILURES:
                self._failures.popitem(last=False)
            log.warning("update %d not applied (try %d): %s", update.update_id, count, type(error).__name__)
            raise NotApplied() from error
        log.error(
            "update %d failed %d times, asking the member to send it again",
            update.update_id,
            count,
            exc_info=error,
        )
        inbound = mapping.inbound_from_update(update)
        if inbound is not None:
            try:
                text = html.escape(t("service.retry", "vi"), quote=False)
                await self.sender.send(inbound.chat_id, RenderedMessage(text))
            except DeliveryError as send_error:
                self._failures[update.update_id] = count
                raise NotApplied() from send_error
        return mapping.callback_query_id(update)

    # --- webhook --------------------------------------------------------------------------------------

    def secret_matches(self, given: str | None) -> bool:
        """Whether a webhook request carries our secret (compared in constant time)."""
        if not self.webhook_secret or given is None:
            return False
        return hmac.compare_digest(given.encode(), self.webhook_secret.encode())

    async def webhook(self, body: bytes) -> dict[str, Any] | None:
        """Apply one webhook body; a Bot API call to return as the response (answer the button).

        Raises pydantic.ValidationError for a body that is not an update, NotApplied to have it again.
        """
        update = self.sender.parse_update(body)
        query_id = await self.apply(update)
        return mapping.webhook_answer(query_id) if query_id else None

    # --- long polling ---------------------------------------------------------------------------------

    async def apply_batch(self, updates: list[Update]) -> tuple[int, bool]:
        """Apply a getUpdates batch: members side by side, each member's updates in order.

        Returns the next offset (never past an update that failed) and whether one failed.
        """
        groups: dict[str, list[Update]] = {}
        for update in updates:
            key = mapping.sender_key(update) or f"update:{update.update_id}"
            groups.setdefault(key, []).append(update)
        failed: list[int] = []

        async def run(group: list[Update]) -> None:
            for update in group:
                try:
                    query_id = await self.apply(update)
                except NotApplied:
                    # The rest of this member's updates wait for it, to keep their order.
                    failed.append(update.update_id)
                    return
                if query_id:
                    await self.sender.answer_callback(query_id)

        await asyncio.gather(*(run(group) for group in groups.values()))
        if failed:
            return min(failed), True
        return max(update.update_id for update in updates) + 1, False

    async def poll(self, stop: asyncio.Event, *, timeout: int = 30) -> None:
        """Long-poll until `stop` is set; the offset only moves past updates that were applied."""
        offset: int | None = None
        delay = 0.0
        while not stop.is_set():
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                if stop.is_set():
                    break
            fetch = asyncio.ensure_future(self.sender.get_updates(offset, timeout))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                updates = fetch.result()
            except (TelegramAPIError, AiogramError, OSError) as error:
                log.warning("getUpdates failed: %s", type(error).__name__)
                delay = min(30.0, max(1.0, delay * 2))
                continue
            if not updates:
                delay = 0.0
                continue
            offset, failed = await self.apply_batch(updates)
            delay = min(30.0, max(0.5, delay * 2)) if failed else 0.0
        if offset is not None:
            # Confirm what was applied, so a restart does not fetch it again (it would be a no-op).
            with contextlib.suppress(TelegramAPIError, AiogramError, OSError):
                await self.sender.get_updates(offset, 0)


@dataclass
class TelegramRuntime:
    """Everything a running Telegram bot holds: database, service, outbox, sender, update handling."""

    db: Database
    service: ReportService
    outbox: Outbox
    sender: TelegramSender
    updates: TelegramUpdates


def limits_from(settings: Settings) -> RateLimits:
    return RateLimits(
        per_second=settings.telegram_messages_per_second,
        per_chat_per_second=settings.telegram_chat_messages_per_second,
        per_chat_burst=settings.telegram_chat_burst,
    )


def sender_from(settings: Settings) -> TelegramSender:
    """The sender configured by BAOCAO_TELEGRAM_*; raises TelegramUnavailable without a usable token."""
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else None
    return TelegramSender(token, api_base=settings.telegram_api_base, limits=limits_from(settings))


@contextlib.asynccontextmanager
async def telegram_runtime(
    settings: Settings, sender: TelegramSender | None = None
) -> AsyncIterator[TelegramRuntime]:
    """Build and start the Telegram bot's parts from settings; stop and close them on exit."""
    sender = sender or sender_from(settings)
    db = Database.connect(settings.database_url, pool_size=settings.database_pool_size)
    try:
        service = ReportService(db)
        outbox = Outbox(
            db,
            {sender.name: sender},
            lease_seconds=settings.outbox_lease_seconds,
            poll_seconds=settings.outbox_poll_seconds,
        )
        secret = settings.telegram_webhook_secret
        updates = TelegramUpdates(
            service, outbox, sender, webhook_secret=secret.get_secret_value() if secret else None
        )
        async with outbox.running():
            yield TelegramRuntime(db, service, outbox, sender, updates)
    finally:
        await db.dispose()
        await sender.close()
