"""The OA's sending side, as the outbox drives it (bot.channels.base.Sender).

Every call takes a valid access token from the TokenManager; when Zalo refuses the token the call is
made once more with a refreshed one. Other `error != 0` answers become DeliveryError: outside the
messaging window permanent (never retried), over the rate with `retry_after`, others as mapped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.channels.base import DeliveryError, RateLimits, RenderedDocument, RenderedMessage
from bot.channels.zalo_oa import CAPABILITIES, CHANNEL, mapping
from bot.channels.zalo_oa.client import ZaloOAClient, ZaloOAError, ZaloOAuthError
from bot.channels.zalo_oa.tokens import NoTokens, TokenManager

T = TypeVar("T")

# About 4,000 requests a minute per app.
DEFAULT_LIMITS = RateLimits(per_second=60, per_chat_per_second=2, per_chat_burst=5)
IMAGE_KINDS = frozenset({"png", "jpg", "jpeg"})
# The text of the messages carrying the buttons beyond Zalo's five under one message.
MORE_BUTTONS = "…"


class ZaloOASender:
    """Sends text (with `oa.query.show` buttons), files by upload token, and images."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self, client: ZaloOAClient, tokens: TokenManager, *, limits: RateLimits = DEFAULT_LIMITS
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.limits = limits

    async def close(self) -> None:
        await self.client.close()

    async def _call(self, make: Callable[[str], Awaitable[T]]) -> T:
        """Run one API call with the access token; a refused token is refreshed and tried once more."""
        try:
            token = await self.tokens.access_token()
            try:
                return await make(token)
            except ZaloOAError as error:
                problem = mapping.delivery_error(error.code, error.message)
                if not isinstance(problem, mapping.TokenRejected):
                    raise problem from error
            token = await self.tokens.rejected(token)
            try:
                return await make(token)
            except ZaloOAError as error:
                problem = mapping.delivery_error(error.code, error.message)
                if isinstance(problem, mapping.TokenRejected):
                    raise DeliveryError(f"access token refused after a refresh: {problem}") from error
                raise problem from error
        except NoTokens as error:
            raise DeliveryError("no Zalo OA tokens: run `baocao zalo oa-auth`") from error
        except ZaloOAuthError as error:
            # The refresh token was refused (used or expired): only an operator can authorise again.
            # The message waits (transient) so nothing is lost once they have.
            raise DeliveryError(
                f"Zalo OAuth refused the refresh token ({error.code}): run `baocao zalo oa-auth`"
            ) from error

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        """One rendered message (already within 2,000 characters); more than five buttons take more
        messages. The first message's id."""
        first: str | None = None
        for index, body in enumerate(mapping.text_messages(chat_id, message, MORE_BUTTONS)):
            sent = await self._call(lambda token, body=body: self.client.send(token, body))
            if index == 0:
                first = sent
        return first

    async def send_document(self, chat_id: str, document: RenderedDocument) -> str | None:
        """A PDF/DOC/DOCX uploaded and sent by its token (the caption as a message before it); a
        PNG/JPG (the chart) uploaded as an image with its caption."""
        kind = document.filename.rsplit(".", 1)[-1].lower() if "." in document.filename else ""
        if kind in IMAGE_KINDS:
            attachment_id = await self._call(
                lambda token: self.client.upload_image(token, document.filename, document.content)
            )
            body = mapping.image_message(chat_id, attachment_id, document.caption)
            return await self._call(lambda token: self.client.send(token, body))
        if kind not in CAPABILITIES.file_kinds or len(document.content) > CAPABILITIES.file_limit:
            raise DeliveryError(
                f"Zalo OA takes no such file: .{kind}, {len(document.content)} bytes", permanent=True
            )
        file_token = await self._call(
            lambda token: self.client.upload_file(token, document.filename, document.content)
        )
        if document.caption:
            await self.send(chat_id, RenderedMessage(document.caption))
        return await self._call(
            lambda token: self.client.send(token, mapping.file_message(chat_id, file_token))
        )
