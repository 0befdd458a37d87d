"""A fake Telegram Bot API server on 127.0.0.1 for tests and benchmarks.

It runs in a thread of its own (so a test may block, or run the bot in another process), records
every method called, serves `getUpdates` from a queue with Telegram's offset rules, and can be told
to fail the next calls of a method (HTTP 429 with `retry_after`, 500...).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.channels.fake_server import FakeServer

TOKEN = "123456789:TEST-token_for-the-fake-bot-api"
BOT_ID = 123456789
_JSON_FIELDS = {"reply_markup", "link_preview_options", "commands", "allowed_updates", "scope"}


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    file: bytes | None = None
    filename: str | None = None


@dataclass
class _Fault:
    method: str
    status: int
    body: dict[str, Any]
    count: int


class _Refused(Exception):
    """A method's answer is an error (a message to edit that does not exist, an edit that changes nothing)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class FakeBotApi(FakeServer):
    """The Bot API as the bot sees it: `base_url` goes into BAOCAO_TELEGRAM_API_BASE."""

    thread_name = "fake-bot-api"
    client_max_size = 64 * 1024 * 1024

    def __init__(self, token: str = TOKEN, *, record: bool = True, per_second: int | None = None) -> None:
        self.token = token
        self.record = record
        # Telegram's flood control, strictly: a send when `per_second` sends were accepted in the
        # second before it is answered 429 (counted in `flooded`), whichever process made it.
        self.per_second = per_second
        self.flooded = 0
        self._accepted: collections.deque[float] = collections.deque()
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._shown: dict[tuple[str, int], str] = {}  # (chat, message id) → the text it shows now
        self._faults: list[_Fault] = []
        self.confirmed_below = 0  # getUpdates offsets seen: updates below this are acknowledged
        self.on_send: Callable[[str, dict[str, Any]], None] | None = None
        self._arrived: asyncio.Event | None = None

    # --- running --------------------------------------------------------------------------------------

    async def on_loop(self) -> None:
        self._arrived = asyncio.Event()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)

    # --- what the test does ---------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (an update_id is given if missing); its update_id."""
        with self._lock:
            update.setdefault("update_id", next(self._next_update_id))
            self._updates.append(update)
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)
        return int(update["update_id"])

    def next_update_id(self) -> int:
        return next(self._next_update_id)

    def fail(
        self,
        method: str,
        status: int = 500,
        *,
        retry_after: int | None = None,
        count: int = 1,
        description: str = "Internal Server Error",
    ) -> None:
        """Make the next `count` calls of `method` fail with `status` (429: with retry_after)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body = _too_many(retry_after)
        with self._lock:
            self._faults.append(_Fault(method, status, body, count))

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """The texts sent with sendMessage, in order (to one chat if given)."""
        return [
            call.params["text"]
            for call in self.calls_of("sendMessage")
            if chat_id is None or str(call.params["chat_id"]) == str(chat_id)
        ]

    def screen(self, chat_id: int | str) -> list[str]:
        """The chat as the member sees it now: every text message, edits applied, in order."""
        with self._lock:
            return [text for (chat, _), text in sorted(self._shown.items()) if chat == str(chat_id)]

    def messages(self, chat_id: int | str) -> list[Call]:
        return [call for call in self.calls_of("sendMessage") if str(call.params["chat_id"]) == str(chat_id)]

    def pending_updates(self) -> list[int]:
        with self._lock:
            return [u["update_id"] for u in self._updates]

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Block until `predicate()` holds (for tests whose bot runs in another process)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; calls: {self._summary()}")
            time.sleep(0.02)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds without blocking the test's event loop."""
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
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        file: bytes | None = None
        filename: str | None = None
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                file, filename = value.file.read(), value.filename
                continue
            params[key] = json.loads(value) if key in _JSON_FIELDS else value
        with self._lock:
            fault = next((f for f in self._faults if f.method == method and f.count > 0), None)
            if fault is not None:
                fault.count -= 1
            elif self.per_second is not None and method.startswith("send") and self._flooding():
                fault = _Fault(method, 429, _too_many(1), 0)
                self.flooded += 1
            if self.record:
                self.calls.append(Call(method, params, file=file, filename=filename))
        if fault is not None:
            return _json(fault.body, fault.status)
        handler = getattr(self, f"_m_{method}", None)
        try:
            result = await handler(params) if handler is not None else True
        except _Refused as refused:
            body = {"ok": False, "error_code": refused.status, "description": refused.description}
            return _json(body, refused.status)
        if self.on_send is not None and method.startswith("send"):
            self.on_send(method, params)
        return _json({"ok": True, "result": result})

    def _flooding(self) -> bool:
        """Whether this send is one too many in the last second (else it is counted as accepted)."""
        now = time.monotonic()
        while self._accepted and self._accepted[0] <= now - 1.0:
            self._accepted.popleft()
        if self.per_second is not None and len(self._accepted) >= self.per_second:
            return True
        self._accepted.append(now)
        return False

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Báo cáo", "username": "BaoCaoTestBot"}

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        deadline = time.monotonic() + timeout
        assert self._arrived is not None
        while True:
            with self._lock:
                if offset:
                    # Telegram forgets every update below the offset: they are acknowledged.
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                    self.confirmed_below = max(self.confirmed_below, offset)
                ready = list(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                return ready
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass

    async def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            **extra,
        }

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = await self._message(params, text=params.get("text", ""))
        if self.record:
            with self._lock:
                self._shown[(str(params["chat_id"]), sent["message_id"])] = sent["text"]
        return sent

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params["chat_id"]), int(params["message_id"]))
        text = params.get("text", "")
        with self._lock:
            if key not in self._shown:
                raise _Refused(400, "Bad Request: message to edit not found")
            if self._shown[key] == text:
                raise _Refused(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply "
                    "markup are exactly the same as a current content and reply markup of the message",
                )
            self._shown[key] = text
        return {**await self._message(params, text=text), "message_id": key[1], "edit_date": int(time.time())}

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._message(
            params, document={"file_id": "DOC", "file_unique_id": "DOCU", "file_name": "f"}
        )


