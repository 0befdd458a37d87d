"""The one module that talks HTTP to Zalo's OA API and OAuth server (httpx).

Zalo answers most errors as HTTP 200 with `error != 0`: those raise ZaloOAError (code and message)
for the sender to decide; a network failure or an unreadable answer raises DeliveryError (transient).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.channels.base import DeliveryError
from bot.channels.zalo_oa.mapping import encode
from storage.zalo_oa import TokenPair

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}


class ZaloOAError(Exception):
    """Zalo answered `error != 0` (HTTP 200 or not)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message[:150]


class ZaloOAuthError(Exception):
    """The OAuth server refused: a refresh token already used or expired, a wrong code or secret."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description[:200]


class ZaloOAClient:
    """Sends `message/cs`, uploads files and images, and exchanges OAuth tokens."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        api_base: str = DEFAULT_API_BASE,
        oauth_base: str = DEFAULT_OAUTH_BASE,
        timeout: float = 30.0,
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        # Keep every connection the outbox's lanes use open: the default keeps 20 and reconnects the rest.
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self._http = httpx.AsyncClient(timeout=timeout, limits=limits)

    async def close(self) -> None:
        await self._http.aclose()

    # --- the OA API ---------------------------------------------------------------------------------

    async def send(self, access_token: str, body: dict[str, Any]) -> str | None:
        """POST one message to `/v3.0/oa/message/cs`; Zalo's message id."""
        data = await self._api(
            "/v3.0/oa/message/cs",
            access_token,
            content=encode(body),
            headers={"Content-Type": "application/json"},
        )
        message_id = data.get("message_id") if isinstance(data, dict) else None
        return str(message_id) if message_id is not None else None

    async def upload_file(self, access_token: str, filename: str, content: bytes) -> str:
        """Upload a PDF/DOC/DOCX (≤ 5 MB) to `/v2.0/oa/upload/file`; the token to send it by."""
        data = await self._api("/v2.0/oa/upload/file", access_token, files=self._file(filename, content))
        token = data.get("token") if isinstance(data, dict) else None
        if not token:
            raise DeliveryError("zalo upload/file: no token in the answer")
        return str(token)

    async def upload_image(self, access_token: str, filename: str, content: bytes) -> str:
        """Upload a PNG/JPG to `/v2.0/oa/upload/image`; its attachment id."""
        data = await self._api("/v2.0/oa/upload/image", access_token, files=self._file(filename, content))
        attachment_id = data.get("attachment_id") if isinstance(data, dict) else None
        if not attachment_id:
            raise DeliveryError("zalo upload/image: no attachment_id in the answer")
        return str(attachment_id)

    @staticmethod
    def _file(filename: str, content: bytes) -> dict[str, tuple[str, bytes, str]]:
        kind = filename.rsplit(".", 1)[-1].lower()
        return {"file": (filename, content, _CONTENT_TYPES.get(kind, "application/octet-stream"))}

    async def _api(self, path: str, access_token: str, **request: Any) -> Any:
        headers = {"access_token": access_token, **request.pop("headers", {})}
        try:
            response = await self._http.post(self.api_base + path, headers=headers, **request)
        except httpx.HTTPError as error:
            raise DeliveryError(f"network: {type(error).__name__}") from error
        if response.status_code == 429:
            raise DeliveryError("HTTP 429", retry_after=_retry_after(response))
        if response.status_code >= 500:
            raise DeliveryError(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise DeliveryError(f"HTTP {response.status_code}: unreadable answer") from error
        code = _code(answer.get("error") if isinstance(answer, dict) else None)
        if code != 0:
            raise ZaloOAError(code, str(answer.get("message", "")))
        if response.status_code >= 400:
            raise DeliveryError(f"HTTP {response.status_code}", permanent=True)
        return answer.get("data")

    # --- OAuth v4 -----------------------------------------------------------------------------------

    async def refresh(self, refresh_token: str, now: datetime) -> TokenPair:
        """Spend the refresh token for a new pair (`/v4/oa/access_token`, grant_type=refresh_token)."""
        return await self._token(
            {"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}, now
        )

    async def exchange(self, code: str, code_verifier: str | None, now: datetime) -> TokenPair:
        """An authorisation code (`baocao zalo oa-auth`) for the first pair."""
        form = {"code": code, "app_id": self.app_id, "grant_type": "authorization_code"}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return await self._token(form, now)

    async def _token(self, form: dict[str, str], now: datetime) -> TokenPair:
        try:
            response = await self._http.post(
                self.oauth_base + "/v4/oa/access_token", data=form, headers={"secret_key": self._app_secret}
            )
        except httpx.HTTPError as error:
            raise DeliveryError(f"network: {type(error).__name__}") from error
        try:
            answer = response.json()
        except ValueError as error:
            raise DeliveryError(f"OAuth HTTP {response.status_code}: unreadable answer") from error
        if not isinstance(answer, dict):
            raise DeliveryError("OAuth: unreadable answer")
        code = _code(answer.get("error"))
        access, refresh = answer.get("access_token"), answer.get("refresh_token")
        if code != 0 or not access or not refresh:
            description = str(answer.get("error_description") or answer.get("error_name") or "")
            raise ZaloOAuthError(code or -1, description)
        try:
            seconds = int(answer.get("expires_in", 90000))  # Zalo sends it as a string: "90000"
        except (TypeError, ValueError):
            seconds = 3600
        return TokenPair(str(access), str(refresh), now + timedelta(seconds=seconds))


def _code(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


def _retry_after(response: httpx.Response) -> float:
    try:
        return float(response.headers.get("Retry-After", "60"))
    except ValueError:
        return 60.0


__all__ = ["ZaloOAClient", "ZaloOAError", "ZaloOAuthError"]
