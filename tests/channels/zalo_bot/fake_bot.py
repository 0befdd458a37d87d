"""A fake Zalo Bot Platform (`/bot<TOKEN>/<method>`) on 127.0.0.1, for tests and benchmarks.

Written from the platform's documented payloads: getMe; getUpdates answering ONE update per call, or
HTTP 408 when none came within the timeout; sendMessage refusing more than 2,000 characters;
sendChatAction; setWebhook / deleteWebhook / getWebhookInfo. Answers come wrapped in
{"ok": true, "result": ...}, or flat when told (`flat=True`). It runs in a thread of its own (so a test
may block, or run the bot in another process), records every call, and fails calls on cue.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.channels.fake_server import FakeServer

TOKEN = "3067291837462983:ZaloTestTokenForTheFakeBot"
BOT = {"id": "7a1c0d9e5f", "account_name": "bot.baocao", "account_type": "BASIC", "can_join_groups": False}
MAX_TEXT = 2000


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_message_ids = itertools.count(1)


def text_update(
    user: str, text: str, *, message_id: str | None = None, name: str = "Cán bộ"
) -> dict[str, Any]:
    """A private text message from `user`, as the platform sends it (flat)."""
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": user, "display_name": name, "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id or f"msg{next(_message_ids):06d}",
            "date": int(time.time() * 1000),
        },
    }


def other_update(user: str, event: str, **fields: Any) -> dict[str, Any]:
    """A private message of another kind (image, sticker, unsupported) from `user`."""
    return {
        "event_name": event,
        "message": {
            "from": {"id": user, "display_name": "Cán bộ", "is_bot": False},
            "chat": {"id": user, "chat_type": "PRIVATE"},
            "message_id": f"msg{next(_message_ids):06d}",
            "date": int(time.time() * 1000),
            **fields,
        },
    }


def wrapped(update: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "result": update}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Fault:
    method: str
    status: int
    body: dict[str, Any]
    count: int


class FakeZaloBot(FakeServer):
    """The Zalo Bot Platform as the bot sees it: `base_url` goes into BAOCAO_ZALO_BOT_API_BASE."""

    thread_name = "fake-zalo-bot"

    def __init__(self, token: str = TOKEN, *, flat: bool = False) -> None:
        self.token = token
        self.flat = flat
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._faults: list[_Fault] = []
        self._arrived: asyncio.Event | None = None

    # --- running --------------------------------------------------------------------------------------

    async def on_loop(self) -> None:
        self._arrived = asyncio.Event()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)

    # --- what the test does ---------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (pushed twice, it is handed out twice, as the platform may)."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)

    def fail(self, method: str, status: int = 500, *, retry_after: int | None = None, count: int = 1) -> None:
        """Make the next `count` calls of `method` fail with `status` (429: with retry_after)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": f"error {status}"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._faults.append(_Fault(method, status, body, count))

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [
            call.params["text"]
            for call in self.calls_of("sendMessage")
            if chat_id is None or call.params.get("chat_id") == chat_id
        ]

    def pending(self) -> int:
        with self._lock:
            return len(self._updates)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; calls: {self._summary()}")
            time.sleep(0.02)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; calls: {self._summary()}")
            await asyncio.sleep(0.01)

    def _summary(self) -> str:
        with self._lock:
            return ", ".join(f"{c.method}({str(c.params.get('text', ''))[:40]!r})" for c in self.calls[-20:])

    # --- the server -----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        try:
            params = await request.json() if request.can_read_body else {}
        except ValueError:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad JSON"}, status=400)
        with self._lock:
            fault = next((f for f in self._faults if f.method == method and f.count > 0), None)
            if fault is not None:
                fault.count -= 1
            if method != "getUpdates" or fault is not None:
                self.calls.append(Call(method, dict(params or {})))
        if fault is not None:
            return web.json_response(fault.body, status=fault.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        if method == "getUpdates":
            return await self._m_getUpdates(dict(params or {}), request)
        return await handler(dict(params or {}))

    def _ok(self, result: Any) -> web.Response:
        if self.flat and isinstance(result, dict):
            return web.json_response(result)
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(BOT)

    async def _m_getUpdates(self, params: dict[str, Any], request: web.Request) -> web.Response:
        assert self._arrived is not None
        if self.webhook:
            body = {"ok": False, "error_code": 409, "description": "webhook is set"}
            return web.json_response(body, status=409)
        deadline = time.monotonic() + float(params.get("timeout", 30))
        while True:
            if request.transport is None or request.transport.is_closing():
                # The poller went away (stopped, killed): the update stays for the next one.
                return web.json_response({"ok": False, "error_code": 408}, status=408)
            with self._lock:
                if self._updates:
                    update = self._updates.pop(0)
                    self.calls.append(Call("getUpdates", {"handed": update}))
                    return self._ok(update)
                self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                # Nothing came: HTTP 408, which a long poll reads as "ask again", not as an error.
                return web.json_response(
                    {"ok": False, "error_code": 408, "description": "Request timeout"}, status=408
                )
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                pass

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = str(params.get("text", ""))
        if not params.get("chat_id") or not text or utf16(text) > MAX_TEXT:
            body = {"ok": False, "error_code": 400, "description": "Bad Request: text too long or empty"}
            return web.json_response(body, status=400)
        return self._ok({"message_id": f"sent{time.monotonic_ns()}", "date": int(time.time() * 1000)})

    async def _m_sendChatAction(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _m_setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        return self._ok({"url": params.get("url"), "updated_at": int(time.time() * 1000)})

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook = {}
        return self._ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> web.Response:
        return self._ok({"url": self.webhook.get("url", ""), "updated_at": int(time.time() * 1000)})