def _too_many(retry_after: int) -> dict[str, Any]:
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


# --- updates as Telegram sends them -------------------------------------------------------------------


def _user(user_id: int, name: str = "Cán bộ") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}


def _chat(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "type": "private", "first_name": "Cán bộ"}


_MESSAGE_IDS = itertools.count(50_000)


def text_update(user_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
    """A private text message from `user_id` (a `/start CODE` deep link is a text message too)."""
    message: dict[str, Any] = {
        "message_id": next(_MESSAGE_IDS),
        "date": int(time.time()),
        "chat": _chat(user_id),
        "from": _user(user_id),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    update: dict[str, Any] = {"message": message}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def callback_update(
    user_id: int, data: str, update_id: int | None = None, message_id: int = 1
) -> dict[str, Any]:
    """A press on an inline button carrying `data`, on the bot's message `message_id`."""
    update: dict[str, Any] = {
        "callback_query": {
            "id": f"cq{next(_MESSAGE_IDS)}",
            "from": _user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(user_id),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Báo cáo"},
                "text": "…",
            },
        }
    }
    if update_id is not None:
        update["update_id"] = update_id
    return update


def photo_update(user_id: int, caption: str = "", update_id: int | None = None) -> dict[str, Any]:
    """A photo (Telegram sends several sizes, smallest first)."""
    update = text_update(user_id, "", update_id)
    message = update["message"]
    del message["text"]
    message["photo"] = [
        {"file_id": "PHOTO-small", "file_unique_id": "ps", "width": 90, "height": 60, "file_size": 1_000},
        {"file_id": "PHOTO-large", "file_unique_id": "pl", "width": 1280, "height": 853, "file_size": 98_765},
    ]
    if caption:
        message["caption"] = caption
    return update


def document_update(user_id: int, file_name: str, size: int, update_id: int | None = None) -> dict[str, Any]:
    """A file sent as a document."""
    update = text_update(user_id, "", update_id)
    message = update["message"]
    del message["text"]
    message["document"] = {
        "file_id": "DOC-1",
        "file_unique_id": "d1",
        "file_name": file_name,
        "mime_type": "application/pdf",
        "file_size": size,
    }
    return update


def buttons_of(call: Call) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button of a sendMessage call."""
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
