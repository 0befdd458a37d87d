"""The Zalo Bot in this process against the fake Zalo Bot Platform, and cadres who talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import Runtime, runtime
from bot.channels.zalo_bot import mapping
from bot.channels.zalo_bot.runner import ZaloBotUpdates
from bot.config import Settings
from storage.invites import create_invite
from tests.channels.telegram.world import World, build_world
from tests.channels.zalo_bot.fake_bot import TOKEN, FakeZaloBot, text_update
from tests.secret import SECRET as SECRET_KEY

WEBHOOK_SECRET = "zalo-webhook-secret_42"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real bot processes (still run in CI)")


@pytest.fixture
def fake_zalo() -> Iterator[FakeZaloBot]:
    with FakeZaloBot() as fake:
        yield fake


def zalo_settings(database_url: str, fake: FakeZaloBot, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "zalo_bot_token": TOKEN,
        "zalo_bot_api_base": fake.base_url,
        "zalo_bot_webhook_secret": WEBHOOK_SECRET,
        "zalo_bot_polling_timeout": 1,
        "secret_key": SECRET_KEY,
        "public_url": "https://baocao.example.vn",
        # The limits are the outbox's business (tested there); here replies should not wait.
        "zalo_bot_messages_per_second": 1000.0,
        "zalo_bot_chat_messages_per_second": 1000.0,
        "zalo_bot_chat_burst": 100,
        "outbox_poll_seconds": 0.05,
        "outbox_lease_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class ZaloWorld:
    codes: dict[str, str]  # unit code -> invite code (X1, X2 reporters; H the district's supervisor)


async def build_zalo_world(running: Runtime) -> ZaloWorld:
    world: World = await build_world(running.db)
    async with running.db.session() as session, session.begin():
        supervisor = await create_invite(
            session, "H", "supervisor", uses=5, days=30, now=datetime.now(UTC), secret=SECRET_KEY
        )
    return ZaloWorld({**world.codes, "H": supervisor})


@dataclass
class ZaloBot:
    """The running bot, its fake platform and the world it serves."""

    runtime: Runtime
    fake: FakeZaloBot
    world: ZaloWorld
    settings: Settings

    @property
    def updates(self) -> ZaloBotUpdates:
        return self.runtime.channels["zalo_bot"].updates  # type: ignore[no-any-return]

    async def settle(self) -> None:
        """Wait until every reply queued so far has reached the platform."""
        await self.fake.until(lambda: self.runtime.outbox.held == 0)


@pytest.fixture
async def zbot(database_url: str, fake_zalo: FakeZaloBot) -> AsyncIterator[ZaloBot]:
    settings = zalo_settings(database_url, fake_zalo)
    async with runtime(settings, with_telegram=False) as running:
        world = await build_zalo_world(running)
        yield ZaloBot(running, fake_zalo, world, settings)


@dataclass
class ZaloCadre:
    """A Zalo user talking to the bot: each message is one update applied as the webhook would."""

    bot: ZaloBot
    user: str
    seen: int = 0

    async def deliver(self, raw: dict[str, Any]) -> None:
        await self.bot.updates.apply(mapping.parse_update(raw))

    async def replies(self) -> list[str]:
        await self.bot.settle()
        texts = self.bot.fake.texts(self.user)
        new, self.seen = texts[self.seen :], len(texts)
        return new

    async def says(self, text: str) -> str:
        await self.deliver(text_update(self.user, text))
        return "\n\n".join(await self.replies())
