"""Applying Telegram updates, from long polling or the webhook: each once, a member's in order.

An update is acknowledged (the polling offset moves past it, the webhook answers 2xx) only once its
turn has committed, replies queued in the outbox in the same transaction. A repeat of an update
already applied is recognised by the service (`claim_update`) and changes nothing. An update that
fails is delivered again: while the database is down, for as long as it takes; for any other error
a few times, after which the member is told to send it again rather than have it vanish.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from aiogram import Dispatcher
from aiogram.exceptions import AiogramError, TelegramAPIError
from aiogram.types import TelegramObject, Update

from bot.channels.base import ChannelAdapter, DeliveryError, RateLimits, RenderedMessage
from bot.channels.polling import GIVE_UP_AFTER, FailedTries, LongPolling, NotApplied, polling_adapter
from bot.channels.telegram import CAPABILITIES, CHANNEL, mapping
from bot.channels.telegram.sender import TelegramSender
from bot.config import Settings
from bot.i18n import LOCALES, t
from bot.outbox import Outbox
from bot.service import ReportService
from storage.members import member_by_identity
from storage.transaction import turn_transaction
from storage.turns import claim_update

log = logging.getLogger(__name__)

__all__ = ["GIVE_UP_AFTER", "NotApplied", "TelegramUpdates", "telegram_channel"]


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
        self.tries = FailedTries(give_up_after)
        self.polling = LongPolling(
            fetch=sender.get_updates,
            apply=self._apply_polled,
            update_id=_update_id,
            member_key=mapping.sender_key,
            fetch_errors=(TelegramAPIError, AiogramError, OSError),
        )
        self.capabilities = CAPABILITIES
        self._background: set[asyncio.Task[None]] = set()
        # FSM off: the dialog state lives in the database, not in aiogram's storage.
        self.dispatcher = Dispatcher(disable_fsm=True, name="baocao")
        self.dispatcher.message.register(self._on_event)
        self.dispatcher.edited_message.register(self._on_event)
        self.dispatcher.callback_query.register(self._on_event)

    async def _on_event(self, event: TelegramObject, event_update: Update) -> str | None:
        inbound = mapping.inbound_from_update(event_update)
        if inbound is not None:
            queued = self.outbox.within(CHANNEL)
            outbound = await self.service.handle(inbound, within=queued)
            self.outbox.dispatch(queued)
            pressed = mapping.pressed_message(event_update)
            if outbound is not None and pressed is not None and self.capabilities.edits:
                # The reply carries the buttons that count now; the pressed ones go, so an old
                # message is never pressed by mistake. Best effort, after the commit, off the update's path.
                self._in_background(self.sender.remove_keyboard(*pressed))
        else:
            notice = mapping.notice_for(event_update)
            if notice is not None:
                await self._tell(notice)
        return mapping.callback_query_id(event_update)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Wait for the background work (keyboards being removed)."""
        if self._background:
            await asyncio.wait(list(self._background), timeout=5)

    async def _tell(self, notice: mapping.Notice) -> None:
        """Answer a message the report cannot take, once even if Telegram delivers it twice."""
        db = self.service.db
        async with turn_transaction(db) as scope:
            session = await scope.session()
            run = await scope.executor()
            if not await claim_update(run, CHANNEL, notice.update_id, datetime.now(UTC)):
                return
            member = await member_by_identity(session, CHANNEL, notice.user_id)
            locale = member.locale if member is not None and member.locale in LOCALES else "vi"
            text = html.escape(t(notice.text_id, locale), quote=False)
            await self.outbox.queue_messages(session, CHANNEL, notice.chat_id, [RenderedMessage(text)])
        self.outbox.wake()

    async def apply(self, update: Update) -> str | None:
        """Apply one update; the button press to answer, if any. Raises NotApplied to have it again."""
        self.sender.health.seen()
        try:
            result = await self.dispatcher.feed_update(self.sender.bot, update)
        except Exception as error:  # noqa: BLE001 - decided below: deliver again, or tell the member
            return await self._failed(update, error)
        self.tries.succeeded(update.update_id)
        return result if isinstance(result, str) else None

    async def _failed(self, update: Update, error: Exception) -> str | None:
        count = self.tries.failed(update.update_id, error)  # raises NotApplied unless it is time to give up
        inbound = mapping.inbound_from_update(update)
        if inbound is not None:
            try:
                text = html.escape(t("service.retry", "vi"), quote=False)
                await self.sender.send(inbound.chat_id, RenderedMessage(text))
            except DeliveryError as send_error:
                self.tries.retry_later(update.update_id, count)
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

    async def _apply_polled(self, update: Update) -> None:
        query_id = await self.apply(update)
        if query_id:
            await self.sender.answer_callback(query_id)

    async def apply_batch(self, updates: list[Update]) -> tuple[int, bool]:
        """Apply a getUpdates batch (see LongPolling.apply_batch)."""
        return await self.polling.apply_batch(updates)

    async def poll(self, stop: asyncio.Event, *, timeout: int = 30) -> None:
        """Long-poll until `stop` is set; the offset only moves past updates that were applied."""
        await self.polling.run(stop, timeout=timeout)


def _update_id(update: Update) -> int:
    return update.update_id


def limits_from(settings: Settings) -> RateLimits:
    return RateLimits.of(settings.telegram)


def sender_from(settings: Settings) -> TelegramSender:
    """The sender configured by BAOCAO_TELEGRAM_*; raises TelegramUnavailable without a usable token."""
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else None
    return TelegramSender(token, api_base=settings.telegram.api_base, limits=limits_from(settings))


def telegram_channel(
    settings: Settings, service: ReportService, outbox: Outbox, sender: TelegramSender | None = None
) -> ChannelAdapter:
    """Telegram as the runtime registers it: its sender, the webhook's updates, long polling."""
    sender = sender or sender_from(settings)
    secret = settings.telegram.webhook_secret
    updates = TelegramUpdates(
        service, outbox, sender, webhook_secret=secret.get_secret_value() if secret else None
    )
    return polling_adapter(CHANNEL, CAPABILITIES, sender, updates, settings.telegram.polling_timeout)
