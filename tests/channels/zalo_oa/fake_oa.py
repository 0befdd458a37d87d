"""A fake Zalo OA API and OAuth server on 127.0.0.1, from Zalo's documented payloads.

It runs in a thread of its own (so the bot may run in the test's loop or another process), records
every message and upload, answers errors as Zalo does (HTTP 200, `error != 0`), and spends refresh
tokens once: a refresh token presented a second time is refused as Zalo refuses it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.zalo_oa.mapping import signature
from tests.channels.fake_server import FakeServer

APP_ID = "3608465249409039"
OA_SECRET_KEY = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"
# What Zalo's OAuth server answers for a refresh token it does not know or already took.
USED_REFRESH = {
    "error": -14014,
    "error_name": "Invalid refresh token",
    "error_description": "Invalid refresh token",
}


@dataclass(frozen=True)
class Sent:
    """One `message/cs` the bot made (as accepted)."""

    user_id: str
    message: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        attachment = self.message.get("attachment") or {}
        payload = attachment.get("payload") or {}
        return list(payload.get("buttons") or [])


class FakeOA(FakeServer):
    """`base_url` goes into BAOCAO_ZALO_OA_API_BASE and BAOCAO_ZALO_OA_OAUTH_BASE."""

    thread_name = "fake-zalo-oa"
    client_max_size = 16 * 1024 * 1024

    def __init__(self, *, refresh_delay: float = 0.0) -> None:
        self.refresh_delay = refresh_delay  # seconds the OAuth server takes: widens a race
        self.sent: list[Sent] = []
        self.uploads: list[tuple[str, str, bytes]] = []  # (kind, filename, content)
        self.refused: list[dict[str, Any]] = []  # requests answered with error != 0
        self.presented: list[str] = []  # refresh tokens presented, in order
        self.codes: dict[str, str | None] = {}  # authorisation code -> PKCE challenge
        self._faults: list[tuple[str, dict[str, Any], int]] = []
        self._valid_access: set[str] = set()
        self._valid_refresh: set[str] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # --- running --------------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v2.0/oa/upload/file", self._upload_file)
        app.router.add_post("/v2.0/oa/upload/image", self._upload_image)
        app.router.add_post("/v4/oa/access_token", self._access_token)

    # --- what the test does ---------------------------------------------------------------------------

    def issue_pair(self) -> tuple[str, str]:
        """A fresh valid (access, refresh) pair, as an authorisation would give."""
        access, refresh = "acc-" + secrets.token_hex(8), "ref-" + secrets.token_hex(8)
        with self._lock:
            self._valid_access.add(access)
            self._valid_refresh.add(refresh)
        return access, refresh

    def expire_access(self, token: str | None = None) -> None:
        """Zalo stops accepting an access token (all of them when None): it answers -216."""
        with self._lock:
            if token is None:
                self._valid_access.clear()
            else:
                self._valid_access.discard(token)

    def add_code(self, code: str, challenge: str | None = None) -> None:
        with self._lock:
            self.codes[code] = challenge

    def fail(self, path: str, error: int, message: str = "error", count: int = 1) -> None:
        """Answer the next `count` calls to `path` with HTTP 200 and `error`."""
        with self._lock:
            self._faults.append((path, {"error": error, "message": message}, count))

    def texts(self, user_id: str | None = None) -> list[str]:
        with self._lock:
            return [s.text for s in self.sent if user_id is None or s.user_id == user_id]

    def messages(self, user_id: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.user_id == user_id]

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; sent: {self.texts()[-5:]}")
            await asyncio.sleep(0.01)

    # --- the OA API -----------------------------------------------------------------------------------

    def _fault(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            for index, (where, body, count) in enumerate(self._faults):
                if where == path and count > 0:
                    self._faults[index] = (where, body, count - 1)
                    return body
        return None

    def _token_ok(self, request: web.Request) -> bool:
        with self._lock:
            return request.headers.get("access_token", "") in self._valid_access

    def _refuse(self, body: dict[str, Any], request: str) -> web.Response:
        with self._lock:
            self.refused.append({"request": request, **body})
        return web.json_response(body)

    async def _message(self, request: web.Request) -> web.Response:
        fault = self._fault("/v3.0/oa/message/cs")
        if fault is not None:
            return self._refuse(fault, "message")
        if not self._token_ok(request):
            return self._refuse({"error": -216, "message": "Access token is invalid"}, "message")
        body = await request.json()
        user_id, message = str(body["recipient"]["user_id"]), body["message"]
        text = message.get("text", "")
        if len(text.encode("utf-16-le")) // 2 > 2000:
            return self._refuse({"error": -201, "message": "text is too long"}, "message")
        with self._lock:
            self.sent.append(Sent(user_id, message))
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"m{next(self._ids)}", "user_id": user_id},
            }
        )

    async def _upload(self, request: web.Request, kind: str) -> tuple[str, bytes] | web.Response:
        path = f"/v2.0/oa/upload/{kind}"
        fault = self._fault(path)
        if fault is not None:
            return self._refuse(fault, kind)
        if not self._token_ok(request):
            return self._refuse({"error": -216, "message": "Access token is invalid"}, kind)
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return self._refuse({"error": -201, "message": "file is missing"}, kind)
        content = upload.file.read()
        if len(content) > 5 * 1024 * 1024:
            return self._refuse({"error": -210, "message": "file is too large"}, kind)
        with self._lock:
            self.uploads.append((kind, upload.filename, content))
        return upload.filename, content

    async def _upload_file(self, request: web.Request) -> web.Response:
        got = await self._upload(request, "file")
        if isinstance(got, web.Response):
            return got
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"token": f"ft{next(self._ids)}"}}
        )

    async def _upload_image(self, request: web.Request) -> web.Response:
        got = await self._upload(request, "image")
        if isinstance(got, web.Response):
            return got
        data = {"attachment_id": f"img{next(self._ids)}"}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    # --- OAuth v4 -------------------------------------------------------------------------------------

    async def _access_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return web.json_response({"error": -14002, "error_name": "Invalid app", "error_description": "x"})
        grant = form.get("grant_type")
        if grant == "refresh_token":
            token = str(form.get("refresh_token", ""))
            with self._lock:
                self.presented.append(token)
                known = token in self._valid_refresh
                self._valid_refresh.discard(token)  # spent at once: a second presentation is refused
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            if not known:
                return web.json_response(USED_REFRESH)
        elif grant == "authorization_code":
            code = str(form.get("code", ""))
            with self._lock:
                known = code in self.codes
                challenge = self.codes.pop(code, None)
            verifier = str(form.get("code_verifier", ""))
            if not known or (challenge is not None and _challenge(verifier) != challenge):
                return web.json_response(
                    {"error": -14019, "error_name": "Invalid code", "error_description": "Invalid code"}
                )
        else:
            return web.json_response(
                {"error": -14001, "error_name": "Invalid grant", "error_description": "x"}
            )
        access, refresh = self.issue_pair()
        return web.json_response({"access_token": access, "refresh_token": refresh, "expires_in": "90000"})


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


# --- events as Zalo posts them to the webhook --------------------------------------------------------

_msg_ids = itertools.count(1)


def now_ms() -> int:
    return int(time.time() * 1000)


def text_event(
    user_id: str, text: str, *, msg_id: str | None = None, at: int | None = None
) -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "user_id_by_app": "55" + user_id,
        "event_name": "user_send_text",
        "timestamp": str(at if at is not None else now_ms()),
        "sender": {"id": user_id},
        "recipient": {"id": "388613280878808645"},
        "message": {"text": text, "msg_id": msg_id or f"msg{next(_msg_ids)}{secrets.token_hex(4)}"},
    }


def file_event(user_id: str, *, name: str, size: int, url: str) -> dict[str, Any]:
    event = text_event(user_id, "")
    event["event_name"] = "user_send_file"
    event["message"] = {
        "msg_id": f"msg{next(_msg_ids)}{secrets.token_hex(4)}",
        "attachments": [
            {"type": "file", "payload": {"url": url, "name": name, "size": str(size), "type": "pdf"}}
        ],
    }
    return event


def image_event(user_id: str, *, url: str) -> dict[str, Any]:
    event = text_event(user_id, "")
    event["event_name"] = "user_send_image"
    event["message"] = {
        "msg_id": f"msg{next(_msg_ids)}{secrets.token_hex(4)}",
        "text": "",
        "attachments": [{"type": "image", "payload": {"url": url, "thumbnail": url}}],
    }
    return event


def follow_event(user_id: str, name: str = "follow") -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "oa_id": "388613280878808645",
        "user_id_by_app": "55" + user_id,
        "event_name": name,
        "source": "oa_profile",
        "timestamp": str(now_ms()),
        "follower": {"id": user_id},
    }


def signed(event: dict[str, Any], secret: str = OA_SECRET_KEY) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers Zalo sends with it."""
    body = json.dumps(event, ensure_ascii=False).encode()
    header = signature(APP_ID, body, str(event.get("timestamp", "")), secret)
    return body, {"X-ZEvent-Signature": header, "Content-Type": "application/json"}
