"""The one module that talks HTTP to Telegram: an aiogram `Bot` on the configured Bot API server."""

from __future__ import annotations

import html
import json
import logging
from typing import TypeVar

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import Message, Update, User
from aiogram.utils.token import TokenValidationError

from bot.channels.base import DeliveryError, RateLimits, RenderedDocument, RenderedMessage
from bot.channels.health import ChannelHealth
from bot.channels.telegram import CAPABILITIES, CHANNEL, mapping

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_API_BASE = "https://api.telegram.org"
# Telegram's documented limits: about 30 messages a second in all, about one a second to one chat.
DEFAULT_LIMITS = RateLimits(per_second=30, per_chat_per_second=1, per_chat_burst=3)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# Bad request, blocked by the member, no such chat, conflict, too large: the same call fails again.
_PERMANENT = frozenset({400, 403, 404, 409, 413})


class TelegramUnavailable(Exception):
    """The bot cannot start: `reason` is token_missing, token_malformed, token_refused or unreachable."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class TelegramSender:
    """Sends messages and files, answers button presses, reads updates and sets the bot up."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self,
        token: str | None,
        *,
        api_base: str = DEFAULT_API_BASE,
        limits: RateLimits = DEFAULT_LIMITS,
        timeout: float = 30.0,
    ) -> None:
        if not token:
            raise TelegramUnavailable("token_missing")
        self.limits = limits
        self.api_base = api_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.api_base), timeout=timeout)
        try:
            self.bot = Bot(token=token, session=session)
        except TokenValidationError as error:
            raise TelegramUnavailable("token_malformed") from error
        # pydantic keeps parametrised generics only while something refers to them; aiogram builds
        # Response[Message] and friends per call, so without these references the collector keeps
        # freeing them and every call rebuilds the class.
        self._response_types = (Response[Message], Response[bool], Response[list[Update]], Response[User])
        self.health = ChannelHealth()  # what /healthz says of Telegram

    async def close(self) -> None:
        await self.bot.session.close()

    async def _call(self, method: TelegramMethod[T], request_timeout: int | None = None) -> T:
        """Run one Bot API method; failures become DeliveryError (retry after, permanent, transient)."""
        try:
            return await self.bot(method, request_timeout=request_timeout)
        except TelegramRetryAfter as error:
            raise DeliveryError("429 retry after", retry_after=float(error.retry_after)) from error
        except TelegramEntityTooLarge as error:
            raise DeliveryError("413 too large", permanent=True) from error
        except (
            TelegramBadRequest,
            TelegramForbiddenError,
            TelegramNotFound,
            TelegramMigrateToChat,
            TelegramConflictError,
        ) as error:
            # The member blocked the bot, the chat is gone, the request is wrong: trying again
            # sends the same thing to the same answer.
            raise DeliveryError(f"{type(error).__name__}: {error.message}", permanent=True) from error
        except (TelegramAPIError, AiogramError) as error:
            # Network, 5xx, a revoked token (it may be restored), an unreadable answer: later.
            raise DeliveryError(f"{type(error).__name__}: {getattr(error, 'message', '')}") from error

    # --- the outbox's side (bot.channels.base.Sender) -----------------------------------------------

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        """Send one rendered message (HTML, its inline keyboard); Telegram's message id."""
        fields = mapping.send_message(chat_id, message)
        try:
            return await self._post("sendMessage", fields)
        except DeliveryError as error:
            if not (error.permanent and "parse entities" in error.reason):
                raise
        # Should never happen (render escapes every text), but a member must still get the words.
        log.warning("Telegram refused our HTML; sending the message as plain text")
        del fields["parse_mode"]
        fields["text"] = html.unescape(message.text)
        return await self._post("sendMessage", fields)

    async def edit(self, chat_id: str, message_id: str, message: RenderedMessage) -> str | None:
        """Change a message the bot sent (a compile's progress) to `message`; its message id."""
        try:
            await self._post("editMessageText", mapping.edit_message(chat_id, message_id, message))
        except DeliveryError as error:
            # The same text again is no failure: the member already sees it.
            if not (error.permanent and "not modified" in error.reason):
                raise
        return message_id

    async def _post(self, method: str, fields: dict[str, str]) -> str | None:
        """POST form fields to a sending method on the bot's own aiohttp session; the message id.

        Every reply goes through here, so it skips what aiogram adds per call (pydantic models for
        the method and the answer, a recursive form builder): profiled at 540 µs of CPU per
        sendMessage through `Bot.__call__` against 240 µs here. Answers are read as the Bot API
        documents them; anything but ok is a DeliveryError, as from `_call`.
        """
        session = await self.bot.session.create_session()
        url = self.bot.session.api.api_url(token=self.bot.token, method=method)
        try:
            async with session.post(url, data=fields, timeout=self._timeout) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise DeliveryError(f"network: {type(error).__name__}") from error
        try:
            answer = json.loads(raw)
        except ValueError as error:
            raise DeliveryError(f"HTTP {status}: unreadable answer") from error
        if 200 <= status < 300 and answer.get("ok"):
            result = answer.get("result")
            return str(result["message_id"]) if isinstance(result, dict) and "message_id" in result else None
        description = f"HTTP {status}: {answer.get('description', '')}"
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        if retry_after:
            raise DeliveryError(description, retry_after=float(retry_after))
        raise DeliveryError(description, permanent=status in _PERMANENT)

    async def send_document(self, chat_id: str, document: RenderedDocument) -> str | None:
        """Upload and send one file; Telegram's message id."""
        method = mapping.send_document(chat_id, document.filename, document.content, document.caption)
        sent = await self._call(method, request_timeout=120)
        return str(sent.message_id)

    # --- the runner's side ----------------------------------------------------------------------------

    async def answer_callback(self, query_id: str) -> None:
        """Stop a button's spinner; a failure (the press is too old) only matters to the log."""
        try:
            await self._call(mapping.answer_callback(query_id))
        except DeliveryError as error:
            log.info("answerCallbackQuery failed: %s", error.reason)

    async def remove_keyboard(self, chat_id: str, message_id: str) -> None:
        """Take the buttons away from a message; a failure (too old, already gone) only matters to the log."""
        try:
            await self._post("editMessageReplyMarkup", mapping.remove_keyboard(chat_id, message_id))
        except DeliveryError as error:
            log.info("editMessageReplyMarkup failed: %s", error.reason)

    async def get_updates(self, offset: int | None, timeout: int) -> list[Update]:
        """Long-poll for updates from `offset`; confirms every update before it."""
        return await self.bot.get_updates(
            offset=offset,
            timeout=timeout,
            limit=100,
            allowed_updates=ALLOWED_UPDATES,
            request_timeout=timeout + 15,
        )

    def parse_update(self, body: bytes | str) -> Update:
        """A webhook body as an Update bound to this bot (raises pydantic.ValidationError)."""
        return Update.model_validate_json(body, context={"bot": self.bot})

    # --- setting the bot up ---------------------------------------------------------------------------

    async def me(self) -> User:
        """Who the bot is (getMe): the first call, so a bad token or no network fails clearly."""
        try:
            me = await self.bot.me()
        except (TelegramUnauthorizedError, TelegramNotFound) as error:
            # The real Bot API answers 404 for a token it does not know and 401 for a revoked one.
            self.health.token_valid = False
            raise TelegramUnavailable("token_refused", error.message) from error
        except (TelegramAPIError, AiogramError, OSError) as error:
            raise TelegramUnavailable("unreachable", type(error).__name__) from error
        self.health.token_valid = True
        return me

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, max_connections=40
        )
        self.health.webhook = "registered"

    async def delete_webhook(self) -> None:
        """Long polling and a webhook exclude each other: polling starts by removing the webhook."""
        await self.bot.delete_webhook(drop_pending_updates=False)
        self.health.webhook = "polling"

    async def set_commands(self) -> None:
        """The command menu: Vietnamese for everyone, English for English-language Telegram apps."""
        await self.bot.set_my_commands(mapping.menu("vi"))
        await self.bot.set_my_commands(mapping.menu("en"), language_code="en")
