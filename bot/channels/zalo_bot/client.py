"""The only module that talks HTTP to the Zalo Bot Platform (`{base}/bot<TOKEN>/<method>`), with httpx.

It is also the channel's `Sender` for the outbox: sendMessage, and no documents (the platform takes
none; compiled reports reach a Zalo Bot member as signed links, bot/compiling.py). A failed send
becomes DeliveryError: 429 waits `retry_after`, 400/403/404 are permanent (403: the member blocked
the bot), the rest (network, 5xx, a refused token being fixed) is tried again later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from bot.channels.base import DeliveryError, RateLimits, RenderedDocument, RenderedMessage
from bot.channels.health import ChannelHealth
from bot.channels.zalo_bot import CAPABILITIES, CHANNEL, mapping

log = logging.getLogger(__name__)

_PERMANENT = frozenset({400, 403, 404})
_DEFAULT_RETRY_AFTER = 5.0


class ApiError(Exception):
    """The platform refused a call: HTTP status or `ok: false`, with its code and description."""

    def __init__(self, code: int, description: str = "", retry_after: float | None = None) -> None:
        super().__init__(f"{code} {description}"[:200])
        self.code = code
        self.description = description[:200]
        self.retry_after = retry_after


class ZaloBotUnavailable(Exception):
    """The bot cannot start: the token is missing or refused, or the platform cannot be reached."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason  # token_missing | token_refused | unreachable
        self.detail = detail


class ZaloBotClient:
    """Calls `/bot<TOKEN>/<method>`; the Sender the outbox drives for the Zalo Bot."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self,
        token: str | None,
        *,
        api_base: str = "https://bot-api.zaloplatforms.com",
        limits: RateLimits | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if not token:
            raise ZaloBotUnavailable("token_missing")
        self._base = f"{api_base.rstrip('/')}/bot{token}/"
        self.api_base = api_base
        self.limits = limits or RateLimits(per_second=20.0, per_chat_per_second=1.0, per_chat_burst=3)
        # Long polls hold a connection for `timeout` seconds: the read timeout is set per call.
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=10.0))
        self.health = ChannelHealth()

    async def close(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, payload: Mapping[str, Any] | None = None, *, wait: float = 0) -> Any:
        """One API call; its `result` (the body itself when it is not wrapped). Raises ApiError, or
        httpx.HTTPError when the platform cannot be reached."""
        timeout = httpx.Timeout(15.0 + wait, connect=10.0)
        response = await self._http.post(self._base + method, json=dict(payload or {}), timeout=timeout)
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is False:
            code = int(body.get("error_code") or response.status_code or 500)
            raise ApiError(code, str(body.get("description") or ""), _retry_after(body, response))
        if response.status_code >= 300:
            raise ApiError(response.status_code, response.reason_phrase, _retry_after(body, response))
        if isinstance(body, dict) and "result" in body:
            return body["result"]
        return body

    async def me(self) -> dict[str, Any]:
        """getMe: the bot's account; raises ZaloBotUnavailable when the token is refused or no answer."""
        try:
            result = await self.call("getMe")
        except ApiError as error:
            if error.code in (401, 403, 404):
                self.health.token_valid = False
                raise ZaloBotUnavailable("token_refused", error.description) from error
            raise ZaloBotUnavailable("unreachable", str(error.code)) from error
        except httpx.HTTPError as error:
            raise ZaloBotUnavailable("unreachable", type(error).__name__) from error
        self.health.token_valid = True
        return result if isinstance(result, dict) else {}

    async def get_updates(self, offset: int | None, timeout: int) -> list[mapping.Update]:
        """One long poll: the platform answers one update, or HTTP 408 when none came (not an error)."""
        del offset  # the Zalo Bot has no offsets: an update is handed out once it is fetched
        try:
            result = await self.call("getUpdates", {"timeout": timeout}, wait=timeout)
        except ApiError as error:
            if error.code == 408:
                return []
            if error.code == 401:
                self.health.token_valid = False
            raise
        items = result if isinstance(result, list) else [result] if result else []
        updates = []
        for item in items:
            try:
                updates.append(mapping.parse_update(item))
            except mapping.NotAnUpdate:
                log.warning("getUpdates returned something that is not an update")
        return updates

    async def send(self, chat_id: str, message: RenderedMessage) -> str | None:
        try:
            result = await self.call("sendMessage", mapping.send_message_fields(chat_id, message.text))
        except ApiError as error:
            if error.code == 429:
                raise DeliveryError("429 too many requests", retry_after=error.retry_after) from error
            if error.code == 401:
                self.health.token_valid = False
            raise DeliveryError(str(error), permanent=error.code in _PERMANENT) from error
        except httpx.HTTPError as error:
            raise DeliveryError(type(error).__name__) from error
        external = result.get("message_id") if isinstance(result, dict) else None
        return str(external) if external is not None else None

    async def send_document(self, chat_id: str, document: RenderedDocument) -> str | None:
        # CAPABILITIES.files is False: the outbox refuses a file for this channel before it gets here.
        raise DeliveryError("the Zalo Bot takes no documents", permanent=True)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" while a long answer is being prepared; best effort."""
        try:
            await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
        except (ApiError, httpx.HTTPError) as error:
            log.info("sendChatAction failed: %s", type(error).__name__)

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret})
        self.health.webhook = "registered"

    async def delete_webhook(self) -> None:
        """Stop webhook delivery, so getUpdates may be used (long polling)."""
        await self.call("deleteWebhook")
        self.health.webhook = "polling"

    async def webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}


def _retry_after(body: Any, response: httpx.Response) -> float | None:
    if response.status_code != 429 and not (isinstance(body, dict) and body.get("error_code") == 429):
        return None
    if isinstance(body, dict):
        parameters = body.get("parameters")
        value = parameters.get("retry_after") if isinstance(parameters, dict) else body.get("retry_after")
        if isinstance(value, int | float) and value >= 0:
            return float(value)
    header = response.headers.get("Retry-After")
    if header and header.isdigit():
        return float(header)
    return _DEFAULT_RETRY_AFTER
