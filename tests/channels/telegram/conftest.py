"""The Telegram bot in this process against the fake Bot API, and a cadre who talks to it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.app import Runtime, runtime
from bot.config import Settings
from tests.channels.telegram.fake_bot_api import (
    TOKEN,
    Call,
    FakeBotApi,
    buttons_of,
    callback_update,
    text_update,
)
from tests.channels.telegram.world import World, build_world
from tests.secret import SECRET as SECRET_KEY

SECRET = "test-webhook-secret_1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real bot processes (still run in CI; about 30 s)")


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


def settings_for(database_url: str, api: FakeBotApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "telegram_token": TOKEN,
        "telegram_api_base": api.base_url,
        "telegram_webhook_secret": SECRET,
        "secret_key": SECRET_KEY,
        "public_url": "https://baocao.example.vn",
        # The limits are the outbox's business (tested there); here replies should not wait.
        "telegram_messages_per_second": 1000.0,
        "telegram_chat_messages_per_second": 1000.0,
        "telegram_chat_burst": 100,
        "outbox_poll_seconds": 0.05,
        "outbox_lease_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Bot:
    """The running bot, its fake Bot API and the world it serves."""

    runtime: Runtime
    api: FakeBotApi
    world: World
    settings: Settings

    async def settle(self) -> None:
        """Wait until every reply queued so far has reached the Bot API."""
        await self.api.until(lambda: self.runtime.outbox.held == 0)


@pytest.fixture
async def bot(database_url: str, fake_api: FakeBotApi) -> AsyncIterator[Bot]:
    settings = settings_for(database_url, fake_api)
    async with runtime(settings) as running:
        world = await build_world(running.db)
        yield Bot(running, fake_api, world, settings)


@dataclass
class Cadre:
    """A Telegram user talking to the bot: each message or press is one update through the dispatcher."""

    bot: Bot
    user_id: int
    seen: int = 0
    update_ids: list[int] = field(default_factory=list)

    async def deliver(self, raw: dict[str, Any]) -> str | None:
        raw.setdefault("update_id", self.bot.api.next_update_id())
        self.update_ids.append(raw["update_id"])
        update = self.bot.runtime.telegram.sender.parse_update(json.dumps(raw))
        return await self.bot.runtime.telegram.apply(update)

    async def replies(self) -> list[Call]:
        await self.bot.settle()
        calls = self.bot.api.messages(self.user_id)
        new, self.seen = calls[self.seen :], len(calls)
        return new

    async def says(self, text: str) -> str:
        await self.deliver(text_update(self.user_id, text))
        return "\n\n".join(call.params["text"] for call in await self.replies())

    async def presses(self, action: str) -> str:
        query_id = await self.deliver(callback_update(self.user_id, action))
        assert query_id is not None, "a button press must be answered"
        return "\n\n".join(call.params["text"] for call in await self.replies())

    def buttons(self) -> list[tuple[str, str]]:
        """The buttons under the bot's last message to this cadre."""
        calls = self.bot.api.messages(self.user_id)
        return buttons_of(calls[-1]) if calls else []
