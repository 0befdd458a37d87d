"""POST /zalo/bot/webhook and GET /healthz in process: the secret header, flat and wrapped bodies,
bad bodies, a repeat, a failure half way (5xx, then applied when delivered again)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from bot.web import create_app
from tests.channels.zalo_bot.conftest import WEBHOOK_SECRET, ZaloBot
from tests.channels.zalo_bot.fake_bot import text_update, wrapped

URL = "/zalo/bot/webhook"


@pytest.fixture
async def client(zbot: ZaloBot) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(zbot.settings, running=zbot.runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            yield http


async def post(
    client: httpx.AsyncClient, body: dict[str, Any] | bytes, secret: str | None = WEBHOOK_SECRET
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Bot-Api-Secret-Token"] = secret
    content = body if isinstance(body, bytes) else json.dumps(body)
    return await client.post(URL, content=content, headers=headers)


async def test_without_the_secret_401_with_a_wrong_one_403_and_nothing_applied(
    zbot: ZaloBot, client: httpx.AsyncClient
) -> None:
    join = text_update("z1", zbot.world.codes["X1"])
    assert (await post(client, join, secret=None)).status_code == 401
    assert (await post(client, join, secret="wrong-secret-123")).status_code == 403
    assert (await post(client, join, secret=WEBHOOK_SECRET + "x")).status_code == 403
    await zbot.settle()
    assert zbot.fake.texts("z1") == []
    assert (await post(client, join)).status_code == 200
    await zbot.settle()
    assert "Chào mừng" in zbot.fake.texts("z1")[0]


async def test_flat_and_wrapped_bodies_are_both_applied(zbot: ZaloBot, client: httpx.AsyncClient) -> None:
    assert (await post(client, text_update("z2", zbot.world.codes["X2"]))).status_code == 200
    assert (await post(client, wrapped(text_update("z2", "báo cáo")))).status_code == 200
    await zbot.settle()
    texts = zbot.fake.texts("z2")
    assert "Xã Hai" in texts[0] and "Mục 1/5" in texts[-1]


async def test_the_same_message_posted_twice_is_applied_once(
    zbot: ZaloBot, client: httpx.AsyncClient
) -> None:
    join = text_update("z3", zbot.world.codes["X1"], message_id="same-id-1")
    assert (await post(client, join)).status_code == 200
    assert (await post(client, wrapped(join))).status_code == 200, "a repeat is acknowledged"
    await zbot.settle()
    assert len(zbot.fake.texts("z3")) == 1


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"ok": true, "result": 5}', b'{"event_name": 1}'])
async def test_a_body_that_is_not_an_update_is_a_bad_request(client: httpx.AsyncClient, body: bytes) -> None:
    assert (await post(client, body)).status_code == 400


async def test_a_huge_body_is_refused_unread(client: httpx.AsyncClient) -> None:
    body = json.dumps(text_update("z4", "x" * (10 * 1024 * 1024))).encode()
    assert (await post(client, body)).status_code == 413


async def test_unknown_events_are_acknowledged_and_change_nothing(
    zbot: ZaloBot, client: httpx.AsyncClient
) -> None:
    update = {"event_name": "message.reaction.received", "message": text_update("z5", "x")["message"]}
    assert (await post(client, update)).status_code == 200
    await zbot.settle()
    assert zbot.fake.texts("z5") == []


async def test_a_database_failure_half_way_is_a_5xx_and_the_message_applies_when_sent_again(
    zbot: ZaloBot, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    join = text_update("z6", zbot.world.codes["X1"])
    original = zbot.runtime.service.handle

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(zbot.runtime.service, "handle", broken)
    assert (await post(client, join)).status_code == 503
    monkeypatch.setattr(zbot.runtime.service, "handle", original)
    assert (await post(client, join)).status_code == 200
    await zbot.settle()
    assert len(zbot.fake.texts("z6")) == 1 and "Chào mừng" in zbot.fake.texts("z6")[0]


async def test_health_reports_the_zalo_bot(zbot: ZaloBot, client: httpx.AsyncClient) -> None:
    await zbot.runtime.channels["zalo_bot"].sender.me()  # type: ignore[union-attr]
    await zbot.runtime.channels["zalo_bot"].sender.set_webhook("https://x/zalo/bot/webhook", WEBHOOK_SECRET)  # type: ignore[union-attr]
    before = (await client.get("/healthz")).json()
    assert before["status"] == "ok"
    assert before["channels"] == {
        "zalo_bot": {"token_valid": True, "webhook": "registered", "last_event": None}
    }
    await post(client, text_update("z7", "xin chào"))
    after = (await client.get("/healthz")).json()["channels"]["zalo_bot"]
    assert after["last_event"] is not None and after["last_event"].endswith("+00:00")


async def test_health_is_503_while_the_database_is_down(
    zbot: ZaloBot, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(zbot.runtime.db, "session", down)
    response = await client.get("/healthz")
    assert response.status_code == 503 and "zalo_bot" in response.json()["channels"]
