"""The web app: POST /telegram/webhook (secret, answers, redelivery) and GET /healthz, in process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from bot.web import create_app
from tests.channels.telegram.conftest import SECRET, Bot, Cadre
from tests.channels.telegram.fake_bot_api import callback_update, text_update

URL = "/telegram/webhook"


@pytest.fixture
async def client(bot: Bot) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(bot.settings, running=bot.runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            yield http


async def post(
    client: httpx.AsyncClient, update: dict[str, Any], secret: str | None = SECRET
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return await client.post(URL, content=json.dumps(update), headers=headers)


async def test_a_request_without_the_right_secret_is_refused_and_applies_nothing(
    bot: Bot, client: httpx.AsyncClient
) -> None:
    update = text_update(101, f"/start {bot.world.codes['X1']}", update_id=bot.api.next_update_id())
    assert (await post(client, update, secret=None)).status_code == 401
    assert (await post(client, update, secret="wrong-secret")).status_code == 403
    await bot.settle()
    assert bot.api.texts(101) == []
    assert (await post(client, update)).status_code == 200
    await bot.settle()
    assert "Chào mừng" in bot.api.texts(101)[0]


def join(bot: Bot, user_id: int, unit: str) -> dict[str, Any]:
    return text_update(user_id, f"/start {bot.world.codes[unit]}", update_id=bot.api.next_update_id())


async def test_a_button_press_is_answered_in_the_webhook_response(
    bot: Bot, client: httpx.AsyncClient
) -> None:
    await post(client, join(bot, 101, "X1"))
    update = callback_update(101, "go", update_id=bot.api.next_update_id())
    response = await post(client, update)
    assert response.status_code == 200
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": update["callback_query"]["id"],
    }
    await bot.settle()
    assert "Mục 1/5" in bot.api.texts(101)[-1]


async def test_the_same_update_posted_twice_is_applied_once(bot: Bot, client: httpx.AsyncClient) -> None:
    update = text_update(101, f"/start {bot.world.codes['X1']}", update_id=bot.api.next_update_id())
    assert (await post(client, update)).status_code == 200
    assert (await post(client, update)).status_code == 200
    await bot.settle()
    assert len(bot.api.texts(101)) == 1


async def test_an_update_that_fails_half_way_gets_a_5xx_so_telegram_delivers_it_again(
    bot: Bot, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_handle = bot.runtime.service.handle
    failures = [OperationalError("INSERT", {}, ConnectionError("database down"))]

    async def handle_once_broken(inbound, within=None):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return await real_handle(inbound, within)

    monkeypatch.setattr(bot.runtime.service, "handle", handle_once_broken)
    update = text_update(101, f"/start {bot.world.codes['X1']}", update_id=bot.api.next_update_id())
    assert (await post(client, update)).status_code == 503
    await bot.settle()
    assert bot.api.texts(101) == []
    assert (await post(client, update)).status_code == 200
    await bot.settle()
    assert len(bot.api.texts(101)) == 1


async def test_a_body_that_is_not_an_update_is_a_bad_request(client: httpx.AsyncClient) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    response = await client.post(URL, content=b"{not json", headers=headers)
    assert response.status_code == 400


async def test_health_says_ok_while_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    # Started in process (no getMe, no setWebhook): Telegram is known, not yet checked nor registered.
    assert response.json()["channels"] == {
        "telegram": {"token_valid": None, "webhook": "not registered", "last_event": None}
    }


async def test_the_cadre_sees_the_same_replies_through_the_webhook_as_through_polling(
    bot: Bot, client: httpx.AsyncClient
) -> None:
    through_webhook = Cadre(bot, 201)
    await post(client, join(bot, 201, "X2"))
    await post(client, text_update(201, "/baocao", update_id=bot.api.next_update_id()))
    through_dispatcher = Cadre(bot, 202)
    await through_dispatcher.says(f"/start {bot.world.codes['X2']}")
    await through_dispatcher.says("/baocao")
    assert [c.params["text"] for c in await through_webhook.replies()] == [
        c.params["text"] for c in bot.api.messages(202)
    ]
