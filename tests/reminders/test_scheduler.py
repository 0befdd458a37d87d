"""The scheduler runs in the runtime (`serve`, `poll`): a pass every interval, stopped with it."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import runtime
from bot.config import Settings
from tests.bot.oversight_world import Province
from tests.reminders.conftest import local, queued, reminders


def settings_for(database_url: str, **values: object) -> Settings:
    return Settings(_env_file=None, database_url=database_url, outbox_poll_seconds=0.05, **values)  # type: ignore[call-arg]


async def test_the_runtime_s_scheduler_sends_what_is_due_by_itself(
    province: Province, database_url: str
) -> None:
    await province.joined("x11", "X11")
    settings = settings_for(database_url, reminders_interval_seconds=0.05)
    async with runtime(settings, with_telegram=False, db=province.database, with_scheduler=True) as running:
        running.scheduler.clock = lambda: local(2030, 6, 27, 8, 0)
        for _ in range(200):
            if await reminders(province.database):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # several more ticks: nothing twice
    assert len((await queued(province.database))["x11"]) == 1
    assert [kind for kind, *_ in await reminders(province.database)] == ["scheduled"]


async def test_without_the_scheduler_nothing_is_sent_by_itself_but_nhac_works(
    province: Province, database_url: str
) -> None:
    await province.joined("x11", "X11")
    async with runtime(settings_for(database_url), with_telegram=False, db=province.database) as running:
        assert running.service.reminders is running.scheduler.by_hand
        await asyncio.sleep(0.1)
    assert await reminders(province.database) == []


def test_reminder_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOCAO_REMINDERS_COOLDOWN_HOURS", "2.5")
    monkeypatch.setenv("BAOCAO_REMINDERS_INTERVAL_SECONDS", "30")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.reminders.cooldown_hours == 2.5 and settings.reminders.interval_seconds == 30
