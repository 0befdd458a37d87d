"""The OA channel in this process against the fake OA, its webhook called through the ASGI app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.app import Runtime, runtime
from bot.config import Settings
from bot.web import create_app
from storage.zalo_oa import TokenPair, store_pair
from tests.channels.telegram.world import World, build_world
from tests.channels.zalo_oa.fake_oa import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeOA, Sent, signed, text_event
from tests.secret import SECRET as SECRET_KEY


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts real bot processes (still run in CI)")


@pytest.fixture
def fake_oa() -> Iterator[FakeOA]:
    with FakeOA() as fake:
        yield fake


def settings_for(database_url: str, fake: FakeOA, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "zalo_oa_app_id": APP_ID,
        "zalo_oa_secret_key": OA_SECRET_KEY,
        "zalo_oa_app_secret": APP_SECRET,
        "zalo_oa_api_base": fake.base_url,
        "zalo_oa_oauth_base": fake.base_url,
        "zalo_oa_messages_per_second": 1000.0,
        "zalo_oa_chat_messages_per_second": 1000.0,
        "zalo_oa_chat_burst": 100,
        "secret_key": SECRET_KEY,
        "public_url": "https://baocao.example.vn",
        "outbox_poll_seconds": 0.05,
        "outbox_lease_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def authorise(running: Runtime, fake: FakeOA, *, hours: float = 25.0) -> TokenPair:
    """Store a pair the fake accepts, as `baocao zalo oa-auth` would."""
    access, refresh = fake.issue_pair()
    now = datetime.now(UTC)
    pair = TokenPair(access, refresh, now + timedelta(hours=hours))
    await store_pair(running.db, APP_ID, pair, now)
    return pair


@dataclass
class OABot:
    runtime: Runtime
    fake: FakeOA
    world: World
    http: httpx.AsyncClient

    async def post(self, event: dict[str, Any], **headers: str) -> httpx.Response:
        body, signed_headers = signed(event)
        return await self.http.post("/zalo/oa/webhook", content=body, headers={**signed_headers, **headers})

    async def settle(self) -> None:
        await self.fake.until(lambda: self.runtime.outbox.held == 0)


@pytest.fixture
async def oa(database_url: str, fake_oa: FakeOA) -> AsyncIterator[OABot]:
    settings = settings_for(database_url, fake_oa)
    async with runtime(settings) as running:
        world = await build_world(running.db)
        await authorise(running, fake_oa)
        app = create_app(settings, running=running)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield OABot(running, fake_oa, world, http)


@dataclass
class Cadre:
    """A Zalo user writing to the OA: each message is one signed webhook event."""

    bot: OABot
    user_id: str
    seen: int = 0

    async def send(self, event: dict[str, Any]) -> list[Sent]:
        response = await self.bot.post(event)
        assert response.status_code == 200, response.text
        return await self.replies()

    async def replies(self, at_least: int = 1) -> list[Sent]:
        await self.bot.fake.until(lambda: len(self.bot.fake.messages(self.user_id)) >= self.seen + at_least)
        await self.bot.settle()
        sent = self.bot.fake.messages(self.user_id)
        new, self.seen = sent[self.seen :], len(sent)
        return new

    async def says(self, text: str) -> str:
        return "\n\n".join(s.text for s in await self.send(text_event(self.user_id, text)))

    async def presses(self, label_part: str) -> str:
        """Press the button whose title contains `label_part` under the last message: Zalo sends its
        payload back as the member's text."""
        payload = self.button(label_part)["payload"]
        return await self.says(payload)

    def button(self, label_part: str) -> dict[str, Any]:
        for sent in reversed(self.bot.fake.messages(self.user_id)):
            for button in sent.buttons:
                if label_part.lower() in button["title"].lower():
                    return button
        raise AssertionError(f"no button {label_part!r}; last: {json.dumps(self.last().message)[:400]}")

    def last(self) -> Sent:
        return self.bot.fake.messages(self.user_id)[-1]
